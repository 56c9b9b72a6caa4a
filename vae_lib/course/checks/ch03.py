"""Checks for chapter 03's exercises: the standard deviation from a log-variance, and the
reparameterization trick.

    checks.check_std_from_log_var(std_from_log_var)   # log_var -> sigma
    checks.check_reparameterize(reparameterize)       # (key, z_mean, z_log_var) -> z
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from vae_lib.course.checks._helpers import f64 as _f
from vae_lib.i18n import tr
from vae_lib.course.checks.core import (Mistake, T, Use, Verdict, as_learner, check_uses, close_to, evaluate, grade,
                                 returns_array, returns_function, say)
from vae_lib import gaussian

__all__ = ["check_std_from_log_var", "check_reparameterize", "use_std_from_log_var", "use_reparameterize"]


def _sqrt(a):
    return np.sqrt(_f(a))


# ----------------------------------------------------------------------------- std_from_log_var
def _std_ref(log_var):
    """sigma = exp(log_var / 2)."""
    return np.exp(0.5 * _f(log_var))


_SQRT_HINT = T("sqrt(log_var) is not the standard deviation: log_var is a *log*, and it is negative "
               "whenever sigma < 1 (then the square root is NaN). Undo the log first: sqrt(exp(log_var)) = exp(0.5 * log_var).",
               "sqrt(log_var)는 표준편차가 아닙니다. log_var는 *로그*이고, sigma < 1이면 음수입니다(그러면 제곱근은 NaN). "
               "먼저 로그를 되돌리십시오: sqrt(exp(log_var)) = exp(0.5 * log_var).")
STD_MISTAKES = [
    Mistake(T("sigma = exp(log_var): that is the variance, not the standard deviation",
              "sigma = exp(log_var): 이것은 표준편차가 아니라 분산입니다"),
            lambda lv: np.exp(_f(lv)),
            T("exp(log sigma^2) = sigma^2. The standard deviation is its square root: exp(0.5 * log_var).",
              "exp(log sigma^2) = sigma^2입니다. 표준편차는 그 제곱근입니다: exp(0.5 * log_var).")),
    Mistake(T("sigma = exp(-0.5 * log_var): that is 1 / sigma", "sigma = exp(-0.5 * log_var): 이것은 1 / sigma입니다"),
            lambda lv: np.exp(-0.5 * _f(lv)),
            T("there is no minus sign: log sigma = +1/2 log sigma^2. (The sign is not the reason for the 0.5.)",
              "마이너스 부호는 없습니다: log sigma = +1/2 log sigma^2. (0.5가 붙는 이유는 부호가 아닙니다.)")),
    Mistake(T("sigma = 0.5 * exp(log_var): the half belongs inside the exponent", "sigma = 0.5 * exp(log_var): 1/2은 지수 안에 있어야 합니다"),
            lambda lv: 0.5 * np.exp(_f(lv)),
            T("sqrt(a) = a^(1/2) = exp(1/2 log a): the 1/2 multiplies the log, inside exp.",
              "sqrt(a) = a^(1/2) = exp(1/2 log a)입니다. 1/2은 exp 안에서 로그에 곱해집니다.")),
    Mistake(T("sigma = log_var / 2 (the exponential is missing)", "sigma = log_var / 2(지수 함수가 없음)"),
            lambda lv: 0.5 * _f(lv),
            T("log_var / 2 is log sigma; apply exp to get sigma.", "log_var / 2는 log sigma입니다. exp를 적용해야 sigma가 됩니다.")),
    Mistake(T("sigma = sqrt(log_var), without exp", "sigma = sqrt(log_var), exp 없음"), lambda lv: _sqrt(lv), _SQRT_HINT),
    Mistake(T("sigma = exp(2 * log_var) (= exp(log_var)**2, the variance squared)", "sigma = exp(2 * log_var)(= exp(log_var)**2, 분산의 제곱)"),
            lambda lv: np.exp(2 * _f(lv)),
            T("a square root halves the log: sigma = exp(log_var / 2), not exp(2 * log_var).",
              "제곱근은 로그를 절반으로 만듭니다: sigma = exp(log_var / 2)이고, exp(2 * log_var)가 아닙니다.")),
    Mistake(T("sigma = 10 ** (log_var / 2): the log is the natural log", "sigma = 10 ** (log_var / 2): 로그는 자연로그입니다"),
            lambda lv: 10 ** (0.5 * _f(lv)),
            T("log_var is a natural logarithm (base e): undo it with exp, jnp.exp(0.5 * log_var).",
              "log_var는 자연로그(밑 e)입니다. exp로 되돌리십시오: jnp.exp(0.5 * log_var).")),
    Mistake(T("sigma = sqrt(|log_var|) (abs to avoid the NaN)", "sigma = sqrt(|log_var|)(NaN을 피하려고 abs 사용)"),
            lambda lv: np.sqrt(np.abs(_f(lv))),
            _SQRT_HINT),
    Mistake(T("sigma = exp(0.5) * log_var: exp applied to the 0.5 only", "sigma = exp(0.5) * log_var: exp를 0.5에만 적용함"),
            lambda lv: np.exp(0.5) * _f(lv),
            T("the whole product goes inside the exponential: jnp.exp(0.5 * log_var).",
              "곱 전체가 지수 함수 안에 들어가야 합니다: jnp.exp(0.5 * log_var).")),
]


def _std_cases():
    return [(np.array([0.0, 1.0, -1.0, 2.5, -4.0], np.float32),),
            (np.array([[-10.0, 10.0], [0.3, -0.3]], np.float32),),
            (np.float32(-2.0),)]


_LV = np.array([0.0, -1.5, 2.0], np.float32)
STD_USES = [Use(T("the next exercise's reparameterize calls it, and the chapter takes jax.grad through that",
                  "다음 연습의 reparameterize가 이 함수를 부르고, 이 장은 그것을 거쳐 jax.grad를 구합니다"),
                lambda fn: jax.grad(lambda lv: jnp.sum(fn(lv)))(jnp.asarray(_LV)),
                close_to(lambda: 0.5 * np.exp(0.5 * _f(_LV))), transform="grad")]


def check_std_from_log_var(std_from_log_var) -> bool:
    """std_from_log_var(log_var) -> sigma, elementwise (log_var = log sigma^2)."""
    return grade("std_from_log_var", std_from_log_var, _std_ref, _std_cases(), STD_MISTAKES, rtol=1e-4, atol=1e-6,
                 uses=STD_USES)


# ----------------------------------------------------------------------------- reparameterize
def _eps(key, z_mean, shape=None):
    return _f(jax.random.normal(key, jnp.shape(z_mean) if shape is None else shape, jnp.float32))


def _rep_ref(key, z_mean, z_log_var):
    """z = z_mean + exp(0.5 z_log_var) * eps, eps = jax.random.normal(key, z_mean.shape)."""
    return _f(z_mean) + np.exp(0.5 * _f(z_log_var)) * _eps(key, z_mean)


def _sigma(lv):
    return np.exp(0.5 * _f(lv))


REP_MISTAKES = [
    Mistake(T("sigma = exp(log_var) (the variance) multiplies eps", "sigma = exp(log_var)(분산)를 eps에 곱함"),
            lambda k, m, lv: _f(m) + np.exp(_f(lv)) * _eps(k, m),
            T("exp(log_var) is sigma^2; scale eps by sigma = exp(0.5 * log_var).", "exp(log_var)는 sigma^2입니다. eps에는 sigma = exp(0.5 * log_var)를 곱하십시오.")),
    Mistake(T("sigma = exp(-0.5 * log_var) (that is 1 / sigma)", "sigma = exp(-0.5 * log_var)(이것은 1 / sigma)"),
            lambda k, m, lv: _f(m) + np.exp(-0.5 * _f(lv)) * _eps(k, m),
            T("no minus sign: sigma = exp(+0.5 * log_var).", "마이너스 부호는 없습니다: sigma = exp(+0.5 * log_var).")),
    Mistake(T("log_var used directly as the standard deviation", "log_var를 그대로 표준편차로 사용함"),
            lambda k, m, lv: _f(m) + _f(lv) * _eps(k, m),
            T("the encoder's second head is log sigma^2, not sigma: sigma = exp(0.5 * log_var).",
              "인코더의 두 번째 출력은 sigma가 아니라 log sigma^2입니다: sigma = exp(0.5 * log_var).")),
    Mistake(T("log sigma = log_var / 2 used as the standard deviation (exp is missing)",
              "log sigma = log_var / 2를 표준편차로 사용함(exp가 없음)"),
            lambda k, m, lv: _f(m) + 0.5 * _f(lv) * _eps(k, m),
            T("log_var / 2 is log sigma: sigma = exp(0.5 * log_var).", "log_var / 2는 log sigma입니다: sigma = exp(0.5 * log_var).")),
    Mistake(T("no noise: z = z_mean (eps is missing)", "잡음 없음: z = z_mean(eps가 없음)"),
            lambda k, m, lv: _f(m),
            T("then the 'sample' is always the mean and the model is a plain autoencoder: add sigma * eps "
            "with eps = jax.random.normal(key, z_mean.shape).",
              "그러면 '샘플'이 늘 평균이고 모델은 평범한 오토인코더가 됩니다. eps = jax.random.normal(key, z_mean.shape)로 sigma * eps를 더하십시오.")),
    Mistake(T("eps is missing: z = z_mean + sigma", "eps가 없음: z = z_mean + sigma"),
            lambda k, m, lv: _f(m) + _sigma(lv),
            T("multiply sigma by standard normal noise eps = jax.random.normal(key, z_mean.shape).",
              "sigma에 표준 정규 잡음 eps = jax.random.normal(key, z_mean.shape)을 곱하십시오.")),
    Mistake(T("eps is added instead of multiplied: z = z_mean + sigma + eps", "eps를 곱하지 않고 더함: z = z_mean + sigma + eps"),
            lambda k, m, lv: _f(m) + _sigma(lv) + _eps(k, m),
            T("the noise is scaled by sigma: z = z_mean + sigma * eps.", "잡음은 sigma배로 조정됩니다: z = z_mean + sigma * eps.")),
    Mistake(T("the mean is missing: z = sigma * eps", "평균이 없음: z = sigma * eps"),
            lambda k, m, lv: _sigma(lv) * _eps(k, m),
            T("z is centred on z_mean: z = z_mean + sigma * eps.", "z의 중심은 z_mean입니다: z = z_mean + sigma * eps.")),
    Mistake(T("mean and sigma swapped: z = sigma + z_mean * eps", "평균과 sigma가 뒤바뀜: z = sigma + z_mean * eps"),
            lambda k, m, lv: _sigma(lv) + _f(m) * _eps(k, m),
            T("z_mean is the centre, sigma the scale of the noise: z = z_mean + sigma * eps.",
              "z_mean은 중심이고, sigma는 잡음의 크기입니다: z = z_mean + sigma * eps.")),
    Mistake(T("eps of shape (D,): one noise vector shared by every row", "형태 (D,)의 eps: 모든 행이 잡음 벡터 하나를 공유함"),
            lambda k, m, lv: _f(m) + _sigma(lv) * _eps(k, m, np.shape(m)[-1:]),
            T("each example needs its own noise: eps = jax.random.normal(key, z_mean.shape), shape (B, D).",
              "예제마다 자기 잡음이 필요합니다: eps = jax.random.normal(key, z_mean.shape), 형태 (B, D).")),
    Mistake(T("eps of shape (B, 1): one noise value shared by all dimensions of a row",
              "형태 (B, 1)의 eps: 한 행의 모든 차원이 잡음 값 하나를 공유함"),
            lambda k, m, lv: _f(m) + _sigma(lv) * _eps(k, m, np.shape(m)[:1] + (1,)),
            T("each latent dimension needs its own noise: eps = jax.random.normal(key, z_mean.shape).",
              "잠재 차원마다 자기 잡음이 필요합니다: eps = jax.random.normal(key, z_mean.shape).")),
    Mistake(T("sigma from the log-variance averaged over the batch", "로그 분산을 배치에 대해 평균한 sigma"),
            lambda k, m, lv: _f(m) + np.exp(0.5 * _f(lv).mean(0)) * _eps(k, m),
            T("every example has its own sigma: exp(0.5 * z_log_var) elementwise, no mean over rows.",
              "예제마다 sigma가 따로 있습니다. 원소별 exp(0.5 * z_log_var)이고, 행에 대한 평균은 없습니다.")),
    Mistake(T("sigma from the log-variance averaged over the latent dimensions", "로그 분산을 잠재 차원에 대해 평균한 sigma"),
            lambda k, m, lv: _f(m) + np.exp(0.5 * _f(lv).mean(-1, keepdims=True)) * _eps(k, m),
            T("every dimension has its own sigma: exp(0.5 * z_log_var) elementwise, no mean.",
              "차원마다 sigma가 따로 있습니다. 원소별 exp(0.5 * z_log_var)이고, 평균은 없습니다.")),
    Mistake(T("uniform noise instead of standard normal noise", "표준 정규 잡음 대신 균등 잡음"),
            lambda k, m, lv: _f(m) + _sigma(lv) * _f(jax.random.uniform(k, jnp.shape(m))),
            T("eps ~ N(0, I): jax.random.normal(key, z_mean.shape), not jax.random.uniform.",
              "eps ~ N(0, I): jax.random.uniform이 아니라 jax.random.normal(key, z_mean.shape)입니다.")),
    Mistake(T("sigma = sqrt(log_var), without exp", "sigma = sqrt(log_var), exp 없음"), lambda k, m, lv: _f(m) + _sqrt(lv) * _eps(k, m), _SQRT_HINT),
]


def _rep_cases():
    rng = np.random.default_rng(301)
    return [
        (jax.random.key(2), jnp.asarray([[1.0, -1.0]], jnp.float32), jnp.asarray([[3.0, -6.0]], jnp.float32)),
        (jax.random.key(0), jnp.asarray(rng.normal(size=(4, 2)), jnp.float32),
         jnp.asarray(rng.normal(size=(4, 2)), jnp.float32)),
        (jax.random.key(1), jnp.zeros((3, 5), jnp.float32), jnp.full((3, 5), -2.0, jnp.float32)),
    ]


# Four different rows (mean and log-variance differ per row and per dimension), each repeated:
# 2,000 rows x 3 - few enough that a plain Python loop over rows finishes in seconds.
_ROW_MEAN = np.array([[0.5, -1.0, 2.0], [-2.0, 0.0, 1.0], [3.0, 1.0, -0.5], [0.0, 0.0, 0.0]], np.float32)
_ROW_LOG_VAR = np.array([[0.0, -1.5, 1.0], [1.0, 0.5, -2.0], [-1.0, 2.0, 0.0], [0.3, -0.7, 1.5]], np.float32)
_REPEATS = 500


def _distribution(learner) -> Verdict | None:
    """When eps comes from another draw than `jax.random.normal(key, z_mean.shape)` (e.g. after
    splitting the key, or a loop over rows), compare distributions instead: per row and dimension,
    (z - mean) / sigma must look standard normal, and z must depend on the key and only on it.
    None: no verdict (the exact-draw verdict stands)."""
    mean = jnp.asarray(np.tile(_ROW_MEAN, (_REPEATS, 1)))
    log_var = jnp.asarray(np.tile(_ROW_LOG_VAR, (_REPEATS, 1)))
    z, err = learner.run(jax.random.key(11), mean, log_var)
    try:
        z = _f(z)
    except Exception:
        return None
    if err is not None or z.shape != mean.shape or not np.all(np.isfinite(z)):
        return None
    u = ((z - _f(mean)) / np.exp(0.5 * _f(log_var))).reshape(_REPEATS, len(_ROW_MEAN), -1)
    if not (np.all(np.abs(u.mean(0)) < 0.2) and np.all(np.abs(u.std(0) - 1) < 0.15)
            and np.all(np.abs(np.corrcoef(u.reshape(-1, u.shape[-1]), rowvar=False) - np.eye(u.shape[-1])) < 0.1)):
        return None
    name, args = "reparameterize", _rep_cases()[1]
    again = [learner.run_fresh(*args)[0] for _ in range(2)]
    other = learner.run_fresh(jax.random.key(5), *args[1:])[0]
    try:
        same, moved = np.allclose(_f(again[0]), _f(again[1])), not np.allclose(_f(again[0]), _f(other))
    except Exception:
        return None
    if not same:
        return Verdict(False, "mistake", tr(
            f"[wrong] {name}: the samples look right, but the same key gave different z.\n"
            "  Hint: draw eps from the key you are given (jax.random.normal(key, z_mean.shape)), not "
            "from np.random or a global seed: with explicit keys, results are reproducible.",
            f"[wrong] {name}: 샘플은 맞아 보이지만, 같은 키에서 다른 z가 나왔습니다.\n"
            "  힌트: eps는 np.random이나 전역 시드가 아니라 주어진 키에서 뽑으십시오(jax.random.normal(key, z_mean.shape)). "
            "명시적인 키를 쓰면 결과를 재현할 수 있습니다."))
    if not moved:
        return Verdict(False, "mistake", tr(
            f"[wrong] {name}: a different key gave the same z: the key is not used.\n"
            "  Hint: eps = jax.random.normal(key, z_mean.shape) with the key you are given.",
            f"[wrong] {name}: 다른 키에서 같은 z가 나왔습니다. 키를 쓰지 않았습니다.\n"
            "  힌트: 주어진 키로 eps = jax.random.normal(key, z_mean.shape)."))
    return Verdict(True, "correct", tr(
        f"[correct] {name}: your eps is a different draw than jax.random.normal(key, "
        "z_mean.shape) (e.g. you split the key), which is fine: z has the right mean and spread in "
        "every row, and depends only on the key.",
        f"[correct] {name}: eps가 jax.random.normal(key, z_mean.shape)과 다른 추첨이지만(예: 키를 나눔) 괜찮습니다. "
        "z는 모든 행에서 평균과 퍼짐이 맞고, 키에만 의존합니다."))


_MU, _LOG_VAR = np.array([0.5, -1.0], np.float32), np.array([0.0, -1.5], np.float32)   # numpy: no JAX at import


def _grad_of_toy_loss(fn):
    """The chapter's next cell: d/d(mu, log_var) of f(z) = sum(sin z + z^2) for z = reparameterize(key, mu, log_var),
    with the z it was taken at."""
    key, f = jax.random.key(3), lambda z: jnp.sum(jnp.sin(z) + z**2)
    grads = jax.grad(lambda m, lv: f(fn(key, m[None], lv[None])[0]), argnums=(0, 1))(_MU, _LOG_VAR)
    return grads, fn(key, _MU[None], _LOG_VAR[None])[0]


def _chain_rule(out) -> str | None:
    """dz/dmu = 1 and dz/dlog_var = (z - mu) / 2, so the gradients are f'(z) and f'(z) (z - mu) / 2."""
    (g_mu, g_lv), z = out
    z, mu = _f(z), _f(_MU)
    fprime = np.cos(z) + 2 * z
    if not np.allclose(_f(g_mu), fprime, rtol=1e-3, atol=1e-4):
        return tr(f"d loss / d z_mean is {np.round(_f(g_mu), 4)}, expected f'(z) = {np.round(fprime, 4)}: the gradient "
                  "does not flow through z = z_mean + sigma * eps (jax.lax.stop_gradient, or a value built outside JAX?).",
                  f"d loss / d z_mean이 {np.round(_f(g_mu), 4)}인데, 기대값은 f'(z) = {np.round(fprime, 4)}입니다. "
                  "그레이디언트가 z = z_mean + sigma * eps를 거쳐 흐르지 않습니다(jax.lax.stop_gradient나 JAX 밖에서 "
                  "만든 값인가요?).")
    if not np.allclose(_f(g_lv), fprime * (z - mu) / 2, rtol=1e-3, atol=1e-4):
        return tr(f"d loss / d z_log_var is {np.round(_f(g_lv), 4)}, expected f'(z) * sigma * eps / 2 = "
                  f"{np.round(fprime * (z - mu) / 2, 4)}: the gradient must flow through sigma = exp(0.5 * z_log_var).",
                  f"d loss / d z_log_var가 {np.round(_f(g_lv), 4)}인데, 기대값은 f'(z) * sigma * eps / 2 = "
                  f"{np.round(fprime * (z - mu) / 2, 4)}입니다. 그레이디언트가 sigma = exp(0.5 * z_log_var)를 거쳐 "
                  "흘러야 합니다.")
    return None


REP_USES = [Use(T("the next cell takes jax.grad through it", "다음 셀은 이 함수를 거쳐 jax.grad를 구합니다"),
                _grad_of_toy_loss, _chain_rule, transform="grad"),
            Use(T("the next cell calls it on JAX arrays of 2,000 rows and reads z.mean(0)",
                  "다음 셀은 행 2,000개의 JAX 배열로 호출하고 z.mean(0)을 읽습니다"),
                lambda fn: fn(jax.random.key(1), jnp.tile(_MU, (2000, 1)), jnp.tile(_LOG_VAR, (2000, 1))),
                returns_array)]


def check_reparameterize(reparameterize) -> bool:
    """reparameterize(key, z_mean: (B, D), z_log_var: (B, D)) -> z: (B, D) = z_mean + sigma * eps."""
    learner = as_learner(reparameterize)
    verdict = evaluate("reparameterize", learner, _rep_ref, _rep_cases(), REP_MISTAKES, uses=REP_USES)
    if verdict.kind in ("generic", "slip"):   # not the reference's draw nor a known mistake: another valid draw?
        try:
            verdict = _distribution(learner) or verdict
            if verdict.ok:
                verdict = check_uses("reparameterize", learner, REP_USES) or verdict
        except Exception:
            pass
    return say(verdict, learner)


# ----------------------------------------------------------------------------- the notebook's one-line form
use_std_from_log_var = returns_function(check_std_from_log_var, gaussian.std_from_log_var)
use_reparameterize = returns_function(check_reparameterize, gaussian.reparameterize)
