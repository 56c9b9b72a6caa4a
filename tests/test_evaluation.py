import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from vae_lib import evaluation
from vae_lib.losses import negative_elbo_nats
from vae_lib.models import book_vae
from vae_lib.train import fit, vae_loss_fn


def _images(n, seed=0):
    """Two prototype 8x8 patterns with noise: something a tiny VAE can learn in a few steps."""
    rng = np.random.default_rng(seed)
    protos = np.stack([np.tri(8), np.tri(8)[::-1]])[..., None].astype(np.float32)
    x = protos[rng.integers(0, 2, n)] * 0.9 + 0.05 * rng.random((n, 8, 8, 1)).astype(np.float32)
    return np.clip(x, 0, 1)


@pytest.fixture(scope="module")
def trained():
    model = book_vae(image_shape=(8, 8, 1), latent_dim=2, encoder_widths=(4, 8, 8), rngs=nnx.Rngs(0))
    fit(model, _images(200), loss_fn=vae_loss_fn(1.0, reduction="sum"), key=jax.random.key(0),
        batch_size=20, learning_rate=3e-3, epochs=6, progress=False)
    return model


def test_log_mean_exp_is_stable():
    v = jnp.array([[-1000.0, -1001.0], [-1000.0, -1003.0]])
    got = evaluation.log_mean_exp(v, axis=0)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, [-1000.0, -1001.0 + np.log((1 + np.exp(-2.0)) / 2)], rtol=1e-6)
    assert np.isclose(float(evaluation.log_mean_exp(jnp.full((5,), 3.0))), 3.0)


def test_negative_elbo_matches_losses_module(trained):
    x = _images(12, seed=1)
    out = evaluation.negative_elbo(trained, x, jax.random.key(3), batch_size=5)
    # the same per-image keys and noise, written directly with the losses module
    keys = jax.vmap(lambda i: jax.random.fold_in(jax.random.key(3), i))(jnp.arange(12))
    z_mean, z_log_var = trained.encode(jnp.asarray(x))
    eps = jax.vmap(lambda kk, m: jax.random.normal(kk, m.shape))(keys, z_mean)
    logits = trained.decoder(z_mean + jnp.exp(0.5 * z_log_var) * eps)
    want = negative_elbo_nats(logits, jnp.asarray(x), z_mean, z_log_var)["neg_elbo"]
    np.testing.assert_allclose(out["per_image"], want, rtol=1e-4)
    assert np.isclose(out["neg_elbo"], out["reconstruction"] + out["kl"], rtol=1e-5)


def test_results_do_not_depend_on_batch_size_and_keys_are_explicit(trained):
    x = _images(10, seed=2)
    a = evaluation.iwae_log_likelihood(trained, x, jax.random.key(0), k=8, batch_size=3)["per_image"]
    b = evaluation.iwae_log_likelihood(trained, x, jax.random.key(0), k=8, batch_size=10)["per_image"]
    c = evaluation.iwae_log_likelihood(trained, x, jax.random.key(1), k=8, batch_size=10)["per_image"]
    d = evaluation.iwae_log_likelihood(trained, x, jax.random.key(0), k=200)["per_image"]   # default: 2 per call
    np.testing.assert_allclose(a, b, rtol=1e-5)
    np.testing.assert_allclose(d, evaluation.iwae_log_likelihood(trained, x, jax.random.key(0), k=200,
                                                                 batch_size=10)["per_image"], rtol=1e-5)
    assert not np.allclose(a, c)
    e1 = evaluation.negative_elbo(trained, x, jax.random.key(0), batch_size=4)["per_image"]
    e2 = evaluation.negative_elbo(trained, x, jax.random.key(0), batch_size=7)["per_image"]
    np.testing.assert_allclose(e1, e2, rtol=1e-5)


def test_iwae_k1_equals_elbo_in_expectation(trained):
    x = _images(40, seed=3)
    iw = [evaluation.iwae_log_likelihood(trained, x, jax.random.key(s), k=1)["log_likelihood"] for s in range(20)]
    el = [-evaluation.negative_elbo(trained, x, jax.random.key(100 + s))["neg_elbo"] for s in range(20)]
    se = np.sqrt(np.var(iw) / len(iw) + np.var(el) / len(el))
    assert abs(np.mean(iw) - np.mean(el)) < 4 * se + 1e-3


def test_iwae_bound_tightens_as_k_grows(trained):
    x = _images(40, seed=4)
    bounds = [np.mean([evaluation.iwae_log_likelihood(trained, x, jax.random.key(s), k=k)["log_likelihood"]
                       for s in range(3)]) for k in (1, 10, 100)]
    assert bounds[0] < bounds[1] < bounds[2], bounds
    # the gain is positive but finite
    assert 0 < bounds[2] - bounds[0] < 1e3


def test_iwae_rejects_bad_k(trained):
    with pytest.raises(ValueError, match="k must be"):
        evaluation.iwae_log_likelihood(trained, _images(2), jax.random.key(0), k=0)


def test_bits_per_dim():
    assert np.isclose(evaluation.nats_to_bits_per_dim(np.log(2.0) * 1024, 1024), 1.0)


# --- log p(x) by quadrature over the 2-D latent space ----------------------------------------------------------

class _OnePixelModel:
    """A 'VAE' whose decoder draws one pixel with logit a * z[0]; its encoder says q(z|x) = N(m, diag exp(lv))."""

    def __init__(self, a=3.0, m=(0.0, 0.0), lv=(0.0, 0.0)):
        self.a, self.m, self.lv = a, jnp.array(m, jnp.float32), jnp.array(lv, jnp.float32)

    def decoder(self, z):
        return (self.a * z[:, :1]).reshape(-1, 1, 1, 1)

    def encode(self, x):
        n = len(x)
        return jnp.tile(self.m, (n, 1)), jnp.tile(self.lv, (n, 1))


def test_log_px_quadrature_has_the_known_answer():
    # p(x=1) = E_{z~N(0,I)}[sigmoid(a z0)] = 1/2 for every a, by symmetry; and p(x=0) too
    model = _OnePixelModel(a=3.0)
    x = np.array([1.0, 0.0], np.float32).reshape(2, 1, 1, 1)
    got = evaluation.log_px_quadrature(model, x, grid_size=161, radius=6.0)
    np.testing.assert_allclose(got, [np.log(0.5)] * 2, atol=1e-4)
    # a grey value x = 0.3: compare with a 1-D integral done by scipy
    from scipy import integrate, stats
    f = lambda z: np.exp(0.3 * np.log(1 / (1 + np.exp(-3 * z))) + 0.7 * np.log(1 / (1 + np.exp(3 * z)))) * stats.norm.pdf(z)  # noqa: E731
    want = np.log(integrate.quad(f, -10, 10)[0])
    got = evaluation.log_px_quadrature(model, np.full((1, 1, 1, 1), 0.3, np.float32), grid_size=161, radius=6.0)
    np.testing.assert_allclose(got, [want], atol=1e-4)


def test_posterior_on_grid_kl_and_identity():
    # a decoder that ignores z: the posterior is the prior, so KL(q || p(z|x)) is the closed-form KL(q || N(0, I)),
    # and log p(x) = ELBO + KL holds on the grid
    from vae_lib.gaussian import kl_to_standard_normal
    model = _OnePixelModel(a=0.0, m=(0.5, -0.3), lv=(-0.5, 0.2))
    x = np.ones((1, 1, 1, 1), np.float32)
    out = evaluation.posterior_on_grid(model, x, grid_size=201, radius=7.0)
    want_kl = float(kl_to_standard_normal(model.m[None], model.lv[None])[0])
    np.testing.assert_allclose(out["kl_q_posterior"], [want_kl], atol=1e-3)
    np.testing.assert_allclose(out["log_px"], [np.log(0.5)], atol=1e-4)
    np.testing.assert_allclose(out["log_px"] - out["elbo"], out["kl_q_posterior"], atol=1e-4)
    assert out["q_mass"][0] == pytest.approx(1.0, abs=1e-3) and out["edge_mass"][0] < 1e-6
    with pytest.raises(ValueError):
        evaluation.latent_grid_offsets(1, 1.0)


def test_elbo_le_iwae_le_log_px_on_a_trained_model(trained):
    x = _images(6, seed=4)
    coarse = evaluation.log_px_quadrature(trained, x, grid_size=61, radius=5.0)
    fine = evaluation.log_px_quadrature(trained, x, grid_size=121, radius=5.0)
    np.testing.assert_allclose(coarse, fine, atol=0.05)            # converged in the grid size
    z_mean, _ = trained.encode(jnp.asarray(x))                     # a per-image grid around the encoder's mean agrees
    local = evaluation.log_px_quadrature(trained, x, grid_size=81, radius=3.0, center=z_mean)
    np.testing.assert_allclose(local, fine, atol=0.05)
    per_image = evaluation.log_px_quadrature(trained, x, grid_size=81, radius=np.linspace(3.0, 3.6, len(x)), center=z_mean)
    np.testing.assert_allclose(per_image, fine, atol=0.05)
    keys = jax.vmap(lambda i: jax.random.fold_in(jax.random.key(9), i))(jnp.arange(len(x)))
    log_w = np.asarray(evaluation.log_weights(trained, jnp.asarray(x), keys, 2000))
    elbo, iwae = log_w.mean(0), np.asarray(evaluation.log_mean_exp(jnp.asarray(log_w), axis=0))
    assert np.all(elbo <= iwae + 1e-4) and np.all(iwae <= fine + 0.05)
    out = evaluation.posterior_on_grid(trained, x, grid_size=121, radius=5.0)
    np.testing.assert_allclose(fine - elbo, out["kl_q_posterior"], atol=0.1)   # log p(x) - ELBO = KL(q || p(z|x))


def test_posterior_window_holds_posterior_and_q(trained):
    x = _images(4, seed=5)
    center, radius = evaluation.posterior_window(trained, x, grid_size=41, radius=5.0)
    assert center.shape == (4, 2) and radius.shape == (4,) and np.all(radius > 0)
    out = evaluation.posterior_on_grid(trained, x, grid_size=81, radius=radius, center=center)
    fine = evaluation.log_px_quadrature(trained, x, grid_size=121, radius=5.0)
    np.testing.assert_allclose(out["log_px"], fine, atol=0.05)
    assert np.all(out["edge_mass"] < 1e-3) and np.all(out["q_mass"] > 0.99)


def _grid(radius=4.0, n=121):
    t = np.linspace(-radius, radius, n, dtype=np.float32)
    gx, gy = np.meshgrid(t, t)
    return np.stack([gx.ravel(), gy.ravel()], 1)


@pytest.mark.parametrize("rho", [0.0, 0.6, 0.9])
def test_best_diagonal_q_costs_what_the_closed_form_says(rho):
    """For a Gaussian posterior with unit variances and correlation rho, the best diagonal q in KL(q || p) has
    variances 1 - rho² (the precision's inverse diagonal) and KL = -1/2 log(1 - rho²)."""
    z = _grid()
    cov = np.array([[1.0, rho], [rho, 1.0]])
    log_joint = -0.5 * np.einsum("ni,ij,nj->n", z - 0.5, np.linalg.inv(cov), z - 0.5) + 123.0
    mean, log_var, kl = evaluation.best_diagonal_q_on_grid(z, log_joint)
    assert np.allclose(mean, 0.5, atol=0.02)
    assert np.allclose(np.exp(log_var), 1 - rho**2, rtol=0.03, atol=0.005)
    assert kl == pytest.approx(-0.5 * np.log(1 - rho**2), abs=0.01)


def test_posterior_fit_report_reuses_a_given_first_grid(trained):
    """Passing the first grid (as chapter 05 does) gives the same report as computing it; a grid of the wrong size
    is refused instead of giving a report about other cells."""
    x = _images(2, seed=6)
    center, radius = evaluation.posterior_window(trained, x, grid_size=61)
    wide = evaluation.posterior_on_grid(trained, x, grid_size=41, radius=radius, center=center)
    computed = evaluation.posterior_fit_report(trained, x, grid_size=41)
    reused = evaluation.posterior_fit_report(trained, x, grid_size=41, wide=wide)
    assert computed.keys() == reused.keys()
    for k in computed:
        np.testing.assert_allclose(reused[k], computed[k], rtol=1e-6, err_msg=k)
    with pytest.raises(ValueError, match="grid_size 81"):
        evaluation.posterior_fit_report(trained, x, grid_size=81, wide=wide)


def test_log_weights_from_a_cell_in_parts_equal_the_traced_call_and_the_iwae(trained, monkeypatch):
    """Called eagerly, log_weights decodes its k samples in parts (here 4 images x 2 samples per part): the same
    samples and numbers as inside jit, and the IWAE of them is iwae_log_likelihood's (keys fold_in(key, i))."""
    monkeypatch.setattr(evaluation, "EAGER_BATCH", 8)
    x, k = jnp.asarray(_images(4, seed=7)), 7
    keys = jax.vmap(lambda i: jax.random.fold_in(jax.random.key(3), i))(jnp.arange(4))
    eager = evaluation.log_weights(trained, x, keys, k)
    traced = nnx.jit(lambda m, x, keys: evaluation.log_weights(m, x, keys, k))(trained, x, keys)
    assert eager.shape == (k, 4)
    np.testing.assert_allclose(eager, traced, rtol=1e-5, atol=1e-4)
    assert not np.allclose(eager[0], eager[1])                      # every sample its own z
    iwae = evaluation.iwae_log_likelihood(trained, x, jax.random.key(3), k=k)["per_image"]
    np.testing.assert_allclose(evaluation.iwae_from_log_weights(eager), iwae, rtol=1e-5, atol=1e-4)
