"""Checks for chapter 05's exercises: the book's VAE loss and the IWAE average."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

from vae_lib.checks.core import Mistake, grade
from vae_lib.evaluation import log_mean_exp
from vae_lib.gaussian import kl_to_standard_normal
from vae_lib.losses import bce_with_logits, vae_loss

__all__ = ["check_vae_loss", "check_iwae_from_log_weights"]


def reference_vae_loss(logits, x, z_mean, z_log_var, beta):
    """Batch mean of beta * (per-pixel MEAN BCE) + KL, as a scalar."""
    return vae_loss(logits, x, z_mean, z_log_var, beta, "bce", "mean")[0]


def _bce(logits, x, reduction):
    return bce_with_logits(logits, x, reduction)


def _kl(m, v):
    return kl_to_standard_normal(m, v)


def _loss_cases() -> list[tuple]:
    out = []
    # one shape for all cases (every new shape costs a compilation of each eager jax op)
    for seed, (b, h, d, beta) in enumerate([(4, 8, 3, 500.0), (4, 8, 3, 1.0), (4, 8, 3, 50.0)]):
        k = jax.random.split(jax.random.key(seed), 4)
        logits = 3 * jax.random.normal(k[0], (b, h, h, 1))
        x = jax.random.uniform(k[1], (b, h, h, 1))
        out.append((logits, x, jax.random.normal(k[2], (b, d)), jax.random.normal(k[3], (b, d)), beta))
    return out


LOSS_MISTAKES = [
    Mistake("summed BCE where the book averages over pixels",
            lambda lg, x, m, v, beta: jnp.mean(beta * _bce(lg, x, "sum") + _kl(m, v)),
            "the book's beta = 500 multiplies the per-pixel MEAN BCE: use reduction='mean' "
            "(summed BCE times 500 would weigh reconstruction 1024 times more)."),
    Mistake("beta is missing",
            lambda lg, x, m, v, beta: jnp.mean(_bce(lg, x, "mean") + _kl(m, v)),
            "multiply the reconstruction term by beta."),
    Mistake("beta multiplies the KL instead of the reconstruction",
            lambda lg, x, m, v, beta: jnp.mean(_bce(lg, x, "mean") + beta * _kl(m, v)),
            "in the book's code beta multiplies the reconstruction loss: beta * BCE + KL."),
    Mistake("the KL sign is flipped",
            lambda lg, x, m, v, beta: jnp.mean(beta * _bce(lg, x, "mean") - _kl(m, v)),
            "add the KL divergence (it is >= 0): loss = beta * reconstruction + KL."),
    Mistake("sigmoid applied before a loss that expects logits",
            lambda lg, x, m, v, beta: jnp.mean(
                beta * jnp.mean(optax.sigmoid_binary_cross_entropy(jax.nn.sigmoid(lg), x), axis=(1, 2, 3))
                + _kl(m, v)),
            "the decoder returns logits and bce_with_logits applies the sigmoid itself: do not apply it twice."),
    Mistake("KL averaged over the latent dimensions",
            lambda lg, x, m, v, beta: jnp.mean(beta * _bce(lg, x, "mean")
                                               - 0.5 * jnp.mean(1 + v - m**2 - jnp.exp(v), axis=-1)),
            "sum the KL over the latent dimensions (vae_lib.gaussian.kl_to_standard_normal does)."),
]


def check_vae_loss(fn) -> bool:
    """fn(logits (B,H,W,C), x (B,H,W,C), z_mean (B,D), z_log_var (B,D), beta) -> scalar loss."""
    return grade("vae_loss", fn, reference_vae_loss, _loss_cases(), LOSS_MISTAKES, rtol=1e-4, atol=1e-3)


def _iwae_cases() -> list[tuple]:
    rng = np.random.default_rng(6)
    return [(jnp.asarray(rng.normal(size=(5, 3)), jnp.float32),),
            (jnp.asarray(-1000.0 + 3 * rng.normal(size=(50, 4)), jnp.float32),),   # e^-1000 underflows to 0
            (jnp.asarray(rng.normal(size=(1, 6)), jnp.float32),)]                  # k = 1: the ELBO sample


IWAE_MISTAKES = [
    Mistake("the mean of log w (that is the ELBO estimate, not the IWAE bound)",
            lambda lw: jnp.mean(lw, axis=0), "average the weights w = exp(log w), then take the log."),
    Mistake("log(mean(exp(log w))) computed directly: exp underflows",
            lambda lw: jnp.log(jnp.mean(jnp.exp(lw), axis=0)),
            "use jax.scipy.special.logsumexp(log_w, axis=0) - log(k): it subtracts the max first."),
    Mistake("-log k is missing (logsumexp is a sum, the bound needs a mean)",
            lambda lw: jax.scipy.special.logsumexp(lw, axis=0), "subtract jnp.log(k)."),
    Mistake("averaged over the wrong axis (over images instead of over the k samples)",
            lambda lw: jax.scipy.special.logsumexp(lw, axis=1) - jnp.log(lw.shape[1]),
            "log_w has shape (k, B): reduce over axis 0."),
]


_iwae_reference = jax.jit(lambda lw: log_mean_exp(lw, axis=0))


def check_iwae_from_log_weights(fn) -> bool:
    """fn(log_w (k, B)) -> (B,) = log( (1/k) sum_i exp(log_w[i]) ), computed stably."""
    return grade("iwae_from_log_weights", fn, _iwae_reference, _iwae_cases(), IWAE_MISTAKES)
