"""Checks for chapter 08's exercises: split a batch over devices, average the devices' gradients."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from vae_lib.checks.core import Mistake, Use, close_to, grade

__all__ = ["check_split_batch", "check_average_gradients"]


# ----------------------------------------------------------------------------- split_batch
def _split(x, n_devices):
    x = np.asarray(x)
    return x.reshape(n_devices, x.shape[0] // n_devices, *x.shape[1:])


def _interleaved(x, n_devices):
    """Device i gets rows i, i + n, i + 2n, ... (a round-robin deal, not PartitionSpec('data'))."""
    x = np.asarray(x)
    return np.swapaxes(x.reshape(x.shape[0] // n_devices, n_devices, *x.shape[1:]), 0, 1)


def _groups_of_n(x, n_devices):
    """(B // n, n, ...): groups of n_devices rows instead of n_devices groups."""
    x = np.asarray(x)
    return x.reshape(x.shape[0] // n_devices, n_devices, *x.shape[1:])


def _split_cases():
    rng = np.random.default_rng(8)
    return [
        (np.arange(8.0).reshape(8, 1), 4),                                   # a readable case: rows 0..7
        (np.arange(24.0).reshape(12, 2), 3),
        (rng.normal(size=(12, 4, 4, 1)).astype(np.float32), 4),             # a batch of tiny images
        (rng.normal(size=(16, 3)).astype(np.float32), 2),
        (rng.normal(size=(6, 5)).astype(np.float32), 1),                     # one device: the whole batch
    ]


SPLIT_MISTAKES = [
    Mistake("rows dealt round-robin (device i gets rows i, i + n, ...)", _interleaved,
            "PartitionSpec('data') gives each device a contiguous block: device i gets rows "
            "i * B // n to (i + 1) * B // n. x.reshape(n_devices, B // n_devices, ...) does exactly that."),
    Mistake("groups of n_devices rows instead of n_devices groups", _groups_of_n,
            "The first axis of the answer is the device: shape (n_devices, B // n_devices, ...), "
            "i.e. x.reshape(n_devices, -1, *x.shape[1:])."),
    Mistake("only the first device's rows", lambda x, n: _split(x, n)[0],
            "Return every device's part, stacked: shape (n_devices, B // n_devices, ...)."),
]


def _images(seed: int, shape: tuple) -> np.ndarray:
    """A batch shaped like the course's images, values in [0, 1] (mostly dark, as digits and clothes are)."""
    return (np.random.default_rng(seed).uniform(size=shape) ** 3).astype(np.float32)


def _split_uses() -> list[Use]:
    # the next cell: split_batch(x_train[:32 * n_dev], n_dev).shape, then zip(split_batch(xb, 4), split_batch(eps, 4))
    # with xb a JAX batch of 40 images and eps JAX noise (40, 2); each block goes into a jitted gradient
    xb = jnp.asarray(_images(81, (40, 8, 8, 1)))
    eps = jnp.asarray(np.random.default_rng(82).normal(size=(40, 2)), jnp.float32)
    return [Use("the next cell reads split_batch(x_train[:32], 1).shape",
                lambda fn: fn(_images(80, (32, 8, 8, 1)), 1),
                close_to(lambda: _split(_images(80, (32, 8, 8, 1)), 1), 0, 0, array=True)),
            Use("the cell after it splits a JAX batch of 40 images into 4 blocks",
                lambda fn: fn(xb, 4), close_to(lambda: _split(np.asarray(xb), 4), 0, 0, array=True)),
            Use("the cell after it splits JAX noise of shape (40, 2) into 4 blocks",
                lambda fn: fn(eps, 4), close_to(lambda: _split(np.asarray(eps), 4), 0, 0, array=True))]


def check_split_batch(fn) -> bool:
    """split_batch(x: (B, ...), n_devices) -> (n_devices, B // n_devices, ...): device i's rows."""
    return grade("split_batch", fn, _split, _split_cases(), SPLIT_MISTAKES, rtol=0, atol=0, uses=_split_uses())


# ----------------------------------------------------------------------------- average_gradients
def _average(grads):
    return np.mean(np.asarray(grads, np.float64), axis=0)


def _gradient_cases():
    rng = np.random.default_rng(9)
    return [
        (np.array([[1.0, -2.0], [3.0, 0.0]]),),                            # two devices, two weights
        (rng.normal(size=(4, 3, 3, 2)).astype(np.float32),),              # four devices, a conv kernel
        (rng.normal(size=(8, 5)).astype(np.float32),),
        (rng.normal(size=(3, 2, 4)).astype(np.float32),),                  # n_devices != any other size
    ]


GRADIENT_MISTAKES = [
    Mistake("summed over the devices instead of averaged", lambda g: np.sum(np.asarray(g, np.float64), axis=0),
            "Each device's loss is already a mean over its rows, so the full batch's gradient is the MEAN "
            "of the devices' gradients; their sum is n_devices times too large (like a learning rate n_devices "
            "times too big)."),
    Mistake("averaged over every axis (one number)", lambda g: np.mean(np.asarray(g, np.float64)),
            "Average only over the device axis (axis=0): every weight keeps its own gradient."),
    Mistake("only the first device's gradient", lambda g: np.asarray(g, np.float64)[0],
            "One device's gradient is that of its slice only; average all of them (axis=0)."),
]


def _gradient_uses() -> list[Use]:
    # the next cell: average_gradients(jnp.stack(per_weight)) for each weight array of a small VAE, 4 blocks
    rng = np.random.default_rng(90)
    stacked = [jnp.stack([jnp.asarray(rng.normal(size=shape), jnp.float32) for _ in range(4)])
               for shape in [(3, 3, 1, 8), (8,), (128, 2)]]
    return [Use(f"the next cell averages JAX arrays, jnp.stack of 4 devices' gradients of shape {g.shape[1:]}",
                lambda fn, g=g: fn(g), close_to(lambda g=g: _average(g), 1e-5, 1e-6)) for g in stacked]


def check_average_gradients(fn) -> bool:
    """average_gradients(grads: (n_devices, ...)) -> (...): the full batch's gradient."""
    return grade("average_gradients", fn, _average, _gradient_cases(), GRADIENT_MISTAKES, rtol=1e-5, atol=1e-6,
                 uses=_gradient_uses())
