"""Checks for chapter 03's exercises: the standard deviation from a log-variance, and the
reparameterization trick.

    checks.check_std_from_log_var(std_from_log_var)   # log_var -> sigma
    checks.check_reparameterize(reparameterize)       # (key, z_mean, z_log_var) -> z
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from vae_lib.checks._helpers import f64 as _f
from vae_lib.checks.core import Mistake, Use, Verdict, as_learner, check_uses, close_to, evaluate, grade, say

__all__ = ["check_std_from_log_var", "check_reparameterize"]


def _sqrt(a):
    return np.sqrt(_f(a))


# ----------------------------------------------------------------------------- std_from_log_var
def _std_ref(log_var):
    """sigma = exp(log_var / 2)."""
    return np.exp(0.5 * _f(log_var))


_SQRT_HINT = ("sqrt(log_var) is not the standard deviation: log_var is a *log*, and it is negative "
              "whenever sigma < 1 (then the square root is NaN). Undo the log first: sqrt(exp(log_var)) = exp(0.5 * log_var).")
STD_MISTAKES = [
    Mistake("sigma = exp(log_var): that is the variance, not the standard deviation",
            lambda lv: np.exp(_f(lv)),
            "exp(log sigma^2) = sigma^2. The standard deviation is its square root: exp(0.5 * log_var)."),
    Mistake("sigma = exp(-0.5 * log_var): that is 1 / sigma",
            lambda lv: np.exp(-0.5 * _f(lv)),
            "there is no minus sign: log sigma = +1/2 log sigma^2. (The sign is not the reason for the 0.5.)"),
    Mistake("sigma = 0.5 * exp(log_var): the half belongs inside the exponent",
            lambda lv: 0.5 * np.exp(_f(lv)),
            "sqrt(a) = a^(1/2) = exp(1/2 log a): the 1/2 multiplies the log, inside exp."),
    Mistake("sigma = log_var / 2 (the exponential is missing)",
            lambda lv: 0.5 * _f(lv),
            "log_var / 2 is log sigma; apply exp to get sigma."),
    Mistake("sigma = sqrt(log_var), without exp", lambda lv: _sqrt(lv), _SQRT_HINT),
    Mistake("sigma = exp(2 * log_var) (= exp(log_var)**2, the variance squared)",
            lambda lv: np.exp(2 * _f(lv)),
            "a square root halves the log: sigma = exp(log_var / 2), not exp(2 * log_var)."),
    Mistake("sigma = 10 ** (log_var / 2): the log is the natural log",
            lambda lv: 10 ** (0.5 * _f(lv)),
            "log_var is a natural logarithm (base e): undo it with exp, jnp.exp(0.5 * log_var)."),
    Mistake("sigma = sqrt(|log_var|) (abs to avoid the NaN)",
            lambda lv: np.sqrt(np.abs(_f(lv))),
            _SQRT_HINT),
    Mistake("sigma = exp(0.5) * log_var: exp applied to the 0.5 only",
            lambda lv: np.exp(0.5) * _f(lv),
            "the whole product goes inside the exponential: jnp.exp(0.5 * log_var)."),
]


def _std_cases():
    return [(np.array([0.0, 1.0, -1.0, 2.5, -4.0], np.float32),),
            (np.array([[-10.0, 10.0], [0.3, -0.3]], np.float32),),
            (np.float32(-2.0),)]


_LV = np.array([0.0, -1.5, 2.0], np.float32)
STD_USES = [Use("the next exercise's reparameterize calls it, and the chapter takes jax.grad through that",
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
    Mistake("sigma = exp(log_var) (the variance) multiplies eps",
            lambda k, m, lv: _f(m) + np.exp(_f(lv)) * _eps(k, m),
            "exp(log_var) is sigma^2; scale eps by sigma = exp(0.5 * log_var)."),
    Mistake("sigma = exp(-0.5 * log_var) (that is 1 / sigma)",
            lambda k, m, lv: _f(m) + np.exp(-0.5 * _f(lv)) * _eps(k, m),
            "no minus sign: sigma = exp(+0.5 * log_var)."),
    Mistake("log_var used directly as the standard deviation",
            lambda k, m, lv: _f(m) + _f(lv) * _eps(k, m),
            "the encoder's second head is log sigma^2, not sigma: sigma = exp(0.5 * log_var)."),
    Mistake("log sigma = log_var / 2 used as the standard deviation (exp is missing)",
            lambda k, m, lv: _f(m) + 0.5 * _f(lv) * _eps(k, m),
            "log_var / 2 is log sigma: sigma = exp(0.5 * log_var)."),
    Mistake("no noise: z = z_mean (eps is missing)",
            lambda k, m, lv: _f(m),
            "then the 'sample' is always the mean and the model is a plain autoencoder: add sigma * eps "
            "with eps = jax.random.normal(key, z_mean.shape)."),
    Mistake("eps is missing: z = z_mean + sigma",
            lambda k, m, lv: _f(m) + _sigma(lv),
            "multiply sigma by standard normal noise eps = jax.random.normal(key, z_mean.shape)."),
    Mistake("eps is added instead of multiplied: z = z_mean + sigma + eps",
            lambda k, m, lv: _f(m) + _sigma(lv) + _eps(k, m),
            "the noise is scaled by sigma: z = z_mean + sigma * eps."),
    Mistake("the mean is missing: z = sigma * eps",
            lambda k, m, lv: _sigma(lv) * _eps(k, m),
            "z is centred on z_mean: z = z_mean + sigma * eps."),
    Mistake("mean and sigma swapped: z = sigma + z_mean * eps",
            lambda k, m, lv: _sigma(lv) + _f(m) * _eps(k, m),
            "z_mean is the centre, sigma the scale of the noise: z = z_mean + sigma * eps."),
    Mistake("eps of shape (D,): one noise vector shared by every row",
            lambda k, m, lv: _f(m) + _sigma(lv) * _eps(k, m, np.shape(m)[-1:]),
            "each example needs its own noise: eps = jax.random.normal(key, z_mean.shape), shape (B, D)."),
    Mistake("eps of shape (B, 1): one noise value shared by all dimensions of a row",
            lambda k, m, lv: _f(m) + _sigma(lv) * _eps(k, m, np.shape(m)[:1] + (1,)),
            "each latent dimension needs its own noise: eps = jax.random.normal(key, z_mean.shape)."),
    Mistake("sigma from the log-variance averaged over the batch",
            lambda k, m, lv: _f(m) + np.exp(0.5 * _f(lv).mean(0)) * _eps(k, m),
            "every example has its own sigma: exp(0.5 * z_log_var) elementwise, no mean over rows."),
    Mistake("sigma from the log-variance averaged over the latent dimensions",
            lambda k, m, lv: _f(m) + np.exp(0.5 * _f(lv).mean(-1, keepdims=True)) * _eps(k, m),
            "every dimension has its own sigma: exp(0.5 * z_log_var) elementwise, no mean."),
    Mistake("uniform noise instead of standard normal noise",
            lambda k, m, lv: _f(m) + _sigma(lv) * _f(jax.random.uniform(k, jnp.shape(m))),
            "eps ~ N(0, I): jax.random.normal(key, z_mean.shape), not jax.random.uniform."),
    Mistake("sigma = sqrt(log_var), without exp", lambda k, m, lv: _f(m) + _sqrt(lv) * _eps(k, m), _SQRT_HINT),
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
        return Verdict(False, "mistake", f"[wrong] {name}: the samples look right, but the same key gave different z.\n"
                       "  Hint: draw eps from the key you are given (jax.random.normal(key, z_mean.shape)), not "
                       "from np.random or a global seed: with explicit keys, results are reproducible.")
    if not moved:
        return Verdict(False, "mistake", f"[wrong] {name}: a different key gave the same z: the key is not used.\n"
                       "  Hint: eps = jax.random.normal(key, z_mean.shape) with the key you are given.")
    return Verdict(True, "correct", f"[correct] {name}: your eps is a different draw than jax.random.normal(key, "
                   "z_mean.shape) (e.g. you split the key), which is fine: z has the right mean and spread in "
                   "every row, and depends only on the key.")


_MU, _LOG_VAR = jnp.array([0.5, -1.0]), jnp.array([0.0, -1.5])


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
        return (f"d loss / d z_mean is {np.round(_f(g_mu), 4)}, expected f'(z) = {np.round(fprime, 4)}: the gradient "
                "does not flow through z = z_mean + sigma * eps (jax.lax.stop_gradient, or a value built outside JAX?).")
    if not np.allclose(_f(g_lv), fprime * (z - mu) / 2, rtol=1e-3, atol=1e-4):
        return (f"d loss / d z_log_var is {np.round(_f(g_lv), 4)}, expected f'(z) * sigma * eps / 2 = "
                f"{np.round(fprime * (z - mu) / 2, 4)}: the gradient must flow through sigma = exp(0.5 * z_log_var).")
    return None


REP_USES = [Use("the next cell takes jax.grad through it", _grad_of_toy_loss, _chain_rule, transform="grad"),
            Use("the next cell calls it on JAX arrays of 2,000 rows and reads z.mean(0)",
                lambda fn: fn(jax.random.key(1), jnp.tile(_MU, (2000, 1)), jnp.tile(_LOG_VAR, (2000, 1))),
                lambda z: None if isinstance(z, (np.ndarray, jax.Array)) else
                f"your function returns a {type(z).__name__}, and the next cell needs an array (it reads z.mean(0)).")]


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
