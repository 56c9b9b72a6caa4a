import numpy as np

from vae_lib.latent import encode_all, hole_fraction, nearest_distance, uniform_in_box


def test_nearest_distance_matches_brute_force():
    rng = np.random.default_rng(0)
    q, c = rng.normal(size=(50, 3)), rng.normal(size=(70, 3))
    brute = np.sqrt(((q[:, None] - c[None]) ** 2).sum(-1)).min(1)
    np.testing.assert_allclose(nearest_distance(q, c, chunk=7), brute, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(nearest_distance(c[:5], c), 0.0, atol=1e-6)


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
