"""How good is a trained VAE, in nats per image (chapter 05)?

Both numbers are for a Bernoulli decoder on grey values in [0, 1] (the book's BCE loss), so
log p(x | z) = -(BCE summed over pixels):

- `negative_elbo`: -ELBO = E_q[-log p(x|z)] + KL(q(z|x) || N(0, I)), with one z sample per image
  and the KL in closed form. The ELBO is a lower bound on log p(x): -ELBO is an upper bound on the
  negative log-likelihood. Smaller is better.
- `iwae_log_likelihood`: the importance-weighted bound (Burda et al., 2016) with k samples,
      log p(x) >= L_k = E[ log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x) ],   z_i ~ q(z|x),
  computed with logsumexp (the weights are e^-hundreds). L_1 is the ELBO (in expectation),
  and L_k grows towards log p(x) as k grows.

Randomness: each image gets its own key, `fold_in(key, index of the image)`, so the result does not
depend on the batch size. All functions run the model in eval mode.
"""
from __future__ import annotations

import math
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from vae_lib.gaussian import diagonal_gaussian_log_density, kl_to_standard_normal, reparameterize
from vae_lib.losses import bce_with_logits


def log_mean_exp(values: jax.Array, axis: int = 0) -> jax.Array:
    """log( mean(exp(values)) ) along `axis`, stable for values like -1000 (where exp underflows)."""
    return jax.scipy.special.logsumexp(values, axis=axis) - jnp.log(values.shape[axis])


def _image_keys(key: jax.Array, start: int, n: int) -> jax.Array:
    return jax.vmap(lambda i: jax.random.fold_in(key, i))(jnp.arange(start, start + n))


def log_weights(model, x: jax.Array, keys: jax.Array, k: int) -> jax.Array:
    """log p(x|z_i) + log p(z_i) - log q(z_i|x) for k samples z_i ~ q(z|x) per image.

    x: (B, H, W, C) in [0, 1]; keys: (B,) one key per image -> (k, B).
    Called from a notebook cell it runs as one compiled program (not one per operation).
    """
    if not any(isinstance(a, jax.core.Tracer) for a in (x, keys)):
        graphdef, state = nnx.split(model)
        return _apply(graphdef, state, jnp.asarray(x), keys, _log_weights, k)
    return _log_weights(model, x, keys, k)


def _log_weights(model, x: jax.Array, keys: jax.Array, k: int) -> jax.Array:
    z_mean, z_log_var = model.encode(x)                                     # (B, D) each
    eps_keys = jax.vmap(lambda kk: jax.random.split(kk, k))(keys)           # (B, k)
    z = jax.vmap(lambda kk, m, lv: jax.vmap(lambda s: reparameterize(s, m, lv))(kk))(
        eps_keys, z_mean, z_log_var)                                        # (B, k, D)
    z = jnp.swapaxes(z, 0, 1)                                               # (k, B, D)
    logits = model.decoder(z.reshape(-1, z.shape[-1]))                      # (k*B, H, W, C)
    xs = jnp.broadcast_to(x[None], (k, *x.shape)).reshape(-1, *x.shape[1:])
    log_px_z = -bce_with_logits(logits, xs, "sum").reshape(k, -1)           # (k, B)
    log_pz = diagonal_gaussian_log_density(z, jnp.zeros_like(z), jnp.zeros_like(z))
    log_qz = diagonal_gaussian_log_density(z, z_mean[None], z_log_var[None])
    return log_px_z + log_pz - log_qz


@partial(jax.jit, static_argnames=("graphdef", "fn", "k"))
def _apply(graphdef, state, x, keys, fn, k):
    return fn(nnx.merge(graphdef, state), x, keys, k)


def _run_batched(model, images, key, batch_size, fn, k=1):
    """fn(model, x (B, ...), keys (B,), k) -> (..., B), compiled once per model structure, fn and k."""
    model.eval()
    graphdef, state = nnx.split(model)
    images = np.asarray(images, np.float32)
    out = [np.asarray(_apply(graphdef, state, jnp.asarray(images[i:i + batch_size]),
                             _image_keys(key, i, len(images[i:i + batch_size])), fn, k))
           for i in range(0, len(images), batch_size)]
    return np.concatenate(out, axis=-1)


def _elbo_parts(model, x, keys, k):
    z_mean, z_log_var = model.encode(x)
    eps = jax.vmap(lambda kk, m: jax.random.normal(kk, m.shape, m.dtype))(keys, z_mean)
    z = z_mean + jnp.exp(0.5 * z_log_var) * eps
    recon = bce_with_logits(model.decoder(z), x, "sum")
    return jnp.stack([recon, kl_to_standard_normal(z_mean, z_log_var)])   # (2, B)


def _iwae(model, x, keys, k):
    return log_mean_exp(_log_weights(model, x, keys, k), axis=0)


def negative_elbo(model, images: np.ndarray, key: jax.Array, batch_size: int = 250) -> dict[str, float | np.ndarray]:
    """-ELBO in nats per image (one z sample each, closed-form KL), averaged over `images`.

    images: (N, H, W, C) in [0, 1]. Returns {'neg_elbo', 'reconstruction' (summed BCE), 'kl'}
    as means, and 'per_image' (N,) -ELBO values.
    """
    parts = _run_batched(model, images, key, batch_size, _elbo_parts)
    per_image = parts[0] + parts[1]
    return {"neg_elbo": float(per_image.mean()), "reconstruction": float(parts[0].mean()),
            "kl": float(parts[1].mean()), "per_image": per_image}


def iwae_log_likelihood(model, images: np.ndarray, key: jax.Array, k: int = 50,
                        batch_size: int = 50) -> dict[str, float | np.ndarray]:
    """Importance-weighted lower bound L_k on log p(x), nats per image, averaged over `images`.

    images: (N, H, W, C) in [0, 1]. Returns {'log_likelihood' (mean L_k), 'nll' (= -L_k, comparable
    with -ELBO: smaller is better), 'k', 'per_image' (N,)}. Memory grows with k * batch_size images.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    per_image = _run_batched(model, images, key, batch_size, _iwae, k)
    return {"log_likelihood": float(per_image.mean()), "nll": float(-per_image.mean()), "k": k,
            "per_image": per_image}


def nats_to_bits_per_dim(nats_per_image: float, n_values: int) -> float:
    """Convert nats per image to bits per dimension (pixel value): nats / (n_values * ln 2)."""
    return nats_per_image / (n_values * math.log(2.0))
