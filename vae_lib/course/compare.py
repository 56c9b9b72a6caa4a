"""Compare models fairly: train each the same way, then measure the test ELBO in nats per image.

    rows = [train_and_measure(name, model, train_x, test_x, loss_fn=..., recipe=recipe)
            for name, model in {...}.items()]

Same data, same batches (same seed), same optimizer, same number of steps, same loss, same keys
(one recipe for all): only the architecture differs.
"""
from __future__ import annotations

import functools
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from vae_lib.losses import mse, negative_elbo_nats
from vae_lib.course.cache import train_or_load_with_history
from vae_lib.models import count_params
from vae_lib.course.recipes import Recipe, fit_recipe
from vae_lib.train import LossFn, evaluate


@functools.lru_cache(maxsize=None)
def elbo_loss_fn() -> LossFn:
    """Parts per batch (means over images): 'neg_elbo' = summed BCE + KL in nats, 'bce', 'kl', and
    'mse' (per-pixel squared error of the decoded mean image). For evaluation (`train.evaluate`)."""
    def loss_fn(model, x, key):
        logits, z_mean, z_log_var = model(x, key)
        terms = negative_elbo_nats(logits, x, z_mean, z_log_var)
        neg_elbo = jnp.mean(terms["neg_elbo"])
        return neg_elbo, {"loss": neg_elbo, "neg_elbo": neg_elbo, "bce": jnp.mean(terms["reconstruction"]),
                          "kl": jnp.mean(terms["kl"]), "mse": jnp.mean(mse(jax.nn.sigmoid(logits), x, "mean"))}
    return loss_fn


def train_and_measure(name: str, model: nnx.Module, train_images: np.ndarray, test_images: np.ndarray, *,
                      loss_fn: LossFn, recipe: Recipe, cache: str | Path | None = None,
                      eval_key: jax.Array | None = None, progress: bool = True) -> dict:
    """Train `model` with `recipe` (`recipes.fit_recipe`: its steps, batch size, Adam rate, seed and
    key) and `loss_fn`, or load it from `cache` when that file exists; then evaluate the test ELBO.

    Returns {'model', 'params', 'steps', 'train_seconds', 'train_loss', 'neg_elbo', 'bce', 'kl', 'mse'}
    (test values are means per image in nats; train_loss is the mean of the last 10 steps;
    train_seconds is None for a model loaded from the cache).
    """
    loaded = cache is not None and Path(cache).exists()
    t0 = time.perf_counter()
    train = lambda: fit_recipe(model, train_images, recipe, loss_fn, progress=progress)  # noqa: E731
    history = train() if cache is None else train_or_load_with_history(cache, model, train)
    seconds = time.perf_counter() - t0
    test = evaluate(model, test_images, elbo_loss_fn(),
                    jax.random.key(recipe.seed + 1) if eval_key is None else eval_key)
    return {"model": name, "params": count_params(model),
            "steps": len(history.steps) if history else recipe.steps,
            "train_seconds": None if loaded else seconds,
            "train_loss": float(np.mean(history.series("loss")[-10:])) if history else None,
            "neg_elbo": test["neg_elbo"], "bce": test["bce"], "kl": test["kl"], "mse": test["mse"]}


_KO_MEASURES = {"neg_elbo": "음의 ELBO", "bce": "재구성(BCE)", "kl": "KL", "mse": "MSE"}   # Korean column headers
_DECIMALS = {"mse": 4}   # every other float column: one decimal (nats, seconds)


def _cell(key: str, value) -> str:
    """One table entry: a float with its column's decimals (so 275.0 stands under 276.2, not '275'); anything
    else as str (None: a model loaded from the cache has no training time)."""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.{_DECIMALS.get(key, 1)}f}"
    return str(value)


def format_table(rows: list[dict], keys=("model", "params", "steps", "neg_elbo", "bce", "kl", "mse", "train_seconds")) -> str:
    """A plain-text table of `train_and_measure` rows: each column as wide as its widest entry (at least 13),
    counted in screen columns (Hangul takes two); the header in the language of vae_lib.i18n. One number
    format per column (`_cell`): nats and seconds with one decimal, mse with four."""
    from vae_lib.i18n import screen_width as cols, tr

    header = [tr(k, _KO_HEADER.get(k, _KO_MEASURES.get(k, k))) for k in keys]
    body = [[_cell(k, r[k]) for k in keys] for r in rows]
    widths = [max([13, cols(h)] + [cols(row[i]) for row in body]) for i, h in enumerate(header)]
    line = lambda cells: " | ".join(" " * (w - cols(c)) + c for c, w in zip(cells, widths))  # noqa: E731
    head = line(header)
    return "\n".join([head, "-" * cols(head), *(line(row) for row in body)])


_KO_HEADER = {"model": "모델", "params": "파라미터 수", "steps": "스텝", "train_seconds": "훈련 시간(초)",
              "train_loss": "훈련 손실"}
