"""Checks for chapter 01's exercises: the autoencoder's loss and the latent-hole measurement.

    checks.check_ae_loss(ae_loss)                  # ae_loss(logits, x) -> scalar
    checks.check_nearest_distance(nearest_distance) # nearest_distance(queries, codes) -> (M,)
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from vae_lib.checks._helpers import BCE_EDGE_HINT, bce_edge_case, f64
from vae_lib.checks._helpers import bce as _bce
from vae_lib.checks.core import Mistake, Use, close_to, grade

__all__ = ["check_ae_loss", "check_nearest_distance"]


# ----------------------------------------------------------------------------- ae_loss
def _axes(a):
    return tuple(range(1, np.ndim(a)))


def _ae_loss_ref(logits, x):
    """Batch mean of the per-pixel mean BCE between images x and sigmoid(logits) (the book's loss)."""
    return np.mean(np.mean(_bce(logits, x), axis=_axes(x)))


def _sigmoid(l):
    return 1.0 / (1.0 + np.exp(-f64(l)))


def _log(a):
    with np.errstate(divide="ignore", invalid="ignore"):  # the mistake's NaN is expected
        return np.log(f64(a))


AE_LOSS_MISTAKES = [
    Mistake("BCE summed over the pixels instead of averaged",
            lambda l, x: np.mean(np.sum(_bce(l, x), axis=_axes(x))),
            "the book's Keras loss averages BCE over the H*W*C values of each image; the sum is "
            "H*W*C times larger (1,024x for 32x32x1). Use a mean over the pixel axes."),
    Mistake("no mean over the batch (one loss per image)",
            lambda l, x: np.mean(_bce(l, x), axis=_axes(x)),
            "the optimiser needs one number: take the mean over the batch axis too."),
    Mistake("the sign is flipped",
            lambda l, x: -_ae_loss_ref(l, x),
            "BCE is -[x log p + (1 - x) log(1 - p)]: the minus sign makes it positive, and we minimise it."),
    Mistake("mean squared error instead of binary cross-entropy",
            lambda l, x: np.mean((_sigmoid(l) - np.asarray(x, np.float64)) ** 2),
            "this exercise asks for the book's loss, binary cross-entropy (MSE is chapter 06's choice)."),
    Mistake("logits and images swapped",
            lambda l, x: _ae_loss_ref(x, l),
            "optax.sigmoid_binary_cross_entropy(logits, labels): the model's logits come first, "
            "the images (targets) second."),
    Mistake("sigmoid applied twice (the logits were passed through sigmoid before a loss that expects logits)",
            lambda l, x: _ae_loss_ref(_sigmoid(l), x),
            "the decoder already returns logits; a loss 'with logits' applies the sigmoid itself."),
    Mistake("only the x log p term (the (1 - x) log(1 - p) term is missing)",
            lambda l, x: np.mean(-f64(x) * np.log(_sigmoid(l))),
            "BCE has two terms: -[x log p + (1 - x) log(1 - p)]. The second one punishes bright "
            "predictions on dark pixels."),
    Mistake("only the (1 - x) log(1 - p) term (the x log p term is missing)",
            lambda l, x: np.mean(-(1 - f64(x)) * np.log(1 - _sigmoid(l))),
            "BCE has two terms: -[x log p + (1 - x) log(1 - p)]."),
    Mistake("the logits used as probabilities (no sigmoid)",
            lambda l, x: np.mean(-(f64(x) * _log(l) + (1 - f64(x)) * _log(1 - f64(l)))),
            "the decoder returns logits (any real number): p = sigmoid(logits), or better, compute "
            "BCE from the logits with optax.sigmoid_binary_cross_entropy."),
    Mistake("softmax cross-entropy instead of sigmoid (binary) cross-entropy",
            lambda l, x: np.mean(-np.sum(f64(x) * (f64(l) - np.log(np.sum(np.exp(f64(l)), -1, keepdims=True))), -1)),
            "each pixel is its own yes/no (Bernoulli) value: use the sigmoid version, "
            "optax.sigmoid_binary_cross_entropy, not softmax over channels."),
    Mistake("mean absolute error instead of binary cross-entropy",
            lambda l, x: np.mean(np.abs(_sigmoid(l) - f64(x))),
            "this exercise asks for binary cross-entropy."),
    Mistake("squared error between the logits and the images",
            lambda l, x: np.mean((f64(l) - f64(x)) ** 2),
            "the logits are not pixel values: the loss compares x with sigmoid(logits), and here it is BCE."),
    Mistake("log(exp(-|l|)) where log1p(exp(-|l|)) belongs (the 1 + is lost)",
            lambda l, x: np.mean(np.maximum(f64(l), 0) - f64(l) * f64(x) - np.abs(f64(l))),
            "the stable BCE is max(l, 0) - l * x + log(1 + exp(-|l|)): log1p(z) means log(1 + z), and "
            "log(exp(-|l|)) is just -|l|."),
    Mistake("summed over the batch (per-pixel mean, then a sum over images)",
            lambda l, x: np.sum(np.mean(_bce(l, x), axis=_axes(x))),
            "average over the batch too: the loss should not grow with the batch size."),
]


def _ae_cases():
    rng = np.random.default_rng(101)
    logits = lambda *s: (2.0 * rng.normal(size=s)).astype(np.float32)  # noqa: E731
    return [
        (logits(3, 4, 4, 1), rng.uniform(size=(3, 4, 4, 1)).astype(np.float32)),
        (logits(2, 32, 32, 1), (rng.uniform(size=(2, 32, 32, 1)) > 0.7).astype(np.float32)),
        (logits(1, 2, 2, 3), rng.uniform(size=(1, 2, 2, 3)).astype(np.float32)),
    ]


def check_ae_loss(ae_loss) -> bool:
    """ae_loss(logits: (B, H, W, C), x: (B, H, W, C) in [0, 1]) -> scalar: batch mean of the
    per-pixel mean binary cross-entropy between x and sigmoid(logits)."""
    # the next cell: float(ae_loss(model(x_batch), x_batch)) - the model's logits and the images, JAX arrays
    rng = np.random.default_rng(12)
    logits = jnp.asarray(4 * rng.normal(size=(16, 32, 32, 1)) - 2, jnp.float32)
    x = jnp.asarray(rng.uniform(size=(16, 32, 32, 1)) ** 4, jnp.float32)
    uses = [Use("the next cell calls float(ae_loss(model(x_batch), x_batch)) with JAX arrays",
                lambda fn: float(fn(logits, x)), close_to(lambda: _ae_loss_ref(logits, x), 1e-4, 1e-5))]
    return grade("ae_loss", ae_loss, _ae_loss_ref, _ae_cases(), AE_LOSS_MISTAKES, rtol=1e-4, atol=1e-5,
                 edge_cases=[bce_edge_case()], edge_hint=BCE_EDGE_HINT, uses=uses)


# ----------------------------------------------------------------------------- nearest_distance
def _pairwise(q, c):
    return f64(q)[:, None, :] - f64(c)[None, :, :]


def _nearest_ref(queries, codes):
    """Euclidean distance from each query (M, D) to its nearest code (N, D). -> (M,)."""
    return np.sqrt((_pairwise(queries, codes) ** 2).sum(-1)).min(axis=1)


NEAREST_MISTAKES = [
    Mistake("squared distance (the square root is missing)",
            lambda q, c: (_pairwise(q, c) ** 2).sum(-1).min(axis=1),
            "Euclidean distance is sqrt(sum of squared differences)."),
    Mistake("average distance to all codes instead of the nearest one",
            lambda q, c: np.sqrt((_pairwise(q, c) ** 2).sum(-1)).mean(axis=1),
            "a point sits in a hole when even its *nearest* code is far: take the min over codes (axis=1)."),
    Mistake("distance to the farthest code (max instead of min)",
            lambda q, c: np.sqrt((_pairwise(q, c) ** 2).sum(-1)).max(axis=1),
            "use .min(axis=1): the nearest code, not the farthest."),
    Mistake("city-block (L1) distance instead of Euclidean",
            lambda q, c: np.abs(_pairwise(q, c)).sum(-1).min(axis=1),
            "square the differences, sum over the latent dimensions, then take the square root."),
    Mistake("minimum taken over the wrong axis (one value per code instead of per query)",
            lambda q, c: np.sqrt((_pairwise(q, c) ** 2).sum(-1)).min(axis=0),
            "the distance matrix has shape (M queries, N codes): reduce over axis 1 to get (M,)."),
    Mistake("the index of the nearest code (argmin) instead of its distance",
            lambda q, c: np.sqrt((_pairwise(q, c) ** 2).sum(-1)).argmin(axis=1),
            "argmin says WHICH code is nearest; the exercise wants HOW FAR it is: .min(axis=1)."),
    Mistake("distance to the mean of all codes instead of the nearest code",
            lambda q, c: np.sqrt(((f64(q) - f64(c).mean(0)) ** 2).sum(-1)),
            "compare each query with every code (broadcast to (M, N, D)), then keep the smallest distance."),
    Mistake("the squared differences averaged over the latent dimensions instead of summed",
            lambda q, c: np.sqrt((_pairwise(q, c) ** 2).mean(-1)).min(axis=1),
            "Euclidean distance sums the squared differences over the D latent dimensions (then sqrt)."),
    Mistake("the largest coordinate difference (max |q - c|) instead of the Euclidean distance",
            lambda q, c: np.abs(_pairwise(q, c)).max(-1).min(axis=1),
            "square the differences, sum over the latent dimensions, then take the square root."),
]


def _nearest_cases():
    rng = np.random.default_rng(103)
    codes = rng.normal(size=(40, 2)).astype(np.float32)
    return [
        (np.array([[0.0, 0.0], [2.0, 1.0]], np.float32), np.array([[1.0, 0.0], [0.0, 3.0], [3.0, 3.0]], np.float32)),
        (rng.normal(size=(7, 2)).astype(np.float32) * 3, codes),
        (codes[:3].copy(), codes),                                    # points on codes: distance 0
        (rng.normal(size=(5, 3)).astype(np.float32), rng.normal(size=(11, 3)).astype(np.float32)),
        (np.array([[10.0, 0.0]], np.float32), codes),                 # one far point
    ]


def check_nearest_distance(nearest_distance) -> bool:
    """nearest_distance(queries: (M, D), codes: (N, D)) -> (M,): Euclidean distance from each query
    to its nearest code."""
    return grade("nearest_distance", nearest_distance, _nearest_ref, _nearest_cases(),
                 NEAREST_MISTAKES, rtol=1e-4, atol=2e-3)
