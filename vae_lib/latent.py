"""Latent-space tools.

Chapter 01: encode a whole dataset, sample points in the codes' box, and measure how far they are
from every encoded image (the 'holes' of a plain autoencoder's latent space): `encode_all`,
`nearest_distance`, `uniform_in_box`, `hole_fraction` (plain numpy on (N, D) codes).

Chapter 06, latent-space arithmetic: attribute vectors, adding them to codes, morphing.

`attribute_vector` is the book's `get_vector_from_label` without its three flaws:
1. it averages the encoder's *mean* z_mean, not a sampled z (sampling only adds noise to the means);
2. it always returns a *unit* vector, also when it stops on the example limit or runs out of data
   (the book's version returned the raw difference of means then, of arbitrary length);
3. a batch without any positive (or negative) example is handled - that class's running mean just
   does not move - and a dataset that never shows one class raises a ValueError that says so
   (the book's version crashed with a NameError when the first batch lacked a class).

Shapes: `D` latent dimensions, `N` codes, `M` multiples / morph steps.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import numpy as np
from flax import nnx

from vae_lib.compiled import apply_in_batches
from vae_lib.i18n import tr


# ----------------------------------------------------------------------------- holes (chapter 01)
def encode_all(encode: Callable, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """Apply `encode` (images (B, H, W, C) -> codes (B, D)) batch by batch. -> (N, D) float32 numpy.

    For a VAE's encoder, which returns (z_mean, z_log_var), pass `lambda x: model.encode(x)[0]`.
    """
    out = apply_in_batches(lambda _, x: np.asarray(encode(x)), None, np.asarray(images), batch_size=batch_size)
    return out.astype(np.float32)


def nearest_distance(queries: np.ndarray, codes: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """Euclidean distance from each query point to its nearest code. (M, D), (N, D) -> (M,).

    min_j ||q_i - c_j||, with ||q - c||^2 = ||q||^2 - 2 q.c + ||c||^2 for all pairs, `chunk` queries at a time. In a
    latent space of up to 8 dimensions a k-d tree (scipy's) finds the same nearest code without comparing every pair:
    10,000 queries against 60,000 2-D codes in hundredths of a second instead of seconds."""
    queries, codes = np.asarray(queries, np.float64), np.asarray(codes, np.float64)
    if 0 < codes.shape[1] <= 8 and len(codes) and len(queries):
        from scipy.spatial import cKDTree

        return cKDTree(codes).query(queries)[0]
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


def knn_accuracy(train_codes: np.ndarray, train_labels: np.ndarray, test_codes: np.ndarray,
                 test_labels: np.ndarray, k: int = 10, chunk: int = 1024) -> float:
    """Share of test codes whose k nearest training codes vote for the right class (ties: the smallest label).

    train_codes (N, D), train_labels (N,) int, test_codes (M, D), test_labels (M,) -> float in [0, 1].
    A high value means the classes form separate regions of the latent space.
    """
    train_codes, test_codes = np.asarray(train_codes, np.float64), np.asarray(test_codes, np.float64)
    train_labels, n_classes = np.asarray(train_labels), int(max(np.max(train_labels), np.max(test_labels))) + 1
    right = 0
    for start in range(0, len(test_codes), chunk):
        q = test_codes[start:start + chunk]
        d2 = (q**2).sum(1)[:, None] - 2 * q @ train_codes.T + (train_codes**2).sum(1)[None, :]
        nearest = np.argpartition(d2, k - 1, axis=1)[:, :k]                      # (m, k)
        votes = np.zeros((len(q), n_classes))
        np.add.at(votes, (np.arange(len(q))[:, None], train_labels[nearest]), 1)
        right += int((votes.argmax(1) == np.asarray(test_labels)[start:start + chunk]).sum())
    return right / len(test_codes)


# ----------------------------------------------------------------------------- arithmetic (chapter 06)
@dataclass
class AttributeVector:
    """What `attribute_vector` found.

    vector: (D,) unit vector from the mean code without the attribute to the mean code with it.
    difference: (D,) the raw difference of the two means; distance = its length.
    mean_with / mean_without: (D,) running means; n_with / n_without: how many codes went in.
    converged: True if both means moved less than `tol` on one batch holding both classes;
    False if it stopped on `max_examples` or when the data ran out. history: one row per batch.
    """
    vector: np.ndarray
    difference: np.ndarray
    distance: float
    mean_with: np.ndarray
    mean_without: np.ndarray
    n_with: int
    n_without: int
    batches: int
    converged: bool
    history: list[dict] = field(default_factory=list)


def attribute_vector(encode_mean: Callable[[np.ndarray], np.ndarray],
                     batches: Iterable[tuple[np.ndarray, np.ndarray]], *, tol: float = 0.04,
                     max_examples: int = 10_000, verbose: bool = True) -> AttributeVector:
    """Unit vector in latent space pointing from images without an attribute to images with it.

    encode_mean: images (B, ...) -> z_mean (B, D), the encoder's MEAN (no sampling).
    batches: yields (images (B, ...), labels (B,)); a label > 0 (True, +1) means "has the attribute",
    anything else (False, 0, -1) "does not".
    Keeps running means of the codes with and without the attribute; stops when, on a batch that
    holds both classes, each mean moved less than `tol`, or when max_examples codes have been seen,
    or when `batches` is exhausted. Raises ValueError if one class never appeared.
    """
    sum_with = sum_without = None
    n_with = n_without = 0
    mean_with = mean_without = None
    history: list[dict] = []
    converged = False
    seen = 0
    for images, labels in batches:
        z = np.asarray(encode_mean(images), np.float64)
        if z.ndim != 2:
            raise ValueError(f"encode_mean must return codes of shape (B, D); got {z.shape}")
        has = np.asarray(labels).reshape(-1) > 0
        if len(has) != len(z):
            raise ValueError(f"{len(z)} codes but {len(has)} labels in one batch")
        if sum_with is None:
            sum_with, sum_without = np.zeros(z.shape[1]), np.zeros(z.shape[1])
        row = {"batch": len(history) + 1, "new_with": int(has.sum()), "new_without": int((~has).sum())}
        moves = []
        for group, name in ((has, "with"), (~has, "without")):
            if not group.any():  # flaw 3 of the reference: nothing new, this mean stays where it is
                row[f"move_{name}"] = None
                continue
            if name == "with":
                sum_with += z[group].sum(axis=0); n_with += int(group.sum())
                new = sum_with / n_with
                row["move_with"] = float(np.linalg.norm(new - mean_with)) if mean_with is not None else float("inf")
                mean_with = new
            else:
                sum_without += z[group].sum(axis=0); n_without += int(group.sum())
                new = sum_without / n_without
                row["move_without"] = (float(np.linalg.norm(new - mean_without))
                                       if mean_without is not None else float("inf"))
                mean_without = new
            moves.append(row[f"move_{name}"])
        if mean_with is not None and mean_without is not None:
            row["distance"] = float(np.linalg.norm(mean_with - mean_without))
        history.append(row)
        seen += len(z)
        if verbose:
            fmt = lambda v: "   -   " if v is None else f"{v:7.4f}"  # noqa: E731
            print(tr(f"batch {row['batch']:3d}: with {n_with:6d} (moved {fmt(row['move_with'])}), "
                     f"without {n_without:6d} (moved {fmt(row['move_without'])}), "
                     f"distance {row.get('distance', float('nan')):.4f}",
                     f"배치 {row['batch']:3d}: 속성 있음 {n_with:6d} (이동 {fmt(row['move_with'])}), "
                     f"속성 없음 {n_without:6d} (이동 {fmt(row['move_without'])}), "
                     f"거리 {row.get('distance', float('nan')):.4f}"))
        if len(moves) == 2 and max(moves) < tol:
            converged = True
            break
        if seen >= max_examples:
            break
    if n_with == 0 or n_without == 0:
        raise ValueError(tr(f"attribute_vector needs codes with and without the attribute; it saw {n_with} with "
                            f"and {n_without} without in {len(history)} batches. Check the labels (> 0 means "
                            "'has the attribute') or give it more batches.",
                            f"attribute_vector에는 속성이 있는 코드와 없는 코드가 모두 필요합니다. 배치 {len(history)}개에서 "
                            f"속성 있음 {n_with}개, 없음 {n_without}개를 보았습니다. 레이블을 확인하거나(> 0이면 "
                            "'속성 있음') 배치를 더 주십시오."))
    difference = mean_with - mean_without
    distance = float(np.linalg.norm(difference))
    if distance == 0.0:
        raise ValueError("the two mean codes are identical: no direction to return")
    if verbose:
        how = (tr("converged", "수렴했습니다") if converged
               else tr(f"stopped without converging after {seen} codes", f"코드 {seen}개를 본 뒤 수렴하지 않은 채 멈췄습니다"))
        print(tr(f"{how}: |mean_with - mean_without| = {distance:.4f}; returning the unit vector",
                 f"{how}: |mean_with - mean_without| = {distance:.4f}. 단위 벡터를 반환합니다"))
    return AttributeVector(vector=(difference / distance).astype(np.float32), difference=difference.astype(np.float32),
                           distance=distance, mean_with=mean_with.astype(np.float32),
                           mean_without=mean_without.astype(np.float32), n_with=n_with, n_without=n_without,
                           batches=len(history), converged=converged, history=history)


def add_vector(z: np.ndarray, vector: np.ndarray, multiples: Sequence[float] = tuple(range(-4, 5))) -> np.ndarray:
    """Codes z + m * vector for each multiple m. z: (N, D) or (D,), vector: (D,) -> (N, M, D)."""
    z = np.atleast_2d(np.asarray(z, np.float32))
    m = np.asarray(multiples, np.float32)
    return z[:, None, :] + m[None, :, None] * np.asarray(vector, np.float32)[None, None, :]


def morph(z_a: np.ndarray, z_b: np.ndarray, steps: int = 9) -> tuple[np.ndarray, np.ndarray]:
    """Straight line from z_a to z_b: (1 - alpha) z_a + alpha z_b for alpha = 0 ... 1 inclusive.

    z_a, z_b: (D,) -> (alphas (M,), codes (M, D)) with M = steps; codes[0] == z_a, codes[-1] == z_b.
    """
    if steps < 2:
        raise ValueError("morph needs at least 2 steps (the two end points)")
    z_a, z_b = np.asarray(z_a, np.float32), np.asarray(z_b, np.float32)
    alphas = np.linspace(0.0, 1.0, steps, dtype=np.float32)
    codes = (1.0 - alphas)[:, None] * z_a[None] + alphas[:, None] * z_b[None]
    codes[0], codes[-1] = z_a, z_b  # exact end points, no rounding
    return alphas, codes


def morph_codes(z_a: np.ndarray, z_b: np.ndarray, steps: int) -> np.ndarray:
    """The codes of `morph` alone (chapter 06's exercise): (D,), (D,) -> (steps, D), from z_a to z_b inclusive."""
    return morph(z_a, z_b, steps)[1]


def attribute_vector_from_codes(z_batches: Sequence[np.ndarray], label_batches: Sequence[np.ndarray],
                                tol: float = 0.04, max_examples: int = 10_000) -> np.ndarray:
    """`attribute_vector` on codes already encoded (chapter 06's exercise): batches of z_mean (B, D) and
    labels (B,) -> the unit vector (D,), with the same stopping rule."""
    return attribute_vector(lambda z: z, zip(z_batches, label_batches), tol=tol, max_examples=max_examples,
                            verbose=False).vector


def make_encode_mean(model: nnx.Module, batch_size: int = 256) -> Callable[[np.ndarray], np.ndarray]:
    """A compiled images (N, H, W, C) -> z_mean (N, D) for a VAE, in eval mode, in batches (the model is put back
    in the mode it was in after each call)."""
    return lambda images: apply_in_batches(_encode_mean, model, np.asarray(images, np.float32), batch_size=batch_size)


def _encode_mean(model, x):
    return model.encode(x)[0]


def make_decode(model: nnx.Module, batch_size: int = 256) -> Callable[[np.ndarray], np.ndarray]:
    """A compiled codes (..., D) -> images (..., H, W, C) in [0, 1] for a VAE, in eval mode, in batches (the model is
    put back in the mode it was in after each call)."""

    def decode(z):
        z = np.asarray(z, np.float32)
        out = apply_in_batches(_decode, model, z.reshape(-1, z.shape[-1]), batch_size=batch_size)
        return out.reshape(*z.shape[:-1], *out.shape[1:])
    return decode


def _decode(model, z):
    return model.decode(z)


def attribute_response(decode: Callable[[np.ndarray], np.ndarray], measure: Callable[[np.ndarray], np.ndarray],
                       z: np.ndarray, vector: np.ndarray,
                       multiples: Sequence[float] = tuple(range(-4, 5))) -> dict:
    """Measure what adding the vector does: decode z + m * vector and measure the images.

    measure: images (N, H, W, C) -> (N,) values (e.g. one of `vae_lib.data.digit_attributes`).
    Returns {'multiples' (M,), 'mean' (M,) mean measured value per multiple, 'per_code' (N, M),
    'spearman' (rank correlation of multiple and value over all codes), 'monotonic' (the
    mean rises at every step), 'share_monotonic' (share of codes whose value never falls from one
    multiple to the next and ends higher than it starts)}.
    """
    from scipy.stats import spearmanr

    codes = add_vector(z, vector, multiples)                 # (N, M, D)
    images = decode(codes.reshape(-1, codes.shape[-1]))      # (N*M, H, W, C)
    values = np.asarray(measure(images), np.float64).reshape(codes.shape[0], codes.shape[1])
    mean = values.mean(axis=0)
    m = np.asarray(multiples, np.float64)
    rho = spearmanr(np.tile(m, codes.shape[0]), values.reshape(-1)).statistic
    return {"multiples": m, "mean": mean, "per_code": values, "spearman": float(rho),
            "monotonic": bool(np.all(np.diff(mean) > 0)),
            "share_monotonic": float(np.mean(np.all(np.diff(values, axis=1) >= 0, axis=1)
                                             & (values[:, -1] > values[:, 0])))}


def cosine_similarities(vectors: dict[str, np.ndarray]) -> tuple[list[str], np.ndarray]:
    """Pairwise cosine similarity of named vectors: (names, (K, K) matrix)."""
    names = list(vectors)
    v = np.stack([np.asarray(vectors[n], np.float64) for n in names])
    v = v / np.linalg.norm(v, axis=1, keepdims=True)
    return names, v @ v.T
