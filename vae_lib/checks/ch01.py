"""Checks for chapter 01's exercises: the autoencoder's loss and the latent-hole measurement.

    checks.check_ae_loss(ae_loss)                  # ae_loss(logits, x) -> scalar
    checks.check_nearest_distance(nearest_distance) # nearest_distance(queries, codes) -> (M,)
"""
from __future__ import annotations

import numpy as np

from vae_lib.checks._helpers import grade_with_edge_cases, protect
from vae_lib.checks.core import Mistake, grade

__all__ = ["check_ae_loss", "check_nearest_distance"]


# ----------------------------------------------------------------------------- ae_loss
def _bce(logits, x):
    """Per-value BCE from logits, float64 numpy (stable form)."""
    l, x = np.asarray(logits, np.float64), np.asarray(x, np.float64)
    return np.maximum(l, 0) - l * x + np.log1p(np.exp(-np.abs(l)))


def _axes(a):
    return tuple(range(1, np.ndim(a)))


def _ae_loss_ref(logits, x):
    """Batch mean of the per-pixel mean BCE between images x and sigmoid(logits) (the book's loss)."""
    return np.mean(np.mean(_bce(logits, x), axis=_axes(x)))


def _sigmoid(l):
    return 1.0 / (1.0 + np.exp(-np.asarray(l, np.float64)))


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
]


def _ae_cases():
    rng = np.random.default_rng(101)
    logits = lambda *s: (2.0 * rng.normal(size=s)).astype(np.float32)  # noqa: E731
    return [
        (logits(3, 4, 4, 1), rng.uniform(size=(3, 4, 4, 1)).astype(np.float32)),
        (logits(2, 32, 32, 1), (rng.uniform(size=(2, 32, 32, 1)) > 0.7).astype(np.float32)),
        (logits(1, 2, 2, 3), rng.uniform(size=(1, 2, 2, 3)).astype(np.float32)),
    ]


def _ae_edge_cases():
    rng = np.random.default_rng(102)
    l = (2.0 * rng.normal(size=(2, 8, 8, 1))).astype(np.float32)
    x = rng.uniform(size=(2, 8, 8, 1)).astype(np.float32)
    l[0, 0, 0, 0], x[0, 0, 0, 0] = 40.0, 0.0   # very confident and wrong: a large but finite loss
    l[1, 3, 3, 0], x[1, 3, 3, 0] = -40.0, 1.0
    return [(l, x)]


def check_ae_loss(ae_loss) -> bool:
    """ae_loss(logits: (B, H, W, C), x: (B, H, W, C) in [0, 1]) -> scalar: batch mean of the
    per-pixel mean binary cross-entropy between x and sigmoid(logits)."""
    return grade_with_edge_cases(
        "ae_loss", protect(ae_loss), _ae_loss_ref, _ae_cases(), _ae_edge_cases(),
        "for a very confident logit (e.g. 40) sigmoid rounds to exactly 1.0 in float32, so "
        "log(1 - sigmoid(logit)) = log(0) = -inf (and clipping p changes the value). Compute BCE "
        "from the logits: max(l, 0) - l * x + log(1 + exp(-|l|)), i.e. optax.sigmoid_binary_cross_entropy.",
        AE_LOSS_MISTAKES, rtol=1e-4, atol=1e-5)


# ----------------------------------------------------------------------------- nearest_distance
def _pairwise(q, c):
    q, c = np.asarray(q, np.float64), np.asarray(c, np.float64)
    return q[:, None, :] - c[None, :, :]


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
]


def _nearest_cases():
    rng = np.random.default_rng(103)
    codes = rng.normal(size=(40, 2)).astype(np.float32)
    return [
        (rng.normal(size=(7, 2)).astype(np.float32) * 3, codes),
        (codes[:3].copy(), codes),                                    # points on codes: distance 0
        (rng.normal(size=(5, 3)).astype(np.float32), rng.normal(size=(11, 3)).astype(np.float32)),
        (np.array([[10.0, 0.0]], np.float32), codes),                 # one far point
    ]


def check_nearest_distance(nearest_distance) -> bool:
    """nearest_distance(queries: (M, D), codes: (N, D)) -> (M,): Euclidean distance from each query
    to its nearest code."""
    return grade("nearest_distance", protect(nearest_distance), _nearest_ref, _nearest_cases(),
                 NEAREST_MISTAKES, rtol=1e-4, atol=2e-3)
