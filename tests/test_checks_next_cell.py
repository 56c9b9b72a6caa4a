"""Issue 25: a pass means the learner's function works where the notebook uses it next.

Each wrong answer below passed the checks before (or got a message that pointed the wrong way); each
test gives the answer as a learner writes it, the verdict expected and the key words of the message."""
import contextlib
import io
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from vae_lib import gaussian, latent, parallel, sd_vae
from vae_lib.course import checks
from vae_lib.course.checks import ch05, ch06
from vae_lib.course.checks.core import T, Use, check_uses


def grade(check, fn) -> tuple[object, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = check(fn)
    return result, out.getvalue()


def wrong(check, fn, *words, absent=()):
    result, message = grade(check, fn)
    assert result is False and "[wrong]" in message, message
    for w in words:
        assert w in message, f"{w!r} not in: {message}"
    for w in absent:
        assert w not in message, f"{w!r} in: {message}"
    return message


# ----------------------------------------------------------------------------- passes that broke the next cell
def test_split_batch_returning_np_array_split_is_a_list_the_next_cell_cannot_read():
    wrong(checks.check_split_batch, lambda x, n: np.array_split(x, n),
          "returns a list", "needs an array", ".shape")


def test_reparameterize_in_numpy_breaks_the_next_cells_gradient():
    def reparameterize(key, z_mean, z_log_var):
        eps = jax.random.normal(key, z_mean.shape)
        return np.asarray(z_mean) + np.exp(0.5 * np.asarray(z_log_var)) * np.asarray(eps)
    wrong(checks.check_reparameterize, reparameterize, "jax.grad", "NumPy breaks the gradient", "use jax.numpy")


def test_std_from_log_var_in_numpy_breaks_the_gradient_through_reparameterize():
    wrong(checks.check_std_from_log_var, lambda lv: np.exp(0.5 * lv), "reparameterize", "NumPy breaks the gradient")


def test_reparameterize_that_stops_the_gradient_is_caught():
    def reparameterize(key, z_mean, z_log_var):
        return z_mean + jax.lax.stop_gradient(jnp.exp(0.5 * z_log_var)) * jax.random.normal(key, z_mean.shape)
    wrong(checks.check_reparameterize, reparameterize, "jax.grad", "z_log_var", "exp(0.5 * z_log_var)")


def test_kl_in_numpy_breaks_the_toy_model_under_jit_and_grad():
    wrong(checks.check_kl_to_standard_normal, lambda m, v: -0.5 * np.sum(1 + v - m**2 - np.exp(v), axis=-1),
          "jax.jit", "NumPy breaks", "jax.numpy")


def test_morph_codes_returning_a_list_of_rows_is_rejected():
    wrong(checks.check_morph_codes, lambda a, b, n: [(1 - t) * a + t * b for t in np.linspace(0, 1, n)],
          "returns a list", "needs an array")


def test_normal_pdf_with_math_fails_where_std_is_an_array():
    def normal_pdf(x, mean, std):
        return jnp.exp(-(x - mean) ** 2 / (2 * std**2)) / math.sqrt(2 * math.pi * std**2)
    wrong(checks.check_normal_pdf, normal_pdf, "one std per column", "math.sqrt", "jnp.sqrt")


def test_group_norm_editing_a_read_only_view_of_a_jax_array_is_named():
    def group_norm(x, num_groups, eps=1e-6):
        b, h, w, c = x.shape
        g = np.asarray(x).reshape(b, h, w, num_groups, c // num_groups)
        g -= g.mean(axis=(1, 2, 4), keepdims=True)
        g /= np.sqrt(g.var(axis=(1, 2, 4), keepdims=True) + eps)
        return g.reshape(b, h, w, c)
    wrong(checks.check_group_norm, group_norm, "JAX array", "read-only", "np.array(x)")


def test_average_gradients_with_pmean_outside_a_mapped_function_is_named():
    wrong(checks.check_average_gradients, lambda g: jax.lax.pmean(g, axis_name="devices"),
          "unbound axis name", "mapped over devices", "jnp.mean(grads, axis=0)")


# ----------------------------------------------------------------------------- test inputs at the course's scales
def test_iwae_with_one_global_max_gives_minus_inf_on_a_trained_vaes_log_weights():
    def iwae_from_log_weights(log_w):
        m = jnp.max(log_w)
        return m + jnp.log(jnp.mean(jnp.exp(log_w - m), axis=0))
    wrong(checks.check_iwae_from_log_weights, iwae_from_log_weights, "one shift for the whole batch", "-inf",
          "axis=0")


def test_the_trained_scale_log_weights_span_hundreds_of_nats():
    lw = np.asarray(ch05._trained_scale_log_weights())
    assert lw.shape == (10, 20) and lw.min() < -290 and lw.max() > -140
    m = lw.max()
    with np.errstate(divide="ignore"):
        global_shift = m + np.log(np.mean(np.exp((lw - m).astype(np.float32)), axis=0))
    assert np.sum(~np.isfinite(global_shift)) >= 5    # measured: 9 of 20 images


def test_the_per_image_max_trick_passes():
    def iwae_from_log_weights(log_w):
        m = jnp.max(log_w, axis=0)
        return m + jnp.log(jnp.mean(jnp.exp(log_w - m), axis=0))
    assert grade(checks.check_iwae_from_log_weights, iwae_from_log_weights)[0] is True


@pytest.mark.parametrize("count, words", [
    ("counts[0]", "WITH the attribute"),
    ("batches_seen", "number of batches"),
    ("max(counts)", "larger class"),
])
def test_max_examples_compared_with_the_wrong_count_is_named(count, words):
    def attribute_vector_from_codes(z_batches, label_batches, tol=0.04, max_examples=10_000):
        dim = z_batches[0].shape[1]
        sums, counts, means = [np.zeros(dim), np.zeros(dim)], [0, 0], [None, None]
        batches_seen = 0
        for z, labels in zip(z_batches, label_batches):
            has = np.asarray(labels) > 0
            moves = []
            for i, group in enumerate((has, ~has)):
                if not group.any():
                    continue
                sums[i] = sums[i] + z[group].sum(axis=0)
                counts[i] += int(group.sum())
                new = sums[i] / counts[i]
                moves.append(np.inf if means[i] is None else np.linalg.norm(new - means[i]))
                means[i] = new
            batches_seen += 1
            if (len(moves) == 2 and max(moves) < tol) or eval(count) >= max_examples:  # noqa: S307
                break
        d = means[0] - means[1]
        return d / np.linalg.norm(d)
    wrong(checks.check_attribute_vector_from_codes, attribute_vector_from_codes, words,
          absent=("max_examples ignored",))


# ----------------------------------------------------------------------------- messages that point the right way
def test_a_missing_return_in_the_debugging_exercise_says_so():
    def my_diagnosis():
        "kl_sign"   # noqa: B018 - the learner forgot `return`
    result, message = grade(checks.check_debug_diagnosis, my_diagnosis)
    assert result is False and "returned None" in message and "did you forget `return`" in message, message
    result, message = grade(checks.check_debug_diagnosis, None)
    assert result is False and "nothing to check yet" in message


def test_merged_trailing_axes_in_split_batch_are_named_not_keepdims():
    wrong(checks.check_split_batch, lambda x, n: x.reshape(n, -1), "merged", "*x.shape[1:]", absent=("keepdims",))


def test_a_kept_axis_of_size_one_still_gets_the_keepdims_hint():
    wrong(checks.check_average_gradients, lambda g: jnp.mean(g, axis=0, keepdims=True), "keepdims")


def test_a_hard_coded_eps_in_group_norm_is_named():
    def group_norm(x, num_groups, eps=1e-6):
        b, h, w, c = x.shape
        g = jnp.reshape(x, (b, h, w, num_groups, c // num_groups))
        mean, var = jnp.mean(g, axis=(1, 2, 4), keepdims=True), jnp.var(g, axis=(1, 2, 4), keepdims=True)
        return jnp.reshape((g - mean) / jnp.sqrt(var + 1e-5), (b, h, w, c))
    wrong(checks.check_group_norm, group_norm, "eps", "sqrt(var + 1e-05)", "whatever eps it is given")


def test_a_failing_case_can_be_pasted_and_run():
    def reversed_sign(z_batches, label_batches, tol=0.04, max_examples=10_000):
        return -np.abs(latent.attribute_vector_from_codes(z_batches, label_batches, tol, max_examples))
    message = wrong(checks.check_attribute_vector_from_codes, reversed_sign, "checks.test_case(")
    line = next(ln for ln in message.splitlines() if "checks.test_case(" in ln)
    code = line.split("yourself: ", 1)[1]
    space = {"checks": checks, "reversed_sign": reversed_sign}
    exec(code.replace("reversed_sign(*args)", "got = reversed_sign(*args)"), space)  # noqa: S102
    args = space["args"]
    assert isinstance(args[0], list) and not np.allclose(space["got"], latent.attribute_vector_from_codes(*args))


# ----------------------------------------------------------------------------- right answers pass, checks never raise
RIGHT = [
    (checks.check_split_batch, lambda x, n: jnp.reshape(x, (n, -1) + x.shape[1:])),
    (checks.check_split_batch, parallel.split_batch),
    (checks.check_average_gradients, lambda g: jnp.mean(jnp.asarray(g), axis=0)),
    (checks.check_average_gradients, lambda g: np.mean(np.asarray(g), axis=0)),   # not differentiated next
    (checks.check_reparameterize, gaussian.reparameterize),
    (checks.check_std_from_log_var, lambda lv: jnp.exp(lv / 2)),
    (checks.check_kl_to_standard_normal, gaussian.kl_to_standard_normal),
    (checks.check_morph_codes, lambda a, b, n: latent.morph(a, b, n)[1]),
    (checks.check_morph_codes, lambda a, b, n: np.stack([(1 - t) * a + t * b for t in np.linspace(0, 1, n)])),
    (checks.check_group_norm, sd_vae.group_norm),
    (checks.check_latent_scale_factor, lambda z: 1 / np.std(np.asarray(z))),
    (checks.check_conv_kernel_torch_to_flax, lambda w: np.asarray(w).transpose(2, 3, 1, 0)),
    (checks.check_normal_pdf, lambda x, m, s: np.exp(-(np.asarray(x) - m) ** 2 / (2 * s**2)) / np.sqrt(2 * np.pi * s**2)),
    (checks.check_ae_loss, lambda l, x: float(np.mean(np.logaddexp(0, l) - np.asarray(l) * np.asarray(x)))),
]


@pytest.mark.parametrize("check, fn", RIGHT, ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(RIGHT)])
def test_right_answers_still_pass(check, fn):
    result, message = grade(check, fn)
    assert result is True and "[correct]" in message, message


def test_a_use_that_breaks_oddly_never_escapes():
    def exits(*a):
        raise SystemExit(3)
    uses = [Use(T("the next cell calls it", "다음 셀이 호출합니다"), lambda fn: fn(1)),
            Use(T("never reached", "닿지 않음"), lambda fn: 1 / 0)]
    v = check_uses("f", exits, uses)
    assert v is not None and not v.ok and "SystemExit" in v.message
    v = check_uses("f", lambda x: x, [Use(T("the next cell reads it", "다음 셀이 읽습니다"), lambda fn: fn(1),
                                          lambda out: 1 / 0)])
    assert v is not None and "cannot be used there" in v.message
    assert check_uses("f", lambda x: x, [Use(T("the next cell calls it", "다음 셀이 호출합니다"), lambda fn: fn(1))]) is None
