"""Losses: reconstruction terms, the beta-weighted VAE loss, and the ELBO in nats per image.

Reconstruction losses return one number per image, shape (B,). Whether pixels are *summed* or
*averaged* is explicit in the `reduction` argument, because it changes what beta means:
the book uses beta = 500 on the per-pixel *mean* BCE of a 32x32 image, which equals
(500 / 1024) x summed BCE, i.e. beta_eff = 1024 / 500 = 2.05 on the KL against summed BCE.
"""
from __future__ import annotations

from typing import Literal

import jax
import jax.numpy as jnp

from vae_lib.gaussian import kl_to_standard_normal

Reduction = Literal["sum", "mean"]


def _reduce(per_value: jax.Array, reduction: Reduction) -> jax.Array:
    axes = tuple(range(1, per_value.ndim))
    if reduction == "sum":
        return jnp.sum(per_value, axis=axes)
    if reduction == "mean":
        return jnp.mean(per_value, axis=axes)
    raise ValueError(f"reduction must be 'sum' or 'mean', got {reduction!r}")


def bce_with_logits(logits: jax.Array, x: jax.Array, reduction: Reduction = "sum") -> jax.Array:
    """Binary cross-entropy between targets x in [0, 1] and sigmoid(logits). (B, H, W, C) -> (B,).

    Computed from logits (numerically stable): never take log(sigmoid(.)) yourself. Per pixel,
    -x log sigmoid(l) - (1 - x) log(1 - sigmoid(l)) = softplus(l) - x * l, where
    softplus(l) = log(1 + e^l) = max(l, 0) + log(1 + e^-|l|): chapter 01's stable form, the
    same numbers as ``optax.sigmoid_binary_cross_entropy`` and the gradient sigmoid(l) - x.
    """
    return _reduce(jax.nn.softplus(logits) - x * logits, reduction)


def ae_loss(logits: jax.Array, x: jax.Array) -> jax.Array:
    """Chapter 01's autoencoder loss, the book's: the batch mean of the per-pixel MEAN BCE, a scalar."""
    return jnp.mean(bce_with_logits(logits, x, "mean"))


def mse(images: jax.Array, x: jax.Array, reduction: Reduction = "mean") -> jax.Array:
    """Squared error between decoded images and targets, per image. (B, H, W, C) -> (B,)."""
    return _reduce((images - x) ** 2, reduction)


def reconstruction_loss(logits: jax.Array, x: jax.Array, kind: str = "bce",
                        reduction: Reduction = "mean") -> jax.Array:
    """'bce' on logits, or 'mse' on sigmoid(logits); (B,)."""
    if kind == "bce":
        return bce_with_logits(logits, x, reduction)
    if kind == "mse":
        return mse(jax.nn.sigmoid(logits), x, reduction)
    raise ValueError(f"unknown reconstruction loss {kind!r}; use 'bce' or 'mse'")


def vae_loss(logits: jax.Array, x: jax.Array, z_mean: jax.Array, z_log_var: jax.Array,
             beta: float = 500.0, kind: str = "bce", reduction: Reduction = "mean"):
    """The book's VAE loss: mean over the batch of beta * reconstruction + KL.

    logits, x: (B, H, W, C); z_mean, z_log_var: (B, D).
    Returns (loss, parts) with parts = {'loss', 'reconstruction', 'kl'} as batch means; the
    'reconstruction' part already includes the beta factor, as the book's Keras code reports it.
    """
    recon = beta * reconstruction_loss(logits, x, kind, reduction)
    kl = kl_to_standard_normal(z_mean, z_log_var)
    loss = jnp.mean(recon + kl)
    return loss, {"loss": loss, "reconstruction": jnp.mean(recon), "kl": jnp.mean(kl)}


def vae_loss_value(logits: jax.Array, x: jax.Array, z_mean: jax.Array, z_log_var: jax.Array,
                   beta: float = 500.0) -> jax.Array:
    """Chapter 05's exercise: `vae_loss`'s loss alone, a scalar: the batch mean of beta * (per-pixel MEAN BCE) + KL."""
    return vae_loss(logits, x, z_mean, z_log_var, beta, "bce", "mean")[0]


def negative_elbo_nats(logits: jax.Array, x: jax.Array, z_mean: jax.Array, z_log_var: jax.Array) -> dict[str, jax.Array]:
    """-ELBO in nats per image for a Bernoulli decoder, with its two terms (one z sample).

    logits, x: (B, H, W, C); z_mean, z_log_var: (B, D). Returns {'neg_elbo', 'reconstruction', 'kl'}, each (B,):
    'reconstruction' = summed BCE = -log p(x|z), 'kl' = KL(q(z|x) || N(0, I)), 'neg_elbo' = their sum.
    The ELBO lower-bounds log p(x); smaller -ELBO is better. This is the beta = 1, summed-pixel loss.
    """
    recon = bce_with_logits(logits, x, "sum")
    kl = kl_to_standard_normal(z_mean, z_log_var)
    return {"neg_elbo": recon + kl, "reconstruction": recon, "kl": kl}
