"""Data-parallel training with `jax.sharding`: the same train step on every local device (and host).

Data parallelism copies the model to every device, gives each device its slice of the batch, and
averages the gradients. With `jax.sharding` we do not write any of that ourselves: we *describe*
where the arrays live and `jax.jit` (the XLA SPMD partitioner) inserts the communication.

    mesh = make_data_mesh()                  # all devices in one axis named 'data'
    state = replicate(state, mesh)           # params + optimizer state: a full copy on each device
    x = shard_batch(images, mesh)            # (B, H, W, C): B / n_devices images per device
    state, parts = train_step(state, x, key) # vae_lib.train.make_train_step, unchanged

Because the loss is a mean over the *global* batch, the result is the same as one device training
on the whole batch, up to the order of floating-point sums. `vae_lib.train.fit(..., mesh=mesh)` runs
this loop (this module imports nothing of vae_lib; `train` imports it).

Several hosts (a TPU pod slice, several GPU machines): call `jax.distributed.initialize()` first
on every host (before any other JAX call; on Cloud TPU and SLURM it needs no arguments), run the
same program on each, and `jax.devices()` then lists the devices of all hosts. Each host feeds only
its own part of every global batch (`shard_batch` takes the host-local part).
"""
from __future__ import annotations

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

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


def batch_placer(mesh: Mesh, batch_size: int):
    """A function that takes a global batch (B, ...) and returns it sharded over the mesh, each host
    feeding only its own slice. Checks that batch_size splits evenly over the devices."""
    n_devices = mesh.devices.size
    if batch_size % n_devices:
        raise ValueError(f"batch_size={batch_size} is not divisible by the {n_devices} devices of the mesh")
    per_host = batch_size // jax.process_count()
    lo = jax.process_index() * per_host
    return lambda x: shard_batch(x[lo:lo + per_host], mesh)


def split_batch(x, n_devices: int) -> np.ndarray:
    """What PartitionSpec('data') gives each device, as one array: (B, ...) -> (n_devices, B // n_devices, ...);
    device i holds the contiguous rows i * B // n_devices to (i + 1) * B // n_devices (chapter 08, exercise 1)."""
    x = np.asarray(x)
    if x.shape[0] % n_devices:
        raise ValueError(f"a batch of {x.shape[0]} cannot be split evenly over {n_devices} devices")
    return x.reshape(n_devices, x.shape[0] // n_devices, *x.shape[1:])


def average_gradients(grads):
    """The full batch's gradient from the devices' gradients stacked on axis 0: their mean, because each
    device's loss is a mean over its equal share of the batch (chapter 08, exercise 2)."""
    return jax.numpy.mean(jax.numpy.asarray(grads), axis=0)


def sharding_report(tree) -> dict[str, int]:
    """How many arrays of `tree` are replicated vs split across devices: {'replicated': n, 'sharded': m}."""
    leaves = [a for a in jax.tree.leaves(tree) if isinstance(a, jax.Array)]
    sharded = sum(1 for a in leaves if not a.sharding.is_fully_replicated)
    return {"replicated": len(leaves) - sharded, "sharded": sharded}

