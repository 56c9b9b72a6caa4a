"""Run a model's function as one compiled program: split -> jit -> merge, in one place.

An NNX module is split into its structure (`graphdef`: static, so compiled once per structure and input
shape) and its state (the arrays); one jitted function merges them back and calls the function.

- `apply_in_batches(fn, model, *arrays, batch_size)`: fn over many images, batch by batch, in eval mode
  (evaluation, latent codes, decoding, the judge's probabilities, `train.evaluate`).
- `compiled_when_eager`: a decorator for a module's __call__, so that `model.decode(z)` in a notebook cell
  runs as one program instead of one small program per operation (many images at once: EAGER_BATCH at a time).
"""
from __future__ import annotations

import functools
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx


@functools.partial(jax.jit, static_argnums=(0, 2))
def run_compiled(graphdef, state, fn: Callable, *args):
    """fn(module, *args) with module = nnx.merge(graphdef, state), compiled once per (graphdef, fn, shapes).
    -> (fn's output, the module's non-parameter state afterwards, e.g. BatchNorm statistics in train mode)."""
    module = nnx.merge(graphdef, state)
    out = fn(module, *args)
    return out, nnx.state(module, nnx.Not(nnx.Param))   # a forward call changes no parameters


def compiled_when_eager(call: Callable) -> Callable:
    """Decorator for a module's __call__: run it as one compiled XLA program when called eagerly.

    Inside a jitted train step (traced inputs) the method runs as written. Called from a notebook
    cell, e.g. `model.decode(z)`, JAX would otherwise run (and, the first time, compile) every
    operation on its own. Compiled once per module structure and input shape; state changes
    (BatchNorm statistics in train mode) are written back to the module.
    """
    @functools.wraps(call)
    def wrapper(self, *args):
        graphdef, state = nnx.split(self)
        if any(isinstance(v, jax.core.Tracer) for v in jax.tree.leaves((args, state))):
            return call(self, *args)
        n = len(args[0]) if len(args) == 1 and np.ndim(args[0]) >= 1 else 0
        if n <= EAGER_BATCH or _in_train_mode(self):
            out, new_state = run_compiled(graphdef, state, call, *args)
            nnx.update(self, new_state)
            return out
        # Many images at once: EAGER_BATCH at a time (the last part padded, so one program serves all parts)
        x = np.asarray(args[0])
        x = np.concatenate([x, np.zeros((-n % EAGER_BATCH, *x.shape[1:]), x.dtype)])
        outs = []
        for start in range(0, len(x), EAGER_BATCH):
            out, new_state = run_compiled(graphdef, state, call, x[start:start + EAGER_BATCH])
            outs.append(jax.tree.map(np.asarray, out))
        nnx.update(self, new_state)
        return jax.tree.map(lambda *parts: jnp.asarray(np.concatenate(parts)[:n]), *outs)
    return wrapper


# Images per compiled call when a cell passes many at once, e.g. `model.decode(z)` for 10,000 codes: one call
# holds every intermediate of all of them (a decoder's for 10,000 codes: several GB), and on the 2-core CPU
# decoding 10,000 codes took 5-9 s in one call and 1.8 s in calls of 500 (encoding: 1.2 s and 0.5 s).
EAGER_BATCH = 500


def _in_train_mode(model: nnx.Module) -> bool:
    """True if some layer of `model` is in train mode: BatchNorm computing statistics over the batch, or Dropout
    drawing masks from its state. Then the batch cannot be cut into parts without changing the result."""
    return any(value is False for _, _, value in mode_attributes(model))


def apply_in_batches(fn: Callable, model: nnx.Module | None, *arrays, batch_size: int,
                     key: jax.Array | None = None):
    """fn over consecutive batches of `arrays`, compiled, with the results joined along axis 0.

    fn: (model, a_1 (B, ...), ..., a_m (B, ...)[, key]) -> an array (B, ...) or a pytree (dict, tuple) of them.
    arrays: m arrays (N, ...), cut together along axis 0 into batches of `batch_size`; the last batch holds
        the N mod batch_size rest (it compiles once more, for its shape). N = 0 gives empty (0, ...) results.
    model: an nnx.Module, run in eval mode (BatchNorm uses its running averages) and put back in the mode it
        came in; fn is compiled once per (model structure, fn, batch shape), so pass the same fn object each
        time (a module-level function, not a new lambda). None: fn(None, ...) is called as it is (a
        function that compiles itself, or plain numpy).
    key: if given, each batch gets its own key, in order: `key, sub = jax.random.split(key)`, passed last.
    Returns numpy arrays of shape (N, ...), in the structure fn returns.
    """
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError(f"all arrays must have the same length; got {[len(a) for a in arrays]}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if model is not None:
        modes = mode_attributes(model)
        model.eval()
        graphdef, state = nnx.split(model)
        call = lambda *args: run_compiled(graphdef, state, fn, *args)[0]   # noqa: E731
    else:
        call = lambda *args: fn(None, *args)                                # noqa: E731
    try:
        if n == 0 and model is not None:   # the output's structure and shapes from one row: (0, ...) arrays
            row = [jax.ShapeDtypeStruct((1, *a.shape[1:]), a.dtype) for a in arrays] + ([key] if key is not None else [])
            return jax.tree.map(lambda s: np.zeros((0, *s.shape[1:]), s.dtype), jax.eval_shape(call, *row))
        outs = []
        for start in range(0, n, batch_size) if n else [0]:
            args = [a[start:start + batch_size] for a in arrays]
            if key is not None:
                key, sub = jax.random.split(key)
                args.append(sub)
            outs.append(jax.tree.map(np.asarray, call(*args)))
    finally:
        if model is not None:
            for module, name, value in modes:
                setattr(module, name, value)
    return jax.tree.map(lambda *parts: np.concatenate(parts), *outs)


_MODE_FLAGS = ("deterministic", "use_running_average")   # what nnx's Module.train() / .eval() set


def mode_attributes(model: nnx.Module) -> list[tuple[nnx.Module, str, object]]:
    """(module, attribute, value) of every train/eval switch in `model`, to put them back later."""
    return [(m, name, getattr(m, name)) for _, m in nnx.iter_graph(model)
            if isinstance(m, nnx.Module) for name in _MODE_FLAGS if hasattr(m, name)]
