"""Figures of normal distributions: 2-d density contours and sampled points.

Each function draws on a matplotlib Axes (a new figure when ax is None) and returns the Axes.
"""
from __future__ import annotations

from typing import Callable

import matplotlib.pyplot as plt
import numpy as np

from vae_lib.gaussian import mvn_log_density
from vae_lib.i18n import tr


def density_grid(mean, cov, n: int = 121, span: float = 3.5):
    """A square grid around `mean` (2,) covering +-span standard deviations of the widest axis.

    Returns (xs (n,), ys (n,), density (n, n)) with density[i, j] at (xs[j], ys[i]).
    """
    mean, cov = np.asarray(mean, np.float32), np.asarray(cov, np.float32)
    half = span * float(np.sqrt(np.max(np.diag(cov))))
    xs = np.linspace(mean[0] - half, mean[0] + half, n, dtype=np.float32)
    ys = np.linspace(mean[1] - half, mean[1] + half, n, dtype=np.float32)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)
    return xs, ys, np.exp(np.asarray(mvn_log_density(grid, mean, cov)))


def gaussian_contours(mean, cov, ax=None, title: str | None = None, samples=None, span: float = 3.5,
                      levels: int = 6, equal: bool = True, variable: str = "x"):
    """Filled density contours of N(mean, cov) in 2-d (`levels` equally spaced density levels),
    optionally with sampled points (M, 2) on top; the axes are named variable[0], variable[1]."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    xs, ys, dens = density_grid(mean, cov, span=span)
    edges = np.linspace(0.0, float(dens.max()), levels + 2)[1:]  # the lowest band (near 0) stays white
    ax.contourf(xs, ys, dens, levels=edges, cmap="Blues")
    ax.contour(xs, ys, dens, levels=edges[:-1], colors="k", linewidths=0.4)
    if samples is not None:
        s = np.asarray(samples)
        ax.scatter(s[:, 0], s[:, 1], s=3, c="tab:red", alpha=0.5)
    if equal:
        ax.set_aspect("equal")
    ax.set_xlabel(f"{variable}[0]"); ax.set_ylabel(f"{variable}[1]")
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def normal_curve(pdf: Callable, mean: float = 0.0, std: float = 1.0, ax=None, label: str | None = None, **kw):
    """Plot a 1-d density function pdf(x) over mean +- 4 std."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3))
    x = np.linspace(mean - 4 * std, mean + 4 * std, 400, dtype=np.float32)
    ax.plot(x, np.asarray(pdf(x)), label=label, **kw)
    ax.set_xlabel("x"); ax.set_ylabel(tr("density", "밀도"))
    return ax
