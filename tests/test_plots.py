import numpy as np
import pytest

from vae_lib import plots


def test_normal_quantile_grid_is_finite_symmetric_and_sorted():
    g = plots.normal_quantile_grid(15)
    assert np.all(np.isfinite(g)) and np.all(np.diff(g) > 0)
    np.testing.assert_allclose(g, -g[::-1], atol=1e-6)
    assert g[7] == pytest.approx(0.0, abs=1e-6)


def test_latent_grid_places_codes_row_by_row():
    seen = []

    def decode(z):
        seen.append(z)
        return np.repeat((z[:, :1] > 0).astype(np.float32)[:, None, None, :], 4, 1).repeat(4, 2)

    fig = plots.latent_grid(decode, n=3)
    z = seen[0]
    assert z.shape == (9, 2) and z[0, 1] > 0 and z[-1, 1] < 0 and z[0, 0] < z[2, 0]
    assert len(fig.axes) == 1


def test_figures_are_built(tmp_path):
    imgs = np.random.default_rng(0).uniform(size=(12, 8, 8, 1))
    plots.image_grid(imgs, ncols=5, titles=[str(i) for i in range(12)]).savefig(tmp_path / "g.png")
    plots.reconstructions(imgs, imgs[::-1], n=6).savefig(tmp_path / "r.png")
    plots.image_grid(np.random.default_rng(0).uniform(size=(3, 8, 8, 3))).savefig(tmp_path / "c.png")
    fig = plots.latent_scatter(np.random.default_rng(0).normal(size=(50, 2)), np.arange(50) % 10,
                               [str(i) for i in range(10)])
    assert len(fig.axes[0].get_legend().get_texts()) == 10
    with pytest.raises(ValueError, match="2-d codes"):
        plots.latent_scatter(np.zeros((5, 3)))


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_vae_diagram_draws_the_labelled_boxes():
    import matplotlib.pyplot as plt
    texts = " | ".join(_texts(plots.vae_diagram()))
    for label in ("image x", "encoder", "μ = z_mean", "log σ² = z_log_var", "z = μ + σ·ε", "ε ~ N(0, I)",
                  "decoder", "reconstruction"):
        assert label in texts, label
    ae = " | ".join(_texts(plots.vae_diagram(autoencoder=True)))
    assert "encoder" in ae and "decoder" in ae and "z (one point" in ae
    assert "μ" not in ae and "ε" not in ae                 # no heads, no sampling in a plain AE
    fig, ax = plt.subplots()
    assert plots.vae_diagram(ax=ax) is fig                  # draws into the given axes
    plt.close("all")
