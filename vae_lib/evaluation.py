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
- `log_px_quadrature` / `posterior_on_grid` (2-D latent spaces only): log p(x) itself, by summing
  p(x|z) p(z) over a grid of z, and on the same grid the true posterior p(z|x) and KL(q(z|x) || p(z|x)),
  the gap in log p(x) = ELBO + KL(q(z|x) || p(z|x)).

Randomness: each image gets its own key, `fold_in(key, index of the image)`, so the result does not
depend on the batch size. All functions run the model in eval mode.
"""
from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from vae_lib.compiled import EAGER_BATCH, apply_in_batches, run_compiled
from vae_lib.gaussian import diagonal_gaussian_log_density, reparameterize
from vae_lib.losses import bce_with_logits, negative_elbo_nats


def log_mean_exp(values: jax.Array, axis: int = 0) -> jax.Array:
    """log( mean(exp(values)) ) along `axis`, stable for values like -1000 (where exp underflows)."""
    return jax.scipy.special.logsumexp(values, axis=axis) - jnp.log(values.shape[axis])


def iwae_from_log_weights(log_w: jax.Array) -> jax.Array:
    """The IWAE estimate of log p(x) from k log-weights per image: log( (1/k) sum_i w_i ). (k, B) -> (B,)."""
    return log_mean_exp(log_w, axis=0)


def _image_keys(key: jax.Array, start: int, n: int) -> jax.Array:
    return jax.vmap(lambda i: jax.random.fold_in(key, i))(jnp.arange(start, start + n))


def log_weights(model, x: jax.Array, keys: jax.Array, k: int) -> jax.Array:
    """log p(x|z_i) + log p(z_i) - log q(z_i|x) for k samples z_i ~ q(z|x) per image.

    x: (B, H, W, C) in [0, 1]; keys: (B,) one key per image -> (k, B).
    Called from a notebook cell it runs compiled (not one program per operation), in parts of about EAGER_BATCH
    decoded images; inside jit as written. Either way sample i of image b uses key split(keys[b], k)[i].
    """
    eps_keys = jax.vmap(lambda kk: jax.random.split(kk, k))(keys)           # (B, k): sample i of image b
    if not any(isinstance(a, jax.core.Tracer) for a in (x, keys)):
        # from a notebook cell: compiled, about EAGER_BATCH decoded images per call (k*B at once is slow on a CPU)
        graphdef, state = nnx.split(model)
        part = max(1, EAGER_BATCH // len(x))
        return jnp.concatenate([run_compiled(graphdef, state, _log_weights_of_samples, jnp.asarray(x),
                                             eps_keys[:, i:i + part])[0] for i in range(0, k, part)])
    return _log_weights_of_samples(model, x, eps_keys)


def _log_weights(model, x: jax.Array, keys: jax.Array, k: int) -> jax.Array:
    return _log_weights_of_samples(model, x, jax.vmap(lambda kk: jax.random.split(kk, k))(keys))


def _log_weights_of_samples(model, x: jax.Array, eps_keys: jax.Array) -> jax.Array:
    """log_weights for the samples drawn with eps_keys (B, k): z_bi = reparameterize(eps_keys[b, i], ...) -> (k, B)."""
    k = eps_keys.shape[1]
    z_mean, z_log_var = model.encode(x)                                     # (B, D) each
    z = jax.vmap(lambda kk, m, lv: jax.vmap(lambda s: reparameterize(s, m, lv))(kk))(
        eps_keys, z_mean, z_log_var)                                        # (B, k, D)
    z = jnp.swapaxes(z, 0, 1)                                               # (k, B, D)
    logits = model.decoder(z.reshape(-1, z.shape[-1]))                      # (k*B, H, W, C)
    xs = jnp.broadcast_to(x[None], (k, *x.shape)).reshape(-1, *x.shape[1:])
    log_px_z = -bce_with_logits(logits, xs, "sum").reshape(k, -1)           # (k, B)
    log_pz = diagonal_gaussian_log_density(z, jnp.zeros_like(z), jnp.zeros_like(z))
    log_qz = diagonal_gaussian_log_density(z, z_mean[None], z_log_var[None])
    return log_px_z + log_pz - log_qz


@functools.lru_cache(maxsize=None)
def _iwae_fn(k: int):
    return functools.partial(_iwae, k=k)


def _per_image(fn, model, images, key, batch_size):
    """fn(model, x (B, ...), keys (B,)) -> (B, ...) over all images, image i with key fold_in(key, i)."""
    model.eval()
    images = np.asarray(images, np.float32)
    return apply_in_batches(fn, model, images, _image_keys(key, 0, len(images)), batch_size=batch_size)


def _elbo_terms(model, x, keys):
    z_mean, z_log_var = model.encode(x)
    eps = jax.vmap(lambda kk, m: jax.random.normal(kk, m.shape, m.dtype))(keys, z_mean)
    z = z_mean + jnp.exp(0.5 * z_log_var) * eps
    return negative_elbo_nats(model.decoder(z), x, z_mean, z_log_var)   # {'neg_elbo', 'reconstruction', 'kl'}: (B,)


def _iwae(model, x, keys, k):
    return log_mean_exp(_log_weights(model, x, keys, k), axis=0)


def negative_elbo(model, images: np.ndarray, key: jax.Array, batch_size: int = 250) -> dict[str, float | np.ndarray]:
    """-ELBO in nats per image (one z sample each, closed-form KL), averaged over `images`.

    images: (N, H, W, C) in [0, 1]. Returns {'neg_elbo', 'reconstruction' (summed BCE), 'kl'}
    as means, and 'per_image' (N,) -ELBO values.
    """
    terms = _per_image(_elbo_terms, model, images, key, batch_size)
    return {"neg_elbo": float(terms["neg_elbo"].mean()), "reconstruction": float(terms["reconstruction"].mean()),
            "kl": float(terms["kl"].mean()), "per_image": terms["neg_elbo"]}


def iwae_log_likelihood(model, images: np.ndarray, key: jax.Array, k: int = 50,
                        batch_size: int | None = None) -> dict[str, float | np.ndarray]:
    """Importance-weighted lower bound L_k on log p(x), nats per image, averaged over `images`.

    images: (N, H, W, C) in [0, 1]. Returns {'log_likelihood' (mean L_k), 'nll' (= -L_k, comparable
    with -ELBO: smaller is better), 'k', 'per_image' (N,)}. Each compiled call decodes k * batch_size
    images; batch_size None: about EAGER_BATCH of them (EAGER_BATCH // k images, at least 1). The result does
    not depend on batch_size (image i always gets the key fold_in(key, i)).
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    batch_size = batch_size or max(1, EAGER_BATCH // k)
    per_image = _per_image(_iwae_fn(k), model, images, key, batch_size)
    return {"log_likelihood": float(per_image.mean()), "nll": float(-per_image.mean()), "k": k,
            "per_image": per_image}


def nats_to_bits_per_dim(nats_per_image: float, n_values: int) -> float:
    """Convert nats per image to bits per dimension (pixel value): nats / (n_values * ln 2)."""
    return nats_per_image / (n_values * math.log(2.0))


# --- log p(x) by quadrature: possible because the book's latent space has only 2 dimensions ---------------------
#
#     p(x) = ∫ p(x|z) p(z) dz  ≈  Σ_cells p(x|z_c) p(z_c) ΔA,     so  log p(x) ≈ logsumexp_c(log p(x|z_c) + log p(z_c)) + log ΔA
#
# on a G×G grid of cell centres z_c (cell area ΔA). On the same grid the true posterior is p(z_c|x) = p(x|z_c) p(z_c) / p(x),
# which lets us measure how far the encoder's diagonal Gaussian q(z|x) is from it: KL(q(z|x) || p(z|x)).

def latent_grid_offsets(grid_size: int, radius: float) -> tuple[np.ndarray, float]:
    """Cell centres of a grid_size × grid_size grid over [-radius, radius]²: (G*G, 2) and the log of one cell's area."""
    if grid_size < 2 or radius <= 0:
        raise ValueError(f"need grid_size >= 2 and radius > 0, got {grid_size}, {radius}")
    t = np.linspace(-radius, radius, grid_size, dtype=np.float32)
    gx, gy = np.meshgrid(t, t, indexing="xy")                   # row i: z[1] = t[i]; column j: z[0] = t[j]
    return np.stack([gx.ravel(), gy.ravel()], 1), float(2 * np.log(t[1] - t[0]))


@jax.jit
def _log_px_given_z(logits, x):
    """logits (N, H, W, C) decoded at N points, x (B, H, W, C) -> (B, N) log p(x|z) = -(summed BCE)."""
    flat_l, flat_x = logits.reshape(len(logits), -1), x.reshape(len(x), -1)
    # BCE(l, x) = softplus(l) - l x, summed over pixels: one matrix product for all images at once
    return flat_x @ flat_l.T - jnp.sum(jax.nn.softplus(flat_l), axis=1)[None]


def posterior_on_grid(model, images, grid_size: int = 81, radius: float = 4.0, center=None,
                      chunk: int = EAGER_BATCH) -> dict[str, np.ndarray]:
    """Everything about p(z|x) and q(z|x) on a grid, for a VAE with a 2-D latent and a Bernoulli decoder.

    images: (B, H, W, C) in [0, 1]. The grid is [-radius, radius]² around `center`: None (the origin, one grid
    shared by all images) or (B, 2) per image (e.g. the encoder's means), with `radius` a number or, with a
    per-image centre, (B,) per image (e.g. a few of that image's σ). Returns numpy
    arrays: 'z' (B, G*G, 2) cell centres, 'log_joint' (B, G*G) log p(x|z) + log p(z), 'log_px' (B,) the
    quadrature estimate of log p(x), 'log_q' (B, G*G) the encoder's log q(z|x), 'kl_q_posterior' (B,)
    KL(q(z|x) || p(z|x)) and 'elbo' (B,) E_q[log p(x|z) + log p(z) - log q(z|x)], both as sums over the cells
    (q and the posterior normalised on the grid), and 'q_mass' / 'edge_mass' (B,): the share of q inside the grid
    and of the posterior in the grid's outer ring (both say whether the grid is wide and fine enough).
    """
    x = jnp.asarray(np.asarray(images, np.float32))
    radii = np.broadcast_to(np.asarray(radius, np.float32), (len(x),))
    if center is None and not np.all(radii == radii[0]):
        raise ValueError("one grid shared by all images (center=None) needs one radius")
    unit, _ = latent_grid_offsets(grid_size, 1.0)
    log_areas = np.array([latent_grid_offsets(grid_size, float(r))[1] for r in radii])
    centers = np.zeros((len(x), 2), np.float32) if center is None else np.asarray(center, np.float32).reshape(len(x), 2)
    if hasattr(model, "eval"):
        model.eval()
    decode = model.decoder   # the library's decoders compile themselves (compiled.compiled_when_eager)
    z_mean, z_log_var = model.encode(x)
    if z_mean.shape[-1] != 2:
        raise ValueError(f"quadrature over z needs a 2-D latent space, this model has {z_mean.shape[-1]}")
    z_all, log_joint = [], []
    shared = center is None
    for b in range(1 if shared else len(x)):
        z = jnp.asarray(centers[b] + radii[b] * unit)
        xb = x if shared else x[b:b + 1]
        lpx_z = jnp.concatenate([_log_px_given_z(decode(z[i:i + chunk]), xb) for i in range(0, len(z), chunk)], 1)
        log_pz = diagonal_gaussian_log_density(z, jnp.zeros_like(z), jnp.zeros_like(z))
        log_joint.append(np.asarray(lpx_z + log_pz[None]))
        z_all.append(np.broadcast_to(np.asarray(z), (len(xb), *z.shape)))
    log_joint, z_all = np.concatenate(log_joint, 0), np.concatenate(z_all, 0)     # (B, G*G), (B, G*G, 2)
    log_q = np.asarray(diagonal_gaussian_log_density(jnp.asarray(z_all), z_mean[:, None], z_log_var[:, None]))
    log_px = np.asarray(jax.scipy.special.logsumexp(log_joint, axis=1)) + log_areas
    log_post_cells = log_joint - jax.scipy.special.logsumexp(log_joint, axis=1, keepdims=True)   # cell probabilities
    log_q_cells = log_q - jax.scipy.special.logsumexp(log_q, axis=1, keepdims=True)
    q_cells = np.exp(np.asarray(log_q_cells))
    kl = np.sum(q_cells * (np.asarray(log_q_cells) - np.asarray(log_post_cells)), axis=1)
    elbo = np.sum(q_cells * (log_joint - log_q), axis=1)
    ring = np.ones((grid_size, grid_size), bool); ring[2:-2, 2:-2] = False
    edge = np.exp(np.asarray(log_post_cells)).reshape(len(x), grid_size, grid_size)[:, ring].sum(1)
    q_mass = np.exp(np.asarray(jax.scipy.special.logsumexp(log_q, axis=1)) + log_areas)
    return {"z": z_all, "log_joint": log_joint, "log_px": log_px, "log_q": log_q, "kl_q_posterior": kl,
            "elbo": elbo, "q_mass": q_mass, "edge_mass": edge, "grid_size": grid_size}


def log_px_quadrature(model, images, grid_size: int = 81, radius: float = 4.0, center=None) -> np.ndarray:
    """log p(x) (nats, (B,)) by quadrature over a 2-D latent grid: logsumexp of log p(x|z) + log p(z) + log cell area.

    The exact value the ELBO and the IWAE bounds approach from below (up to the grid's error: check that it does not
    move when grid_size grows, and that the posterior is not cut off at the grid's edge, see `posterior_on_grid`).
    """
    return posterior_on_grid(model, images, grid_size, radius, center)["log_px"]


def posterior_window(model, images, grid_size: int = 81, radius: float = 4.0, n_std: float = 6.0):
    """Where to put a fine grid per image: (centers (B, 2), radii (B,)) of a square holding both the true posterior
    and the encoder's q(z|x).

    A coarse grid over [-radius, radius]², shared by all images, locates the posterior (its mean ± n_std of its
    standard deviations, at least two coarse cells); q(z|x) adds its mean ± n_std σ. A trained encoder's q can sit
    away from the posterior, and both are often far narrower than the coarse cells, so a grid around q alone can miss
    the posterior (see 'edge_mass' of `posterior_on_grid`).
    """
    coarse = posterior_on_grid(model, images, grid_size, radius)
    w = np.exp(coarse["log_joint"] - coarse["log_joint"].max(1, keepdims=True))
    w /= w.sum(1, keepdims=True)
    mean = np.einsum("bn,bnd->bd", w, coarse["z"])
    sd = np.sqrt(np.einsum("bn,bnd->bd", w, (coarse["z"] - mean[:, None]) ** 2))
    half_post = np.maximum(n_std * sd, 2 * (2 * radius / (grid_size - 1)))
    z_mean, z_log_var = model.encode(jnp.asarray(np.asarray(images, np.float32)))
    half_q = n_std * np.exp(0.5 * np.asarray(z_log_var))
    lo = np.minimum(mean - half_post, np.asarray(z_mean) - half_q)
    hi = np.maximum(mean + half_post, np.asarray(z_mean) + half_q)
    return ((lo + hi) / 2).astype(np.float32), ((hi - lo) / 2).max(1).astype(np.float32)


def best_diagonal_q_on_grid(z: np.ndarray, log_joint: np.ndarray, steps: int = 400,
                            learning_rate: float = 0.05) -> tuple[np.ndarray, np.ndarray, float]:
    """The diagonal Gaussian closest to a posterior given on a 2-D grid, by KL(q || p(z|x)) (the VAE's direction).

    z: (G*G, 2) cell centres; log_joint: (G*G,) log p(x|z) + log p(z) at them (any constant added is fine).
    q and the posterior are normalised over the cells, as in `posterior_on_grid`. Starts from the posterior's own
    mean and variances, then Adam on (mean, log variance). Returns (mean (2,), log_var (2,), KL in nats).
    What is left of the KL at the optimum is what the *diagonal shape* costs; an encoder's q can only do worse.
    """
    import optax

    z = jnp.asarray(z, jnp.float32)
    log_post = jnp.asarray(log_joint, jnp.float32)
    log_post = log_post - jax.scipy.special.logsumexp(log_post)
    w = jnp.exp(log_post)
    mean0 = w @ z
    var0 = w @ (z - mean0) ** 2

    def kl(params):
        log_q = diagonal_gaussian_log_density(z, params[0], params[1])
        log_q = log_q - jax.scipy.special.logsumexp(log_q)
        return jnp.sum(jnp.exp(log_q) * (log_q - log_post))

    opt = optax.adam(learning_rate)
    params = jnp.stack([mean0, jnp.log(var0)])
    scale = jnp.stack([jnp.sqrt(var0), jnp.ones(2)])   # steps in units of the posterior's spread

    def step(carry, _):
        p, s = carry
        g = jax.grad(lambda u: kl(params + u * scale))((p - params) / scale)
        updates, s = opt.update(g, s)
        return (p + updates * scale, s), None

    (best, _), _ = jax.lax.scan(step, (params, opt.init(params)), None, length=steps)
    best = jnp.where(kl(best) < kl(params), best, params)
    return np.asarray(best[0]), np.asarray(best[1]), float(kl(best))


def posterior_fit_report(model, images, grid_size: int = 81, n_std: float = 6.0,
                         wide: dict | None = None) -> dict[str, np.ndarray]:
    """How far each image's encoder q(z|x) is from the best diagonal q, for a VAE with a 2-D latent (chapter 05).

    For each image a grid of grid_size² cells covers its true posterior (mean ± n_std of its standard deviations,
    found with `posterior_window`); on it `best_diagonal_q_on_grid` fits the closest diagonal Gaussian. Returns
    (B,) arrays: 'kl_encoder' KL(q(z|x) || p(z|x)) and 'kl_best_diagonal' (what the diagonal shape alone costs),
    'shift_encoder' / 'shift_best' (distance of each q's mean from the posterior's, in posterior standard
    deviations), and 'posterior_corr'.
    wide: that first grid, `posterior_on_grid(model, images, grid_size, radius=r, center=c)` with
    (c, r) = `posterior_window(model, images, grid_size=61)`, when the caller has it already (chapter 05 does).
    """
    x = jnp.asarray(np.asarray(images, np.float32))
    if wide is None:
        center, radius = posterior_window(model, x, grid_size=61)
        wide = posterior_on_grid(model, x, grid_size, radius=radius, center=center)
    elif wide["log_joint"].shape != (len(x), grid_size * grid_size):
        raise ValueError(f"wide holds a {wide['grid_size']}-point grid for {len(wide['log_joint'])} images; "
                         f"expected grid_size {grid_size} for {len(x)} images")
    w = np.exp(wide["log_joint"] - wide["log_joint"].max(1, keepdims=True))
    w /= w.sum(1, keepdims=True)
    mean = np.einsum("bn,bnd->bd", w, wide["z"])
    sd = np.sqrt(np.einsum("bn,bnd->bd", w, (wide["z"] - mean[:, None]) ** 2))
    tight = posterior_on_grid(model, x, grid_size, radius=n_std * sd.max(1), center=mean)
    z_mean, _ = model.encode(x)
    out = {k: [] for k in ("kl_best_diagonal", "shift_best", "posterior_corr")}
    for b in range(len(x)):
        m, _, kl = best_diagonal_q_on_grid(tight["z"][b], tight["log_joint"][b])
        cov = np.cov(tight["z"][b].T, aweights=np.exp(tight["log_joint"][b] - tight["log_joint"][b].max()))
        out["kl_best_diagonal"].append(kl)
        out["shift_best"].append(float(np.linalg.norm((m - mean[b]) / sd[b])))
        out["posterior_corr"].append(float(cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1])))
    out = {k: np.asarray(v) for k, v in out.items()}
    out["kl_encoder"] = wide["kl_q_posterior"]
    out["shift_encoder"] = np.linalg.norm((np.asarray(z_mean) - mean) / sd, axis=1)
    return out
