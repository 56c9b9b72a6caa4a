import numpy as np
from scipy.stats import multivariate_normal

from vae_lib.gaussian_plots import density_grid, gaussian_contours, normal_curve


def test_density_grid_matches_scipy_and_integrates_to_one():
    mean, cov = np.array([1.0, -0.5]), np.array([[2.0, 0.8], [0.8, 1.0]])
    xs, ys, dens = density_grid(mean, cov, n=201, span=6)
    gx, gy = np.meshgrid(xs, ys)
    want = multivariate_normal(mean, cov).pdf(np.stack([gx, gy], -1))
    np.testing.assert_allclose(dens, want, rtol=1e-4, atol=1e-7)
    area = (xs[1] - xs[0]) * (ys[1] - ys[0])
    assert abs(dens.sum() * area - 1.0) < 1e-2


def test_plots_draw():
    ax = gaussian_contours([0, 0], np.eye(2), samples=np.zeros((5, 2)), title="t")
    assert ax.get_title() == "t" and len(ax.collections) > 0
    ax = normal_curve(lambda x: np.exp(-x**2 / 2), label="n")
    assert len(ax.lines) == 1


def test_contour_axes_are_named_after_the_variable():
    ax = gaussian_contours([0, 0], np.eye(2))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x[0]", "x[1]")
    ax = gaussian_contours([0, 0], np.eye(2), variable="z")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("z[0]", "z[1]")
