import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from vae_lib import models


def test_book_autoencoder_parameter_counts_match_the_book():
    ae = models.Autoencoder(rngs=nnx.Rngs(0))
    assert models.count_params(ae.encoder) == 96_770
    assert models.count_params(ae.decoder) == 246_273


def test_autoencoder_shapes():
    ae = models.Autoencoder(rngs=nnx.Rngs(0))
    x = jnp.zeros((5, 32, 32, 1))
    assert ae.encode(x).shape == (5, 2)
    assert ae(x).shape == (5, 32, 32, 1)
    img = ae.decode(jnp.zeros((3, 2)))
    assert img.shape == (3, 32, 32, 1) and float(img.min()) >= 0 and float(img.max()) <= 1


def test_book_vae_shapes_and_heads():
    vae = models.book_vae(rngs=nnx.Rngs(0))
    assert models.count_params(vae.encoder) == 96_770 + 4_098  # the second Dense(2) head
    logits, mean, log_var = vae(jnp.ones((4, 32, 32, 1)) * 0.5, jax.random.key(0))
    assert logits.shape == (4, 32, 32, 1) and mean.shape == (4, 2) and log_var.shape == (4, 2)


def test_vae_sample_depends_on_the_key_only_through_z():
    vae = models.book_vae(rngs=nnx.Rngs(0))
    x = jnp.ones((2, 32, 32, 1)) * 0.5
    a, _, _ = vae(x, jax.random.key(0))
    b, _, _ = vae(x, jax.random.key(0))
    c, _, _ = vae(x, jax.random.key(1))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_celeba_vae_shapes_and_batchnorm_modes():
    vae = models.celeba_vae(image_shape=(64, 64, 3), latent_dim=200, width=32, rngs=nnx.Rngs(0))
    x = jax.random.uniform(jax.random.key(0), (2, 64, 64, 3))
    logits, mean, _ = vae(x, jax.random.key(1))
    assert logits.shape == (2, 64, 64, 3) and mean.shape == (2, 200)
    vae.eval()
    m1, _ = vae.encode(x)
    m2, _ = vae.encode(x[:1])
    np.testing.assert_allclose(m1[:1], m2, atol=1e-5)  # eval mode: an image's code does not depend on its batch


@pytest.mark.parametrize("bad, match", [
    (np.zeros((28, 28, 1), np.float32), "Fashion-MNIST is 28x28"),
    (np.zeros((32, 32, 1), np.float32), "add a batch axis"),
    (np.zeros((4, 32, 32), np.float32), "channel axis"),
    (np.zeros((4, 32, 32, 1), np.uint8), "dtype uint8"),
])
def test_wrong_images_give_a_clear_error(bad, match):
    vae = models.book_vae(rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match=match):
        vae(bad, jax.random.key(0))


def test_wrong_latent_shape_gives_a_clear_error():
    vae = models.book_vae(rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="latent codes of shape"):
        vae.decode(jnp.zeros((2,)))


def test_eager_calls_match_traced_calls_and_keep_batchnorm_updates():
    """Encoder/Decoder run compiled when called eagerly: same numbers as inside jit, and BatchNorm
    statistics updated in train mode exactly as the traced call updates them."""
    vae = models.celeba_vae(image_shape=(32, 32, 3), latent_dim=8, width=8, rngs=nnx.Rngs(0))
    twin = nnx.clone(vae)
    x = jax.random.uniform(jax.random.key(0), (3, 32, 32, 3))
    eager_mean, _ = vae.encoder(x)                                   # eager: the compiled path
    traced_mean, _ = nnx.jit(lambda m, x: m.encoder(x))(twin, x)     # traced: runs as written
    np.testing.assert_allclose(eager_mean, traced_mean, rtol=1e-5, atol=1e-6)
    stats = lambda m: np.asarray(m.encoder.norms[0].mean[...])
    assert np.abs(stats(vae)).max() > 0                              # train mode moved the running mean
    np.testing.assert_allclose(stats(vae), stats(twin), rtol=1e-5, atol=1e-7)
    z = jnp.asarray(np.random.default_rng(0).standard_normal((5, 8)), jnp.float32)
    vae.eval(); twin.eval()
    np.testing.assert_allclose(vae.decode(z), nnx.jit(lambda m, z: m.decode(z))(twin, z), rtol=1e-5, atol=1e-6)


def test_eager_decode_compiles_one_program_not_one_per_operation():
    import jax.monitoring as monitoring
    vae = models.book_vae(rngs=nnx.Rngs(0))
    compiles = []
    def listener(event, duration, **kw):
        if event.endswith("backend_compile_duration"):
            compiles.append(event)
    monitoring.register_event_duration_secs_listener(listener)
    jax.config.update("jax_enable_compilation_cache", False)   # count real compiles, not disk-cache hits
    try:
        vae.decode(jnp.zeros((7, 2)))   # a batch size nothing else in the tests uses
    finally:
        jax.config.update("jax_enable_compilation_cache", True)
        # public in newer jax; the private name in older versions (pyproject's lower bound)
        (getattr(monitoring, "unregister_event_duration_listener", None)
         or jax._src.monitoring._unregister_event_duration_listener_by_callback)(listener)
    assert 1 <= len(compiles) <= 3, compiles   # run op by op it was about 90
