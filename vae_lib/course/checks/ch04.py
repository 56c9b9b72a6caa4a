"""Checks for chapter 04's exercises: the closed-form KL divergence."""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from vae_lib.course.checks._helpers import f64, term_slips
from vae_lib.course.checks.core import Mistake, T, Use, close_to, grade, returns_function
from vae_lib.gaussian import kl_diagonal_gaussians, kl_to_standard_normal

__all__ = ["check_kl_to_standard_normal", "check_kl_diagonal_gaussians", "use_kl_to_standard_normal",
           "use_kl_diagonal_gaussians"]


def _kl_cases() -> list[tuple]:
    rng = np.random.default_rng(4)
    cases = [
        (rng.normal(size=(5, 3)), rng.normal(size=(5, 3))),                   # random
        (np.zeros((2, 4)), np.zeros((2, 4))),                                 # q == prior: KL = 0
        (np.array([[1.5, -2.0]]), np.array([[0.0, 0.0]])),                    # only the mean term
        (np.array([[0.0, 0.0, 0.0]]), np.array([[-3.0, 2.0, 0.5]])),          # only the variance term
        (rng.normal(size=(4, 200)), rng.normal(size=(4, 200)) * 2),           # the CelebA latent size
    ]
    return [(jnp.asarray(m, jnp.float32), jnp.asarray(v, jnp.float32)) for m, v in cases]


KL_MISTAKES = [
    Mistake(T("the sign is flipped", "부호가 반대임"), lambda m, v: -kl_to_standard_normal(m, v),
            T("KL = -0.5 * sum(1 + log_var - mean**2 - exp(log_var)): the minus in front matters; "
            "a KL divergence is never negative.",
              "KL = -0.5 * sum(1 + log_var - mean**2 - exp(log_var))입니다. 앞의 마이너스가 중요합니다. KL 발산은 결코 음수가 아닙니다.")),
    Mistake(T("mean instead of sum over the latent dimensions", "잠재 차원에 대해 합 대신 평균"),
            lambda m, v: -0.5 * jnp.mean(1 + v - m**2 - jnp.exp(v), axis=-1),
            T("the KL of independent dimensions is the SUM of the per-dimension KLs: use jnp.sum(..., axis=-1).",
              "독립인 차원들의 KL은 차원별 KL의 *합*입니다: jnp.sum(..., axis=-1)을 사용하십시오.")),
    Mistake(T("sigma where sigma^2 belongs: exp(0.5 * log_var)", "sigma^2 자리에 sigma: exp(0.5 * log_var)"),
            lambda m, v: -0.5 * jnp.sum(1 + v - m**2 - jnp.exp(0.5 * v), axis=-1),
            T("the formula has the VARIANCE sigma^2 = exp(log_var), not the standard deviation exp(0.5 * log_var).",
              "식에는 표준편차 exp(0.5 * log_var)가 아니라 *분산* sigma^2 = exp(log_var)가 들어갑니다.")),
    Mistake(T("summed over the batch (one number instead of one KL per example)", "배치에 대해 합함(예제마다 KL 하나가 아니라 숫자 하나)"),
            lambda m, v: -0.5 * jnp.sum(1 + v - m**2 - jnp.exp(v)),
            T("sum over the latent axis only (axis=-1) and return shape (B,); the loss averages over the batch later.",
              "잠재 축(axis=-1)에 대해서만 합하고 형태 (B,)를 반환하십시오. 배치 평균은 나중에 손실에서 구합니다.")),
    Mistake(T("averaged over the batch (one number instead of one KL per example)", "배치에 대해 평균함(예제마다 KL 하나가 아니라 숫자 하나)"),
            lambda m, v: jnp.mean(-0.5 * jnp.sum(1 + v - m**2 - jnp.exp(v), axis=-1)),
            T("return one KL per example, shape (B,); averaging over the batch happens in the loss.",
              "예제마다 KL 하나, 형태 (B,)를 반환하십시오. 배치 평균은 손실에서 구합니다.")),
    Mistake(T("the 1 is missing", "1이 없음"), lambda m, v: -0.5 * jnp.sum(v - m**2 - jnp.exp(v), axis=-1),
            T("each dimension contributes -0.5 * (1 + log_var - mean^2 - sigma^2): without the 1 the KL of "
            "N(0, 1) to itself is D/2 instead of 0.",
              "각 차원은 -0.5 * (1 + log_var - mean^2 - sigma^2)를 더합니다. 1이 없으면 N(0, 1)과 자기 자신의 KL이 0이 아니라 D/2가 됩니다.")),
    Mistake(T("z_mean is not squared", "z_mean을 제곱하지 않음"), lambda m, v: -0.5 * jnp.sum(1 + v - m - jnp.exp(v), axis=-1),
            T("the mean term is mean**2 (jnp.square(z_mean)): moving the mean either way costs the same.",
              "평균 항은 mean**2(jnp.square(z_mean))입니다. 평균을 어느 쪽으로 옮겨도 비용이 같습니다.")),
    Mistake(T("the reverse KL: KL(N(0, I) || q) instead of KL(q || N(0, I))", "역방향 KL: KL(q || N(0, I)) 대신 KL(N(0, I) || q)"),
            lambda m, v: 0.5 * jnp.sum(v + (1 + m**2) / jnp.exp(v) - 1, axis=-1),
            T("KL is not symmetric: the VAE's term is KL(q || p) with q = N(z_mean, sigma^2), the expectation "
            "under q: -0.5 * sum(1 + log_var - mean^2 - exp(log_var)).",
              "KL은 대칭이 아닙니다. VAE의 항은 q = N(z_mean, sigma^2)인 KL(q || p), 즉 q에 대한 기댓값입니다: -0.5 * sum(1 + log_var - mean^2 - exp(log_var)).")),
    Mistake(T("the factor 1/2 is missing", "계수 1/2가 없음"), lambda m, v: -jnp.sum(1 + v - m**2 - jnp.exp(v), axis=-1),
            T("each dimension's KL is -1/2 (1 + log sigma^2 - mu^2 - sigma^2): keep the -0.5 in front.",
              "각 차원의 KL은 -1/2 (1 + log sigma^2 - mu^2 - sigma^2)입니다. 앞의 -0.5를 유지하십시오.")),
    # log_var used as the variance, or exp(log_var) where log_var belongs: both give 1 - mean^2 (the two terms cancel)
    Mistake(T("the log_var term and the variance term cancel (log_var used as the variance, or exp(log_var) "
            "written where log_var belongs)",
              "log_var 항과 분산 항이 상쇄됨(log_var를 분산으로 썼거나, log_var 자리에 exp(log_var)를 씀)"),
            lambda m, v: -0.5 * jnp.sum(1 + v - m**2 - v, axis=-1),
            T("the bracket has both log sigma^2 = log_var and sigma^2 = exp(log_var): "
            "1 + log_var - mean**2 - exp(log_var). Check which of the two you wrote twice.",
              "괄호 안에는 log sigma^2 = log_var와 sigma^2 = exp(log_var)가 둘 다 있습니다: 1 + log_var - mean**2 - exp(log_var). 둘 중 어느 것을 두 번 썼는지 확인하십시오.")),
    Mistake(T("exp(2 * log_var) (sigma^4) where sigma^2 belongs", "sigma^2 자리에 exp(2 * log_var)(sigma^4)"),
            lambda m, v: -0.5 * jnp.sum(1 + v - m**2 - jnp.exp(2 * v), axis=-1),
            T("sigma^2 = exp(log_var).", "sigma^2 = exp(log_var)입니다.")),
    Mistake(T("the sign of mean^2 is flipped", "mean^2의 부호가 반대임"),
            lambda m, v: -0.5 * jnp.sum(1 + v + m**2 - jnp.exp(v), axis=-1),
            T("-0.5 * (1 + log_var - mean**2 - exp(log_var)): mean^2 enters with a minus inside the bracket.",
              "-0.5 * (1 + log_var - mean**2 - exp(log_var)): 괄호 안에서 mean^2는 마이너스로 들어갑니다.")),
    Mistake(T("the sign of exp(log_var) is flipped", "exp(log_var)의 부호가 반대임"),
            lambda m, v: -0.5 * jnp.sum(1 + v - m**2 + jnp.exp(v), axis=-1),
            T("-0.5 * (1 + log_var - mean**2 - exp(log_var)): sigma^2 enters with a minus inside the bracket.",
              "-0.5 * (1 + log_var - mean**2 - exp(log_var)): 괄호 안에서 sigma^2는 마이너스로 들어갑니다.")),
    Mistake(T("the sign of log_var is flipped", "log_var의 부호가 반대임"),
            lambda m, v: -0.5 * jnp.sum(1 - v - m**2 - jnp.exp(v), axis=-1),
            T("-0.5 * (1 + log_var - mean**2 - exp(log_var)): log sigma^2 enters with a plus.",
              "-0.5 * (1 + log_var - mean**2 - exp(log_var)): log sigma^2는 플러스로 들어갑니다.")),
    Mistake(T("summed over the batch axis (axis=0) instead of the latent axis", "잠재 축 대신 배치 축(axis=0)에 대해 합함"),
            lambda m, v: -0.5 * jnp.sum(1 + v - m**2 - jnp.exp(v), axis=0),
            T("z_mean is (B, D): sum over the latent dimensions, axis=-1, to get one KL per example (B,).",
              "z_mean은 (B, D)입니다. 잠재 차원 axis=-1에 대해 합해서 예제마다 KL 하나(B,)를 얻으십시오.")),
]


KL_TERMS = [("1", lambda m, v: np.ones_like(f64(m))), ("log_var", lambda m, v: f64(v)),
            ("-mean**2", lambda m, v: -f64(m) ** 2), ("-exp(log_var)", lambda m, v: -np.exp(f64(v)))]
@functools.cache
def _kl_term_slips() -> list:
    """Built on first use: it evaluates the reference on the test cases (JAX starts then, not at import)."""
    return term_slips(
        KL_TERMS, lambda t, m, v: -0.5 * np.sum(sum(t), axis=-1),
        T("each dimension contributes -0.5 * (1 + log_var - mean**2 - exp(log_var)): look at the term {term}.",
          "각 차원은 -0.5 * (1 + log_var - mean**2 - exp(log_var))를 더합니다. 항 {term}을(를) 보십시오."),
        kl_to_standard_normal, _kl_cases(), KL_MISTAKES)


def _toy_gradient(kl, p):
    """The chapter's toy model differentiates the KL of one 1-d Gaussian (mu, log_var) = p inside jax.jit."""
    return jax.jit(jax.grad(lambda p: kl(p[:1][None], p[1:][None])[0]))(p)


def _kl_uses() -> list[Use]:
    p = jnp.array([0.7, -0.4])
    return [Use(T("the chapter's toy model takes jax.grad of it inside jax.jit (kl_to_standard_normal(mu[None, None], "
                  "log_var[None, None])[0])",
                  "이 장의 장난감 모델은 jax.jit 안에서 이 함수의 jax.grad를 구합니다(kl_to_standard_normal(mu[None, None], "
                  "log_var[None, None])[0])"), lambda fn: _toy_gradient(fn, p),
                close_to(lambda: _toy_gradient(kl_to_standard_normal, p), 1e-4, 1e-5))]


def check_kl_to_standard_normal(fn) -> bool:
    """fn(z_mean (B, D), z_log_var (B, D)) -> (B,) KL( N(mean, diag exp(log_var)) || N(0, I) )."""
    return grade("kl_to_standard_normal", fn, kl_to_standard_normal, _kl_cases(), KL_MISTAKES + _kl_term_slips(),
                 uses=_kl_uses())


def _kl_terms(mq, vq, mp, vp, log_ratio=None, var_q=None, var_p=None, mean_term=None, half=0.5):
    """Per-example sum of half * (log_ratio + (var_q + mean_term) / var_p - 1), each part replaceable."""
    log_ratio = vp - vq if log_ratio is None else log_ratio
    var_q = jnp.exp(vq) if var_q is None else var_q
    var_p = jnp.exp(vp) if var_p is None else var_p
    mean_term = (mq - mp) ** 2 if mean_term is None else mean_term
    return jnp.sum(half * (log_ratio + (var_q + mean_term) / var_p - 1.0), axis=-1)


def _general_cases() -> list[tuple]:
    rng = np.random.default_rng(5)
    cases = [tuple(rng.normal(size=(4, 3)) for _ in range(4)),
             (rng.normal(size=(2, 5)), rng.normal(size=(2, 5)), np.zeros((2, 5)), np.zeros((2, 5))),  # p = N(0, I)
             (np.ones((1, 2)), np.full((1, 2), 0.7), np.ones((1, 2)), np.full((1, 2), 0.7)),          # q == p
             (np.zeros((1, 2)), np.zeros((1, 2)), np.array([[2.0, -1.0]]), np.array([[1.0, -2.0]]))]
    return [tuple(jnp.asarray(a, jnp.float32) for a in c) for c in cases]


GENERAL_MISTAKES = [
    Mistake(T("q and p are swapped: you computed KL(p || q)", "q와 p가 뒤바뀜: KL(p || q)를 계산함"),
            lambda mq, vq, mp, vp: kl_diagonal_gaussians(mp, vp, mq, vq),
            T("KL is not symmetric. The expectation is under q (the first argument); divide by p's variance.",
              "KL은 대칭이 아닙니다. 기댓값은 q(첫 번째 인수)에 대한 것이고, p의 분산으로 나눕니다.")),
    Mistake(T("the sign is flipped", "부호가 반대임"), lambda *a: -kl_diagonal_gaussians(*a),
            T("a KL divergence is never negative.", "KL 발산은 결코 음수가 아닙니다.")),
    Mistake(T("mean instead of sum over the dimensions", "차원에 대해 합 대신 평균"),
            lambda mq, vq, mp, vp: kl_diagonal_gaussians(mq, vq, mp, vp) / mq.shape[-1],
            T("sum the per-dimension KLs over the last axis.", "차원별 KL을 마지막 축에 대해 합하십시오.")),
    Mistake(T("the -1 (the -1/2 per dimension) is missing", "-1(차원마다 -1/2)이 없음"),
            lambda mq, vq, mp, vp: kl_diagonal_gaussians(mq, vq, mp, vp) + 0.5 * mq.shape[-1],
            T("each dimension has a -1/2: without it KL(q || q) is not 0.", "각 차원에는 -1/2가 있습니다. 이것이 없으면 KL(q || q)가 0이 아닙니다.")),
    Mistake(T("the log-variance difference has the wrong sign (log_var_q - log_var_p)",
              "로그 분산 차이의 부호가 반대임(log_var_q - log_var_p)"),
            lambda mq, vq, mp, vp: _kl_terms(mq, vq, mp, vp, log_ratio=vq - vp),
            T("log(sigma_p / sigma_q) = 0.5 * (log_var_p - log_var_q).", "log(sigma_p / sigma_q) = 0.5 * (log_var_p - log_var_q)입니다.")),
    Mistake(T("the variance ratio upside down (sigma_p^2 / sigma_q^2)", "분산 비가 뒤집힘(sigma_p^2 / sigma_q^2)"),
            lambda mq, vq, mp, vp: _kl_terms(mq, vq, mp, vp, var_q=jnp.exp(vp), var_p=jnp.exp(vq),
                                             mean_term=(mq - mp) ** 2 * jnp.exp(vq - vp)),
            T("q's variance is on top: sigma_q^2 / sigma_p^2.", "q의 분산이 분자입니다: sigma_q^2 / sigma_p^2.")),
    Mistake(T("the mean difference not divided by p's variance", "평균 차이를 p의 분산으로 나누지 않음"),
            lambda mq, vq, mp, vp: _kl_terms(mq, vq, mp, vp, mean_term=(mq - mp) ** 2 * jnp.exp(vp)),
            T("(sigma_q^2 + (mu_q - mu_p)^2) / sigma_p^2: both terms are divided by p's variance.",
              "(sigma_q^2 + (mu_q - mu_p)^2) / sigma_p^2: 두 항 모두 p의 분산으로 나눕니다.")),
    Mistake(T("the mean difference divided by q's variance instead of p's", "평균 차이를 p가 아니라 q의 분산으로 나눔"),
            lambda mq, vq, mp, vp: _kl_terms(mq, vq, mp, vp, mean_term=(mq - mp) ** 2 * jnp.exp(vp - vq)),
            T("divide by the variance of p, the second distribution: (mu_q - mu_p)^2 / sigma_p^2.",
              "두 번째 분포 p의 분산으로 나누십시오: (mu_q - mu_p)^2 / sigma_p^2.")),
    Mistake(T("divided by q's variance instead of p's", "p가 아니라 q의 분산으로 나눔"),
            lambda mq, vq, mp, vp: _kl_terms(mq, vq, mp, vp, var_p=jnp.exp(vq)),
            T("(sigma_q^2 + (mu_q - mu_p)^2) / sigma_p^2: the denominator is the variance of p, the second "
            "distribution (exp(log_var_p)), not q's.",
              "(sigma_q^2 + (mu_q - mu_p)^2) / sigma_p^2: 분모는 q가 아니라 두 번째 분포 p의 분산(exp(log_var_p))입니다.")),
    Mistake(T("standard deviations where the variances belong", "분산 자리에 표준편차"),
            lambda mq, vq, mp, vp: _kl_terms(mq, vq, mp, vp, var_q=jnp.exp(0.5 * vq), var_p=jnp.exp(0.5 * vp)),
            T("sigma^2 = exp(log_var), not exp(0.5 * log_var).", "sigma^2 = exp(log_var)이고, exp(0.5 * log_var)가 아닙니다.")),
    Mistake(T("the factor 1/2 is missing", "계수 1/2가 없음"), lambda mq, vq, mp, vp: _kl_terms(mq, vq, mp, vp, half=1.0),
            T("every term of the per-dimension KL has the 1/2: 0.5 * (log ratio + ... - 1).",
              "차원별 KL의 모든 항에 1/2가 붙습니다: 0.5 * (log ratio + ... - 1).")),
    Mistake(T("the 1/2 only on the log term", "1/2가 로그 항에만 있음"), lambda mq, vq, mp, vp: jnp.sum(
                0.5 * (vp - vq) + (jnp.exp(vq) + (mq - mp) ** 2) / jnp.exp(vp) - 1.0, axis=-1),
            T("the per-dimension KL is 0.5 * (log_var_p - log_var_q) + (sigma_q^2 + (mu_q - mu_p)^2) / (2 sigma_p^2) - 1/2.",
              "차원별 KL은 0.5 * (log_var_p - log_var_q) + (sigma_q^2 + (mu_q - mu_p)^2) / (2 sigma_p^2) - 1/2입니다.")),
    Mistake(T("p ignored: the formula for p = N(0, I)", "p를 무시함: p = N(0, I)용 식"),
            lambda mq, vq, mp, vp: kl_to_standard_normal(mq, vq),
            T("here p is a general N(mean_p, diag exp(log_var_p)): its mean and variance enter the formula.",
              "여기서 p는 일반적인 N(mean_p, diag exp(log_var_p))입니다. 그 평균과 분산이 식에 들어갑니다.")),
    Mistake(T("the means not squared", "평균을 제곱하지 않음"), lambda mq, vq, mp, vp: _kl_terms(mq, vq, mp, vp, mean_term=mq - mp),
            T("the mean term is (mean_q - mean_p)**2.", "평균 항은 (mean_q - mean_p)**2입니다.")),
]


GENERAL_TERMS = [
    ("0.5 * (log_var_p - log_var_q)", lambda mq, vq, mp, vp: 0.5 * (f64(vp) - f64(vq))),
    ("exp(log_var_q) / (2 exp(log_var_p))", lambda mq, vq, mp, vp: np.exp(f64(vq) - f64(vp)) / 2),
    ("(mean_q - mean_p)**2 / (2 exp(log_var_p))", lambda mq, vq, mp, vp: (f64(mq) - f64(mp)) ** 2 / (2 * np.exp(f64(vp)))),
    ("-1/2", lambda mq, vq, mp, vp: np.full(np.shape(mq), -0.5))]
@functools.cache
def _general_term_slips() -> list:
    """Built on first use: it evaluates the reference on the test cases (JAX starts then, not at import)."""
    return term_slips(
        GENERAL_TERMS, lambda t, *a: np.sum(sum(t), axis=-1),
        T("per dimension, KL = 0.5 (log_var_p - log_var_q) + (sigma_q^2 + (mu_q - mu_p)^2) / (2 sigma_p^2) - 1/2: "
          "look at the term {term}.",
          "차원마다 KL = 0.5 (log_var_p - log_var_q) + (sigma_q^2 + (mu_q - mu_p)^2) / (2 sigma_p^2) - 1/2입니다. "
          "항 {term}을(를) 보십시오."), kl_diagonal_gaussians, _general_cases(), GENERAL_MISTAKES)


def check_kl_diagonal_gaussians(fn) -> bool:
    """fn(mean_q, log_var_q, mean_p, log_var_p), each (B, D) -> (B,)."""
    return grade("kl_diagonal_gaussians", fn, kl_diagonal_gaussians, _general_cases(),
                 GENERAL_MISTAKES + _general_term_slips())


use_kl_to_standard_normal = returns_function(check_kl_to_standard_normal, kl_to_standard_normal)
use_kl_diagonal_gaussians = returns_function(check_kl_diagonal_gaussians, kl_diagonal_gaussians)


def __getattr__(name):  # the term slips as module attributes, built on first use
    built = {"KL_TERM_SLIPS": _kl_term_slips, "GENERAL_TERM_SLIPS": _general_term_slips}
    if name in built:
        return built[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
