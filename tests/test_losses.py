import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from vae_lib import losses


def _batch():
    x = jax.random.uniform(jax.random.key(0), (3, 4, 4, 1))
    logits = jax.random.normal(jax.random.key(1), (3, 4, 4, 1))
    return logits, x


def test_bce_with_logits_matches_the_formula_and_reductions():
    logits, x = _batch()
    p = jax.nn.sigmoid(logits)
    manual = -(x * jnp.log(p) + (1 - x) * jnp.log(1 - p))
    np.testing.assert_allclose(losses.bce_with_logits(logits, x, "sum"), manual.sum((1, 2, 3)), rtol=1e-5)
    np.testing.assert_allclose(losses.bce_with_logits(logits, x, "mean"), manual.mean((1, 2, 3)), rtol=1e-5)
    with pytest.raises(ValueError, match="reduction"):
        losses.bce_with_logits(logits, x, "avg")


def test_bce_with_logits_is_optax_bce_and_stays_finite_for_extreme_logits():
    """softplus(l) - x*l is optax's formula (values and gradient sigmoid(l) - x), also where
    log(sigmoid(l)) would underflow: |l| up to 100, x at 0, 1 and in between."""
    logits = jnp.array([-100.0, -30.0, -3.0, -1e-3, 0.0, 0.5, 4.0, 30.0, 100.0]).reshape(1, 3, 3, 1)
    for fill in (0.0, 0.3, 1.0):
        x = jnp.full_like(logits, fill)
        ours = lambda l: losses.bce_with_logits(l, x, "sum").sum()  # noqa: E731
        ref = lambda l: optax.sigmoid_binary_cross_entropy(l, x).sum()  # noqa: E731
        np.testing.assert_allclose(ours(logits), ref(logits), rtol=1e-6)
        grad = jax.grad(ours)(logits)
        assert np.isfinite(np.asarray(grad)).all()
        np.testing.assert_allclose(grad, jax.nn.sigmoid(logits) - x, atol=1e-6)
        np.testing.assert_allclose(grad, jax.grad(ref)(logits), atol=1e-6)


def test_vae_loss_is_beta_times_mean_bce_plus_kl():
    logits, x = _batch()
    mean, log_var = jnp.array([[1.0, 0.0]] * 3), jnp.zeros((3, 2))
    loss, parts = losses.vae_loss(logits, x, mean, log_var, beta=500.0)
    bce = losses.bce_with_logits(logits, x, "mean")
    assert float(parts["kl"]) == pytest.approx(0.5)
    assert float(parts["reconstruction"]) == pytest.approx(float(500 * bce.mean()), rel=1e-5)
    assert float(loss) == pytest.approx(float(parts["reconstruction"] + parts["kl"]), rel=1e-6)


def test_negative_elbo_is_summed_bce_plus_kl_per_image():
    logits, x = _batch()
    mean, log_var = jnp.zeros((3, 2)), jnp.zeros((3, 2))
    np.testing.assert_allclose(losses.negative_elbo_nats(logits, x, mean, log_var)["neg_elbo"],
                               losses.bce_with_logits(logits, x, "sum"), rtol=1e-6)   # q = N(0, I): no KL
    mean, log_var = jnp.full((3, 2), 0.5), jnp.full((3, 2), -1.0)
    terms = losses.negative_elbo_nats(logits, x, mean, log_var)
    kl = 0.5 * 2 * (0.25 + np.exp(-1.0) - 1.0 + 1.0)          # 0.5 * sum(mu^2 + sigma^2 - 1 - log sigma^2) over 2 dims
    np.testing.assert_allclose(terms["kl"], kl, rtol=1e-6)
    np.testing.assert_allclose(terms["reconstruction"], losses.bce_with_logits(logits, x, "sum"), rtol=1e-6)
    np.testing.assert_allclose(terms["neg_elbo"], terms["reconstruction"] + terms["kl"], rtol=1e-6)


def test_mse_reconstruction_uses_sigmoid_of_logits():
    logits, x = _batch()
    np.testing.assert_allclose(losses.reconstruction_loss(logits, x, "mse"),
                               ((jax.nn.sigmoid(logits) - x) ** 2).mean((1, 2, 3)), rtol=1e-5)
    with pytest.raises(ValueError, match="unknown reconstruction"):
        losses.reconstruction_loss(logits, x, "l1")
