"""Figures the chapters show. Each function draws with matplotlib and returns the figure.

images: (N, H, W, C) float in [0, 1]; C = 1 is shown dark-on-white (the book's `gray_r`), C = 3 in colour.
"""
from __future__ import annotations

from typing import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import norm

from vae_lib.i18n import tr


def _show(ax, img) -> None:
    img = np.asarray(img)
    if img.shape[-1] == 1:
        ax.imshow(img[..., 0], cmap="gray_r", vmin=0, vmax=1)
    else:
        ax.imshow(np.clip(img, 0, 1))
    ax.set_xticks([]); ax.set_yticks([])


def image_grid(images, ncols: int = 10, titles: Sequence[str] | None = None, size: float = 1.2,
               suptitle: str | None = None):
    """Show images in a grid, ncols per row, with optional per-image titles."""
    images = np.asarray(images)
    nrows = int(np.ceil(len(images) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * (1.25 if titles else 1)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i < len(images):
            _show(ax, images[i])
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=8)
        else:
            ax.axis("off")
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def reconstructions(originals, reconstructed, n: int = 10):
    """Originals on the top row, their reconstructions below."""
    originals, reconstructed = np.asarray(originals[:n]), np.asarray(reconstructed[:n])
    fig, axes = plt.subplots(2, n, figsize=(1.2 * n, 2.7), squeeze=False)
    for i in range(n):
        _show(axes[0, i], originals[i]); _show(axes[1, i], reconstructed[i])
    axes[0, 0].set_ylabel(tr("original", "원본")); axes[1, 0].set_ylabel(tr("decoded", "재구성"))
    fig.tight_layout()
    return fig


def latent_scatter(z, labels=None, label_names: Sequence[str] | None = None, ax=None, title: str | None = None):
    """Scatter 2-d codes z: (N, 2), coloured by integer labels (N,) with a legend of label_names."""
    z = np.asarray(z)
    if z.ndim != 2 or z.shape[1] != 2:
        raise ValueError(f"latent_scatter draws 2-d codes (N, 2); got {z.shape}. Project them first (e.g. PCA).")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    sc = ax.scatter(z[:, 0], z[:, 1], c=labels, cmap="tab10", s=4, alpha=0.7)
    if labels is not None and label_names:
        handles = [plt.Line2D([], [], marker="o", ls="", color=sc.cmap(sc.norm(k))) for k in range(len(label_names))]
        ax.legend(handles, label_names, fontsize=7, loc="best", markerscale=1.2)
    ax.set_xlabel("z[0]"); ax.set_ylabel("z[1]"); ax.set_title(tr("latent space", "잠재 공간") if title is None else title)
    return ax.figure


def normal_quantile_grid(n: int = 15) -> np.ndarray:
    """n points whose N(0, 1) probabilities are evenly spaced, without the infinite end points.

    Uses the quantiles of (i + 0.5) / n for i = 0..n-1, so every point is finite.
    """
    return norm.ppf((np.arange(n) + 0.5) / n).astype(np.float32)


def latent_grid(decode: Callable[[np.ndarray], np.ndarray], n: int = 15, values: np.ndarray | None = None,
                title: str | None = None):
    """Decode an n x n grid of 2-d codes (default: normal quantiles) and tile the images.

    decode: (M, 2) -> (M, H, W, C) in [0, 1]. Rows go from high z[1] (top) to low (bottom).
    """
    values = normal_quantile_grid(n) if values is None else np.asarray(values, np.float32)
    grid = np.array([[x, y] for y in values[::-1] for x in values], np.float32)
    images = np.asarray(decode(grid))
    h, w, c = images.shape[1:]
    canvas = images.reshape(len(values), len(values), h, w, c).transpose(0, 2, 1, 3, 4).reshape(
        len(values) * h, len(values) * w, c)
    fig, ax = plt.subplots(figsize=(7, 7))
    ax.imshow(canvas[..., 0] if c == 1 else canvas, cmap="gray_r" if c == 1 else None, vmin=0, vmax=1,
              extent=(0, len(values), 0, len(values)))
    ticks = np.arange(len(values)) + 0.5
    ax.set_xticks(ticks, [f"{v:.1f}" for v in values], fontsize=7)
    ax.set_yticks(ticks, [f"{v:.1f}" for v in values], fontsize=7)
    ax.set_xlabel("z[0]"); ax.set_ylabel("z[1]")
    ax.set_title(tr("decoded latent grid", "디코딩한 잠재 공간 격자") if title is None else title)
    return fig


def loss_curves(history, keys: Sequence[str] | None = None):
    """Training curves of a `vae_lib.train.History` (one panel per loss part)."""
    axes = history.plot(tuple(keys) if keys else None)
    return axes[0].figure


def vae_diagram(ax=None, autoencoder: bool = False):
    """A drawn block diagram of the book's model; returns the figure.

    VAE (default): image x -> encoder -> two heads, mean μ and log-variance log σ² -> z = μ + σ·ε with ε ~ N(0, I)
    drawn outside the network -> decoder -> reconstruction. `autoencoder=True`: the plain AE, the encoder giving one
    point z (no heads, no sampling). Each box is a text artist with a frame, so tests can read the labels.
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(11, 3.2 if not autoencoder else 2.2))
    fig = ax.figure
    ax.set_xlim(0, 11.6); ax.set_ylim(0, 3.2 if not autoencoder else 2.2); ax.axis("off")
    mid = 1.6 if not autoencoder else 1.1

    def box(x, y, text, colour):
        ax.text(x, y, text, ha="center", va="center", fontsize=10,
                bbox=dict(boxstyle="round,pad=0.4", fc=colour, ec="0.3"))

    def arrow(x0, y0, x1, y1):
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=dict(arrowstyle="->", color="0.25", lw=1.4))

    box(0.7, mid, tr("image x\n32×32", "이미지 x\n32×32"), "white")
    box(2.3, mid, tr("encoder\n(3 conv layers)", "인코더\n(합성곱 층 3개)"), "#cfe2f3")
    box(8.9, mid, tr("decoder\n(transposed convs)", "디코더\n(전치 합성곱)"), "#d9ead3")
    box(10.85, mid, tr("x̂\nreconstruction", "x̂\n재구성"), "white")
    arrow(1.25, mid, 1.6, mid); arrow(9.75, mid, 10.15, mid)
    if autoencoder:
        box(5.6, mid, tr("z (one point,\n2 numbers)", "z (한 점,\n숫자 2개)"), "#fff2cc")
        arrow(3.05, mid, 4.85, mid); arrow(6.35, mid, 8.0, mid)
        ax.set_title(tr("autoencoder: image -> one point z -> image", "오토인코더: 이미지 -> 한 점 z -> 이미지"), fontsize=11)
        return fig
    box(4.3, 2.5, "μ = z_mean\n(Dense 2)", "#fff2cc")
    box(4.3, 0.7, "log σ² = z_log_var\n(Dense 2)", "#fff2cc")
    box(6.7, 0.3, tr("ε ~ N(0, I)\n(drawn noise)", "ε ~ N(0, I)\n(뽑은 잡음)"), "#f4cccc")
    box(6.7, mid, "z = μ + σ·ε\nσ = exp(½ log σ²)", "#fce5cd")
    arrow(3.05, mid + 0.1, 3.55, 2.4); arrow(3.05, mid - 0.1, 3.35, 0.85)
    arrow(5.05, 2.4, 5.75, mid + 0.15); arrow(5.3, 0.8, 5.75, mid - 0.15)
    arrow(6.7, 0.6, 6.7, mid - 0.35); arrow(7.65, mid, 8.0, mid)
    ax.set_title(tr("VAE: image -> a normal distribution N(μ, diag σ²) -> one sample z -> image",
                    "VAE: 이미지 -> 정규분포 N(μ, diag σ²) -> 샘플 하나 z -> 이미지"), fontsize=11)
    return fig
