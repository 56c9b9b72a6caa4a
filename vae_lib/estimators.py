"""Two ways to estimate the gradient of an expectation over a Gaussian, and how noisy each is.

We want  g = d/d(theta) E_{z ~ q_theta}[ f(z) ]  with q_theta = N(mean, diag(exp(log_var))),
theta = (mean, log_var), and can only *sample* z. Each function returns one estimate per sample
(shape (n, D) for each parameter), so you can look at their mean (the estimate) and spread.

- pathwise (reparameterization): z = mean + sigma * eps,  g_i = grad_theta f(mean + sigma * eps_i).
  Needs f to be differentiable in z. This is what a VAE uses.
- score function (REINFORCE, likelihood ratio): g_i = (f(z_i) - b) * grad_theta log q_theta(z_i).
  Works for any f (even non-differentiable), but is usually much noisier. b is an optional baseline.

Both are unbiased: their means converge to the same g. Both functions are jit-compiled
(f and n are static: pass the same function object to reuse the compiled code).
"""
from __future__ import annotations

from functools import partial
from typing import Callable

import jax
import jax.numpy as jnp

from vae_lib.gaussian import diagonal_gaussian_log_density, std_from_log_var

ScalarFn = Callable[[jax.Array], jax.Array]  # f: (D,) -> ()


@partial(jax.jit, static_argnums=(0, 4))
def pathwise_gradients(f: ScalarFn, key: jax.Array, mean: jax.Array, log_var: jax.Array,
                       n: int) -> tuple[jax.Array, jax.Array]:
    """n single-sample pathwise estimates of d E[f(z)] / d(mean, log_var). mean, log_var: (D,).

    Returns (grad_mean, grad_log_var), each (n, D).
    """
    eps = jax.random.normal(key, (n, mean.shape[-1]), mean.dtype)

    def one(e):
        return jax.grad(lambda m, lv: f(m + std_from_log_var(lv) * e), argnums=(0, 1))(mean, log_var)

    return jax.vmap(one)(eps)


@partial(jax.jit, static_argnums=(0, 4))
def score_function_gradients(f: ScalarFn, key: jax.Array, mean: jax.Array, log_var: jax.Array,
                             n: int, baseline: float = 0.0) -> tuple[jax.Array, jax.Array]:
    """n single-sample score-function (REINFORCE) estimates: (f(z) - baseline) * grad log q(z).

    z is sampled and then held fixed (no gradient flows through the sample itself).
    Returns (grad_mean, grad_log_var), each (n, D).
    """
    z = jax.lax.stop_gradient(mean + std_from_log_var(log_var) * jax.random.normal(key, (n, mean.shape[-1]), mean.dtype))

    def one(zi):
        score = jax.grad(diagonal_gaussian_log_density, argnums=(1, 2))(zi, mean, log_var)
        weight = f(zi) - baseline
        return weight * score[0], weight * score[1]

    return jax.vmap(one)(z)


def compare_estimators(f: ScalarFn, key: jax.Array, mean: jax.Array, log_var: jax.Array,
                       n: int = 10_000, baseline: float = 0.0) -> dict[str, dict[str, jax.Array]]:
    """Mean and variance over n samples of both estimators, per parameter.

    Returns {'pathwise': {...}, 'score_function': {...}}, each with 'mean_grad_mean',
    'var_grad_mean', 'mean_grad_log_var', 'var_grad_log_var' (each (D,)).
    """
    k1, k2 = jax.random.split(key)
    out = {}
    for name, (gm, glv) in (("pathwise", pathwise_gradients(f, k1, mean, log_var, n)),
                            ("score_function", score_function_gradients(f, k2, mean, log_var, n, baseline))):
        out[name] = {"mean_grad_mean": gm.mean(0), "var_grad_mean": gm.var(0, ddof=1),
                     "mean_grad_log_var": glv.mean(0), "var_grad_log_var": glv.var(0, ddof=1)}
    return out


def variance_ratio(f: ScalarFn, key: jax.Array, mean: jax.Array, log_var: jax.Array,
                   n: int = 10_000, baseline: float = 0.0) -> float:
    """Total variance of the score-function estimator divided by the pathwise one (all parameters)."""
    stats = compare_estimators(f, key, mean, log_var, n, baseline)
    total = {k: jnp.sum(v["var_grad_mean"]) + jnp.sum(v["var_grad_log_var"]) for k, v in stats.items()}
    return float(total["score_function"] / total["pathwise"])
