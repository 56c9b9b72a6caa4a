"""Checks for chapter 04's exercises: the closed-form KL divergence."""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from vae_lib.checks._helpers import f64, term_slips
from vae_lib.checks.core import Mistake, Use, close_to, grade
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
    Mistake("z_mean is not squared", lambda m, v: -0.5 * jnp.sum(1 + v - m - jnp.exp(v), axis=-1),
            "the mean term is mean**2 (jnp.square(z_mean)): moving the mean either way costs the same."),
    Mistake("the reverse KL: KL(N(0, I) || q) instead of KL(q || N(0, I))",
            lambda m, v: 0.5 * jnp.sum(v + (1 + m**2) / jnp.exp(v) - 1, axis=-1),
            "KL is not symmetric: the VAE's term is KL(q || p) with q = N(z_mean, sigma^2), the expectation "
            "under q: -0.5 * sum(1 + log_var - mean^2 - exp(log_var))."),
    Mistake("the factor 1/2 is missing", lambda m, v: -jnp.sum(1 + v - m**2 - jnp.exp(v), axis=-1),
            "each dimension's KL is -1/2 (1 + log sigma^2 - mu^2 - sigma^2): keep the -0.5 in front."),
    # log_var used as the variance, or exp(log_var) where log_var belongs: both give 1 - mean^2 (the two terms cancel)
    Mistake("the log_var term and the variance term cancel (log_var used as the variance, or exp(log_var) "
            "written where log_var belongs)",
            lambda m, v: -0.5 * jnp.sum(1 + v - m**2 - v, axis=-1),
            "the bracket has both log sigma^2 = log_var and sigma^2 = exp(log_var): "
            "1 + log_var - mean**2 - exp(log_var). Check which of the two you wrote twice."),
    Mistake("exp(2 * log_var) (sigma^4) where sigma^2 belongs",
            lambda m, v: -0.5 * jnp.sum(1 + v - m**2 - jnp.exp(2 * v), axis=-1),
            "sigma^2 = exp(log_var)."),
    Mistake("the sign of mean^2 is flipped",
            lambda m, v: -0.5 * jnp.sum(1 + v + m**2 - jnp.exp(v), axis=-1),
            "-0.5 * (1 + log_var - mean**2 - exp(log_var)): mean^2 enters with a minus inside the bracket."),
    Mistake("the sign of exp(log_var) is flipped",
            lambda m, v: -0.5 * jnp.sum(1 + v - m**2 + jnp.exp(v), axis=-1),
            "-0.5 * (1 + log_var - mean**2 - exp(log_var)): sigma^2 enters with a minus inside the bracket."),
    Mistake("the sign of log_var is flipped",
            lambda m, v: -0.5 * jnp.sum(1 - v - m**2 - jnp.exp(v), axis=-1),
            "-0.5 * (1 + log_var - mean**2 - exp(log_var)): log sigma^2 enters with a plus."),
    Mistake("summed over the batch axis (axis=0) instead of the latent axis",
            lambda m, v: -0.5 * jnp.sum(1 + v - m**2 - jnp.exp(v), axis=0),
            "z_mean is (B, D): sum over the latent dimensions, axis=-1, to get one KL per example (B,)."),
]


KL_TERMS = [("1", lambda m, v: np.ones_like(f64(m))), ("log_var", lambda m, v: f64(v)),
            ("-mean**2", lambda m, v: -f64(m) ** 2), ("-exp(log_var)", lambda m, v: -np.exp(f64(v)))]
@functools.cache
def _kl_term_slips() -> list:
    """Built on first use: it evaluates the reference on the test cases (JAX starts then, not at import)."""
    return term_slips(
        KL_TERMS, lambda t, m, v: -0.5 * np.sum(sum(t), axis=-1),
        "each dimension contributes -0.5 * (1 + log_var - mean**2 - exp(log_var)): look at the term {term}.",
        kl_to_standard_normal, _kl_cases(), KL_MISTAKES)


def _toy_gradient(kl, p):
    """The chapter's toy model differentiates the KL of one 1-d Gaussian (mu, log_var) = p inside jax.jit."""
    return jax.jit(jax.grad(lambda p: kl(p[:1][None], p[1:][None])[0]))(p)


def _kl_uses() -> list[Use]:
    p = jnp.array([0.7, -0.4])
    return [Use("the chapter's toy model takes jax.grad of it inside jax.jit (kl_to_standard_normal(mu[None, None], "
                "log_var[None, None])[0])", lambda fn: _toy_gradient(fn, p),
                close_to(lambda: _toy_gradient(kl_to_standard_normal, p), 1e-4, 1e-5))]


def check_kl_to_standard_normal(fn) -> bool:
    """fn(z_mean (B, D), z_log_var (B, D)) -> (B,) KL( N(mean, diag exp(log_var)) || N(0, I) )."""
    return grade("kl_to_standard_normal", fn, kl_to_standard_normal, _kl_cases(), KL_MISTAKES + _kl_term_slips(),
                 uses=_kl_uses())


def kl_diagonal_gaussians(mean_q, log_var_q, mean_p, log_var_p):
    """Reference: KL( N(mean_q, diag e^log_var_q) || N(mean_p, diag e^log_var_p) ), summed over the last axis."""
    return 0.5 * jnp.sum(log_var_p - log_var_q + (jnp.exp(log_var_q) + (mean_q - mean_p) ** 2) / jnp.exp(log_var_p)
                         - 1.0, axis=-1)


def _kl_terms(mq, vq, mp, vp, log_ratio=None, var_q=None, var_p=None, mean_term=None, half=0.5):
    """Per-example sum of half * (log_ratio + (var_q + mean_term) / var_p - 1), each part replaceable."""
    log_ratio = vp - vq if log_ratio is None else log_ratio
    var_q = jnp.exp(vq) if var_q is None else var_q
    var_p = jnp.exp(vp) if var_p is None else var_p
    mean_term = (mq - mp) ** 2 if mean_term is None else mean_term
    return jnp.sum(half * (log_ratio + (var_q + mean_term) / var_p - 1.0), axis=-1)


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
    Mistake("the log-variance difference has the wrong sign (log_var_q - log_var_p)",
            lambda mq, vq, mp, vp: _kl_terms(mq, vq, mp, vp, log_ratio=vq - vp),
            "log(sigma_p / sigma_q) = 0.5 * (log_var_p - log_var_q)."),
    Mistake("the variance ratio upside down (sigma_p^2 / sigma_q^2)",
            lambda mq, vq, mp, vp: _kl_terms(mq, vq, mp, vp, var_q=jnp.exp(vp), var_p=jnp.exp(vq),
                                             mean_term=(mq - mp) ** 2 * jnp.exp(vq - vp)),
            "q's variance is on top: sigma_q^2 / sigma_p^2."),
    Mistake("the mean difference not divided by p's variance",
            lambda mq, vq, mp, vp: _kl_terms(mq, vq, mp, vp, mean_term=(mq - mp) ** 2 * jnp.exp(vp)),
            "(sigma_q^2 + (mu_q - mu_p)^2) / sigma_p^2: both terms are divided by p's variance."),
    Mistake("the mean difference divided by q's variance instead of p's",
            lambda mq, vq, mp, vp: _kl_terms(mq, vq, mp, vp, mean_term=(mq - mp) ** 2 * jnp.exp(vp - vq)),
            "divide by the variance of p, the second distribution: (mu_q - mu_p)^2 / sigma_p^2."),
    Mistake("divided by q's variance instead of p's",
            lambda mq, vq, mp, vp: _kl_terms(mq, vq, mp, vp, var_p=jnp.exp(vq)),
            "(sigma_q^2 + (mu_q - mu_p)^2) / sigma_p^2: the denominator is the variance of p, the second "
            "distribution (exp(log_var_p)), not q's."),
    Mistake("standard deviations where the variances belong",
            lambda mq, vq, mp, vp: _kl_terms(mq, vq, mp, vp, var_q=jnp.exp(0.5 * vq), var_p=jnp.exp(0.5 * vp)),
            "sigma^2 = exp(log_var), not exp(0.5 * log_var)."),
    Mistake("the factor 1/2 is missing", lambda mq, vq, mp, vp: _kl_terms(mq, vq, mp, vp, half=1.0),
            "every term of the per-dimension KL has the 1/2: 0.5 * (log ratio + ... - 1)."),
    Mistake("the 1/2 only on the log term", lambda mq, vq, mp, vp: jnp.sum(
                0.5 * (vp - vq) + (jnp.exp(vq) + (mq - mp) ** 2) / jnp.exp(vp) - 1.0, axis=-1),
            "the per-dimension KL is 0.5 * (log_var_p - log_var_q) + (sigma_q^2 + (mu_q - mu_p)^2) / (2 sigma_p^2) - 1/2."),
    Mistake("p ignored: the formula for p = N(0, I)",
            lambda mq, vq, mp, vp: kl_to_standard_normal(mq, vq),
            "here p is a general N(mean_p, diag exp(log_var_p)): its mean and variance enter the formula."),
    Mistake("the means not squared", lambda mq, vq, mp, vp: _kl_terms(mq, vq, mp, vp, mean_term=mq - mp),
            "the mean term is (mean_q - mean_p)**2."),
]


GENERAL_TERMS = [
    ("0.5 * (log_var_p - log_var_q)", lambda mq, vq, mp, vp: 0.5 * (f64(vp) - f64(vq))),
    ("exp(log_var_q) / (2 exp(log_var_p))", lambda mq, vq, mp, vp: np.exp(f64(vq) - f64(vp)) / 2),
    ("(mean_q - mean_p)**2 / (2 exp(log_var_p))", lambda mq, vq, mp, vp: (f64(mq) - f64(mp)) ** 2 / (2 * np.exp(f64(vp)))),
    ("-1/2", lambda mq, vq, mp, vp: np.full(np.shape(mq), -0.5))]
@functools.cache
def _general_term_slips() -> list:
    """Built on first use: it evaluates the reference on the test cases (JAX starts then, not at import)."""
    return term_slips(
        GENERAL_TERMS, lambda t, *a: np.sum(sum(t), axis=-1),
        "per dimension, KL = 0.5 (log_var_p - log_var_q) + (sigma_q^2 + (mu_q - mu_p)^2) / (2 sigma_p^2) - 1/2: "
        "look at the term {term}.", kl_diagonal_gaussians, _general_cases(), GENERAL_MISTAKES)


def check_kl_diagonal_gaussians(fn) -> bool:
    """fn(mean_q, log_var_q, mean_p, log_var_p), each (B, D) -> (B,)."""
    return grade("kl_diagonal_gaussians", fn, kl_diagonal_gaussians, _general_cases(),
                 GENERAL_MISTAKES + _general_term_slips())


def __getattr__(name):  # the term slips as module attributes, built on first use
    built = {"KL_TERM_SLIPS": _kl_term_slips, "GENERAL_TERM_SLIPS": _general_term_slips}
    if name in built:
        return built[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
