"""Checks for chapter 05's exercises: the book's VAE loss and the IWAE average."""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax

from vae_lib.course.checks._helpers import BCE_EDGE_HINT, bce_edge_case
from vae_lib.course.checks.core import Mistake, T, grade, returns_function
from vae_lib.evaluation import iwae_from_log_weights
from vae_lib.i18n import tr
from vae_lib.gaussian import kl_to_standard_normal
from vae_lib.losses import bce_with_logits, vae_loss_value

__all__ = ["check_vae_loss", "check_iwae_from_log_weights", "check_debug_diagnosis", "use_vae_loss",
           "use_iwae_from_log_weights"]


def _bce(logits, x, reduction):
    return bce_with_logits(logits, x, reduction)


def _kl(m, v):
    return kl_to_standard_normal(m, v)


def _loss(recon, kl, beta, reduce=jnp.mean):
    """The loss from per-image parts: reduce(beta * recon + kl)."""
    return reduce(beta * recon + kl)


def _edge_case() -> tuple:
    logits, x = bce_edge_case()   # the same confident logits chapter 01 grades its BCE on
    k = jax.random.split(jax.random.key(9))
    return (logits, x, jax.random.normal(k[0], (2, 3)), jax.random.normal(k[1], (2, 3)), 500.0)


def _loss_cases() -> list[tuple]:
    out = []
    # a tiny readable case, then one shape for the rest (every new shape costs a compilation of each eager jax op)
    for seed, b, h, d, beta in [(10, 2, 2, 2, 2.0), (0, 4, 8, 3, 500.0), (1, 4, 8, 3, 1.0), (2, 4, 8, 3, 50.0)]:
        k = jax.random.split(jax.random.key(seed), 4)
        logits = 3 * jax.random.normal(k[0], (b, h, h, 1))
        x = jax.random.uniform(k[1], (b, h, h, 1))
        out.append((logits, x, jax.random.normal(k[2], (b, d)), jax.random.normal(k[3], (b, d)), beta))
    return out


LOSS_MISTAKES = [
    Mistake(T("summed BCE where the book averages over pixels", "책은 픽셀에 대해 평균하는데 BCE를 합함"),
            lambda lg, x, m, v, beta: jnp.mean(beta * _bce(lg, x, "sum") + _kl(m, v)),
            T("the book's beta = 500 multiplies the per-pixel MEAN BCE: use reduction='mean' "
            "(summed BCE times 500 would weigh reconstruction 1024 times more).",
              "책의 beta = 500은 픽셀별 *평균* BCE에 곱해집니다. reduction='mean'을 사용하십시오(합한 BCE에 500을 곱하면 재구성이 1024배 더 무거워집니다).")),
    Mistake(T("beta is missing", "beta가 없음"),
            lambda lg, x, m, v, beta: jnp.mean(_bce(lg, x, "mean") + _kl(m, v)),
            T("multiply the reconstruction term by beta.", "재구성 항에 beta를 곱하십시오.")),
    Mistake(T("beta multiplies the KL instead of the reconstruction", "beta를 재구성이 아니라 KL에 곱함"),
            lambda lg, x, m, v, beta: jnp.mean(_bce(lg, x, "mean") + beta * _kl(m, v)),
            T("in the book's code beta multiplies the reconstruction loss: beta * BCE + KL.",
              "책의 코드에서 beta는 재구성 손실에 곱해집니다: beta * BCE + KL.")),
    Mistake(T("the KL sign is flipped", "KL의 부호가 반대임"),
            lambda lg, x, m, v, beta: jnp.mean(beta * _bce(lg, x, "mean") - _kl(m, v)),
            T("add the KL divergence (it is >= 0): loss = beta * reconstruction + KL.",
              "KL 발산(>= 0)을 더하십시오: loss = beta * reconstruction + KL.")),
    Mistake(T("sigmoid applied before a loss that expects logits", "로짓을 기대하는 손실 앞에서 시그모이드를 적용함"),
            lambda lg, x, m, v, beta: jnp.mean(
                beta * jnp.mean(optax.sigmoid_binary_cross_entropy(jax.nn.sigmoid(lg), x), axis=(1, 2, 3))
                + _kl(m, v)),
            T("the decoder returns logits and bce_with_logits applies the sigmoid itself: do not apply it twice.",
              "디코더는 로짓을 반환하고 bce_with_logits가 시그모이드를 스스로 적용합니다. 두 번 적용하지 마십시오.")),
    Mistake(T("KL averaged over the latent dimensions", "KL을 잠재 차원에 대해 평균함"),
            lambda lg, x, m, v, beta: jnp.mean(beta * _bce(lg, x, "mean")
                                               - 0.5 * jnp.mean(1 + v - m**2 - jnp.exp(v), axis=-1)),
            T("sum the KL over the latent dimensions (vae_lib.gaussian.kl_to_standard_normal does).",
              "KL은 잠재 차원에 대해 합하십시오(vae_lib.gaussian.kl_to_standard_normal이 그렇게 합니다).")),
    Mistake(T("beta multiplies both terms: beta * (reconstruction + KL)", "beta를 두 항 모두에 곱함: beta * (reconstruction + KL)"),
            lambda lg, x, m, v, beta: jnp.mean(beta * (_bce(lg, x, "mean") + _kl(m, v))),
            T("beta weighs the reconstruction against the KL: beta * reconstruction + KL, the KL unweighted.",
              "beta는 재구성과 KL의 무게를 맞춥니다: beta * reconstruction + KL이고, KL에는 가중치가 없습니다.")),
    Mistake(T("the KL divided by beta instead of the reconstruction multiplied", "재구성에 beta를 곱하지 않고 KL을 beta로 나눔"),
            lambda lg, x, m, v, beta: jnp.mean(_bce(lg, x, "mean") + _kl(m, v) / beta),
            T("the same balance, but a loss beta times smaller: the book's loss is beta * BCE + KL.",
              "균형은 같지만 손실이 beta배 작습니다. 책의 손실은 beta * BCE + KL입니다.")),
    Mistake(T("optax.sigmoid_binary_cross_entropy's arguments swapped (images, logits)",
              "optax.sigmoid_binary_cross_entropy의 인수가 뒤바뀜(images, logits)"),
            lambda lg, x, m, v, beta: _loss(jnp.mean(optax.sigmoid_binary_cross_entropy(x, lg), axis=(1, 2, 3)),
                                            _kl(m, v), beta),
            T("optax.sigmoid_binary_cross_entropy(logits, labels): the model's logits first, the images second.",
              "optax.sigmoid_binary_cross_entropy(logits, labels): 모델의 로짓이 먼저, 이미지가 두 번째입니다.")),
    Mistake(T("summed over the batch instead of averaged", "배치에 대해 평균하지 않고 합함"),
            lambda lg, x, m, v, beta: _loss(_bce(lg, x, "mean"), _kl(m, v), beta, jnp.sum),
            T("take the mean over the batch: the loss should not grow with the batch size.",
              "배치에 대해 평균을 구하십시오. 손실이 배치 크기에 따라 커지면 안 됩니다.")),
    Mistake(T("the reconstruction averaged over the batch but the KL summed over it", "재구성은 배치에 대해 평균했지만 KL은 합함"),
            lambda lg, x, m, v, beta: beta * jnp.mean(_bce(lg, x, "mean")) + jnp.sum(_kl(m, v)),
            T("both terms are per image (B,): average beta * reconstruction + KL over the batch.",
              "두 항 모두 이미지마다 하나(B,)입니다. beta * reconstruction + KL을 배치에 대해 평균하십시오.")),
    Mistake(T("mean squared error instead of binary cross-entropy", "이진 교차 엔트로피 대신 평균 제곱 오차"),
            lambda lg, x, m, v, beta: _loss(jnp.mean((jax.nn.sigmoid(lg) - x) ** 2, axis=(1, 2, 3)), _kl(m, v), beta),
            T("the book's loss is binary cross-entropy from the logits (optax.sigmoid_binary_cross_entropy).",
              "책의 손실은 로짓에서 구한 이진 교차 엔트로피입니다(optax.sigmoid_binary_cross_entropy).")),
    Mistake(T("the KL without its factor 1/2", "계수 1/2가 없는 KL"),
            lambda lg, x, m, v, beta: _loss(_bce(lg, x, "mean"), 2 * _kl(m, v), beta),
            T("KL = -0.5 * sum(1 + log_var - mean^2 - exp(log_var), axis=-1).", "KL = -0.5 * sum(1 + log_var - mean^2 - exp(log_var), axis=-1)입니다.")),
    Mistake(T("the KL with z_mean not squared", "z_mean을 제곱하지 않은 KL"),
            lambda lg, x, m, v, beta: _loss(_bce(lg, x, "mean"), -0.5 * jnp.sum(1 + v - m - jnp.exp(v), axis=-1), beta),
            T("KL = -0.5 * sum(1 + log_var - mean**2 - exp(log_var), axis=-1).", "KL = -0.5 * sum(1 + log_var - mean**2 - exp(log_var), axis=-1)입니다.")),
    Mistake(T("the KL with exp(0.5 * log_var) (sigma) where sigma^2 belongs", "sigma^2 자리에 exp(0.5 * log_var)(sigma)를 쓴 KL"),
            lambda lg, x, m, v, beta: _loss(_bce(lg, x, "mean"), -0.5 * jnp.sum(1 + v - m**2 - jnp.exp(0.5 * v), axis=-1),
                                            beta),
            T("sigma^2 = exp(log_var).", "sigma^2 = exp(log_var)입니다.")),
    Mistake(T("the reconstruction without the sigmoid: BCE of the logits taken as probabilities",
              "시그모이드 없는 재구성: 로짓을 확률로 보고 구한 BCE"),
            lambda lg, x, m, v, beta: _loss(jnp.mean(-(x * jnp.log(lg) + (1 - x) * jnp.log(1 - lg)), axis=(1, 2, 3)),
                                            _kl(m, v), beta),
            T("the decoder returns logits: optax.sigmoid_binary_cross_entropy(logits, x) applies the sigmoid.",
              "디코더는 로짓을 반환합니다. optax.sigmoid_binary_cross_entropy(logits, x)가 시그모이드를 적용합니다.")),
    Mistake(T("kl_to_standard_normal's arguments swapped (z_log_var, z_mean)", "kl_to_standard_normal의 인수가 뒤바뀜(z_log_var, z_mean)"),
            lambda lg, x, m, v, beta: _loss(_bce(lg, x, "mean"), _kl(v, m), beta),
            T("kl_to_standard_normal(z_mean, z_log_var): the mean first, the log-variance second.",
              "kl_to_standard_normal(z_mean, z_log_var): 평균이 먼저, 로그 분산이 두 번째입니다.")),
]


def check_vae_loss(fn) -> bool:
    """fn(logits (B,H,W,C), x (B,H,W,C), z_mean (B,D), z_log_var (B,D), beta) -> scalar loss."""
    return grade("vae_loss", fn, vae_loss_value, _loss_cases(), LOSS_MISTAKES, rtol=1e-4, atol=1e-3,
                 edge_cases=[_edge_case()], edge_hint=BCE_EDGE_HINT)


def _iwae_cases() -> list[tuple]:
    rng = np.random.default_rng(6)
    return [(jnp.asarray([[0.0, -1.0], [2.0, -3.0], [1.0, -2.0]], jnp.float32),),
            (jnp.asarray(rng.normal(size=(5, 3)), jnp.float32),),
            (jnp.asarray(-1000.0 + 3 * rng.normal(size=(50, 4)), jnp.float32),),   # e^-1000 underflows to 0
            (jnp.asarray(rng.normal(size=(1, 6)), jnp.float32),),                  # k = 1: the ELBO sample
            (_trained_scale_log_weights(),)]


def _trained_scale_log_weights(k: int = 10, batch: int = 20, seed: int = 60) -> jax.Array:
    """(k, B) log-weights at the scale of the chapter's briefly trained VAE on 20 test images: each image
    has its own level, from about -300 to -130 nats (a bright, busy image costs more nats), and its k
    samples spread over a few nats around it. One shift for the whole batch (the largest of all
    log-weights) leaves exp(log_w - m) = 0 for every sample of an image ~100 nats below the best one."""
    rng = np.random.default_rng(seed)
    level = rng.uniform(-300.0, -130.0, size=batch)
    return jnp.asarray(level + rng.gumbel(scale=2.0, size=(k, batch)) - 3.0, jnp.float32)


IWAE_MISTAKES = [
    Mistake(T("the mean of log w (that is the ELBO estimate, not the IWAE bound)", "log w의 평균(이것은 IWAE 경계가 아니라 ELBO 추정값입니다)"),
            lambda lw: jnp.mean(lw, axis=0), T("average the weights w = exp(log w), then take the log.", "가중치 w = exp(log w)를 평균한 뒤에 로그를 취하십시오.")),
    Mistake(T("log(mean(exp(log w))) computed directly: exp underflows", "log(mean(exp(log w)))를 그대로 계산함: exp가 언더플로됨"),
            lambda lw: jnp.log(jnp.mean(jnp.exp(lw), axis=0)),
            T("use jax.scipy.special.logsumexp(log_w, axis=0) - log(k): it subtracts the max first.",
              "jax.scipy.special.logsumexp(log_w, axis=0) - log(k)를 사용하십시오. 먼저 최댓값을 뺍니다.")),
    Mistake(T("-log k is missing (logsumexp is a sum, the bound needs a mean)", "-log k가 없음(logsumexp는 합이고, 경계에는 평균이 필요함)"),
            lambda lw: jax.scipy.special.logsumexp(lw, axis=0), T("subtract jnp.log(k).", "jnp.log(k)를 빼십시오.")),
    Mistake(T("averaged over the wrong axis (over images instead of over the k samples)",
              "잘못된 축에 대해 평균함(k개 샘플이 아니라 이미지에 대해)"),
            lambda lw: jax.scipy.special.logsumexp(lw, axis=1) - jnp.log(lw.shape[1]),
            T("log_w has shape (k, B): reduce over axis 0.", "log_w의 형태는 (k, B)입니다. 축 0에 대해 줄이십시오.")),
    Mistake(T("normalised by k * B (all log-weights pooled) instead of k", "k 대신 k * B로 정규화함(모든 로그 가중치를 한데 모음)"),
            lambda lw: jax.scipy.special.logsumexp(lw, axis=0) - jnp.log(lw.size),
            T("each image has its own k weights: subtract log(k) = log(log_w.shape[0]), not log(k * B).",
              "이미지마다 가중치가 k개 있습니다. log(k * B)가 아니라 log(k) = log(log_w.shape[0])를 빼십시오.")),
    Mistake(T("log of the batch size B instead of log k", "log k 대신 배치 크기 B의 로그"),
            lambda lw: jax.scipy.special.logsumexp(lw, axis=0) - jnp.log(lw.shape[1]),
            T("k = log_w.shape[0], the number of samples per image.", "k = log_w.shape[0], 이미지당 샘플 수입니다.")),
    Mistake(T("+log k instead of -log k", "-log k 대신 +log k"),
            lambda lw: jax.scipy.special.logsumexp(lw, axis=0) + jnp.log(lw.shape[0]),
            T("the mean is the sum divided by k: subtract log(k).", "평균은 합을 k로 나눈 것입니다: log(k)를 빼십시오.")),
    Mistake(T("logsumexp divided by k instead of minus log k", "log k를 빼지 않고 logsumexp를 k로 나눔"),
            lambda lw: jax.scipy.special.logsumexp(lw, axis=0) / lw.shape[0],
            T("dividing the weights by k subtracts log(k) from their log: logsumexp(log_w, axis=0) - log(k).",
              "가중치를 k로 나누면 그 로그에서 log(k)가 빠집니다: logsumexp(log_w, axis=0) - log(k).")),
    Mistake(T("one number for the whole batch (logsumexp over all log-weights)", "배치 전체에 숫자 하나(모든 로그 가중치에 대한 logsumexp)"),
            lambda lw: jax.scipy.special.logsumexp(lw) - jnp.log(lw.shape[0]),
            T("reduce over axis 0 only, so each image gets its own bound, shape (B,).",
              "축 0에 대해서만 줄여서 이미지마다 자기 경계를 얻으십시오. 형태 (B,)입니다.")),
    Mistake(T("only the largest log-weight (max instead of log-mean-exp)", "가장 큰 로그 가중치만 사용함(log-mean-exp 대신 max)"),
            lambda lw: jnp.max(lw, axis=0),
            T("the max is only the shift that keeps exp from underflowing: m + log(mean(exp(log_w - m))).",
              "최댓값은 exp가 언더플로되지 않게 하는 이동일 뿐입니다: m + log(mean(exp(log_w - m))).")),
    Mistake(T("one shift for the whole batch (m = the largest of ALL log-weights) instead of one per image",
              "이미지마다가 아니라 배치 전체에 이동값 하나(m = *모든* 로그 가중치 중 최댓값)"),
            lambda lw: jnp.max(lw) + jnp.log(jnp.mean(jnp.exp(lw - jnp.max(lw)), axis=0)),
            T("each image needs its own shift, m = jnp.max(log_w, axis=0, keepdims=True): a trained VAE's "
            "log-weights differ by hundreds of nats between images, and exp(log_w - m) of an image ~100 nats "
            "below the batch's best is exactly 0 in float32, so its log is -inf.",
              "이미지마다 자기 이동값이 필요합니다: m = jnp.max(log_w, axis=0, keepdims=True). 학습된 VAE의 로그 가중치는 이미지마다 수백 nat씩 다르고, 배치에서 가장 좋은 이미지보다 ~100 nat 낮은 이미지의 exp(log_w - m)는 float32에서 정확히 0이므로 그 로그는 -inf입니다.")),
    Mistake(T("the max m subtracted but not added back (log-sum-exp trick)", "최댓값 m을 빼고 다시 더하지 않음(log-sum-exp 트릭)"),
            lambda lw: jnp.log(jnp.mean(jnp.exp(lw - jnp.max(lw, axis=0)), axis=0)),
            T("log mean exp(log_w) = m + log(mean(exp(log_w - m))) with m = max over axis 0: add m back once.",
              "log mean exp(log_w) = m + log(mean(exp(log_w - m)))이고 m은 축 0에 대한 최댓값입니다. m을 한 번 다시 더하십시오.")),
]


def check_iwae_from_log_weights(fn) -> bool:
    """fn(log_w (k, B)) -> (B,) = log( (1/k) sum_i exp(log_w[i]) ), computed stably."""
    return grade("iwae_from_log_weights", fn, iwae_from_log_weights, _iwae_cases(), IWAE_MISTAKES)


# ----------------------------------------------------------------------------- "debug this VAE"
# A VAE loss with one of four planted mistakes. The notebook trains a tiny model with the mystery one next to a
# correct one and shows the curves and samples; the learner names the mistake. Each loss returns the same parts
# as `vae_lib.train.vae_loss_fn` ("loss", "reconstruction" = beta * per-pixel mean BCE, "kl"), so the curves compare.
DEBUG_SUSPECTS = {
    "sigma": T("sigma = exp(log_var) in the sampling layer (that is the variance, not the standard deviation)",
               "샘플링 층의 sigma = exp(log_var)(이것은 표준편차가 아니라 분산입니다)"),
    "kl_sign": T("the KL term added with the wrong sign (loss = reconstruction - KL)",
                 "KL 항을 반대 부호로 더함(loss = reconstruction - KL)"),
    "no_kl": T("the KL term left out of the loss", "손실에서 KL 항을 뺌"),
    "beta_on_kl": T("beta multiplies the KL term instead of the reconstruction", "beta를 재구성이 아니라 KL 항에 곱함"),
}
_MYSTERY = "kl_sign"
_DEBUG_HINTS = {
    "sigma": T("sigma = exp(log_var) changes how wide the samples are, not the sign or the weight of a loss term: the KL "
               "is still the same closed form and the loss still punishes it, so it stays bounded. Does the mystery "
               "model's KL stay bounded?",
               "sigma = exp(log_var)는 샘플의 폭을 바꿀 뿐, 손실 항의 부호나 가중치를 바꾸지 않습니다. KL은 여전히 같은 "
               "닫힌 형태이고 손실이 여전히 벌을 주므로 유한하게 머뭅니다. 수수께끼 모델의 KL은 유한하게 머무나요?"),
    "no_kl": T("without a KL term nothing *rewards* a large KL either: it only drifts up as the codes spread (a few "
               "nats more than the correct model's), not by orders of magnitude. How fast does the mystery KL grow?",
               "KL 항이 없으면 큰 KL에 *보상*을 주는 것도 없습니다. 코드가 퍼지면서 조금씩 올라갈 뿐이고(올바른 모델보다 "
               "몇 nat 더), 자릿수가 바뀌지는 않습니다. 수수께끼 모델의 KL은 얼마나 빨리 커지나요?"),
    "beta_on_kl": T("with beta on the KL, the KL is 500 times more expensive: it would be squeezed to about 0 (every code "
                    "the same, posterior collapse), not grow. Which way does the mystery model's KL go?",
                    "beta가 KL에 붙으면 KL이 500배 비싸집니다. 커지는 것이 아니라 거의 0으로 눌립니다(모든 코드가 같아지는 "
                    "사후분포 붕괴). 수수께끼 모델의 KL은 어느 쪽으로 가나요?"),
}


@functools.lru_cache(maxsize=None)
def debug_vae_loss_fn(beta: float = 500.0, bug: str | None = None):
    """The book's VAE loss for `vae_lib.train.fit`, correct (bug=None) or with one mistake of DEBUG_SUSPECTS."""
    if bug is not None and bug not in DEBUG_SUSPECTS:
        raise ValueError(f"unknown bug {bug!r}; one of {sorted(DEBUG_SUSPECTS)}")

    def loss_fn(model, x, key):
        z_mean, z_log_var = model.encode(x)
        eps = jax.random.normal(key, z_mean.shape, z_mean.dtype)
        spread = jnp.exp(z_log_var) if bug == "sigma" else jnp.exp(0.5 * z_log_var)
        logits = model.decoder(z_mean + spread * eps)
        recon = jnp.mean(bce_with_logits(logits, x, "mean"))
        kl = jnp.mean(kl_to_standard_normal(z_mean, z_log_var))
        loss = {"kl_sign": beta * recon - kl, "no_kl": beta * recon, "beta_on_kl": recon + beta * kl}.get(
            bug, beta * recon + kl)
        return loss, {"loss": loss, "reconstruction": beta * recon, "kl": kl}
    return loss_fn


def mystery_vae_loss_fn(beta: float = 500.0):
    """The loss with the planted mistake the chapter asks you to diagnose (do not look it up: read the curves)."""
    return debug_vae_loss_fn(beta, _MYSTERY)


def check_debug_diagnosis(diagnosis) -> bool:
    """diagnosis: one of the DEBUG_SUSPECTS names (a string), or a function returning it."""
    name = "debug_diagnosis"
    called = callable(diagnosis)
    try:
        if called:
            diagnosis = diagnosis()
    except NotImplementedError:
        print(tr(f"[not yet] {name}: not written yet - replace the `raise NotImplementedError` line with your answer.",
                 f"[not yet] {name}: 아직 작성하지 않았습니다. `raise NotImplementedError` 줄을 답으로 바꾸십시오."))
        return False
    except Exception as e:  # the learner's function broke
        print(tr(f"[wrong] {name}: your function raised {e.__class__.__name__}: {e}",
                 f"[wrong] {name}: 함수에서 {e.__class__.__name__}이(가) 일어났습니다: {e}"))
        return False
    if called and diagnosis is None:
        print(tr(f"[not yet] {name}: your function returned None - did you forget `return`? Return one of "
                 f"{sorted(DEBUG_SUSPECTS)} as a string.",
                 f"[not yet] {name}: 함수가 None을 반환했습니다. `return`을 잊었나요? {sorted(DEBUG_SUSPECTS)} 중 "
                 "하나를 문자열로 반환하십시오."))
        return False
    if diagnosis is None or diagnosis == "":
        print(tr(f"[not yet] {name}: nothing to check yet - return one of {sorted(DEBUG_SUSPECTS)}.",
                 f"[not yet] {name}: 아직 검사할 것이 없습니다. {sorted(DEBUG_SUSPECTS)} 중 하나를 반환하십시오."))
        return False
    key = str(diagnosis).strip().lower()
    if key not in DEBUG_SUSPECTS:
        print(tr(f"[wrong] {name}: {diagnosis!r} is not one of the suspects {sorted(DEBUG_SUSPECTS)}.",
                 f"[wrong] {name}: {diagnosis!r}은(는) 용의자 {sorted(DEBUG_SUSPECTS)} 중 하나가 아닙니다."))
        return False
    if key == _MYSTERY:
        print(tr(f"[correct] {name}: {DEBUG_SUSPECTS[key]}. Minimising reconstruction - KL *rewards* a large KL: the "
                 "encoder pushes its means far out and its sigmas to 0, the KL curve climbs by orders of magnitude and "
                 "the total loss falls below the reconstruction part, and samples from N(0, I) decode to nothing the "
                 "model has seen (its codes are nowhere near N(0, I)).",
                 f"[correct] {name}: {DEBUG_SUSPECTS[key]}. reconstruction - KL을 최소화하면 큰 KL에 *보상*을 줍니다. "
                 "인코더는 평균을 멀리 밀어내고 sigma를 0으로 보내며, KL 곡선은 자릿수가 바뀔 만큼 오르고, 전체 손실은 "
                 "재구성 부분보다 낮아집니다. N(0, I)에서 뽑은 샘플은 모델이 본 적 없는 것으로 디코딩됩니다(코드가 "
                 "N(0, I) 근처에 없기 때문입니다)."))
        return True
    print(tr(f"[wrong] {name}: not {key} - {_DEBUG_HINTS[key]}", f"[wrong] {name}: {key}이(가) 아닙니다 - {_DEBUG_HINTS[key]}"))
    return False


# ----------------------------------------------------------------------------- the notebook's one-line form
use_vae_loss = returns_function(check_vae_loss, vae_loss_value)
use_iwae_from_log_weights = returns_function(check_iwae_from_log_weights, iwae_from_log_weights)
