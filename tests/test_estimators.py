import jax
import jax.numpy as jnp
import numpy as np

from vae_lib.estimators import (compare_estimators, pathwise_gradients, score_function_gradients,
                                variance_ratio)

MEAN = jnp.array([0.5, -1.0])
LOG_VAR = jnp.array([0.0, -0.7])


def f(z):
    return jnp.sum(z**2)


def exact():  # E[sum z^2] = sum(mean^2 + exp(log_var))
    return 2 * np.asarray(MEAN), np.exp(np.asarray(LOG_VAR))


def test_shapes():
    gm, glv = pathwise_gradients(f, jax.random.key(0), MEAN, LOG_VAR, 7)
    assert gm.shape == glv.shape == (7, 2)
    gm, glv = score_function_gradients(f, jax.random.key(0), MEAN, LOG_VAR, 7)
    assert gm.shape == glv.shape == (7, 2)


def test_both_unbiased_within_standard_errors():
    n = 40_000
    want_m, want_lv = exact()
    for est in (pathwise_gradients, score_function_gradients):
        gm, glv = (np.asarray(a) for a in est(f, jax.random.key(3), MEAN, LOG_VAR, n))
        for got, want in ((gm, want_m), (glv, want_lv)):
            se = got.std(0) / np.sqrt(n)
            assert np.all(np.abs(got.mean(0) - want) < 5 * se + 1e-6), (est.__name__, got.mean(0), want)


def test_pathwise_is_exact_for_linear_f_and_score_function_is_noisy():
    lin = lambda z: jnp.sum(3.0 * z)  # noqa: E731  d/dmean = 3 for every sample
    gm, glv = pathwise_gradients(lin, jax.random.key(0), MEAN, LOG_VAR, 4000)
    np.testing.assert_allclose(gm, 3.0, rtol=1e-6)
    glv = np.asarray(glv)  # per sample 1.5 * sigma * eps: zero only on average
    assert np.all(np.abs(glv.mean(0)) < 5 * glv.std(0) / np.sqrt(len(glv)))
    stats = compare_estimators(lin, jax.random.key(1), MEAN, LOG_VAR, 2000)
    assert np.all(np.asarray(stats["score_function"]["var_grad_mean"]) > 0.5)


def test_variance_ratio_large_and_baseline_helps():
    r = variance_ratio(f, jax.random.key(2), MEAN, LOG_VAR, 20_000)
    assert r > 3.0
    true_mean_of_f = float(np.sum(np.asarray(MEAN) ** 2 + np.exp(np.asarray(LOG_VAR))))
    r_base = variance_ratio(f, jax.random.key(2), MEAN, LOG_VAR, 20_000, baseline=true_mean_of_f)
    assert 1.0 < r_base < r
