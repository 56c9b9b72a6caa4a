import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.scipy import stats

from vae_lib import gaussian as g


def test_normal_log_density_matches_scipy():
    x = jnp.linspace(-4, 4, 17)
    np.testing.assert_allclose(g.normal_log_density(x, 0.5, 2.0), stats.norm.logpdf(x, 0.5, 2.0), rtol=1e-5)


def test_mvn_log_density_matches_scipy():
    key = jax.random.key(0)
    a = jax.random.normal(key, (3, 3))
    cov = a @ a.T + 0.5 * jnp.eye(3)
    mean = jnp.array([0.1, -1.0, 2.0])
    x = jax.random.normal(jax.random.key(1), (5, 3))
    np.testing.assert_allclose(g.mvn_log_density(x, mean, cov), stats.multivariate_normal.logpdf(x, mean, cov),
                               rtol=1e-4)


def test_covariance_and_correlation_match_numpy():
    x = np.random.default_rng(0).normal(size=(200, 3)) @ np.array([[1, 0.5, 0], [0, 1, 0], [0, 0, 2.0]])
    np.testing.assert_allclose(g.covariance(jnp.asarray(x)), np.cov(x.T), rtol=1e-4)
    np.testing.assert_allclose(g.correlation(g.covariance(jnp.asarray(x))), np.corrcoef(x.T), rtol=1e-4, atol=1e-6)


def test_sample_mvn_has_the_requested_moments():
    cov = jnp.array([[2.0, 0.8], [0.8, 1.0]])
    x = g.sample_mvn(jax.random.key(2), jnp.array([1.0, -1.0]), cov, 20000)
    np.testing.assert_allclose(x.mean(0), [1.0, -1.0], atol=0.05)
    np.testing.assert_allclose(g.covariance(x), cov, atol=0.06)


def test_reparameterize_is_deterministic_given_key_and_differentiable():
    mean, log_var = jnp.array([[0.5, -1.0]]), jnp.array([[0.0, jnp.log(4.0)]])
    key = jax.random.key(3)
    z1, z2 = g.reparameterize(key, mean, log_var), g.reparameterize(key, mean, log_var)
    np.testing.assert_array_equal(z1, z2)
    eps = jax.random.normal(key, mean.shape)
    np.testing.assert_allclose(z1, mean + jnp.array([[1.0, 2.0]]) * eps, rtol=1e-6)
    grad_mean = jax.grad(lambda m: g.reparameterize(key, m, log_var).sum())(mean)
    np.testing.assert_allclose(grad_mean, jnp.ones_like(mean))


def test_kl_closed_form_matches_monte_carlo():
    mean, log_var = jnp.array([[0.7, -0.3, 1.2]]), jnp.array([[-0.5, 0.4, 0.0]])
    z = g.reparameterize(jax.random.key(4), jnp.repeat(mean, 200000, 0), jnp.repeat(log_var, 200000, 0))
    mc = jnp.mean(g.diagonal_gaussian_log_density(z, mean, log_var) - g.diagonal_gaussian_log_density(z, 0.0, 0.0))
    assert float(g.kl_to_standard_normal(mean, log_var)[0]) == pytest.approx(float(mc), abs=0.02)


def test_kl_is_zero_only_at_the_prior():
    assert float(g.kl_to_standard_normal(jnp.zeros((1, 4)), jnp.zeros((1, 4)))[0]) == 0.0
    assert float(g.kl_to_standard_normal(jnp.full((1, 4), 0.1), jnp.zeros((1, 4)))[0]) > 0
