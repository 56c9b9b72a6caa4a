"""A per-layer summary of an NNX model, like Keras' `model.summary()`.

    print(summary_table(model.encoder, jnp.zeros((1, 32, 32, 1))))

One row per layer that owns parameters (Conv, Linear, ConvTranspose, BatchNorm, ...): its path
inside the model, its type, the output shape it produced on the example input (when one is given)
and its parameter count. The total equals `vae_lib.models.count_params`.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import jax
import numpy as np
from flax import nnx

from vae_lib.i18n import screen_width, tr


@dataclass
class LayerRow:
    """One layer: path like 'convs.0', type name, output shape (or None), parameter shapes and count."""
    path: str
    kind: str
    output_shape: tuple[int, ...] | None
    param_shapes: dict[str, tuple[int, ...]]
    params: int


def _own_params(module: nnx.Module) -> dict[str, tuple[int, ...]]:
    """Parameters held directly by `module` (not by its sub-modules): {name: shape}."""
    shapes = {}
    for name, value in vars(module).items():
        if isinstance(value, nnx.Param):
            shapes[name] = tuple(value.shape)
    return shapes


def _layers(module: nnx.Module) -> list[tuple[str, nnx.Module]]:
    """(path, module) for every sub-module that owns parameters, sorted by path."""
    found = []
    for path, node in nnx.iter_graph(module):
        if isinstance(node, nnx.Module) and _own_params(node):
            found.append((".".join(str(p) for p in path), node))
    return sorted(found, key=lambda item: item[0])


@contextmanager
def _record_outputs(layers: list[tuple[str, nnx.Module]], shapes: dict[int, tuple[int, ...]]):
    """Temporarily wrap each layer type's __call__ to record the output shape per layer instance."""
    wanted = {id(m) for _, m in layers}
    originals = {}
    for _, m in layers:
        cls = type(m)
        if cls in originals:
            continue
        originals[cls] = cls.__call__

        def wrapped(self, *args, __orig=cls.__call__, **kwargs):
            out = __orig(self, *args, **kwargs)
            if id(self) in wanted and hasattr(out, "shape"):
                shapes[id(self)] = tuple(out.shape)
            return out
        cls.__call__ = wrapped
    try:
        yield
    finally:
        for cls, call in originals.items():
            cls.__call__ = call


def layer_summary(module: nnx.Module, example_input: jax.Array | None = None, *call_args) -> list[LayerRow]:
    """Rows for every parameter-owning layer of `module`.

    example_input: e.g. zeros of shape (1, 32, 32, 1); when given, the module is traced once on it
    (with any extra `call_args`, e.g. a PRNG key for a VAE; shapes only, nothing is computed or
    changed) to record each layer's output shape.
    """
    layers = _layers(module)
    shapes: dict[str, tuple[int, ...]] = {}  # path -> output shape, in call order
    if example_input is not None:
        def forward(mod, *args):
            # shapes only (nnx.eval_shape: no real computation, the module's state is not changed);
            # `mod` is a copy of `module`, so layers are matched by their path
            copy_layers = _layers(mod)
            by_id: dict[int, tuple[int, ...]] = {}
            with _record_outputs(copy_layers, by_id):
                out = mod(*args)
            path_of = {id(m): p for p, m in copy_layers}
            shapes.update({path_of[i]: s for i, s in by_id.items()})
            return out
        nnx.eval_shape(forward, module, example_input, *call_args)
        called = list(shapes)  # show the layers in the order the forward pass called them
        layers = sorted(layers, key=lambda item: called.index(item[0]) if item[0] in shapes else len(called))
    rows = []
    for path, layer in layers:
        params = _own_params(layer)
        rows.append(LayerRow(path, type(layer).__name__, shapes.get(path), params,
                             int(sum(np.prod(s, dtype=np.int64) for s in params.values()))))
    return rows


def summary_table(module: nnx.Module, example_input: jax.Array | None = None, *call_args) -> str:
    """A text table of `layer_summary` with the total at the bottom (matches `count_params`)."""
    rows = layer_summary(module, example_input, *call_args)
    w = max([16, *(len(r.path) + 1 for r in rows)])
    # the headers in the language of vae_lib.i18n; Hangul takes two screen columns, so pad by screen width
    name, kind, shape, pshape, count, total = (tr("layer", "층"), tr("type", "종류"), tr("output shape", "출력 크기"),
                                               tr("parameter shapes", "파라미터 크기"), tr("params", "파라미터 수"),
                                               tr("total", "합계"))
    pw = max(9, screen_width(count))   # the params column: as wide as its header
    head = f"{_pad(name, w)} {_pad(kind, 14)} {_pad(shape, 18)} {_pad(pshape, 34)} {_pad(count, pw, right=True)}"
    lines = [tr(f"{type(module).__name__} summary", f"{type(module).__name__} 요약"), head, "-" * screen_width(head)]
    for r in rows:
        out = "-" if r.output_shape is None else str(r.output_shape)
        pshapes = ", ".join(f"{k} {v}" for k, v in r.param_shapes.items())
        lines.append(f"{r.path:<{w}} {r.kind:<14} {out:<18} {pshapes:<34} {r.params:>{pw},}")
    lines.append("-" * screen_width(head))
    lines.append(f"{_pad(total, w)} {'':<14} {'':<18} {'':<34} {sum(r.params for r in rows):>{pw},}")
    return "\n".join(lines)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - screen_width(text))
    return fill + text if right else text + fill
