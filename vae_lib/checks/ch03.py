"""Checks for chapter 03's exercises: the standard deviation from a log-variance, and the
reparameterization trick.

    checks.check_std_from_log_var(std_from_log_var)   # log_var -> sigma
    checks.check_reparameterize(reparameterize)       # (key, z_mean, z_log_var) -> z
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from vae_lib.checks._helpers import name_nan_mistake, protect
from vae_lib.checks.core import Mistake, grade

__all__ = ["check_std_from_log_var", "check_reparameterize"]


def _f(a):
    return np.asarray(a, np.float64)


def _sqrt(a):
    with np.errstate(invalid="ignore"):  # the mistake's NaN is expected: no warning
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
]
STD_NAN_MISTAKES = [Mistake("sigma = sqrt(log_var), without exp", lambda lv: _sqrt(lv), _SQRT_HINT)]


def _std_cases():
    return [(np.array([0.0, 1.0, -1.0, 2.5, -4.0], np.float32),),
            (np.array([[-10.0, 10.0], [0.3, -0.3]], np.float32),),
            (np.float32(-2.0),)]


def check_std_from_log_var(std_from_log_var) -> bool:
    """std_from_log_var(log_var) -> sigma, elementwise (log_var = log sigma^2)."""
    fn = protect(std_from_log_var)
    if name_nan_mistake("std_from_log_var", fn, _std_cases(), STD_NAN_MISTAKES):
        return False
    return grade("std_from_log_var", fn, _std_ref, _std_cases(), STD_MISTAKES, rtol=1e-4, atol=1e-6)


# ----------------------------------------------------------------------------- reparameterize
def _eps(key, z_mean):
    return _f(jax.random.normal(key, jnp.shape(z_mean), jnp.float32))


def _rep_ref(key, z_mean, z_log_var):
    """z = z_mean + exp(0.5 z_log_var) * eps, eps = jax.random.normal(key, z_mean.shape)."""
    return _f(z_mean) + np.exp(0.5 * _f(z_log_var)) * _eps(key, z_mean)


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
    Mistake("no noise: z = z_mean (eps is missing)",
            lambda k, m, lv: _f(m),
            "then the 'sample' is always the mean and the model is a plain autoencoder: add sigma * eps "
            "with eps = jax.random.normal(key, z_mean.shape)."),
    Mistake("eps is missing: z = z_mean + sigma",
            lambda k, m, lv: _f(m) + np.exp(0.5 * _f(lv)),
            "multiply sigma by standard normal noise eps = jax.random.normal(key, z_mean.shape)."),
]
REP_NAN_MISTAKES = [Mistake("sigma = sqrt(log_var), without exp",
                            lambda k, m, lv: _f(m) + _sqrt(lv) * _eps(k, m), _SQRT_HINT)]


def _rep_cases():
    rng = np.random.default_rng(301)
    return [
        (jax.random.key(0), jnp.asarray(rng.normal(size=(4, 2)), jnp.float32),
         jnp.asarray(rng.normal(size=(4, 2)), jnp.float32)),
        (jax.random.key(1), jnp.zeros((3, 5), jnp.float32), jnp.full((3, 5), -2.0, jnp.float32)),
        (jax.random.key(2), jnp.asarray([[1.0, -1.0]], jnp.float32), jnp.asarray([[3.0, -6.0]], jnp.float32)),
    ]


def _distribution_ok(fn, say) -> bool | None:
    """When eps comes from another draw than `jax.random.normal(key, z_mean.shape)` (e.g. after
    splitting the key), compare distributions instead. True: right; False: wrong (printed);
    None: no verdict (let `grade` explain)."""
    mean = jnp.tile(jnp.asarray([[0.5, -1.0, 2.0]], jnp.float32), (20_000, 1))
    log_var = jnp.tile(jnp.asarray([[0.0, -1.5, 1.0]], jnp.float32), (20_000, 1))
    try:
        z1 = _f(fn(jax.random.key(11), mean, log_var))
        z2 = _f(fn(jax.random.key(11), mean, log_var))
        z3 = _f(fn(jax.random.key(12), mean, log_var))
    except Exception:
        return None
    if z1.shape != mean.shape or not np.all(np.isfinite(z1)):
        return None
    std = np.exp(0.5 * _f(log_var[0]))
    u = (z1 - _f(mean[0])) / std
    if not (np.all(np.abs(u.mean(0)) < 0.05) and np.all(np.abs(u.std(0) - 1) < 0.05)
            and np.all(np.abs(np.corrcoef(u, rowvar=False) - np.eye(3)) < 0.05)):
        return None
    if z2.shape != z1.shape or not np.allclose(z1, z2):
        say("[wrong] reparameterize: the samples look right, but the same key gave different z.\n"
            "  Hint: draw eps from the key you are given (jax.random.normal(key, z_mean.shape)), not "
            "from np.random or a global seed: with explicit keys, results are reproducible.")
        return False
    if z3.shape == z1.shape and np.allclose(z1, z3):
        say("[wrong] reparameterize: a different key gave the same z: the key is not used.")
        return False
    say("[correct] reparameterize: your eps is a different draw than jax.random.normal(key, z_mean.shape) "
        "(e.g. you split the key), which is fine: z has the right mean and spread, and depends only on the key.")
    return True


def check_reparameterize(reparameterize) -> bool:
    """reparameterize(key, z_mean: (B, D), z_log_var: (B, D)) -> z: (B, D) = z_mean + sigma * eps."""
    fn = protect(reparameterize)
    name = "reparameterize"
    if fn is None:
        return grade(name, None, _rep_ref, _rep_cases())
    if name_nan_mistake(name, fn, _rep_cases(), REP_NAN_MISTAKES):
        return False
    if grade(name, fn, _rep_ref, _rep_cases(), REP_MISTAKES, quiet=True):
        return grade(name, fn, _rep_ref, _rep_cases(), REP_MISTAKES)
    # Not the reference's exact draw: a known mistake, a different (valid) draw, or something else.
    if any(_matches_mistake(fn, m) for m in REP_MISTAKES):
        return grade(name, fn, _rep_ref, _rep_cases(), REP_MISTAKES)
    verdict = _distribution_ok(fn, print)
    if verdict is not None:
        return verdict
    return grade(name, fn, _rep_ref, _rep_cases(), REP_MISTAKES)


def _matches_mistake(fn, mistake: Mistake) -> bool:
    try:
        return all((lambda got, want: got.shape == want.shape and np.allclose(got, want, rtol=1e-4, atol=1e-5))(
            _f(fn(*c)), mistake.fn(*c)) for c in _rep_cases())
    except Exception:
        return False
