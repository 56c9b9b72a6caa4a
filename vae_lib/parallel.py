"""Data-parallel training with `jax.sharding`: the same train step on every local device (and host).

Data parallelism copies the model to every device, gives each device its slice of the batch, and
averages the gradients. With `jax.sharding` we do not write any of that ourselves: we *describe*
where the arrays live and `jax.jit` (the XLA SPMD partitioner) inserts the communication.

    mesh = make_data_mesh()                  # all devices in one axis named 'data'
    state = replicate(state, mesh)           # params + optimizer state: a full copy on each device
    x = shard_batch(images, mesh)            # (B, H, W, C): B / n_devices images per device
    state, parts = train_step(state, x, key) # vae_lib.train.make_train_step, unchanged

Because the loss is a mean over the *global* batch, the result is the same as one device training
on the whole batch, up to the order of floating-point sums. `fit_data_parallel` wraps this in a
loop like `vae_lib.train.fit`.

Several hosts (a TPU pod slice, several GPU machines): call `jax.distributed.initialize()` first
on every host (before any other JAX call; on Cloud TPU and SLURM it needs no arguments), run the
same program on each, and `jax.devices()` then lists the devices of all hosts. Each host feeds only
its own part of every global batch (`shard_batch` takes the host-local part).
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

from vae_lib.data import batches
from vae_lib.train import History, LossFn, TrainingDiverged, make_train_step

DATA_AXIS = "data"


def make_data_mesh(devices=None, axis: str = DATA_AXIS) -> Mesh:
    """A 1-D mesh over `devices` (default: every device of every host) with one axis named `axis`."""
    devices = jax.devices() if devices is None else list(devices)
    return Mesh(np.array(devices), (axis,))


def replicate(tree, mesh: Mesh):
    """Put a full copy of every array in `tree` on each device of the mesh (PartitionSpec())."""
    return jax.device_put(tree, NamedSharding(mesh, P()))


def shard_batch(x: np.ndarray, mesh: Mesh, axis: str = DATA_AXIS) -> jax.Array:
    """Split a batch along its first axis over the mesh's `axis`: (B, ...) -> a global array (B, ...)
    of which each device holds B / n_devices rows (PartitionSpec('data')).

    On several hosts, pass each host's local part of the global batch: the global batch is the
    concatenation of the hosts' parts, in process order.
    """
    x = np.asarray(x)
    n_local = sum(1 for d in mesh.devices.flat if d.process_index == jax.process_index())
    if x.shape[0] % n_local:
        raise ValueError(f"a batch of {x.shape[0]} cannot be split evenly over {n_local} local devices: "
                         f"use a batch size divisible by {n_local}")
    return jax.make_array_from_process_local_data(NamedSharding(mesh, P(axis)), x)


def fit_data_parallel(model: nnx.Module, train_images: np.ndarray, *, loss_fn: LossFn, key: jax.Array,
                      epochs: int = 1, batch_size: int = 100, learning_rate: float = 1e-3,
                      max_steps: int | None = None, seed: int = 0, mesh: Mesh | None = None,
                      optimizer: nnx.Optimizer | None = None) -> History:
    """Train `model` in place with Adam, each global batch sharded over the mesh's devices.

    Same arguments and same batches as `vae_lib.train.fit` (batch_size is the *global* batch; it must
    be divisible by the number of devices). train_images: (N, H, W, C) in [0, 1]; on several hosts
    every host passes the same array and feeds its own slice of each batch.
    Returns a History with one row per step; raises TrainingDiverged on NaN/inf (weights kept).
    """
    mesh = mesh or make_data_mesh()
    n_devices = mesh.devices.size
    if batch_size % n_devices:
        raise ValueError(f"batch_size={batch_size} is not divisible by the {n_devices} devices of the mesh")
    x_all = np.asarray(train_images, np.float32)
    optimizer = optimizer or nnx.Optimizer(model, optax.adam(learning_rate), wrt=nnx.Param)
    model.train()
    graphdef, state = nnx.split((model, optimizer))
    state = replicate(state, mesh)
    step_fn = make_train_step(graphdef, loss_fn)
    per_host = batch_size // jax.process_count()
    lo = jax.process_index() * per_host
    steps_per_epoch = len(x_all) // batch_size
    total = steps_per_epoch * epochs if max_steps is None else min(max_steps, steps_per_epoch * epochs)
    history, step = History(), 0
    try:
        for epoch in range(epochs):
            for x in batches(x_all, batch_size, seed=seed + epoch):
                if step >= total:
                    break
                key, sub = jax.random.split(key)
                new_state, parts = step_fn(state, shard_batch(x[lo:lo + per_host], mesh), sub)
                parts = {k: float(v) for k, v in jax.device_get(parts).items()}
                if not all(math.isfinite(v) for v in parts.values()):
                    history.stopped = f"loss became {parts} at step {step + 1}"
                    raise TrainingDiverged(f"The loss became NaN/inf at step {step + 1}: {parts}. "
                                           "The model keeps the weights from before this step.")
                state, step = new_state, step + 1
                history.steps.append({"step": step, **parts})
    finally:
        nnx.update((model, optimizer), state)
    return history


def sharding_report(tree) -> dict[str, int]:
    """How many arrays of `tree` are replicated vs split across devices: {'replicated': n, 'sharded': m}."""
    leaves = [a for a in jax.tree.leaves(tree) if isinstance(a, jax.Array)]
    sharded = sum(1 for a in leaves if not a.sharding.is_fully_replicated)
    return {"replicated": len(leaves) - sharded, "sharded": sharded}

