"""Checks for chapter 01's exercises: the autoencoder's loss and the latent-hole measurement.

    checks.check_ae_loss(ae_loss)                  # ae_loss(logits, x) -> scalar
    checks.check_nearest_distance(nearest_distance) # nearest_distance(queries, codes) -> (M,)
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from vae_lib.course.checks._helpers import BCE_EDGE_HINT, bce_edge_case, f64
from vae_lib.course.checks._helpers import bce as _bce
from vae_lib.course.checks.core import Mistake, T, Use, close_to, grade, returns_function
from vae_lib.latent import nearest_distance
from vae_lib.losses import ae_loss

__all__ = ["check_ae_loss", "check_nearest_distance", "use_ae_loss", "use_nearest_distance"]


# ----------------------------------------------------------------------------- ae_loss
def _axes(a):
    return tuple(range(1, np.ndim(a)))


def _ae_loss_ref(logits, x):
    """Batch mean of the per-pixel mean BCE between images x and sigmoid(logits) (the book's loss)."""
    return np.mean(np.mean(_bce(logits, x), axis=_axes(x)))


def _sigmoid(l):
    return 1.0 / (1.0 + np.exp(-f64(l)))


def _log(a):
    with np.errstate(divide="ignore", invalid="ignore"):  # the mistake's NaN is expected
        return np.log(f64(a))


AE_LOSS_MISTAKES = [
    Mistake(T("BCE summed over the pixels instead of averaged", "BCE를 픽셀에 대해 평균하지 않고 합함"),
            lambda l, x: np.mean(np.sum(_bce(l, x), axis=_axes(x))),
            T("the book's Keras loss averages BCE over the H*W*C values of each image; the sum is "
            "H*W*C times larger (1,024x for 32x32x1). Use a mean over the pixel axes.",
              "책의 Keras 손실은 각 이미지의 H*W*C개 값에 대해 BCE를 평균합니다. 합은 H*W*C배 큽니다(32x32x1이면 1,024배). 픽셀 축에 대해 평균을 구하십시오.")),
    Mistake(T("no mean over the batch (one loss per image)", "배치에 대한 평균이 없음(이미지마다 손실 하나)"),
            lambda l, x: np.mean(_bce(l, x), axis=_axes(x)),
            T("the optimiser needs one number: take the mean over the batch axis too.",
              "옵티마이저에는 숫자 하나가 필요합니다. 배치 축에 대해서도 평균을 구하십시오.")),
    Mistake(T("the sign is flipped", "부호가 반대임"),
            lambda l, x: -_ae_loss_ref(l, x),
            T("BCE is -[x log p + (1 - x) log(1 - p)]: the minus sign makes it positive, and we minimise it.",
              "BCE는 -[x log p + (1 - x) log(1 - p)]입니다. 앞의 마이너스 부호가 값을 양수로 만들고, 우리는 이 값을 최소화합니다.")),
    Mistake(T("mean squared error instead of binary cross-entropy", "이진 교차 엔트로피 대신 평균 제곱 오차"),
            lambda l, x: np.mean((_sigmoid(l) - np.asarray(x, np.float64)) ** 2),
            T("this exercise asks for the book's loss, binary cross-entropy (MSE is chapter 06's choice).",
              "이 연습은 책의 손실인 이진 교차 엔트로피를 요구합니다(MSE는 06장의 선택입니다).")),
    Mistake(T("logits and images swapped", "로짓과 이미지가 뒤바뀜"),
            lambda l, x: _ae_loss_ref(x, l),
            T("optax.sigmoid_binary_cross_entropy(logits, labels): the model's logits come first, "
            "the images (targets) second.",
              "optax.sigmoid_binary_cross_entropy(logits, labels): 모델의 로짓이 먼저, 이미지(타깃)가 두 번째입니다.")),
    Mistake(T("sigmoid applied twice (the logits were passed through sigmoid before a loss that expects logits)",
              "시그모이드를 두 번 적용함(로짓을 기대하는 손실에 넣기 전에 시그모이드를 통과시킴)"),
            lambda l, x: _ae_loss_ref(_sigmoid(l), x),
            T("the decoder already returns logits; a loss 'with logits' applies the sigmoid itself.",
              "디코더는 이미 로짓을 반환합니다. 'with logits' 손실은 시그모이드를 스스로 적용합니다.")),
    Mistake(T("only the x log p term (the (1 - x) log(1 - p) term is missing)", "x log p 항만 있음((1 - x) log(1 - p) 항이 없음)"),
            lambda l, x: np.mean(-f64(x) * np.log(_sigmoid(l))),
            T("BCE has two terms: -[x log p + (1 - x) log(1 - p)]. The second one punishes bright "
            "predictions on dark pixels.",
              "BCE에는 항이 두 개 있습니다: -[x log p + (1 - x) log(1 - p)]. 두 번째 항은 어두운 픽셀을 밝게 예측하면 벌을 줍니다.")),
    Mistake(T("only the (1 - x) log(1 - p) term (the x log p term is missing)", "(1 - x) log(1 - p) 항만 있음(x log p 항이 없음)"),
            lambda l, x: np.mean(-(1 - f64(x)) * np.log(1 - _sigmoid(l))),
            T("BCE has two terms: -[x log p + (1 - x) log(1 - p)].", "BCE에는 항이 두 개 있습니다: -[x log p + (1 - x) log(1 - p)].")),
    Mistake(T("the logits used as probabilities (no sigmoid)", "로짓을 확률처럼 사용함(시그모이드 없음)"),
            lambda l, x: np.mean(-(f64(x) * _log(l) + (1 - f64(x)) * _log(1 - f64(l)))),
            T("the decoder returns logits (any real number): p = sigmoid(logits), or better, compute "
            "BCE from the logits with optax.sigmoid_binary_cross_entropy.",
              "디코더는 로짓(임의의 실수)을 반환합니다. p = sigmoid(logits)이고, 더 좋은 방법은 optax.sigmoid_binary_cross_entropy로 로짓에서 바로 BCE를 계산하는 것입니다.")),
    Mistake(T("softmax cross-entropy instead of sigmoid (binary) cross-entropy", "시그모이드(이진) 교차 엔트로피 대신 소프트맥스 교차 엔트로피"),
            lambda l, x: np.mean(-np.sum(f64(x) * (f64(l) - np.log(np.sum(np.exp(f64(l)), -1, keepdims=True))), -1)),
            T("each pixel is its own yes/no (Bernoulli) value: use the sigmoid version, "
            "optax.sigmoid_binary_cross_entropy, not softmax over channels.",
              "각 픽셀은 따로따로 예/아니오(베르누이) 값입니다. 채널에 대한 소프트맥스가 아니라 시그모이드 버전인 optax.sigmoid_binary_cross_entropy를 사용하십시오.")),
    Mistake(T("mean absolute error instead of binary cross-entropy", "이진 교차 엔트로피 대신 평균 절대 오차"),
            lambda l, x: np.mean(np.abs(_sigmoid(l) - f64(x))),
            T("this exercise asks for binary cross-entropy.", "이 연습은 이진 교차 엔트로피를 요구합니다.")),
    Mistake(T("squared error between the logits and the images", "로짓과 이미지 사이의 제곱 오차"),
            lambda l, x: np.mean((f64(l) - f64(x)) ** 2),
            T("the logits are not pixel values: the loss compares x with sigmoid(logits), and here it is BCE.",
              "로짓은 픽셀 값이 아닙니다. 손실은 x와 sigmoid(logits)를 비교하며, 여기서는 BCE입니다.")),
    Mistake(T("log(exp(-|l|)) where log1p(exp(-|l|)) belongs (the 1 + is lost)", "log1p(exp(-|l|)) 자리에 log(exp(-|l|))를 씀(1 + 가 빠짐)"),
            lambda l, x: np.mean(np.maximum(f64(l), 0) - f64(l) * f64(x) - np.abs(f64(l))),
            T("the stable BCE is max(l, 0) - l * x + log(1 + exp(-|l|)): log1p(z) means log(1 + z), and "
            "log(exp(-|l|)) is just -|l|.",
              "안정적인 BCE는 max(l, 0) - l * x + log(1 + exp(-|l|))입니다. log1p(z)는 log(1 + z)를 뜻하고, log(exp(-|l|))는 그냥 -|l|입니다.")),
    Mistake(T("summed over the batch (per-pixel mean, then a sum over images)", "배치에 대해 합함(픽셀 평균 뒤 이미지에 대해 합)"),
            lambda l, x: np.sum(np.mean(_bce(l, x), axis=_axes(x))),
            T("average over the batch too: the loss should not grow with the batch size.",
              "배치에 대해서도 평균을 구하십시오. 손실이 배치 크기에 따라 커지면 안 됩니다.")),
]


def _ae_cases():
    rng = np.random.default_rng(101)
    logits = lambda *s: (2.0 * rng.normal(size=s)).astype(np.float32)  # noqa: E731
    return [
        (logits(3, 4, 4, 1), rng.uniform(size=(3, 4, 4, 1)).astype(np.float32)),
        (logits(2, 32, 32, 1), (rng.uniform(size=(2, 32, 32, 1)) > 0.7).astype(np.float32)),
        (logits(1, 2, 2, 3), rng.uniform(size=(1, 2, 2, 3)).astype(np.float32)),
    ]


def check_ae_loss(ae_loss) -> bool:
    """ae_loss(logits: (B, H, W, C), x: (B, H, W, C) in [0, 1]) -> scalar: batch mean of the
    per-pixel mean binary cross-entropy between x and sigmoid(logits)."""
    # the next cell: float(ae_loss(model(x_batch), x_batch)) - the model's logits and the images, JAX arrays
    rng = np.random.default_rng(12)
    logits = jnp.asarray(4 * rng.normal(size=(16, 32, 32, 1)) - 2, jnp.float32)
    x = jnp.asarray(rng.uniform(size=(16, 32, 32, 1)) ** 4, jnp.float32)
    uses = [Use(T("the next cell calls float(ae_loss(model(x_batch), x_batch)) with JAX arrays",
                  "다음 셀은 JAX 배열로 float(ae_loss(model(x_batch), x_batch))를 호출합니다"),
                lambda fn: float(fn(logits, x)), close_to(lambda: _ae_loss_ref(logits, x), 1e-4, 1e-5))]
    return grade("ae_loss", ae_loss, _ae_loss_ref, _ae_cases(), AE_LOSS_MISTAKES, rtol=1e-4, atol=1e-5,
                 edge_cases=[bce_edge_case()], edge_hint=BCE_EDGE_HINT, uses=uses)


# ----------------------------------------------------------------------------- nearest_distance
def _pairwise(q, c):
    return f64(q)[:, None, :] - f64(c)[None, :, :]


def _nearest_ref(queries, codes):
    """Euclidean distance from each query (M, D) to its nearest code (N, D). -> (M,)."""
    return np.sqrt((_pairwise(queries, codes) ** 2).sum(-1)).min(axis=1)


NEAREST_MISTAKES = [
    Mistake(T("squared distance (the square root is missing)", "제곱 거리(제곱근이 없음)"),
            lambda q, c: (_pairwise(q, c) ** 2).sum(-1).min(axis=1),
            T("Euclidean distance is sqrt(sum of squared differences).", "유클리드 거리는 sqrt(차이 제곱의 합)입니다.")),
    Mistake(T("average distance to all codes instead of the nearest one", "가장 가까운 코드가 아니라 모든 코드까지의 평균 거리"),
            lambda q, c: np.sqrt((_pairwise(q, c) ** 2).sum(-1)).mean(axis=1),
            T("a point sits in a hole when even its *nearest* code is far: take the min over codes (axis=1).",
              "점이 구멍에 있다는 것은 *가장 가까운* 코드조차 멀다는 뜻입니다. 코드에 대해 최솟값을 구하십시오(axis=1).")),
    Mistake(T("distance to the farthest code (max instead of min)", "가장 먼 코드까지의 거리(min 대신 max)"),
            lambda q, c: np.sqrt((_pairwise(q, c) ** 2).sum(-1)).max(axis=1),
            T("use .min(axis=1): the nearest code, not the farthest.", ".min(axis=1)을 사용하십시오. 가장 먼 코드가 아니라 가장 가까운 코드입니다.")),
    Mistake(T("city-block (L1) distance instead of Euclidean", "유클리드 거리 대신 맨해튼(L1) 거리"),
            lambda q, c: np.abs(_pairwise(q, c)).sum(-1).min(axis=1),
            T("square the differences, sum over the latent dimensions, then take the square root.",
              "차이를 제곱하고, 잠재 차원에 대해 합한 뒤, 제곱근을 구하십시오.")),
    Mistake(T("minimum taken over the wrong axis (one value per code instead of per query)",
              "잘못된 축에 대한 최솟값(쿼리마다가 아니라 코드마다 값 하나)"),
            lambda q, c: np.sqrt((_pairwise(q, c) ** 2).sum(-1)).min(axis=0),
            T("the distance matrix has shape (M queries, N codes): reduce over axis 1 to get (M,).",
              "거리 행렬의 형태는 (M개 쿼리, N개 코드)입니다. 축 1에 대해 줄여서 (M,)을 얻으십시오.")),
    Mistake(T("the index of the nearest code (argmin) instead of its distance", "가장 가까운 코드까지의 거리 대신 그 인덱스(argmin)"),
            lambda q, c: np.sqrt((_pairwise(q, c) ** 2).sum(-1)).argmin(axis=1),
            T("argmin says WHICH code is nearest; the exercise wants HOW FAR it is: .min(axis=1).",
              "argmin은 *어느* 코드가 가장 가까운지 알려 줍니다. 이 연습은 *얼마나 먼지*를 원합니다: .min(axis=1).")),
    Mistake(T("distance to the mean of all codes instead of the nearest code", "가장 가까운 코드가 아니라 모든 코드의 평균까지의 거리"),
            lambda q, c: np.sqrt(((f64(q) - f64(c).mean(0)) ** 2).sum(-1)),
            T("compare each query with every code (broadcast to (M, N, D)), then keep the smallest distance.",
              "각 쿼리를 모든 코드와 비교한 뒤((M, N, D)로 브로드캐스팅), 가장 작은 거리를 남기십시오.")),
    Mistake(T("the squared differences averaged over the latent dimensions instead of summed",
              "차이 제곱을 잠재 차원에 대해 합하지 않고 평균함"),
            lambda q, c: np.sqrt((_pairwise(q, c) ** 2).mean(-1)).min(axis=1),
            T("Euclidean distance sums the squared differences over the D latent dimensions (then sqrt).",
              "유클리드 거리는 D개 잠재 차원에 대해 차이 제곱을 합합니다(그다음 sqrt).")),
    Mistake(T("the largest coordinate difference (max |q - c|) instead of the Euclidean distance",
              "유클리드 거리 대신 가장 큰 좌표 차이(max |q - c|)"),
            lambda q, c: np.abs(_pairwise(q, c)).max(-1).min(axis=1),
            T("square the differences, sum over the latent dimensions, then take the square root.",
              "차이를 제곱하고, 잠재 차원에 대해 합한 뒤, 제곱근을 구하십시오.")),
]


def _nearest_cases():
    rng = np.random.default_rng(103)
    codes = rng.normal(size=(40, 2)).astype(np.float32)
    return [
        (np.array([[0.0, 0.0], [2.0, 1.0]], np.float32), np.array([[1.0, 0.0], [0.0, 3.0], [3.0, 3.0]], np.float32)),
        (rng.normal(size=(7, 2)).astype(np.float32) * 3, codes),
        (codes[:3].copy(), codes),                                    # points on codes: distance 0
        (rng.normal(size=(5, 3)).astype(np.float32), rng.normal(size=(11, 3)).astype(np.float32)),
        (np.array([[10.0, 0.0]], np.float32), codes),                 # one far point
    ]


def check_nearest_distance(nearest_distance) -> bool:
    """nearest_distance(queries: (M, D), codes: (N, D)) -> (M,): Euclidean distance from each query
    to its nearest code."""
    return grade("nearest_distance", nearest_distance, _nearest_ref, _nearest_cases(),
                 NEAREST_MISTAKES, rtol=1e-4, atol=2e-3)


# ----------------------------------------------------------------------------- the notebook's one-line form
use_ae_loss = returns_function(check_ae_loss, ae_loss)
use_nearest_distance = returns_function(check_nearest_distance, nearest_distance)
