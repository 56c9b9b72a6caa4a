"""Checks for chapter 05's exercises: the book's VAE loss and the IWAE average."""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax

from vae_lib.checks._helpers import BCE_EDGE_HINT, bce_edge_case
from vae_lib.checks.core import Mistake, grade
from vae_lib.evaluation import log_mean_exp
from vae_lib.gaussian import kl_to_standard_normal
from vae_lib.losses import bce_with_logits, vae_loss

__all__ = ["check_vae_loss", "check_iwae_from_log_weights", "check_debug_diagnosis"]


def reference_vae_loss(logits, x, z_mean, z_log_var, beta):
    """Batch mean of beta * (per-pixel MEAN BCE) + KL, as a scalar."""
    return vae_loss(logits, x, z_mean, z_log_var, beta, "bce", "mean")[0]


def _bce(logits, x, reduction):
    return bce_with_logits(logits, x, reduction)


def _kl(m, v):
    return kl_to_standard_normal(m, v)


def _loss(recon, kl, beta, reduce=jnp.mean):
    """The loss from per-image parts: reduce(beta * recon + kl)."""
    return reduce(beta * recon + kl)


def _edge_case() -> tuple:
    logits, x = bce_edge_case()   # the same confident logits chapter 01 grades its BCE on
    k = jax.random.split(jax.random.key(9))
    return (logits, x, jax.random.normal(k[0], (2, 3)), jax.random.normal(k[1], (2, 3)), 500.0)


def _loss_cases() -> list[tuple]:
    out = []
    # a tiny readable case, then one shape for the rest (every new shape costs a compilation of each eager jax op)
    for seed, b, h, d, beta in [(10, 2, 2, 2, 2.0), (0, 4, 8, 3, 500.0), (1, 4, 8, 3, 1.0), (2, 4, 8, 3, 50.0)]:
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
    Mistake("beta multiplies both terms: beta * (reconstruction + KL)",
            lambda lg, x, m, v, beta: jnp.mean(beta * (_bce(lg, x, "mean") + _kl(m, v))),
            "beta weighs the reconstruction against the KL: beta * reconstruction + KL, the KL unweighted."),
    Mistake("the KL divided by beta instead of the reconstruction multiplied",
            lambda lg, x, m, v, beta: jnp.mean(_bce(lg, x, "mean") + _kl(m, v) / beta),
            "the same balance, but a loss beta times smaller: the book's loss is beta * BCE + KL."),
    Mistake("optax.sigmoid_binary_cross_entropy's arguments swapped (images, logits)",
            lambda lg, x, m, v, beta: _loss(jnp.mean(optax.sigmoid_binary_cross_entropy(x, lg), axis=(1, 2, 3)),
                                            _kl(m, v), beta),
            "optax.sigmoid_binary_cross_entropy(logits, labels): the model's logits first, the images second."),
    Mistake("summed over the batch instead of averaged",
            lambda lg, x, m, v, beta: _loss(_bce(lg, x, "mean"), _kl(m, v), beta, jnp.sum),
            "take the mean over the batch: the loss should not grow with the batch size."),
    Mistake("the reconstruction averaged over the batch but the KL summed over it",
            lambda lg, x, m, v, beta: beta * jnp.mean(_bce(lg, x, "mean")) + jnp.sum(_kl(m, v)),
            "both terms are per image (B,): average beta * reconstruction + KL over the batch."),
    Mistake("mean squared error instead of binary cross-entropy",
            lambda lg, x, m, v, beta: _loss(jnp.mean((jax.nn.sigmoid(lg) - x) ** 2, axis=(1, 2, 3)), _kl(m, v), beta),
            "the book's loss is binary cross-entropy from the logits (optax.sigmoid_binary_cross_entropy)."),
    Mistake("the KL without its factor 1/2",
            lambda lg, x, m, v, beta: _loss(_bce(lg, x, "mean"), 2 * _kl(m, v), beta),
            "KL = -0.5 * sum(1 + log_var - mean^2 - exp(log_var), axis=-1)."),
    Mistake("the KL with z_mean not squared",
            lambda lg, x, m, v, beta: _loss(_bce(lg, x, "mean"), -0.5 * jnp.sum(1 + v - m - jnp.exp(v), axis=-1), beta),
            "KL = -0.5 * sum(1 + log_var - mean**2 - exp(log_var), axis=-1)."),
    Mistake("the KL with exp(0.5 * log_var) (sigma) where sigma^2 belongs",
            lambda lg, x, m, v, beta: _loss(_bce(lg, x, "mean"), -0.5 * jnp.sum(1 + v - m**2 - jnp.exp(0.5 * v), axis=-1),
                                            beta),
            "sigma^2 = exp(log_var)."),
    Mistake("the reconstruction without the sigmoid: BCE of the logits taken as probabilities",
            lambda lg, x, m, v, beta: _loss(jnp.mean(-(x * jnp.log(lg) + (1 - x) * jnp.log(1 - lg)), axis=(1, 2, 3)),
                                            _kl(m, v), beta),
            "the decoder returns logits: optax.sigmoid_binary_cross_entropy(logits, x) applies the sigmoid."),
    Mistake("kl_to_standard_normal's arguments swapped (z_log_var, z_mean)",
            lambda lg, x, m, v, beta: _loss(_bce(lg, x, "mean"), _kl(v, m), beta),
            "kl_to_standard_normal(z_mean, z_log_var): the mean first, the log-variance second."),
]


def check_vae_loss(fn) -> bool:
    """fn(logits (B,H,W,C), x (B,H,W,C), z_mean (B,D), z_log_var (B,D), beta) -> scalar loss."""
    return grade("vae_loss", fn, reference_vae_loss, _loss_cases(), LOSS_MISTAKES, rtol=1e-4, atol=1e-3,
                 edge_cases=[_edge_case()], edge_hint=BCE_EDGE_HINT)


def _iwae_cases() -> list[tuple]:
    rng = np.random.default_rng(6)
    return [(jnp.asarray([[0.0, -1.0], [2.0, -3.0], [1.0, -2.0]], jnp.float32),),
            (jnp.asarray(rng.normal(size=(5, 3)), jnp.float32),),
            (jnp.asarray(-1000.0 + 3 * rng.normal(size=(50, 4)), jnp.float32),),   # e^-1000 underflows to 0
            (jnp.asarray(rng.normal(size=(1, 6)), jnp.float32),),                  # k = 1: the ELBO sample
            (_trained_scale_log_weights(),)]


def _trained_scale_log_weights(k: int = 10, batch: int = 20, seed: int = 60) -> jax.Array:
    """(k, B) log-weights at the scale of the chapter's briefly trained VAE on 20 test images: each image
    has its own level, from about -300 to -130 nats (a bright, busy image costs more nats), and its k
    samples spread over a few nats around it. One shift for the whole batch (the largest of all
    log-weights) leaves exp(log_w - m) = 0 for every sample of an image ~100 nats below the best one."""
    rng = np.random.default_rng(seed)
    level = rng.uniform(-300.0, -130.0, size=batch)
    return jnp.asarray(level + rng.gumbel(scale=2.0, size=(k, batch)) - 3.0, jnp.float32)


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
    Mistake("normalised by k * B (all log-weights pooled) instead of k",
            lambda lw: jax.scipy.special.logsumexp(lw, axis=0) - jnp.log(lw.size),
            "each image has its own k weights: subtract log(k) = log(log_w.shape[0]), not log(k * B)."),
    Mistake("log of the batch size B instead of log k",
            lambda lw: jax.scipy.special.logsumexp(lw, axis=0) - jnp.log(lw.shape[1]),
            "k = log_w.shape[0], the number of samples per image."),
    Mistake("+log k instead of -log k",
            lambda lw: jax.scipy.special.logsumexp(lw, axis=0) + jnp.log(lw.shape[0]),
            "the mean is the sum divided by k: subtract log(k)."),
    Mistake("logsumexp divided by k instead of minus log k",
            lambda lw: jax.scipy.special.logsumexp(lw, axis=0) / lw.shape[0],
            "dividing the weights by k subtracts log(k) from their log: logsumexp(log_w, axis=0) - log(k)."),
    Mistake("one number for the whole batch (logsumexp over all log-weights)",
            lambda lw: jax.scipy.special.logsumexp(lw) - jnp.log(lw.shape[0]),
            "reduce over axis 0 only, so each image gets its own bound, shape (B,)."),
    Mistake("only the largest log-weight (max instead of log-mean-exp)",
            lambda lw: jnp.max(lw, axis=0),
            "the max is only the shift that keeps exp from underflowing: m + log(mean(exp(log_w - m)))."),
    Mistake("one shift for the whole batch (m = the largest of ALL log-weights) instead of one per image",
            lambda lw: jnp.max(lw) + jnp.log(jnp.mean(jnp.exp(lw - jnp.max(lw)), axis=0)),
            "each image needs its own shift, m = jnp.max(log_w, axis=0, keepdims=True): a trained VAE's "
            "log-weights differ by hundreds of nats between images, and exp(log_w - m) of an image ~100 nats "
            "below the batch's best is exactly 0 in float32, so its log is -inf."),
    Mistake("the max m subtracted but not added back (log-sum-exp trick)",
            lambda lw: jnp.log(jnp.mean(jnp.exp(lw - jnp.max(lw, axis=0)), axis=0)),
            "log mean exp(log_w) = m + log(mean(exp(log_w - m))) with m = max over axis 0: add m back once."),
]


def _log_mean_exp_over_samples(log_w):
    return log_mean_exp(log_w, axis=0)


_iwae_reference = _log_mean_exp_over_samples


def check_iwae_from_log_weights(fn) -> bool:
    """fn(log_w (k, B)) -> (B,) = log( (1/k) sum_i exp(log_w[i]) ), computed stably."""
    return grade("iwae_from_log_weights", fn, _iwae_reference, _iwae_cases(), IWAE_MISTAKES)


# ----------------------------------------------------------------------------- "debug this VAE"
# A VAE loss with one of four planted mistakes. The notebook trains a tiny model with the mystery one next to a
# correct one and shows the curves and samples; the learner names the mistake. Each loss returns the same parts
# as `vae_lib.train.vae_loss_fn` ("loss", "reconstruction" = beta * per-pixel mean BCE, "kl"), so the curves compare.
DEBUG_SUSPECTS = {
    "sigma": "sigma = exp(log_var) in the sampling layer (that is the variance, not the standard deviation)",
    "kl_sign": "the KL term added with the wrong sign (loss = reconstruction - KL)",
    "no_kl": "the KL term left out of the loss",
    "beta_on_kl": "beta multiplies the KL term instead of the reconstruction",
}
_MYSTERY = "kl_sign"
_DEBUG_HINTS = {
    "sigma": "sigma = exp(log_var) changes how wide the samples are, not the sign or the weight of a loss term: the KL "
             "is still the same closed form and the loss still punishes it, so it stays bounded. Does the mystery "
             "model's KL stay bounded?",
    "no_kl": "without a KL term nothing *rewards* a large KL either: it only drifts up as the codes spread (a few "
             "nats more than the correct model's), not by orders of magnitude. How fast does the mystery KL grow?",
    "beta_on_kl": "with beta on the KL, the KL is 500 times more expensive: it would be squeezed to about 0 (every code "
                  "the same, posterior collapse), not grow. Which way does the mystery model's KL go?",
}


@functools.lru_cache(maxsize=None)
def debug_vae_loss_fn(beta: float = 500.0, bug: str | None = None):
    """The book's VAE loss for `vae_lib.train.fit`, correct (bug=None) or with one mistake of DEBUG_SUSPECTS."""
    if bug is not None and bug not in DEBUG_SUSPECTS:
        raise ValueError(f"unknown bug {bug!r}; one of {sorted(DEBUG_SUSPECTS)}")

    def loss_fn(model, x, key):
        z_mean, z_log_var = model.encode(x)
        eps = jax.random.normal(key, z_mean.shape, z_mean.dtype)
        spread = jnp.exp(z_log_var) if bug == "sigma" else jnp.exp(0.5 * z_log_var)
        logits = model.decoder(z_mean + spread * eps)
        recon = jnp.mean(bce_with_logits(logits, x, "mean"))
        kl = jnp.mean(kl_to_standard_normal(z_mean, z_log_var))
        loss = {"kl_sign": beta * recon - kl, "no_kl": beta * recon, "beta_on_kl": recon + beta * kl}.get(
            bug, beta * recon + kl)
        return loss, {"loss": loss, "reconstruction": beta * recon, "kl": kl}
    return loss_fn


def mystery_vae_loss_fn(beta: float = 500.0):
    """The loss with the planted mistake the chapter asks you to diagnose (do not look it up: read the curves)."""
    return debug_vae_loss_fn(beta, _MYSTERY)


def check_debug_diagnosis(diagnosis) -> bool:
    """diagnosis: one of the DEBUG_SUSPECTS names (a string), or a function returning it."""
    name = "debug_diagnosis"
    called = callable(diagnosis)
    try:
        if called:
            diagnosis = diagnosis()
    except NotImplementedError:
        print(f"[not yet] {name}: not written yet - replace the `raise NotImplementedError` line with your answer.")
        return False
    except Exception as e:  # the learner's function broke
        print(f"[wrong] {name}: your function raised {e.__class__.__name__}: {e}")
        return False
    if called and diagnosis is None:
        print(f"[not yet] {name}: your function returned None - did you forget `return`? Return one of "
              f"{sorted(DEBUG_SUSPECTS)} as a string.")
        return False
    if diagnosis is None or diagnosis == "":
        print(f"[not yet] {name}: nothing to check yet - return one of {sorted(DEBUG_SUSPECTS)}.")
        return False
    key = str(diagnosis).strip().lower()
    if key not in DEBUG_SUSPECTS:
        print(f"[wrong] {name}: {diagnosis!r} is not one of the suspects {sorted(DEBUG_SUSPECTS)}.")
        return False
    if key == _MYSTERY:
        print(f"[correct] {name}: {DEBUG_SUSPECTS[key]}. Minimising reconstruction - KL *rewards* a large KL: the "
              "encoder pushes its means far out and its sigmas to 0, the KL curve climbs by orders of magnitude and "
              "the total loss falls below the reconstruction part, and samples from N(0, I) decode to nothing the "
              "model has seen (its codes are nowhere near N(0, I)).")
        return True
    print(f"[wrong] {name}: not {key} - {_DEBUG_HINTS[key]}")
    return False
