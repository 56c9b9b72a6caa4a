"""Looking at a latent space: encode a whole dataset, sample points, measure how far they are from
any encoded image (the 'holes' of a plain autoencoder's latent space). Plain numpy on (N, D) codes.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from vae_lib.data import batches


def encode_all(encode: Callable, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """Apply `encode` (images (B, H, W, C) -> codes (B, D)) batch by batch. -> (N, D) float32 numpy.

    For a VAE's encoder, which returns (z_mean, z_log_var), pass `lambda x: model.encode(x)[0]`.
    """
    out = [np.asarray(encode(x)) for x in batches(np.asarray(images), batch_size, shuffle=False, drop_remainder=False)]
    return np.concatenate(out).astype(np.float32)


def nearest_distance(queries: np.ndarray, codes: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """Euclidean distance from each query point to its nearest code. (M, D), (N, D) -> (M,)."""
    queries, codes = np.asarray(queries, np.float64), np.asarray(codes, np.float64)
    out = []
    for start in range(0, len(queries), chunk):
        q = queries[start:start + chunk]
        d2 = (q**2).sum(1)[:, None] - 2 * q @ codes.T + (codes**2).sum(1)[None, :]
        out.append(np.sqrt(np.maximum(d2.min(axis=1), 0.0)))
    return np.concatenate(out) if out else np.zeros((0,))


def uniform_in_box(rng: np.random.Generator, codes: np.ndarray, n: int) -> np.ndarray:
    """n points drawn uniformly from the axis-aligned bounding box of `codes` (N, D). -> (n, D).

    This is how the book picks 'random points of the latent space' to decode.
    """
    codes = np.asarray(codes)
    return rng.uniform(codes.min(axis=0), codes.max(axis=0), size=(n, codes.shape[1])).astype(np.float32)


def hole_fraction(points: np.ndarray, codes: np.ndarray, threshold: float) -> float:
    """Fraction of `points` farther than `threshold` from every code: how much of the space is a hole."""
    return float(np.mean(nearest_distance(points, codes) > threshold))
