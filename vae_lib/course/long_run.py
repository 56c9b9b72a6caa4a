"""Chapter 07's long run, recorded: the book's plain VAE against the residual VAE at the book's size, trained with book
mode's recipe on the real Fashion-MNIST by `benchmarks/long_run_07.py`, which writes `measured/long_run_07.json`.

    run = load()            # validated; raises ValueError on a malformed file
    v = verdict(run)        # the numbers the chapter's verdict is formatted from
    plot(run)               # test -ELBO and training loss against steps and against seconds
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

PATH = Path(__file__).resolve().parent / "measured" / "long_run_07.json"
MODELS = ("plain", "residual")


def _check(cond: bool, what: str, path) -> None:
    if not cond:
        raise ValueError(f"{path}: malformed long-run record: {what}")


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def load(path: str | Path | None = None) -> dict:
    """The recorded run (a dict, as written by benchmarks/long_run_07.py), after checking its fields: how it was made
    (date, command, data, hardware, jax version, recipe), and per model its parameter count, steps done, the training
    loss of every step, cumulative training seconds per chunk of steps, and the test -ELBO evaluations (from step 0 to the
    last step, steps and seconds increasing). Raises ValueError when something is missing or inconsistent."""
    path = PATH if path is None else Path(path)
    try:
        run = json.loads(Path(path).read_text())
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not JSON ({e})") from None
    _check(isinstance(run, dict), "not an object", path)
    for key in ("date", "command", "data", "jax_version"):
        _check(isinstance(run.get(key), str) and run[key] != "", f"'{key}' missing", path)
    hw = run.get("hardware")
    _check(isinstance(hw, dict) and isinstance(hw.get("cpu"), str) and isinstance(hw.get("cores"), int),
           "'hardware' needs 'cpu' and 'cores'", path)
    recipe = run.get("recipe")
    _check(isinstance(recipe, dict) and all(_number(recipe.get(k)) for k in ("batch_size", "learning_rate", "steps")),
           "'recipe' needs batch_size, learning_rate, steps", path)
    _check(isinstance(run.get("complete"), bool), "'complete' must be true or false", path)
    models = run.get("models")
    _check(isinstance(models, dict) and set(MODELS) <= set(models), f"'models' needs {MODELS}", path)
    for name in MODELS:
        m, where = models[name], f"models.{name}"
        _check(isinstance(m.get("params"), int) and m["params"] > 0, f"{where}.params", path)
        done = m.get("steps_done")
        _check(isinstance(done, int) and 0 < done <= recipe["steps"], f"{where}.steps_done", path)
        loss = m.get("train_loss")
        _check(isinstance(loss, list) and len(loss) == done and all(map(_number, loss)),
               f"{where}.train_loss must hold one finite number per step done", path)
        _check(_number(m.get("seconds_per_step")) and m["seconds_per_step"] > 0, f"{where}.seconds_per_step", path)
        for series, first in (("chunks", None), ("evals", 0)):
            rows = m.get(series)
            _check(isinstance(rows, list) and rows and all(isinstance(r, dict) and _number(r.get("step"))
                                                           and _number(r.get("seconds")) for r in rows),
                   f"{where}.{series} needs rows with 'step' and 'seconds'", path)
            steps, seconds = [r["step"] for r in rows], [r["seconds"] for r in rows]
            _check(all(np.diff(steps) > 0) and all(np.diff(seconds) >= 0), f"{where}.{series} must increase", path)
            _check(steps[-1] == done, f"{where}.{series} must end at steps_done", path)
            _check(first is None or steps[0] == first, f"{where}.{series} must start at step {first}", path)
        _check(all(_number(r.get("neg_elbo")) and r["neg_elbo"] > 0 for r in m["evals"]),
               f"{where}.evals need a positive finite 'neg_elbo'", path)
    _check(run["complete"] == all(models[n]["steps_done"] == recipe["steps"] for n in MODELS),
           "'complete' disagrees with the steps done", path)
    return run


def step_seconds(model: dict) -> np.ndarray:
    """Cumulative training seconds at every step (1..steps_done), linear within each timed chunk of steps."""
    steps = [0] + [r["step"] for r in model["chunks"]]
    seconds = [0.0] + [r["seconds"] for r in model["chunks"]]
    return np.interp(np.arange(1, model["steps_done"] + 1), steps, seconds)


def _first_reaching(evals: list[dict], level: float) -> dict:
    return next(r for r in evals if r["neg_elbo"] <= level + 1e-9)


def verdict(run: dict) -> dict:
    """The numbers of the verdict: per step, the test -ELBO of both models at the last step both reached ('step',
    'plain', 'residual', 'better_per_step'); per second, the first evaluation at which each model reached the level both
    reached (the worse of their last values: 'level', 'plain_at' and 'residual_at' = that evaluation's row,
    'better_per_second'); and each model's seconds per step, their ratio ('step_cost_ratio' = residual / plain)."""
    p, r = run["models"]["plain"], run["models"]["residual"]
    common = max(set(e["step"] for e in p["evals"]) & set(e["step"] for e in r["evals"]))
    at = {n: next(e for e in run["models"][n]["evals"] if e["step"] == common) for n in MODELS}
    level = max(p["evals"][-1]["neg_elbo"], r["evals"][-1]["neg_elbo"])
    reach = {n: _first_reaching(run["models"][n]["evals"], level) for n in MODELS}
    return {"step": common, "plain": at["plain"]["neg_elbo"], "residual": at["residual"]["neg_elbo"],
            "better_per_step": min(MODELS, key=lambda n: at[n]["neg_elbo"]),
            "level": level, "plain_at": reach["plain"], "residual_at": reach["residual"],
            "better_per_second": min(MODELS, key=lambda n: (reach[n]["seconds"], reach[n]["step"])),
            "plain_seconds_per_step": p["seconds_per_step"], "residual_seconds_per_step": r["seconds_per_step"],
            "step_cost_ratio": r["seconds_per_step"] / p["seconds_per_step"]}


def plot(run: dict, labels: dict | None = None):
    """Two panels: test -ELBO (dots, nats per image) and training loss (thin lines, the book's beta-weighted units, mean
    of 20 steps) against steps (left) and against training seconds (right, log scale). labels: legend names per model."""
    import matplotlib.pyplot as plt

    from vae_lib.i18n import tr

    labels = labels or {"plain": tr("book (plain conv)", "책의 모델 (일반 합성곱)"),
                        "residual": tr("residual + GroupNorm", "잔차 + GroupNorm")}
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    twins = [a.twinx() for a in axes]
    for name, color in zip(MODELS, ("C0", "C3")):
        m = run["models"][name]
        loss = np.asarray(m["train_loss"])
        k = min(20, len(loss))
        smooth = np.convolve(loss, np.ones(k) / k, mode="valid")
        steps = np.arange(k, len(loss) + 1)
        secs = step_seconds(m)[k - 1:]
        e_steps, e_secs = [e["step"] for e in m["evals"]], [e["seconds"] for e in m["evals"]]
        e_vals = [e["neg_elbo"] for e in m["evals"]]
        for ax, tw, x, ex in ((axes[0], twins[0], steps, e_steps), (axes[1], twins[1], secs, e_secs)):
            ax.plot(ex[1:], e_vals[1:], "o-", color=color, label=f"{labels[name]}: " + tr("test -ELBO", "테스트 -ELBO"))
            tw.plot(x, smooth, "-", lw=0.7, alpha=0.5, color=color,
                    label=f"{labels[name]}: " + tr("training loss", "훈련 손실"))
    axes[0].set_xlabel(tr("step", "스텝"))
    axes[1].set_xlabel(tr("training seconds (log scale)", "훈련 시간, 초 (로그 눈금)"))
    axes[1].set_xscale("log")
    for ax, tw in zip(axes, twins):
        ax.set_ylabel(tr("test -ELBO (nats per image)", "테스트 -ELBO (이미지당 nat)"))
        tw.set_ylabel(tr("training loss (book's units)", "훈련 손실 (책의 단위)"))
    axes[0].set_title(tr("against steps", "스텝 기준"))
    axes[1].set_title(tr("against seconds on the recorded CPU", "기록된 CPU에서의 시간 기준"))
    handles = [h for a in (axes[0], twins[0]) for h in a.get_legend_handles_labels()[0]]
    axes[0].legend(handles, [h.get_label() for h in handles], fontsize=8)
    fig.tight_layout()
    return axes
