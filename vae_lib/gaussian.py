"""Gaussian math used throughout the course: pure `jax.numpy` functions with explicit PRNG keys.

Shapes: `B` batch, `D` latent dimensions, `K` dimensions of a multivariate normal.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp

LOG_2PI = math.log(2.0 * math.pi)  # a Python float: importing this module starts no JAX computation


def normal_log_density(x: jax.Array, mean: jax.Array | float = 0.0, std: jax.Array | float = 1.0) -> jax.Array:
    """log N(x; mean, std^2) = -log(std) - 0.5 log(2 pi) - (x - mean)^2 / (2 std^2), elementwise.

    The density itself is 1 / sqrt(2 pi std^2) * exp(...): the factor in front is 1, not 2.
    """
    z = (x - mean) / std
    return -jnp.log(std) - 0.5 * LOG_2PI - 0.5 * z**2


def normal_pdf(x: jax.Array, mean: jax.Array | float = 0.0, std: jax.Array | float = 1.0) -> jax.Array:
    """N(x; mean, std^2) = 1 / sqrt(2 pi std^2) * exp(-(x - mean)^2 / (2 std^2)), elementwise (chapter 02's exercise)."""
    return jnp.exp(normal_log_density(x, mean, std))


def mvn_log_density(x: jax.Array, mean: jax.Array, cov: jax.Array) -> jax.Array:
    """log N(x; mean, cov) for a full covariance matrix.

    x: (..., K), mean: (K,), cov: (K, K) symmetric positive definite. Returns (...,).
    Uses the Cholesky factor L (cov = L L^T): log det cov = 2 sum log diag L, and the
    Mahalanobis term |L^-1 (x - mean)|^2, without ever inverting cov.
    """
    k = mean.shape[-1]
    chol = jnp.linalg.cholesky(cov)
    diff = jnp.asarray(x) - mean
    solved = jax.scipy.linalg.solve_triangular(chol, diff.reshape(-1, k).T, lower=True).T
    mahalanobis = jnp.sum(solved**2, axis=-1).reshape(diff.shape[:-1])
    log_det = 2.0 * jnp.sum(jnp.log(jnp.diag(chol)))
    return -0.5 * (k * LOG_2PI + log_det + mahalanobis)


def covariance(samples: jax.Array) -> jax.Array:
    """Sample covariance matrix (unbiased, divides by N - 1). samples: (N, K) -> (K, K).

    cov[i, j] = mean over n of (x_ni - mean_i)(x_nj - mean_j), times N / (N - 1).
    """
    centered = samples - samples.mean(axis=0)
    return centered.T @ centered / (samples.shape[0] - 1)


def correlation(cov: jax.Array) -> jax.Array:
    """Correlation matrix from a covariance matrix: cov[i, j] / (std_i std_j). (K, K) -> (K, K)."""
    std = jnp.sqrt(jnp.diag(cov))
    return cov / jnp.outer(std, std)


def sample_mvn(key: jax.Array, mean: jax.Array, cov: jax.Array, n: int) -> jax.Array:
    """n samples of N(mean, cov) through the Cholesky factor: x = mean + L eps, eps ~ N(0, I). -> (n, K)."""
    chol = jnp.linalg.cholesky(cov)
    eps = jax.random.normal(key, (n, mean.shape[-1]))
    return mean + eps @ chol.T


def std_from_log_var(z_log_var: jax.Array) -> jax.Array:
    """sigma = exp(0.5 * log sigma^2): half the log-variance is the log of the standard deviation."""
    return jnp.exp(0.5 * z_log_var)


def reparameterize(key: jax.Array, z_mean: jax.Array, z_log_var: jax.Array) -> jax.Array:
    """The reparameterization trick: z = mean + sigma * eps with eps ~ N(0, I) drawn from `key`.

    z_mean, z_log_var: (B, D) -> z: (B, D). z is a deterministic, differentiable function of
    (z_mean, z_log_var, eps): all randomness sits in eps, so gradients flow to mean and log-variance.
    """
    eps = jax.random.normal(key, z_mean.shape, z_mean.dtype)
    return z_mean + std_from_log_var(z_log_var) * eps


def kl_to_standard_normal(z_mean: jax.Array, z_log_var: jax.Array) -> jax.Array:
    """KL( N(mean, diag(sigma^2)) || N(0, I) ) = -0.5 * sum_d (1 + log sigma^2 - mean^2 - sigma^2).

    z_mean, z_log_var: (B, D) -> (B,), summed over the latent dimensions (not averaged).
    """
    return -0.5 * jnp.sum(1.0 + z_log_var - z_mean**2 - jnp.exp(z_log_var), axis=-1)


def kl_diagonal_gaussians(mean_q: jax.Array, log_var_q: jax.Array, mean_p: jax.Array, log_var_p: jax.Array) -> jax.Array:
    """KL( N(mean_q, diag e^log_var_q) || N(mean_p, diag e^log_var_p) ), summed over the last axis. (B, D) -> (B,).

    = 0.5 * sum_d (log var_p - log var_q + (var_q + (mean_q - mean_p)^2) / var_p - 1); with mean_p = 0 and
    log_var_p = 0 it is `kl_to_standard_normal`. Not symmetric in q and p.
    """
    return 0.5 * jnp.sum(log_var_p - log_var_q + (jnp.exp(log_var_q) + (mean_q - mean_p) ** 2) / jnp.exp(log_var_p)
                         - 1.0, axis=-1)


def diagonal_gaussian_log_density(z: jax.Array, z_mean: jax.Array, z_log_var: jax.Array) -> jax.Array:
    """log N(z; mean, diag(exp(log_var))) summed over the last axis. (..., D) -> (...)."""
    return jnp.sum(normal_log_density(z, z_mean, std_from_log_var(z_log_var)), axis=-1)
