import numpy as np
import pytest

from vae_lib import latent
from vae_lib.latent import encode_all, hole_fraction, nearest_distance, uniform_in_box
from vae_lib.data import digit_attributes

D = 6
TRUE = np.array([3.0, -1.0, 0.0, 2.0, 0.0, 0.0])
UNIT = TRUE / np.linalg.norm(TRUE)


def _batches(n_batches=200, batch=64, seed=0, noise=1.0):
    """Codes z ~ N(0, I); the attribute is 'z . u + noise > 0'; the encoder will be the identity."""
    rng = np.random.default_rng(seed)
    for _ in range(n_batches):
        z = rng.normal(size=(batch, D))
        yield z, np.where(z @ UNIT + noise * rng.normal(size=batch) > 0, 1, -1)


def identity(z):
    return np.asarray(z)


def test_recovers_the_true_direction():
    res = latent.attribute_vector(identity, _batches(), tol=0.01, max_examples=10**6, verbose=False)
    assert res.converged
    assert np.isclose(np.linalg.norm(res.vector), 1.0, atol=1e-6)
    assert float(res.vector @ UNIT) > 0.97
    assert res.n_with > 0 and res.n_without > 0 and res.batches == len(res.history)


def test_uses_the_mean_not_a_sample():
    """The encode function is called once per batch with the images: what it returns is averaged as is."""
    calls = []

    def encode_mean(x):
        calls.append(len(x))
        return np.asarray(x)

    res = latent.attribute_vector(encode_mean, _batches(n_batches=3), tol=0.0, verbose=False)
    assert calls == [64, 64, 64] and res.batches == 3


def test_normalised_when_the_count_limit_is_hit():
    res = latent.attribute_vector(identity, _batches(), tol=0.0, max_examples=128, verbose=False)
    assert not res.converged and res.batches == 2
    assert np.isclose(np.linalg.norm(res.vector), 1.0, atol=1e-6)
    np.testing.assert_allclose(res.vector, res.difference / res.distance, rtol=1e-5)


def test_normalised_when_the_data_run_out():
    res = latent.attribute_vector(identity, _batches(n_batches=2), tol=0.0, verbose=False)
    assert not res.converged and np.isclose(np.linalg.norm(res.vector), 1.0, atol=1e-6)


def test_batch_without_one_class_is_handled():
    rng = np.random.default_rng(1)
    z1 = rng.normal(size=(8, D)) + 2 * UNIT       # only positives in the first batch
    z2 = rng.normal(size=(8, D)) - 2 * UNIT       # only negatives in the second
    z3 = rng.normal(size=(8, D))
    data = [(z1, np.ones(8)), (z2, -np.ones(8)), (z3, (z3 @ UNIT > 0).astype(int))]
    res = latent.attribute_vector(identity, iter(data), tol=0.0, verbose=True)
    assert res.history[0]["move_without"] is None and res.history[1]["move_with"] is None
    want = np.concatenate([z1, z3[z3 @ UNIT > 0]]).mean(0) - np.concatenate([z2, z3[z3 @ UNIT <= 0]]).mean(0)
    np.testing.assert_allclose(res.difference, want, rtol=1e-5)
    # a batch lacking one class never counts as converged, whatever tol is
    res2 = latent.attribute_vector(identity, iter([(z1, np.ones(8)), (z1, np.ones(8)), (z2, -np.ones(8))]),
                                   tol=1e9, verbose=False)
    assert res2.batches == 3 and not res2.converged


def test_one_class_never_seen_gives_a_clear_error():
    z = np.random.default_rng(2).normal(size=(8, D))
    with pytest.raises(ValueError, match="with and without"):
        latent.attribute_vector(identity, iter([(z, np.ones(8)), (z, np.ones(8))]), verbose=False)
    with pytest.raises(ValueError, match="with and without"):
        latent.attribute_vector(identity, iter([]), verbose=False)


def test_label_count_mismatch_is_reported():
    z = np.zeros((4, D))
    with pytest.raises(ValueError, match="labels"):
        latent.attribute_vector(identity, iter([(z, np.ones(3))]), verbose=False)


def test_add_vector_and_morph():
    z = np.arange(2 * D, dtype=np.float32).reshape(2, D)
    out = latent.add_vector(z, UNIT, range(-4, 5))
    assert out.shape == (2, 9, D)
    np.testing.assert_allclose(out[:, 4], z)
    np.testing.assert_allclose(out[1, 8] - z[1], 4 * UNIT, rtol=1e-5)
    alphas, codes = latent.morph(z[0], z[1], steps=5)
    np.testing.assert_array_equal(alphas, [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_array_equal(codes[0], z[0])
    np.testing.assert_array_equal(codes[-1], z[1])
    np.testing.assert_allclose(codes[2], (z[0] + z[1]) / 2)
    with pytest.raises(ValueError):
        latent.morph(z[0], z[1], steps=1)


def _bar_decoder(z):
    """A synthetic decoder: a vertical bar whose width grows with z . u (8 to 24 px of 32)."""
    z = np.asarray(z)
    width = 16 + 8 * np.tanh(z @ UNIT / 3)
    cols = np.arange(32)[None, :]
    img = (np.abs(cols - 15.5) < width[:, None] / 2).astype(np.float32)
    return np.broadcast_to(img[:, None, :, None], (len(z), 32, 32, 1)).copy()


def test_decoded_attribute_grows_with_the_multiple():
    res = latent.attribute_vector(identity, _batches(), tol=0.01, max_examples=10**6, verbose=False)
    z = np.random.default_rng(3).normal(size=(20, D))
    out = latent.attribute_response(_bar_decoder, lambda x: digit_attributes(x)["Thick_Stroke"], z, res.vector)
    assert out["monotonic"] and out["spearman"] > 0.8 and out["share_monotonic"] > 0.5
    # and the opposite direction makes it shrink: the measure is not blind
    back = latent.attribute_response(_bar_decoder, lambda x: digit_attributes(x)["Thick_Stroke"], z, -res.vector)
    assert back["spearman"] < -0.8 and not back["monotonic"]


def test_cosine_similarities():
    names, sim = latent.cosine_similarities({"a": UNIT, "b": -2 * UNIT, "c": np.eye(D)[2]})
    assert names == ["a", "b", "c"]
    np.testing.assert_allclose(np.diag(sim), 1.0)
    assert np.isclose(sim[0, 1], -1.0) and np.isclose(sim[0, 2], 0.0)


# chapter 01: holes in the latent space
@pytest.mark.parametrize("dim", [1, 2, 3, 8, 9, 16])   # <= 8: the k-d tree; above: all pairs in chunks
def test_nearest_distance_matches_brute_force(dim):
    rng = np.random.default_rng(dim)
    q, c = rng.normal(size=(50, dim)), rng.normal(size=(70, dim))
    brute = np.sqrt(((q[:, None] - c[None]) ** 2).sum(-1)).min(1)
    np.testing.assert_allclose(nearest_distance(q, c, chunk=7), brute, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(nearest_distance(c[:5], c), 0.0, atol=1e-6)
    np.testing.assert_allclose(nearest_distance(q.astype(np.float32), c.astype(np.float32)), brute, rtol=1e-5, atol=1e-6)
    assert nearest_distance(q[:0], c).shape == (0,)


def test_uniform_in_box_and_hole_fraction():
    codes = np.array([[0.0, 0.0], [10.0, 1.0]])
    pts = uniform_in_box(np.random.default_rng(1), codes, 1000)
    assert pts.shape == (1000, 2) and pts[:, 0].min() >= 0 and pts[:, 0].max() <= 10 and pts[:, 1].max() <= 1
    assert hole_fraction(codes, codes, 0.1) == 0.0
    assert 0.5 < hole_fraction(pts, codes, 1.0) < 1.0  # most of the box is far from both corners


def test_encode_all_batches_and_keeps_order():
    images = np.arange(7 * 4, dtype=np.float32).reshape(7, 2, 2, 1)
    codes = encode_all(lambda x: x.reshape(len(x), -1)[:, :2], images, batch_size=3)
    np.testing.assert_array_equal(codes, images.reshape(7, -1)[:, :2])


def test_knn_accuracy_matches_a_brute_force_vote():
    rng = np.random.default_rng(0)
    train, test = rng.normal(size=(300, 2)), rng.normal(size=(50, 2))
    y_train, y_test = (train[:, 0] > 0).astype(int) + 2 * (train[:, 1] > 0), rng.integers(0, 4, 50)
    y_test[:25] = (test[:25, 0] > 0).astype(int) + 2 * (test[:25, 1] > 0)
    d = np.linalg.norm(test[:, None] - train[None], axis=-1)
    votes = [np.bincount(y_train[np.argsort(row)[:7]], minlength=4).argmax() for row in d]
    want = float(np.mean(np.array(votes) == y_test))
    assert latent.knn_accuracy(train, y_train, test, y_test, k=7, chunk=16) == pytest.approx(want)
    assert latent.knn_accuracy(train, y_train, train, y_train, k=1) == 1.0


def test_compiled_encode_and_decode_use_running_averages_and_leave_the_mode_alone():
    """make_encode_mean / make_decode run a BatchNorm model in eval mode (the same codes and images as the model in
    eval mode, in batches of any size) and leave it in the mode it was in: a model being trained stays in train mode."""
    import jax.numpy as jnp
    from flax import nnx
    from vae_lib.models import celeba_vae

    model = celeba_vae(image_shape=(32, 32, 1), latent_dim=3, width=4, rngs=nnx.Rngs(0))
    x = np.random.default_rng(0).uniform(0, 1, (7, 32, 32, 1)).astype(np.float32)
    z = np.random.default_rng(1).normal(size=(2, 5, 3)).astype(np.float32)
    model.train()
    encode_mean, decode = latent.make_encode_mean(model, batch_size=3), latent.make_decode(model, batch_size=4)
    codes, images = encode_mean(x), decode(z)
    assert model.encoder.norms[0].use_running_average is False      # still in train mode
    model.eval()
    np.testing.assert_allclose(codes, model.encode(jnp.asarray(x))[0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(images, np.asarray(model.decode(jnp.asarray(z.reshape(-1, 3)))).reshape(2, 5, 32, 32, 1),
                               rtol=1e-5, atol=1e-5)
