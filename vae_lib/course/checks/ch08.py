"""Checks for chapter 08's exercises: split a batch over devices, average the devices' gradients."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from vae_lib.course.checks.core import Mistake, T, Use, close_to, grade, returns_function
from vae_lib import parallel

__all__ = ["check_split_batch", "check_average_gradients", "use_split_batch", "use_average_gradients"]


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
    Mistake(T("rows dealt round-robin (device i gets rows i, i + n, ...)", "행을 돌아가며 나눠 줌(장치 i가 행 i, i + n, ...을 받음)"), _interleaved,
            T("PartitionSpec('data') gives each device a contiguous block: device i gets rows "
            "i * B // n to (i + 1) * B // n. x.reshape(n_devices, B // n_devices, ...) does exactly that.",
              "PartitionSpec('data')는 장치마다 연속된 블록을 줍니다. 장치 i는 행 i * B // n부터 (i + 1) * B // n까지를 받습니다. x.reshape(n_devices, B // n_devices, ...)가 정확히 그렇게 합니다.")),
    Mistake(T("groups of n_devices rows instead of n_devices groups", "n_devices개 그룹이 아니라 n_devices개 행씩 묶은 그룹"), _groups_of_n,
            T("The first axis of the answer is the device: shape (n_devices, B // n_devices, ...), "
            "i.e. x.reshape(n_devices, -1, *x.shape[1:]).",
              "답의 첫 축은 장치입니다: 형태 (n_devices, B // n_devices, ...), 즉 x.reshape(n_devices, -1, *x.shape[1:]).")),
    Mistake(T("only the first device's rows", "첫 장치의 행만 있음"), lambda x, n: _split(x, n)[0],
            T("Return every device's part, stacked: shape (n_devices, B // n_devices, ...).",
              "모든 장치의 몫을 쌓아서 반환하십시오: 형태 (n_devices, B // n_devices, ...).")),
]


def _images(seed: int, shape: tuple) -> np.ndarray:
    """A batch shaped like the course's images, values in [0, 1] (mostly dark, as digits and clothes are)."""
    return (np.random.default_rng(seed).uniform(size=shape) ** 3).astype(np.float32)


def _split_uses() -> list[Use]:
    # the next cell: split_batch(x_train[:32 * n_dev], n_dev).shape, then zip(split_batch(xb, 4), split_batch(eps, 4))
    # with xb a JAX batch of 40 images and eps JAX noise (40, 2); each block goes into a jitted gradient
    xb = jnp.asarray(_images(81, (40, 8, 8, 1)))
    eps = jnp.asarray(np.random.default_rng(82).normal(size=(40, 2)), jnp.float32)
    return [Use(T("the next cell reads split_batch(x_train[:32], 1).shape",
                  "다음 셀은 split_batch(x_train[:32], 1).shape를 읽습니다"),
                lambda fn: fn(_images(80, (32, 8, 8, 1)), 1),
                close_to(lambda: _split(_images(80, (32, 8, 8, 1)), 1), 0, 0, array=True)),
            Use(T("the cell after it splits a JAX batch of 40 images into 4 blocks",
                  "그다음 셀은 이미지 40개의 JAX 배치를 블록 4개로 나눕니다"),
                lambda fn: fn(xb, 4), close_to(lambda: _split(np.asarray(xb), 4), 0, 0, array=True)),
            Use(T("the cell after it splits JAX noise of shape (40, 2) into 4 blocks",
                  "그다음 셀은 형태 (40, 2)인 JAX 잡음을 블록 4개로 나눕니다"),
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
    Mistake(T("summed over the devices instead of averaged", "장치에 대해 평균하지 않고 합함"), lambda g: np.sum(np.asarray(g, np.float64), axis=0),
            T("Each device's loss is already a mean over its rows, so the full batch's gradient is the MEAN "
            "of the devices' gradients; their sum is n_devices times too large (like a learning rate n_devices "
            "times too big).",
              "각 장치의 손실은 이미 자기 행들에 대한 평균이므로, 전체 배치의 그레이디언트는 장치 그레이디언트들의 *평균*입니다. 그 합은 n_devices배 너무 큽니다(학습률이 n_devices배 큰 것과 같습니다).")),
    Mistake(T("averaged over every axis (one number)", "모든 축에 대해 평균함(숫자 하나)"), lambda g: np.mean(np.asarray(g, np.float64)),
            T("Average only over the device axis (axis=0): every weight keeps its own gradient.",
              "장치 축(axis=0)에 대해서만 평균하십시오. 가중치마다 자기 그레이디언트를 유지합니다.")),
    Mistake(T("only the first device's gradient", "첫 장치의 그레이디언트만 있음"), lambda g: np.asarray(g, np.float64)[0],
            T("One device's gradient is that of its slice only; average all of them (axis=0).",
              "장치 하나의 그레이디언트는 자기 몫에 대한 것뿐입니다. 모두 평균하십시오(axis=0).")),
]


def _gradient_uses() -> list[Use]:
    # the next cell: average_gradients(jnp.stack(per_weight)) for each weight array of a small VAE, 4 blocks
    rng = np.random.default_rng(90)
    stacked = [jnp.stack([jnp.asarray(rng.normal(size=shape), jnp.float32) for _ in range(4)])
               for shape in [(3, 3, 1, 8), (8,), (128, 2)]]
    return [Use(T(f"the next cell averages JAX arrays, jnp.stack of 4 devices' gradients of shape {g.shape[1:]}",
                  f"다음 셀은 장치 4개의 형태 {g.shape[1:]}인 그레이디언트를 jnp.stack한 JAX 배열을 평균합니다"),
                lambda fn, g=g: fn(g), close_to(lambda g=g: _average(g), 1e-5, 1e-6)) for g in stacked]


def check_average_gradients(fn) -> bool:
    """average_gradients(grads: (n_devices, ...)) -> (...): the full batch's gradient."""
    return grade("average_gradients", fn, _average, _gradient_cases(), GRADIENT_MISTAKES, rtol=1e-5, atol=1e-6,
                 uses=_gradient_uses())


# ----------------------------------------------------------------------------- the notebook's one-line form
use_split_batch = returns_function(check_split_batch, parallel.split_batch)
use_average_gradients = returns_function(check_average_gradients, parallel.average_gradients)
