"""A cache of trained models shared between chapters (e.g. chapter 05's VAE reused in 06 and 07).

    path = cache_path("05_vae", data=train_data, mode="course", beta=500, widths=(32, 64, 128))
    history = train_or_load_with_history(path, model, lambda: fit(model, ...))

The file name holds the mode (smoke / course / book) and a short hash of everything that defines the model:
the data (its name, source, size, image shape and a checksum of its first images) and the settings
you pass. A cache from smoke mode, from other data or other settings is never reused by mistake.
The training history is stored next to the weights (same name, .json), so loss curves survive a reload.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable

import numpy as np

from vae_lib.checkpoints import train_or_load
from vae_lib.train import History



def default_root(start: str | Path | None = None) -> Path:
    """build/cache of the course folder (the one with vae_lib/ and pyproject.toml) holding the working directory,
    relative to it: '../build/cache' from chapters/ or solutions/, '../../build/cache' from chapters/ko/, so
    every edition shares one cache; outside a course folder (Colab), '../build/cache' as before."""
    here = Path(start if start is not None else Path.cwd()).resolve()
    for up, folder in enumerate((here, *here.parents)):
        if (folder / "vae_lib").is_dir() and (folder / "pyproject.toml").is_file():
            return Path(*[".."] * up) / "build" / "cache" if up else Path("build") / "cache"
    return Path("..") / "build" / "cache"


DEFAULT_ROOT = default_root()   # the notebook's folder is the kernel's working directory when vae_lib is imported


def data_fingerprint(data) -> dict:
    """What identifies a dataset split: name, source, size, image shape, checksum of the first 64 images."""
    images = np.ascontiguousarray(np.asarray(data.images[:64], np.float32))
    return {"name": data.name, "split": data.split, "source": data.source, "n": len(data),
            "shape": list(data.image_shape), "checksum": hashlib.sha1(images.tobytes()).hexdigest()[:12]}


def cache_path(name: str, *, data, mode: str, root: str | Path = DEFAULT_ROOT, **settings) -> Path:
    """root/<name>-<mode>-<hash of data fingerprint and settings>.msgpack (mode: smoke, course, book)"""
    key = json.dumps({"data": data_fingerprint(data), "settings": settings}, sort_keys=True, default=str)
    digest = hashlib.sha1(key.encode()).hexdigest()[:10]
    return Path(root) / f"{name}-{mode}-{digest}.msgpack"


def _history_to_json(history: History) -> dict:
    return {"steps": history.steps, "epochs": history.epochs, "stopped": history.stopped,
            "compile_seconds": history.compile_seconds}


def train_or_load_with_history(path: str | Path, model, train: Callable[[], History]) -> History | None:
    """Like `checkpoints.train_or_load`, and also saves / restores the History next to the weights.

    Returns the History (freshly trained or loaded), or None when weights exist but no history file.
    """
    path = Path(path)
    hist_path = path.with_suffix(".json")
    result = train_or_load(path, model, train)
    if isinstance(result, History):
        hist_path.write_text(json.dumps(_history_to_json(result)), encoding="utf-8")
        return result
    if hist_path.exists():
        raw = json.loads(hist_path.read_text(encoding="utf-8"))
        return History(steps=raw["steps"], epochs=raw["epochs"], stopped=raw["stopped"],
                       compile_seconds=raw["compile_seconds"])
    return None
