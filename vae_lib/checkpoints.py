"""Save and restore a model (and optionally its optimizer) to one file, with Flax's msgpack format.

    save_checkpoint("build/vae.msgpack", model, optimizer)
    restore_checkpoint("build/vae.msgpack", model, optimizer)   # model built with the same shapes

The file is written to a temporary name and then renamed, so a crash never leaves half a file.
Restoring into a model of another shape fails with a message naming the mismatched arrays; a file
that is not a checkpoint (damaged, truncated, something else) fails with `CheckpointDamaged`.
`train_or_load` trains only when no checkpoint exists (useful in class: train once, reuse later),
and trains again, with a printed message, when the file is damaged.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import jax
import numpy as np
from flax import nnx, serialization

from vae_lib.i18n import tr


class CheckpointMismatch(ValueError):
    """The checkpoint's arrays do not fit the model they are restored into."""


class CheckpointDamaged(ValueError):
    """The file is not a vae_lib checkpoint, or it is damaged (truncated, overwritten)."""


def _read_payload(path: Path) -> dict:
    """The {"model": ..., "optimizer": ...} dict saved by `save_checkpoint`, or CheckpointDamaged."""
    try:
        payload = serialization.msgpack_restore(path.read_bytes())
    except Exception as e:  # msgpack raises ExtraData, ValueError, TypeError, ... depending on the damage
        raise CheckpointDamaged(f"not a vae_lib checkpoint / damaged: {path} ({type(e).__name__}: {e}). "
                                "Delete it (or save the model again).") from e
    if not isinstance(payload, dict) or not isinstance(payload.get("model"), dict):
        raise CheckpointDamaged(f"not a vae_lib checkpoint / damaged: {path} (no model state in it). "
                                "Delete it (or save the model again).")
    return payload


def _pure(obj) -> dict:
    return jax.device_get(nnx.to_pure_dict(nnx.state(obj)))


def save_checkpoint(path: str | os.PathLike, model: nnx.Module, optimizer: nnx.Optimizer | None = None) -> Path:
    """Write model (and optimizer) state to `path` atomically. Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"model": _str_keys(_pure(model))}
    if optimizer is not None:
        payload["optimizer"] = _str_keys(_pure(optimizer))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(serialization.msgpack_serialize(payload))
    os.replace(tmp, path)
    return path


def _compare(name: str, target: dict, loaded: dict) -> list[str]:
    flat_t, flat_l = _flatten(target), _flatten(loaded)
    problems = [f"{name}/{k}: missing in the checkpoint" for k in flat_t if k not in flat_l]
    problems += [f"{name}/{k}: in the checkpoint but not in the model" for k in flat_l if k not in flat_t]
    problems += [f"{name}/{k}: checkpoint has shape {np.shape(flat_l[k])}, model has {np.shape(flat_t[k])}"
                 for k in flat_t if k in flat_l and np.shape(flat_l[k]) != np.shape(flat_t[k])]
    return problems


def _flatten(tree, prefix: str = "") -> dict:
    if not isinstance(tree, dict):
        return {prefix: tree}
    return {k: v for key, sub in tree.items() for k, v in _flatten(sub, f"{prefix}/{key}" if prefix else str(key)).items()}


def _restore_into(obj, loaded: dict) -> None:
    state = nnx.state(obj)
    nnx.replace_by_pure_dict(state, loaded)
    nnx.update(obj, state)


def restore_checkpoint(path: str | os.PathLike, model: nnx.Module, optimizer: nnx.Optimizer | None = None) -> None:
    """Load the state saved by `save_checkpoint` into `model` (and `optimizer`), in place."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No checkpoint at {path}")
    payload = _read_payload(path)
    # msgpack turns integer keys (list indices inside nnx.List) into strings; convert back.
    payload = _int_keys(payload)
    problems = _compare("model", _pure(model), payload["model"])
    if optimizer is not None:
        if "optimizer" not in payload:
            problems.append("optimizer: the checkpoint holds no optimizer state")
        else:
            problems += _compare("optimizer", _pure(optimizer), payload["optimizer"])
    if problems:
        shown = "\n  ".join(problems[:10]) + (f"\n  ... and {len(problems) - 10} more" if len(problems) > 10 else "")
        raise CheckpointMismatch(f"{path} does not fit this model (was it saved from a model with other "
                                 f"widths, latent size or image shape?):\n  {shown}")
    _restore_into(model, payload["model"])
    if optimizer is not None:
        _restore_into(optimizer, payload["optimizer"])


def _str_keys(tree):
    """List indices inside nnx.List are int keys; store them as strings (flax < 0.12.1 writes int
    keys as msgpack integers, which msgpack then refuses to read back)."""
    if isinstance(tree, dict):
        return {str(k): _str_keys(v) for k, v in tree.items()}
    return tree


def _int_keys(tree):
    if isinstance(tree, dict):
        return {(int(k) if isinstance(k, str) and k.isdigit() else k): _int_keys(v) for k, v in tree.items()}
    return tree


def train_or_load(path: str | os.PathLike, model: nnx.Module, train: Callable[[], object]):
    """Restore `model` from `path` if it exists; otherwise call `train()` and save the result.

    Returns what `train()` returned, or None when the model was loaded. A damaged file (an
    interrupted copy, a full disk) is trained over, with a message, instead of stopping the chapter.
    """
    path = Path(path)
    if path.exists():
        try:
            restore_checkpoint(path, model)
        except CheckpointDamaged as e:
            print(f"{e}\n" + tr("Training again; the new weights will replace it.", "다시 훈련합니다. 새 가중치가 이 파일을 대신합니다."))
        else:
            print(tr(f"Loaded trained weights from {path} (delete the file to train again).",
                     f"{path}에서 훈련된 가중치를 불러왔습니다(다시 훈련하려면 이 파일을 지우십시오)."))
            return None
    result = train()
    save_checkpoint(path, model)
    print(tr(f"Saved trained weights to {path}.", f"훈련된 가중치를 {path}에 저장했습니다."))
    return result
