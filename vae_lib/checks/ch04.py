"""Checks for chapter 04's exercises: the closed-form KL divergence."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from vae_lib.checks.core import Mistake, grade
from vae_lib.gaussian import kl_to_standard_normal

__all__ = ["check_kl_to_standard_normal", "check_kl_diagonal_gaussians"]


def _kl_cases() -> list[tuple]:
    rng = np.random.default_rng(4)
    cases = [
        (rng.normal(size=(5, 3)), rng.normal(size=(5, 3))),                   # random
        (np.zeros((2, 4)), np.zeros((2, 4))),                                 # q == prior: KL = 0
        (np.array([[1.5, -2.0]]), np.array([[0.0, 0.0]])),                    # only the mean term
        (np.array([[0.0, 0.0, 0.0]]), np.array([[-3.0, 2.0, 0.5]])),          # only the variance term
        (rng.normal(size=(4, 200)), rng.normal(size=(4, 200)) * 2),           # the CelebA latent size
    ]
    return [(jnp.asarray(m, jnp.float32), jnp.asarray(v, jnp.float32)) for m, v in cases]


KL_MISTAKES = [
    Mistake("the sign is flipped", lambda m, v: -kl_to_standard_normal(m, v),
            "KL = -0.5 * sum(1 + log_var - mean**2 - exp(log_var)): the minus in front matters; "
            "a KL divergence is never negative."),
    Mistake("mean instead of sum over the latent dimensions",
            lambda m, v: -0.5 * jnp.mean(1 + v - m**2 - jnp.exp(v), axis=-1),
            "the KL of independent dimensions is the SUM of the per-dimension KLs: use jnp.sum(..., axis=-1)."),
    Mistake("sigma where sigma^2 belongs: exp(0.5 * log_var)",
            lambda m, v: -0.5 * jnp.sum(1 + v - m**2 - jnp.exp(0.5 * v), axis=-1),
            "the formula has the VARIANCE sigma^2 = exp(log_var), not the standard deviation exp(0.5 * log_var)."),
    Mistake("summed over the batch (one number instead of one KL per example)",
            lambda m, v: -0.5 * jnp.sum(1 + v - m**2 - jnp.exp(v)),
            "sum over the latent axis only (axis=-1) and return shape (B,); the loss averages over the batch later."),
    Mistake("averaged over the batch (one number instead of one KL per example)",
            lambda m, v: jnp.mean(-0.5 * jnp.sum(1 + v - m**2 - jnp.exp(v), axis=-1)),
            "return one KL per example, shape (B,); averaging over the batch happens in the loss."),
    Mistake("the 1 is missing", lambda m, v: -0.5 * jnp.sum(v - m**2 - jnp.exp(v), axis=-1),
            "each dimension contributes -0.5 * (1 + log_var - mean^2 - sigma^2): without the 1 the KL of "
            "N(0, 1) to itself is D/2 instead of 0."),
]


def check_kl_to_standard_normal(fn) -> bool:
    """fn(z_mean (B, D), z_log_var (B, D)) -> (B,) KL( N(mean, diag exp(log_var)) || N(0, I) )."""
    return grade("kl_to_standard_normal", fn, kl_to_standard_normal, _kl_cases(), KL_MISTAKES)


def kl_diagonal_gaussians(mean_q, log_var_q, mean_p, log_var_p):
    """Reference: KL( N(mean_q, diag e^log_var_q) || N(mean_p, diag e^log_var_p) ), summed over the last axis."""
    return 0.5 * jnp.sum(log_var_p - log_var_q + (jnp.exp(log_var_q) + (mean_q - mean_p) ** 2) / jnp.exp(log_var_p)
                         - 1.0, axis=-1)


def _general_cases() -> list[tuple]:
    rng = np.random.default_rng(5)
    cases = [tuple(rng.normal(size=(4, 3)) for _ in range(4)),
             (rng.normal(size=(2, 5)), rng.normal(size=(2, 5)), np.zeros((2, 5)), np.zeros((2, 5))),  # p = N(0, I)
             (np.ones((1, 2)), np.full((1, 2), 0.7), np.ones((1, 2)), np.full((1, 2), 0.7)),          # q == p
             (np.zeros((1, 2)), np.zeros((1, 2)), np.array([[2.0, -1.0]]), np.array([[1.0, -2.0]]))]
    return [tuple(jnp.asarray(a, jnp.float32) for a in c) for c in cases]


GENERAL_MISTAKES = [
    Mistake("q and p are swapped: you computed KL(p || q)",
            lambda mq, vq, mp, vp: kl_diagonal_gaussians(mp, vp, mq, vq),
            "KL is not symmetric. The expectation is under q (the first argument); divide by p's variance."),
    Mistake("the sign is flipped", lambda *a: -kl_diagonal_gaussians(*a),
            "a KL divergence is never negative."),
    Mistake("mean instead of sum over the dimensions",
            lambda mq, vq, mp, vp: kl_diagonal_gaussians(mq, vq, mp, vp) / mq.shape[-1],
            "sum the per-dimension KLs over the last axis."),
    Mistake("the -1 (the -1/2 per dimension) is missing",
            lambda mq, vq, mp, vp: kl_diagonal_gaussians(mq, vq, mp, vp) + 0.5 * mq.shape[-1],
            "each dimension has a -1/2: without it KL(q || q) is not 0."),
]


def check_kl_diagonal_gaussians(fn) -> bool:
    """fn(mean_q, log_var_q, mean_p, log_var_p), each (B, D) -> (B,)."""
    return grade("kl_diagonal_gaussians", fn, kl_diagonal_gaussians, _general_cases(), GENERAL_MISTAKES)
