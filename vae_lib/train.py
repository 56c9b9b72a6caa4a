"""Training: one jit-compiled train step, `fit` with a progress bar, `evaluate`, and `History`.

A loss function has the signature `loss_fn(model, x, key) -> (loss, parts)` where `parts` is a
dict of scalars to log (it must contain 'loss'); x is a batch of images (B, H, W, C), or with
`fit(..., labels=...)` the pair (images, labels). `vae_loss_fn` and `ae_loss_fn` build the two the
course uses.

`fit` is careful with your work:
- a NaN/inf loss stops training with `TrainingDiverged`; the model keeps the last good weights;
- Ctrl-C (KeyboardInterrupt, or the notebook's stop button) stops training cleanly: the model keeps
  the weights of the last finished step and the history so far is returned.
"""
from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass, field
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx
from tqdm.auto import tqdm

from vae_lib.compiled import apply_in_batches
from vae_lib.data import batches
from vae_lib.i18n import tr
from vae_lib.parallel import batch_placer, replicate
from vae_lib.losses import reconstruction_loss, vae_loss

LossFn = Callable[[nnx.Module, jax.Array, jax.Array], tuple[jax.Array, dict]]


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the model holds the weights from before that step."""


@functools.lru_cache(maxsize=None)
def vae_loss_fn(beta: float = 500.0, kind: str = "bce", reduction: str = "mean") -> LossFn:
    """The book's VAE loss: beta * reconstruction (per-pixel mean by default) + KL, batch mean.

    The same arguments return the same function object, so jit-compiled steps are reused."""
    if not beta > 0:
        raise ValueError(f"beta must be positive, got {beta!r}: it weighs the reconstruction against the KL term "
                         "(a negative beta rewards bad reconstructions)")

    def loss_fn(model, x, key):
        logits, z_mean, z_log_var = model(x, key)
        return vae_loss(logits, x, z_mean, z_log_var, beta, kind, reduction)
    return loss_fn


@functools.lru_cache(maxsize=None)
def ae_loss_fn(kind: str = "bce", reduction: str = "mean") -> LossFn:
    """A plain autoencoder's loss: reconstruction only, batch mean (`key` is unused)."""
    def loss_fn(model, x, key):
        loss = jnp.mean(reconstruction_loss(model(x), x, kind, reduction))
        return loss, {"loss": loss}
    return loss_fn


# Korean names of the logged loss parts, for the titles and legends of History.plot in the Korean edition.
_KO_PARTS = {"loss": "손실", "reconstruction": "재구성", "kl": "KL", "neg_elbo": "음의 ELBO"}


@dataclass
class History:
    """What happened during training: one row per step and one per epoch (plus test results)."""
    steps: list[dict] = field(default_factory=list)
    epochs: list[dict] = field(default_factory=list)
    stopped: str | None = None  # None if training finished, else why it stopped early
    compile_seconds: float | None = None

    def series(self, key: str, where: str = "steps") -> np.ndarray:
        rows = self.steps if where == "steps" else self.epochs
        return np.array([r[key] for r in rows if key in r], np.float64)

    def last_step_text(self) -> str:
        """The last step's logged parts, e.g. 'kl 5.03, loss 155.46, reconstruction 150.42' (Korean names in
        the Korean edition: 'KL 5.03, 손실 155.46, 재구성 150.42')."""
        last = self.steps[-1] if self.steps else {}
        return ", ".join(f"{tr(k, _KO_PARTS.get(k, k))} {v:.2f}" for k, v in last.items() if k != "step")

    def plot(self, keys: tuple[str, ...] | None = None, ax=None):
        """Plot each logged part over steps (lines) and the per-epoch test values (dots)."""
        import matplotlib.pyplot as plt

        keys = keys or tuple(k for k in (self.steps[0] if self.steps else {}) if k != "step")
        if ax is None:
            _, axes = plt.subplots(1, len(keys), figsize=(4.2 * len(keys), 3.2), squeeze=False)
            axes = axes[0]
        else:
            axes = [ax] * len(keys)
        steps = self.series("step")
        for a, k in zip(axes, keys):
            a.plot(steps, self.series(k), lw=0.8, label=tr(f"train {k}", f"훈련 {_KO_PARTS.get(k, k)}"))
            test = [(r["step"], r[f"test_{k}"]) for r in self.epochs if f"test_{k}" in r]
            if test:
                a.plot(*zip(*test), "o-", label=tr(f"test {k}", f"테스트 {_KO_PARTS.get(k, k)}"))
            a.set_xlabel(tr("step", "스텝")); a.set_title(tr(k, _KO_PARTS.get(k, k))); a.legend()
        plt.tight_layout()
        return axes


@functools.lru_cache(maxsize=None)
def adam(learning_rate: float) -> optax.GradientTransformation:
    """optax.adam, one object per learning rate: the optimizer is part of the compiled step's
    structure, so reusing the object lets a second `fit` reuse the compiled step."""
    return optax.adam(learning_rate)


@functools.lru_cache(maxsize=64)
def make_train_step(graphdef, loss_fn: LossFn):
    """Build the jit-compiled step: (state, x, key) -> (new_state, parts).

    `state` is `nnx.state((model, optimizer))`; the step is a pure function of it, so the old
    state stays valid (that is what lets `fit` keep the last good weights). Cached: a second
    `fit` of a model of the same structure with the same loss function compiles nothing new.
    """
    @jax.jit
    def train_step(state, x, key):
        model, optimizer = nnx.merge(graphdef, state)
        (_, parts), grads = nnx.value_and_grad(loss_fn, has_aux=True)(model, x, key)
        optimizer.update(model, grads)
        return nnx.state((model, optimizer)), parts
    return train_step


def evaluate(model: nnx.Module, images: np.ndarray, loss_fn: LossFn, key: jax.Array,
             batch_size: int = 500) -> dict[str, float]:
    """Average each loss part over all images (x: (N, H, W, C) in [0, 1]), in eval mode.

    Each batch gets its own key (split from `key`); a part's batch mean counts once per image of the
    batch. The model is put in eval mode (BatchNorm uses its running averages) and afterwards back in
    the mode it came in, train or eval (`compiled.apply_in_batches`).
    """
    x = _check_images(images, "evaluate")
    per_image = apply_in_batches(_parts_per_image(loss_fn), model, x, batch_size=batch_size, key=key)
    return {k: float(np.mean(v, dtype=np.float64)) for k, v in per_image.items()}


@functools.lru_cache(maxsize=64)
def _parts_per_image(loss_fn: LossFn):
    """(model, x (B, ...), key) -> {part: (B,) the batch mean repeated}: loss parts that join along axis 0.
    One function object per loss function, so that evaluation compiles once."""
    def parts(model, x, key):
        return {k: jnp.full(x.shape[0], v) for k, v in loss_fn(model, x, key)[1].items()}
    return parts


def _check_images(images, caller: str = "fit") -> np.ndarray:
    """The images as float32 (N, H, W, C) in [0, 1], or a ValueError saying what is wrong with them."""
    x = np.asarray(images)
    if x.ndim != 4:
        raise ValueError(f"{caller} expects images of shape (N, H, W, C); got {x.shape}")
    if x.size == 0:
        raise ValueError(f"{caller} got no images (shape {x.shape}): check the data loading or the slice "
                         "that made this array")
    if np.issubdtype(x.dtype, np.floating) and not np.isfinite(x).all():
        bad = ~np.isfinite(x.reshape(len(x), -1)).all(axis=1)
        raise ValueError(f"your images contain NaN or inf: {int(bad.sum())} of {len(x)} images, the first "
                         f"at index {int(np.argmax(bad))}. Fix or drop them before training (the model "
                         "has not diverged: the data were broken before the first step).")
    if not np.issubdtype(x.dtype, np.floating) or x.min() < 0 or x.max() > 1:
        raise ValueError(f"{caller} expects float images in [0, 1]; got dtype {x.dtype}, range "
                         f"[{x.min()}, {x.max()}]. Convert with x.astype('float32') / 255.")
    return x.astype(np.float32, copy=False)


def _check_positive(**values) -> None:
    """A ValueError naming the argument when a setting is not a positive, finite number."""
    for name, v in values.items():
        if isinstance(v, bool) or not isinstance(v, (int, float, np.number)) or not math.isfinite(v) or v <= 0:
            raise ValueError(f"{name} must be a positive number, got {v!r}"
                             + (": a negative learning rate climbs the loss instead of descending it"
                                if name == "learning_rate" and isinstance(v, (int, float)) and v < 0 else ""))


def fit(model: nnx.Module, train_images: np.ndarray, *, loss_fn: LossFn, key: jax.Array,
        epochs: int = 1, batch_size: int = 100, learning_rate: float = 1e-3,
        optimizer: nnx.Optimizer | None = None, test_images: np.ndarray | None = None,
        max_steps: int | None = None, seed: int = 0, progress: bool = True,
        history: History | None = None, mesh=None, labels: np.ndarray | None = None,
        prepare: Callable | None = None) -> History:
    """Train `model` in place with Adam on mini-batches of `train_images` (N, H, W, C) in [0, 1].

    key: the PRNG key for the reparameterization samples (split once per step).
    seed: shuffles the batches (epoch e uses seed + e). max_steps: stop early (quick mode).
    test_images: evaluated after each epoch; results go into history.epochs as 'test_<part>'.
    mesh: a `jax.sharding.Mesh` to train data-parallel on (see `vae_lib.parallel`): the state is
    replicated on its devices and each batch is split over them; batch_size must divide evenly.
    labels: (N,) one per training image (a classifier): each batch is then the pair (images, labels),
    and that pair is what loss_fn gets as x. prepare: batch -> batch, run on the host (numpy) before each
    step, e.g. the judge's mixup (course/judge.py).
    Returns the History (pass `history=` to continue one). Raises TrainingDiverged on NaN/inf.
    """
    x_all = _check_images(train_images)
    _check_positive(learning_rate=learning_rate, batch_size=batch_size, epochs=epochs)
    if max_steps is not None:
        _check_positive(max_steps=max_steps)
    if test_images is not None:
        _check_images(test_images, "fit's test_images")   # up front, not after the first epoch
    if len(x_all) < batch_size:
        raise ValueError(f"only {len(x_all)} training images for batch_size={batch_size}")
    data = x_all
    if labels is not None:
        if len(labels) != len(x_all):
            raise ValueError(f"{len(labels)} labels for {len(x_all)} training images")
        if test_images is not None:
            raise ValueError("test_images are evaluated without labels: evaluate a classifier yourself")
        data = (x_all, np.asarray(labels))
    optimizer = optimizer or nnx.Optimizer(model, adam(learning_rate), wrt=nnx.Param)
    history = history or History()
    model.train()
    graphdef, state = nnx.split((model, optimizer))
    step_fn = make_train_step(graphdef, loss_fn)
    place = jnp.asarray
    if mesh is not None:
        state, place = replicate(state, mesh), batch_placer(mesh, batch_size)
    steps_per_epoch = len(x_all) // batch_size
    total = steps_per_epoch * epochs if max_steps is None else min(max_steps, steps_per_epoch * epochs)
    step = history.steps[-1]["step"] if history.steps else 0
    done = 0
    bar = tqdm(total=total, disable=not progress, unit="step", mininterval=0.5)
    try:
        for epoch in range(epochs):
            rows = []
            for x in batches(data, batch_size, seed=seed + epoch):
                if done >= total:
                    break
                if prepare is not None:
                    x = prepare(x)
                key, sub = jax.random.split(key)
                t0 = time.perf_counter()
                new_state, parts = step_fn(state, jax.tree.map(place, x), sub)
                parts = {k: float(v) for k, v in jax.device_get(parts).items()}
                if history.compile_seconds is None:
                    history.compile_seconds = time.perf_counter() - t0
                if not all(math.isfinite(v) for v in parts.values()):
                    history.stopped = f"loss became {parts} at step {step + 1}"
                    raise TrainingDiverged(
                        f"The loss became NaN/inf at step {step + 1} (epoch {epoch + 1}): {parts}. "
                        "The model keeps the weights from before this step. Try a smaller learning "
                        "rate, check that the images are in [0, 1], or clip z_log_var.")
                state = new_state
                step += 1
                done += 1
                rows.append(parts)
                history.steps.append({"step": step, **parts})
                bar.update(1)
                bar.set_postfix({k: f"{v:.4g}" for k, v in parts.items()}, refresh=False)
            row = {"epoch": epoch + 1, "step": step,
                   **{k: float(np.mean([r[k] for r in rows])) for k in (rows[0] if rows else {})}}
            if test_images is not None:
                nnx.update((model, optimizer), state)
                key, sub = jax.random.split(key)
                row.update({f"test_{k}": v for k, v in evaluate(model, test_images, loss_fn, sub).items()})
                bar.write(f"epoch {epoch + 1}: " + ", ".join(f"{k} {v:.4g}" for k, v in row.items()
                                                             if k not in ("epoch", "step")))
            history.epochs.append(row)
            if done >= total:
                break
    except KeyboardInterrupt:
        history.stopped = f"interrupted at step {step}"
        print(tr(f"\nTraining interrupted at step {step}: the model keeps the weights of that step, "
                 "and the history so far is returned.",
                 f"\n스텝 {step}에서 훈련이 중단되었습니다. 모델은 그 스텝의 가중치를 유지하고, 지금까지의 기록을 반환합니다."))
    finally:
        bar.close()
        nnx.update((model, optimizer), state)
    return history
