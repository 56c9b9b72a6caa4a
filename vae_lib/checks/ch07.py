"""Checks for chapter 07's exercises: GroupNorm, the latent scale factor, PyTorch -> Flax kernels."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from vae_lib.checks.core import Mistake, Use, Verdict, as_learner, close_to, evaluate, grade, say

__all__ = ["check_group_norm", "check_latent_scale_factor", "check_conv_kernel_torch_to_flax"]


# ----------------------------------------------------------------------------- group_norm
def _group_norm(x, num_groups, eps=1e-6):
    return _grouped(x, np.shape(x)[-1] // num_groups, eps=eps)


def _norm_over(x, axes, eps=1e-6):
    x = np.asarray(x, np.float64)
    return (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)


def _interleaved_groups(x, num_groups, eps=1e-6):
    x = np.asarray(x, np.float64)
    b, h, w, c = x.shape
    g = x.reshape(b, h, w, c // num_groups, num_groups)
    mean, var = g.mean(axis=(1, 2, 3), keepdims=True), g.var(axis=(1, 2, 3), keepdims=True)
    return ((g - mean) / np.sqrt(var + eps)).reshape(b, h, w, c)


def _batch_groups(x, num_groups, eps=1e-6):
    x = np.asarray(x, np.float64)
    b, h, w, c = x.shape
    g = x.reshape(b, h, w, num_groups, c // num_groups)
    mean, var = g.mean(axis=(0, 1, 2, 4), keepdims=True), g.var(axis=(0, 1, 2, 4), keepdims=True)
    return ((g - mean) / np.sqrt(var + eps)).reshape(b, h, w, c)


def _grouped(x, size, axes=(1, 2, 4), center=True, scale=True, ddof=0, eps=1e-6,
             spread=lambda var, eps: np.sqrt(var + eps)):
    """Normalise groups of `size` neighbouring channels over `axes` of (B, H, W, C // size, size),
    with one part of the formula switchable (centre, scale, ddof, what the values are divided by)."""
    x = np.asarray(x, np.float64)
    b, h, w, c = x.shape
    g = x.reshape(b, h, w, c // size, size)
    mean, var = g.mean(axis=axes, keepdims=True), g.var(axis=axes, keepdims=True, ddof=ddof)
    out = (g - mean) if center else g
    return (out / spread(var, eps) if scale else out).reshape(b, h, w, c)


def _divided_by(spread):
    """GroupNorm with another divisor than sqrt(var + eps), e.g. var + eps."""
    return lambda x, num_groups, eps=1e-6: _grouped(x, np.shape(x)[-1] // num_groups, eps=eps, spread=spread)


_std_not_var = _divided_by(lambda v, e: v + e)


def _channels_first_groups(x, num_groups, eps=1e-6):
    """x.reshape(B, G, H, W, C // G) straight from NHWC (a PyTorch NCHW habit): the values are scrambled."""
    b, h, w, c = np.shape(x)
    return _norm_over(np.asarray(x, np.float64).reshape(b, num_groups, -1), (2,), eps).reshape(b, h, w, c)


def _group_norm_cases():
    rng = np.random.default_rng(7)
    return [
        (np.array([[[[1.0, 2.0, 0.0, -4.0], [3.0, 6.0, 2.0, 0.0]]]], np.float32), 2),   # a tiny readable case
        (rng.normal(2.0, 3.0, (2, 4, 4, 8)).astype(np.float32), 4),
        (rng.uniform(-1, 5, (3, 2, 5, 6)).astype(np.float32), 2),
        (rng.normal(0, 1, (1, 3, 3, 4)).astype(np.float32) * np.array([1, 10, 100, 1000], np.float32), 2),
        (rng.normal(0, 1, (2, 2, 2, 6)).astype(np.float32), 6),
        # a nearly constant group (variance ~ eps, as in a dead channel): where eps goes matters
        _NEAR_CONSTANT + (2,),
        # the same with another eps: the function must use the eps it is given
        _NEAR_CONSTANT + (2, 1e-4),
    ]


_NEAR_CONSTANT = (np.random.default_rng(17).normal(0, 1, (1, 2, 2, 4)).astype(np.float32)
                  * np.array([1e-3, 1e-3, 1, 1], np.float32),)


GROUP_NORM_MISTAKES = [
    Mistake("normalised over all channels at once (LayerNorm)", lambda x, g, eps=1e-6: _norm_over(x, (1, 2, 3)),
            "GroupNorm splits the C channels into num_groups groups; reshape to (B, H, W, G, C // G) first."),
    Mistake("normalised each channel on its own (InstanceNorm)", lambda x, g, eps=1e-6: _norm_over(x, (1, 2)),
            "A group holds C // num_groups channels: average over H, W *and* the channels of the group."),
    Mistake("groups made of every G-th channel", _interleaved_groups,
            "Reshape to (B, H, W, num_groups, C // num_groups): neighbouring channels form a group."),
    Mistake("statistics over the batch too (BatchNorm-like)", _batch_groups,
            "GroupNorm never mixes images: do not average over axis 0, keep one mean and variance per image."),
    Mistake("divided by the variance instead of the standard deviation", _std_not_var,
            "Divide by sqrt(var + eps), the standard deviation."),
    Mistake("num_groups used as the number of channels per group",
            lambda x, g, eps=1e-6: _grouped(x, g),
            "num_groups is how MANY groups: each holds C // num_groups channels, "
            "reshape to (B, H, W, num_groups, C // num_groups)."),
    Mistake("reshaped to (B, G, H, W, C // G) straight from (B, H, W, C)", _channels_first_groups,
            "In NHWC the channels are the LAST axis: reshape to (B, H, W, G, C // G); a reshape cannot "
            "move an axis (that needs a transpose)."),
    Mistake("statistics over the channels of the group only, not over H and W",
            lambda x, g, eps=1e-6: _grouped(x, x.shape[-1] // g, axes=(4,)),
            "Each (image, group) gets ONE mean and variance, over H, W and its channels: axis=(1, 2, 4)."),
    Mistake("the unbiased variance (ddof=1)",
            lambda x, g, eps=1e-6: _grouped(x, x.shape[-1] // g, ddof=1),
            "Normalisation layers use the plain variance, the mean of squared deviations (ddof=0, the "
            "default of jnp.var)."),
    Mistake("eps added outside the square root: sqrt(var) + eps",
            _divided_by(lambda v, e: np.sqrt(v) + e),
            "eps goes under the root, sqrt(var + eps): it keeps a nearly constant group (variance close to "
            "0) from being blown up; outside the root it is too small to do that."),
    Mistake("eps left out: divided by sqrt(var)",
            _divided_by(lambda v, e: np.sqrt(v)),
            "divide by sqrt(var + eps): without eps a nearly constant group (variance close to 0) is blown "
            "up, and a constant one gives 0 / 0 = NaN."),
    Mistake("the mean is not subtracted",
            lambda x, g, eps=1e-6: _grouped(x, x.shape[-1] // g, center=False),
            "(x - mean) / sqrt(var + eps): centre first."),
    Mistake("not divided by the standard deviation",
            lambda x, g, eps=1e-6: _grouped(x, x.shape[-1] // g, scale=False),
            "(x - mean) / sqrt(var + eps): divide by the group's standard deviation too."),
]


def _hard_coded_eps(learner) -> float | None:
    """The constant c when the learner's output is (x - mean) / sqrt(var + c) on every case whatever eps it
    is given (c read off the nearly constant group, where the variance is about eps), else None."""
    (x,), out = _NEAR_CONSTANT, learner.run(_NEAR_CONSTANT[0], 2)[0]
    try:
        out = np.asarray(out, np.float64)[..., :2]
    except Exception:   # noqa: BLE001
        return None
    g = np.asarray(x, np.float64)[..., :2]
    centred, var = g - g.mean(), g.var()
    use = np.abs(out) > 0.05
    if out.shape != g.shape or not use.any():
        return None
    c = float(np.median((centred[use] / out[use]) ** 2 - var))
    if not c > 0:
        return None
    for args in _group_norm_cases():
        got, err = learner.run(*args)
        try:
            if err is not None or not np.allclose(np.asarray(got, np.float64), _group_norm(args[0], args[1], c),
                                                  rtol=1e-3, atol=1e-3):
                return None
        except Exception:   # noqa: BLE001
            return None
    return c


def _group_norm_uses() -> list[Use]:
    # the next cell: group_norm(x, 4) on a JAX array (2, 4, 4, 8), compared with nnx.GroupNorm, then .reshape(...)
    x = jnp.asarray(np.random.default_rng(0).normal(1.0, 3.0, (2, 4, 4, 8)), jnp.float32)
    return [Use("the next cell calls it on a JAX array of shape (2, 4, 4, 8) with 4 groups and reshapes the output",
                lambda fn: fn(x, 4), close_to(lambda: _group_norm(np.asarray(x), 4), 1e-3, 1e-3, array=True))]


def check_group_norm(fn) -> bool:
    """group_norm(x: (B, H, W, C), num_groups) -> (B, H, W, C), normalised per image and group."""
    learner = as_learner(fn)
    verdict = evaluate("group_norm", learner, _group_norm, _group_norm_cases(), GROUP_NORM_MISTAKES, rtol=1e-3,
                       atol=1e-3, uses=_group_norm_uses())
    if verdict.kind in ("generic", "slip"):
        try:
            c = _hard_coded_eps(learner)
        except Exception:   # noqa: BLE001
            c = None
        if c is not None:
            verdict = Verdict(False, "mistake", f"[wrong] group_norm: eps - your function divides by sqrt(var + {c:.2g}) "
                              "whatever eps it is given (the test cases pass eps = 1e-06 and 0.0001).\n  Hint: use the "
                              "argument: sqrt(var + eps). It matters where a group is nearly constant (a dead channel): "
                              "there the variance is about eps.")
    return say(verdict, learner)


# ----------------------------------------------------------------------------- latent_scale_factor
def _scale(latents):
    return 1.0 / np.std(np.asarray(latents, np.float64))


def _scale_cases():
    rng = np.random.default_rng(3)
    return [
        (rng.normal(0.3, 5.0, (8, 4, 4, 4)).astype(np.float32),),
        (rng.normal(-1.0, 0.2, (16, 2, 2, 4)).astype(np.float32),),
        ((rng.normal(0, 1, (4, 4, 4, 4)) * np.array([1, 2, 4, 8])).astype(np.float32),),
    ]


SCALE_MISTAKES = [
    Mistake("returned the standard deviation itself", lambda z: np.std(np.asarray(z, np.float64)),
            "SD *multiplies* latents by the factor to get unit variance: it is 1 / std."),
    Mistake("1 / variance instead of 1 / std", lambda z: 1.0 / np.var(np.asarray(z, np.float64)),
            "The factor rescales values, so it is 1 / std (std = sqrt(variance))."),
    Mistake("one factor per channel", lambda z: 1.0 / np.std(np.asarray(z, np.float64).reshape(-1, z.shape[-1]), axis=0),
            "SD uses one number for all latent values: the std over every element of the batch."),
    Mistake("1 / root-mean-square (forgot to subtract the mean)",
            lambda z: 1.0 / np.sqrt(np.mean(np.asarray(z, np.float64) ** 2)),
            "np.std / jnp.std subtract the mean first; use them."),
    Mistake("1 / mean instead of 1 / std", lambda z: 1.0 / np.mean(np.asarray(z, np.float64)),
            "The factor makes the SPREAD 1: 1 / std of all values."),
    Mistake("returned the variance", lambda z: np.var(np.asarray(z, np.float64)),
            "The factor is 1 / std: one over the standard deviation of all values."),
    Mistake("the unbiased std (ddof=1, as torch.std and pandas compute it)",
            lambda z: 1.0 / np.std(np.asarray(z, np.float64), ddof=1),
            "use the plain standard deviation of all values, ddof=0 (jnp.std's and np.std's default); "
            "torch.std divides by N - 1 unless told unbiased=False / correction=0."),
    Mistake("1 / the largest absolute value", lambda z: 1.0 / np.max(np.abs(np.asarray(z, np.float64))),
            "SD's factor sets the standard deviation to 1, not the range: 1 / std."),
]


def _scale_uses() -> list[Use]:
    # the next cell: float(latent_scale_factor(z)) with z the SD-style VAE's latents of 100 test images, a JAX array
    z = jnp.asarray(np.random.default_rng(2).normal(0.3, 1.0, (100, 8, 8, 4)) * [0.5, 1.0, 2.0, 4.0], jnp.float32)
    return [Use("the next cell calls float(latent_scale_factor(z)) on the latents of 100 images, a JAX array "
                "(100, 8, 8, 4)", lambda fn: float(fn(z)), close_to(lambda: _scale(np.asarray(z)), 1e-3, 1e-6))]


def check_latent_scale_factor(fn) -> bool:
    """latent_scale_factor(latents: any shape) -> scalar 1 / std of all values."""
    return grade("latent_scale_factor", fn, _scale, _scale_cases(), SCALE_MISTAKES, rtol=1e-3, atol=1e-6,
                 uses=_scale_uses())


# ----------------------------------------------------------------------------- conv_kernel_torch_to_flax
def _to_flax(w):
    return np.transpose(np.asarray(w), (2, 3, 1, 0))


def _kernel_cases():
    rng = np.random.default_rng(5)
    return [(rng.normal(size=(8, 3, 3, 3)).astype(np.float32),),
            (rng.normal(size=(4, 2, 3, 5)).astype(np.float32),),
            (rng.normal(size=(6, 6, 3, 3)).astype(np.float32),)]


KERNEL_MISTAKES = [
    Mistake("reversed all axes (w.T)", lambda w: np.transpose(np.asarray(w)),
            "w.T gives (kW, kH, in, out): height and width are swapped, which a square kernel hides. "
            "Use transpose(2, 3, 1, 0)."),
    Mistake("swapped in and out", lambda w: np.transpose(np.asarray(w), (2, 3, 0, 1)),
            "Flax's kernel ends with (in, out); PyTorch's starts with (out, in)."),
    Mistake("reshape instead of transpose", lambda w: np.reshape(np.asarray(w), (w.shape[2], w.shape[3], w.shape[1], w.shape[0])),
            "reshape keeps the memory order and scrambles the values; transpose moves the axes."),
    Mistake("only out and in swapped: (in, out, kH, kW)", lambda w: np.transpose(np.asarray(w), (1, 0, 2, 3)),
            "Flax puts the spatial axes first: (kH, kW, in, out) = transpose(2, 3, 1, 0)."),
    Mistake("the image layout change NCHW -> NHWC, (0, 2, 3, 1), used on the kernel",
            lambda w: np.transpose(np.asarray(w), (0, 2, 3, 1)),
            "A kernel is not an image: (out, in, kH, kW) -> (kH, kW, in, out) is transpose(2, 3, 1, 0)."),
    Mistake("only the out axis moved to the end: (in, kH, kW, out)",
            lambda w: np.moveaxis(np.asarray(w), 0, -1),
            "Both spatial axes go first: transpose(2, 3, 1, 0) gives (kH, kW, in, out)."),
    Mistake("the kernel flipped in space (that is for transposed convolutions)",
            lambda w: _to_flax(w)[::-1, ::-1],
            "A plain nn.Conv2d kernel is not flipped: only transpose(2, 3, 1, 0)."),
]


def check_conv_kernel_torch_to_flax(fn) -> bool:
    """conv_kernel_torch_to_flax(w: (out, in, kH, kW)) -> (kH, kW, in, out)."""
    w = np.random.default_rng(6).normal(size=(64, 32, 3, 3)).astype(np.float32)   # the book VAE's second conv
    uses = [Use("the next cell reads .shape of the kernel it returns for a PyTorch weight (64, 32, 3, 3)",
                lambda fn: fn(w), close_to(lambda: _to_flax(w), 0, 0, array=True))]
    return grade("conv_kernel_torch_to_flax", fn, _to_flax, _kernel_cases(), KERNEL_MISTAKES, rtol=0, atol=0,
                 uses=uses)
