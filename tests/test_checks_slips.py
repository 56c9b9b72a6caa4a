"""The engine's general slips (issue 14, second fresh set): reductions named from every case, the answer
on a diagonal, a unit vector's length, a factor not hidden by a case whose answer is 0, a known mistake
with one more slip on top; and each chapter mistake added with them: a right answer passes, the mistake
gets its own hint."""
import jax.numpy as jnp
import numpy as np
import pytest

from vae_lib import gaussian, sd_vae
from vae_lib.course import checks
from vae_lib.course.checks import ch02
from vae_lib.course.checks.core import Mistake, T, evaluate

RNG = np.random.default_rng(0)
MATRICES = [(RNG.normal(size=(n, k)),) for n, k in [(2, 3), (4, 2), (3, 5)]]


def verdict(learner, ref, cases=MATRICES, mistakes=()):
    return evaluate("f", learner, ref, cases, mistakes)


# ----------------------------------------------------------------------------- core
def test_a_missing_reduction_over_a_kept_axis_is_named_with_its_size():
    v = verdict(lambda x: x ** 2, lambda x: np.sum(x ** 2, axis=-1))
    assert v.kind == "slip" and "keeps axis 1 (x.shape[1] = 3 values): the sum over it" in v.message


def test_every_value_reduced_to_one_number_is_named_both_ways():
    v = verdict(lambda x: np.mean(np.abs(x)), lambda x: np.abs(x))
    assert v.kind == "slip" and "your number is the mean of the expected values" in v.message
    v = verdict(lambda x: np.abs(x), lambda x: np.max(np.abs(x)))
    assert v.kind == "slip" and "the max of all your values is the expected number" in v.message


def test_a_case_the_learner_gets_right_does_not_hide_a_reduction():
    cases = MATRICES + [(np.array(2.0),)]   # a scalar input: the mean of one value is that value
    v = verdict(lambda x: np.mean(np.exp(x)), np.exp, cases)
    assert v.kind == "slip" and "your number is the mean of the expected values" in v.message


def test_the_answer_on_the_diagonal_of_a_pairwise_output_is_named():
    v = verdict(lambda d: d @ d.T, lambda d: np.sum(d * d, axis=-1))
    assert v.kind == "slip" and "the answer is the diagonal of your (2, 2) output" in v.message


def test_an_axis_of_size_one_is_a_reshape_not_a_reduction():
    v = verdict(lambda x: np.sum(x, axis=-1)[:, None], lambda x: np.sum(x, axis=-1))
    assert "right numbers in the wrong shape" in v.message


def test_a_reduction_that_fits_one_case_only_is_not_named():
    # its sum over axis 1 is right on the smallest case, the one shown, and wrong on the others
    v = verdict(lambda x: x if len(x) == 2 else 2 * x, lambda x: np.sum(x, axis=-1))
    assert v.kind == "type" and "for the input" in v.message and "sum over it" not in v.message


def test_a_case_whose_answer_is_zero_does_not_hide_a_factor():
    cases = MATRICES + [(np.zeros((2, 3)),)]
    v = verdict(lambda x: -2 * np.sum(x, axis=-1), lambda x: np.sum(x, axis=-1), cases)
    assert v.kind == "slip" and "-2 times the expected one" in v.message


def test_a_unit_vector_of_another_length_is_named():
    unit = lambda x: x[0] / np.linalg.norm(x[0])   # noqa: E731
    v = verdict(lambda x: x[0] / np.abs(x[0]).sum(), unit)
    assert v.kind == "slip" and "points the right way but its length is not 1" in v.message
    v = verdict(lambda x: -x[0], unit)
    assert "points the other way" in v.message


def test_a_known_mistake_with_one_more_slip_is_named_and_only_then():
    ref = lambda x: np.sum(x, axis=-1)   # noqa: E731
    mean = [Mistake(T("a mean instead of a sum", "합 대신 평균"), lambda x: np.mean(x, axis=-1),
                    T("sum over the last axis", "마지막 축에 대해 합하세요"))]
    v = verdict(lambda x: -np.mean(x, axis=-1), ref, mistakes=mean)
    assert v.kind == "mistake" and "a mean instead of a sum - with one more slip on top" in v.message
    assert "the sign is flipped" in v.message and "Hint: sum over the last axis" in v.message
    v = verdict(lambda x: np.mean(x, axis=-1) + 1, ref, mistakes=mean)
    assert v.kind == "mistake" and "off by the same constant (+1)" in v.message
    v = verdict(lambda x: -ref(x), ref, mistakes=mean)   # a slip of the answer itself: no mistake named
    assert v.kind == "slip" and "known mistake" not in v.message
    v = verdict(lambda x: np.mean(x, axis=-1) ** 2, ref, mistakes=mean)
    assert v.kind == "generic" and "for the input" in v.message


# ----------------------------------------------------------------------------- chapter mistakes added
def graded(check, fn, capsys):
    ok = check(fn)
    return ok, capsys.readouterr().out


def _gn(divide):
    """GroupNorm as a learner writes it, divided by divide(var, eps)."""
    def group_norm(x, g, eps=1e-6):
        y = x.reshape(*x.shape[:3], g, -1)
        mean, var = y.mean((1, 2, 4), keepdims=True), y.var((1, 2, 4), keepdims=True)
        return ((y - mean) / divide(var, eps)).reshape(x.shape)
    return group_norm


def _mvn_logdet_doubled(x, m, c):
    maha = jnp.sum((x - m) @ jnp.linalg.inv(c) * (x - m), -1)
    return -0.5 * (m.shape[-1] * jnp.log(2 * jnp.pi) + maha) - jnp.linalg.slogdet(c)[1]


@pytest.mark.parametrize("check, right, wrong, words", [
    (checks.check_ae_loss,
     lambda l, x: jnp.mean(jnp.maximum(l, 0) - l * x + jnp.log1p(jnp.exp(-jnp.abs(l)))),
     lambda l, x: jnp.mean(jnp.maximum(l, 0) - l * x + jnp.log(jnp.exp(-jnp.abs(l)))),
     "log(exp(-|l|)) where log1p(exp(-|l|)) belongs"),
    (checks.check_group_norm, sd_vae.group_norm, _gn(lambda v, e: jnp.sqrt(v) + e),
     "eps added outside the square root"),
    (checks.check_group_norm, sd_vae.group_norm, _gn(lambda v, e: jnp.sqrt(v)), "eps left out"),
    (checks.check_latent_scale_factor, lambda z: 1 / jnp.std(z),
     lambda z: 1 / np.std(np.asarray(z), ddof=1), "the unbiased std (ddof=1"),
    (checks.check_mvn_log_density, gaussian.mvn_log_density, _mvn_logdet_doubled,
     "the term -log det(Sigma) / 2 is doubled"),
], ids=["ae_loss log for log1p", "group_norm eps outside", "group_norm no eps", "scale ddof=1", "mvn log det doubled"])
def test_each_added_mistake_gets_its_own_hint(check, right, wrong, words, capsys):
    ok, out = graded(check, right, capsys)
    assert ok and "[correct]" in out, out
    ok, out = graded(check, wrong, capsys)
    assert not ok and "known mistake" in out and words in out, out


@pytest.mark.parametrize("mistake", ch02.MVN_TERM_SLIPS, ids=[m.name for m in ch02.MVN_TERM_SLIPS])
def test_each_mvn_term_slip_gets_its_own_hint(mistake, capsys):
    ok, out = graded(checks.check_mvn_log_density, mistake.fn, capsys)
    assert not ok and f"known mistake - {mistake.name}." in out, out
