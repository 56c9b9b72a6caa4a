"""vae_lib.compiled: the one helper for compiled, batched evaluation (split -> jit -> merge, batch by batch)."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from vae_lib.compiled import apply_in_batches
from vae_lib.models import Encoder


def _encoder(batch_norm=False):
    return Encoder((8, 8, 1), (4, 8), 3, variational=False, batch_norm=batch_norm, rngs=nnx.Rngs(0))


def _images(n, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (n, 8, 8, 1)).astype(np.float32)


def _codes_and_norm(model, x, scale):
    z = model(x)
    return {"z": z * scale[:, None], "norm": jnp.linalg.norm(z, axis=1)}    # a pytree of (B, ...) arrays


@pytest.mark.parametrize("batch_size", [1, 4, 5, 23, 100])
def test_batches_with_a_remainder_give_the_unbatched_result(batch_size):
    model, x = _encoder(), _images(23)
    scale = np.arange(23, dtype=np.float32)                                  # a second array, cut with the images
    out = apply_in_batches(_codes_and_norm, model, x, scale, batch_size=batch_size)
    want = jax.jit(lambda x, s: _codes_and_norm(model, x, s))(x, scale)     # all 23 images at once
    assert isinstance(out["z"], np.ndarray) and out["z"].shape == (23, 3) and out["norm"].shape == (23,)
    np.testing.assert_allclose(out["z"], want["z"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["norm"], want["norm"], rtol=1e-5, atol=1e-6)
    assert not np.allclose(out["z"][1], out["z"][0])                        # every row its own image


def test_no_images_give_empty_results_of_the_right_shape():
    out = apply_in_batches(_codes_and_norm, _encoder(), _images(0), np.zeros(0, np.float32), batch_size=4)
    assert out["z"].shape == (0, 3) and out["norm"].shape == (0,) and out["z"].dtype == np.float32


def _call(model, x):
    return model(x)


def test_runs_in_eval_mode_and_puts_the_mode_back():
    model, x = _encoder(batch_norm=True), _images(10)
    model.train()
    out = apply_in_batches(_call, model, x, batch_size=3)
    assert model.norms[0].use_running_average is False                      # back in train mode
    model.eval()
    np.testing.assert_allclose(out, model(jnp.asarray(x)), rtol=1e-5, atol=1e-6)   # running averages were used
    model.train()
    assert not np.allclose(out, model(jnp.asarray(x)), atol=1e-3)          # batch statistics differ (the control)


def _noise(model, x, key):
    return jax.random.normal(key, (x.shape[0],))


def test_each_batch_gets_the_next_split_key():
    out = apply_in_batches(_noise, _encoder(), _images(7), batch_size=3, key=jax.random.key(5))
    key, want = jax.random.key(5), []
    for n in (3, 3, 1):
        key, sub = jax.random.split(key)
        want.append(np.asarray(jax.random.normal(sub, (n,))))
    np.testing.assert_array_equal(out, np.concatenate(want))


def test_without_a_model_the_function_is_called_as_it_is():
    seen = []
    out = apply_in_batches(lambda _, x: seen.append(len(x)) or np.asarray(x).sum(axis=(1, 2, 3)), None,
                           _images(10), batch_size=4)
    assert seen == [4, 4, 2] and out.shape == (10,)
    np.testing.assert_allclose(out, _images(10).sum(axis=(1, 2, 3)), rtol=1e-6)


def test_arrays_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="same length"):
        apply_in_batches(_codes_and_norm, _encoder(), _images(4), np.zeros(3, np.float32), batch_size=2)


def test_a_model_called_on_many_images_at_once_gives_the_one_call_result(monkeypatch):
    """Called eagerly on more than EAGER_BATCH images, a model runs them in parts (the last one padded): the same
    outputs, shapes and types as one compiled call on all of them; BatchNorm in train mode is not cut up."""
    import vae_lib.compiled as compiled
    monkeypatch.setattr(compiled, "EAGER_BATCH", 4)
    model, x = _encoder(), _images(11)
    out = model(jnp.asarray(x))
    want = jax.jit(lambda x: model(x))(x)                                   # traced: all 11 images in one program
    assert isinstance(out, jax.Array) and out.shape == (11, 3)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)
    assert not np.allclose(out[8], out[0])                                  # every row its own image, not padding
    bn = _encoder(batch_norm=True)
    bn.train()
    out = bn(jnp.asarray(x))
    monkeypatch.setattr(compiled, "EAGER_BATCH", 100)
    np.testing.assert_allclose(out, bn(jnp.asarray(x)), rtol=1e-5, atol=1e-6)   # one call, batch statistics of all 11
    assert not np.allclose(bn(jnp.asarray(x[:4])), out[:4], atol=1e-3)         # (the control: of 4 they differ)
