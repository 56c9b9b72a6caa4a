"""Checks for chapter 07's exercises: GroupNorm, the latent scale factor, PyTorch -> Flax kernels."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from vae_lib.course.checks.core import (Mistake, T, Use, Verdict, as_learner, close_to, evaluate, grade,
                                       returns_function, say)
from vae_lib import sd_vae, torch_port
from vae_lib.i18n import tr

__all__ = ["check_group_norm", "check_latent_scale_factor", "check_conv_kernel_torch_to_flax", "use_group_norm",
           "use_latent_scale_factor", "use_conv_kernel_torch_to_flax"]


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
    Mistake(T("normalised over all channels at once (LayerNorm)", "모든 채널을 한꺼번에 정규화함(LayerNorm)"), lambda x, g, eps=1e-6: _norm_over(x, (1, 2, 3)),
            T("GroupNorm splits the C channels into num_groups groups; reshape to (B, H, W, G, C // G) first.",
              "GroupNorm은 C개 채널을 num_groups개 그룹으로 나눕니다. 먼저 (B, H, W, G, C // G)로 reshape하십시오.")),
    Mistake(T("normalised each channel on its own (InstanceNorm)", "각 채널을 따로 정규화함(InstanceNorm)"), lambda x, g, eps=1e-6: _norm_over(x, (1, 2)),
            T("A group holds C // num_groups channels: average over H, W *and* the channels of the group.",
              "그룹 하나에는 C // num_groups개 채널이 있습니다. H, W *그리고* 그룹의 채널에 대해 평균하십시오.")),
    Mistake(T("groups made of every G-th channel", "G번째 채널마다 골라 그룹을 만듦"), _interleaved_groups,
            T("Reshape to (B, H, W, num_groups, C // num_groups): neighbouring channels form a group.",
              "(B, H, W, num_groups, C // num_groups)로 reshape하십시오. 이웃한 채널들이 한 그룹입니다.")),
    Mistake(T("statistics over the batch too (BatchNorm-like)", "배치에 대해서도 통계를 냄(BatchNorm 같음)"), _batch_groups,
            T("GroupNorm never mixes images: do not average over axis 0, keep one mean and variance per image.",
              "GroupNorm은 이미지를 섞지 않습니다. 축 0에 대해 평균하지 말고, 이미지마다 평균과 분산을 하나씩 두십시오.")),
    Mistake(T("divided by the variance instead of the standard deviation", "표준편차 대신 분산으로 나눔"), _std_not_var,
            T("Divide by sqrt(var + eps), the standard deviation.", "표준편차 sqrt(var + eps)로 나누십시오.")),
    Mistake(T("num_groups used as the number of channels per group", "num_groups를 그룹당 채널 수로 사용함"),
            lambda x, g, eps=1e-6: _grouped(x, g),
            T("num_groups is how MANY groups: each holds C // num_groups channels, "
            "reshape to (B, H, W, num_groups, C // num_groups).",
              "num_groups는 그룹이 *몇 개*인지입니다. 각 그룹에는 C // num_groups개 채널이 있으니 (B, H, W, num_groups, C // num_groups)로 reshape하십시오.")),
    Mistake(T("reshaped to (B, G, H, W, C // G) straight from (B, H, W, C)", "(B, H, W, C)에서 곧바로 (B, G, H, W, C // G)로 reshape함"), _channels_first_groups,
            T("In NHWC the channels are the LAST axis: reshape to (B, H, W, G, C // G); a reshape cannot "
            "move an axis (that needs a transpose).",
              "NHWC에서 채널은 *마지막* 축입니다. (B, H, W, G, C // G)로 reshape하십시오. reshape로는 축을 옮길 수 없습니다(그러려면 transpose가 필요합니다).")),
    Mistake(T("statistics over the channels of the group only, not over H and W", "H와 W가 아니라 그룹의 채널에 대해서만 통계를 냄"),
            lambda x, g, eps=1e-6: _grouped(x, x.shape[-1] // g, axes=(4,)),
            T("Each (image, group) gets ONE mean and variance, over H, W and its channels: axis=(1, 2, 4).",
              "(이미지, 그룹)마다 평균과 분산이 *하나*이고, H, W와 그 채널들에 대해 구합니다: axis=(1, 2, 4).")),
    Mistake(T("the unbiased variance (ddof=1)", "불편 분산(ddof=1)"),
            lambda x, g, eps=1e-6: _grouped(x, x.shape[-1] // g, ddof=1),
            T("Normalisation layers use the plain variance, the mean of squared deviations (ddof=0, the "
            "default of jnp.var).",
              "정규화 층은 편차 제곱의 평균인 보통 분산을 씁니다(ddof=0, jnp.var의 기본값).")),
    Mistake(T("eps added outside the square root: sqrt(var) + eps", "eps를 제곱근 밖에 더함: sqrt(var) + eps"),
            _divided_by(lambda v, e: np.sqrt(v) + e),
            T("eps goes under the root, sqrt(var + eps): it keeps a nearly constant group (variance close to "
            "0) from being blown up; outside the root it is too small to do that.",
              "eps는 제곱근 안에 들어갑니다: sqrt(var + eps). 그래야 거의 일정한 그룹(분산이 0에 가까움)이 크게 부풀려지지 않습니다. 제곱근 밖에서는 너무 작아서 그 일을 못 합니다.")),
    Mistake(T("eps left out: divided by sqrt(var)", "eps를 뺌: sqrt(var)로 나눔"),
            _divided_by(lambda v, e: np.sqrt(v)),
            T("divide by sqrt(var + eps): without eps a nearly constant group (variance close to 0) is blown "
            "up, and a constant one gives 0 / 0 = NaN.",
              "sqrt(var + eps)로 나누십시오. eps가 없으면 거의 일정한 그룹(분산이 0에 가까움)이 크게 부풀려지고, 완전히 일정한 그룹은 0 / 0 = NaN이 됩니다.")),
    Mistake(T("the mean is not subtracted", "평균을 빼지 않음"),
            lambda x, g, eps=1e-6: _grouped(x, x.shape[-1] // g, center=False),
            T("(x - mean) / sqrt(var + eps): centre first.", "(x - mean) / sqrt(var + eps): 먼저 중심화하십시오.")),
    Mistake(T("not divided by the standard deviation", "표준편차로 나누지 않음"),
            lambda x, g, eps=1e-6: _grouped(x, x.shape[-1] // g, scale=False),
            T("(x - mean) / sqrt(var + eps): divide by the group's standard deviation too.",
              "(x - mean) / sqrt(var + eps): 그룹의 표준편차로도 나누십시오.")),
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
    return [Use(T("the next cell calls it on a JAX array of shape (2, 4, 4, 8) with 4 groups and reshapes the output",
                  "다음 셀은 형태 (2, 4, 4, 8)인 JAX 배열과 그룹 4개로 호출하고 출력을 reshape합니다"),
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
            verdict = Verdict(False, "mistake", tr(
                f"[wrong] group_norm: eps - your function divides by sqrt(var + {c:.2g}) whatever eps it is given "
                "(the test cases pass eps = 1e-06 and 0.0001).\n  Hint: use the argument: sqrt(var + eps). It matters "
                "where a group is nearly constant (a dead channel): there the variance is about eps.",
                f"[wrong] group_norm: eps - 함수가 어떤 eps를 받든 sqrt(var + {c:.2g})로 나눕니다(테스트 경우는 "
                "eps = 1e-06과 0.0001을 넘깁니다).\n  힌트: 인수를 쓰십시오: sqrt(var + eps). 거의 일정한 그룹(죽은 채널)에서 "
                "중요합니다. 거기서는 분산이 eps 정도입니다."))
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
    Mistake(T("returned the standard deviation itself", "표준편차 자체를 반환함"), lambda z: np.std(np.asarray(z, np.float64)),
            T("SD *multiplies* latents by the factor to get unit variance: it is 1 / std.",
              "SD는 잠재 값에 스케일링 계수를 *곱해서* 분산을 1로 만듭니다. 계수는 1 / std입니다.")),
    Mistake(T("1 / variance instead of 1 / std", "1 / std 대신 1 / 분산"), lambda z: 1.0 / np.var(np.asarray(z, np.float64)),
            T("The factor rescales values, so it is 1 / std (std = sqrt(variance)).", "스케일링 계수는 값의 크기를 조정하므로 1 / std입니다(std = sqrt(분산)).")),
    Mistake(T("one factor per channel", "채널마다 스케일링 계수 하나"), lambda z: 1.0 / np.std(np.asarray(z, np.float64).reshape(-1, z.shape[-1]), axis=0),
            T("SD uses one number for all latent values: the std over every element of the batch.",
              "SD는 모든 잠재 값에 숫자 하나를 씁니다. 배치의 모든 원소에 대한 std입니다.")),
    Mistake(T("1 / root-mean-square (forgot to subtract the mean)", "1 / 제곱평균제곱근(평균을 빼지 않음)"),
            lambda z: 1.0 / np.sqrt(np.mean(np.asarray(z, np.float64) ** 2)),
            T("np.std / jnp.std subtract the mean first; use them.", "np.std / jnp.std는 먼저 평균을 뺍니다. 이 함수들을 쓰십시오.")),
    Mistake(T("1 / mean instead of 1 / std", "1 / std 대신 1 / 평균"), lambda z: 1.0 / np.mean(np.asarray(z, np.float64)),
            T("The factor makes the SPREAD 1: 1 / std of all values.", "스케일링 계수는 *퍼짐*을 1로 만듭니다: 모든 값의 1 / std.")),
    Mistake(T("returned the variance", "분산을 반환함"), lambda z: np.var(np.asarray(z, np.float64)),
            T("The factor is 1 / std: one over the standard deviation of all values.",
              "스케일링 계수는 1 / std, 즉 모든 값의 표준편차의 역수입니다.")),
    Mistake(T("the unbiased std (ddof=1, as torch.std and pandas compute it)", "불편 표준편차(ddof=1, torch.std와 pandas가 계산하는 방식)"),
            lambda z: 1.0 / np.std(np.asarray(z, np.float64), ddof=1),
            T("use the plain standard deviation of all values, ddof=0 (jnp.std's and np.std's default); "
            "torch.std divides by N - 1 unless told unbiased=False / correction=0.",
              "모든 값의 보통 표준편차 ddof=0을 쓰십시오(jnp.std와 np.std의 기본값). torch.std는 unbiased=False / correction=0을 주지 않으면 N - 1로 나눕니다.")),
    Mistake(T("1 / the largest absolute value", "1 / 가장 큰 절댓값"), lambda z: 1.0 / np.max(np.abs(np.asarray(z, np.float64))),
            T("SD's factor sets the standard deviation to 1, not the range: 1 / std.",
              "SD의 스케일링 계수는 범위가 아니라 표준편차를 1로 만듭니다: 1 / std.")),
]


def _scale_uses() -> list[Use]:
    # the next cell: float(latent_scale_factor(z)) with z the SD-style VAE's latents of 100 test images, a JAX array
    z = jnp.asarray(np.random.default_rng(2).normal(0.3, 1.0, (100, 8, 8, 4)) * [0.5, 1.0, 2.0, 4.0], jnp.float32)
    return [Use(T("the next cell calls float(latent_scale_factor(z)) on the latents of 100 images, a JAX array "
                  "(100, 8, 8, 4)",
                  "다음 셀은 이미지 100개의 잠재 값인 JAX 배열 (100, 8, 8, 4)에 float(latent_scale_factor(z))를 호출합니다"),
                lambda fn: float(fn(z)), close_to(lambda: _scale(np.asarray(z)), 1e-3, 1e-6))]


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
    Mistake(T("reversed all axes (w.T)", "모든 축을 뒤집음(w.T)"), lambda w: np.transpose(np.asarray(w)),
            T("w.T gives (kW, kH, in, out): height and width are swapped, which a square kernel hides. "
            "Use transpose(2, 3, 1, 0).",
              "w.T는 (kW, kH, in, out)을 줍니다. 높이와 너비가 바뀌는데, 정사각형 커널에서는 드러나지 않습니다. transpose(2, 3, 1, 0)을 쓰십시오.")),
    Mistake(T("swapped in and out", "in과 out이 뒤바뀜"), lambda w: np.transpose(np.asarray(w), (2, 3, 0, 1)),
            T("Flax's kernel ends with (in, out); PyTorch's starts with (out, in).", "Flax의 커널은 (in, out)으로 끝나고, PyTorch의 커널은 (out, in)으로 시작합니다.")),
    Mistake(T("reshape instead of transpose", "transpose 대신 reshape"), lambda w: np.reshape(np.asarray(w), (w.shape[2], w.shape[3], w.shape[1], w.shape[0])),
            T("reshape keeps the memory order and scrambles the values; transpose moves the axes.",
              "reshape는 메모리 순서를 유지하므로 값이 뒤섞입니다. 축을 옮기는 것은 transpose입니다.")),
    Mistake(T("only out and in swapped: (in, out, kH, kW)", "out과 in만 바꿈: (in, out, kH, kW)"), lambda w: np.transpose(np.asarray(w), (1, 0, 2, 3)),
            T("Flax puts the spatial axes first: (kH, kW, in, out) = transpose(2, 3, 1, 0).",
              "Flax는 공간 축을 앞에 둡니다: (kH, kW, in, out) = transpose(2, 3, 1, 0).")),
    Mistake(T("the image layout change NCHW -> NHWC, (0, 2, 3, 1), used on the kernel",
              "이미지 배치 변환 NCHW -> NHWC, (0, 2, 3, 1)을 커널에 사용함"),
            lambda w: np.transpose(np.asarray(w), (0, 2, 3, 1)),
            T("A kernel is not an image: (out, in, kH, kW) -> (kH, kW, in, out) is transpose(2, 3, 1, 0).",
              "커널은 이미지가 아닙니다: (out, in, kH, kW) -> (kH, kW, in, out)은 transpose(2, 3, 1, 0)입니다.")),
    Mistake(T("only the out axis moved to the end: (in, kH, kW, out)", "out 축만 끝으로 옮김: (in, kH, kW, out)"),
            lambda w: np.moveaxis(np.asarray(w), 0, -1),
            T("Both spatial axes go first: transpose(2, 3, 1, 0) gives (kH, kW, in, out).",
              "두 공간 축이 모두 앞에 옵니다: transpose(2, 3, 1, 0)이 (kH, kW, in, out)을 줍니다.")),
    Mistake(T("the kernel flipped in space (that is for transposed convolutions)", "커널을 공간에서 뒤집음(전치 합성곱용)"),
            lambda w: _to_flax(w)[::-1, ::-1],
            T("A plain nn.Conv2d kernel is not flipped: only transpose(2, 3, 1, 0).", "보통 nn.Conv2d 커널은 뒤집지 않습니다. transpose(2, 3, 1, 0)만 하면 됩니다.")),
]


def check_conv_kernel_torch_to_flax(fn) -> bool:
    """conv_kernel_torch_to_flax(w: (out, in, kH, kW)) -> (kH, kW, in, out)."""
    w = np.random.default_rng(6).normal(size=(64, 32, 3, 3)).astype(np.float32)   # the book VAE's second conv
    uses = [Use(T("the next cell reads .shape of the kernel it returns for a PyTorch weight (64, 32, 3, 3)",
                  "다음 셀은 PyTorch 가중치 (64, 32, 3, 3)에 대해 반환된 커널의 .shape를 읽습니다"),
                lambda fn: fn(w), close_to(lambda: _to_flax(w), 0, 0, array=True))]
    return grade("conv_kernel_torch_to_flax", fn, _to_flax, _kernel_cases(), KERNEL_MISTAKES, rtol=0, atol=0,
                 uses=uses)


# ----------------------------------------------------------------------------- the notebook's one-line form
use_group_norm = returns_function(check_group_norm, sd_vae.group_norm)
use_latent_scale_factor = returns_function(check_latent_scale_factor, sd_vae.latent_scale_factor)
use_conv_kernel_torch_to_flax = returns_function(check_conv_kernel_torch_to_flax, torch_port.conv_kernel_torch_to_flax)
