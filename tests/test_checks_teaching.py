"""The graders teach and never break: every recognised mistake gets its own hint, learner code runs
as written (a print shows once, nothing leaks tracers), odd return values and exceptions never escape,
and chapters 01 and 05 agree on what a numerically acceptable BCE is."""
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from vae_lib import gaussian, latent, losses, sd_vae, torch_port
from vae_lib.course import checks
from vae_lib.course.checks import ch01, ch02, ch03, ch04, ch05, ch06, ch07
from vae_lib.course.checks.core import Learner, evaluate

RIGHT = {  # a right answer per check, written as a learner would
    checks.check_ae_loss: lambda l, x: jnp.mean(optax.sigmoid_binary_cross_entropy(l, x)),
    checks.check_nearest_distance: lambda q, c: jnp.min(jnp.linalg.norm(q[:, None] - c[None], axis=-1), axis=1),
    checks.check_normal_pdf: lambda x, m, s: jnp.exp(-0.5 * ((x - m) / s) ** 2) / (s * jnp.sqrt(2 * jnp.pi)),
    checks.check_mvn_log_density: gaussian.mvn_log_density,
    checks.check_covariance_matrix: lambda s: np.cov(s, rowvar=False),
    checks.check_std_from_log_var: lambda lv: jnp.sqrt(jnp.exp(lv)),
    checks.check_reparameterize: gaussian.reparameterize,
    checks.check_kl_to_standard_normal: gaussian.kl_to_standard_normal,
    checks.check_kl_diagonal_gaussians: gaussian.kl_diagonal_gaussians,
    checks.check_vae_loss: losses.vae_loss_value,
    checks.check_iwae_from_log_weights: lambda lw: jax.nn.logsumexp(lw, axis=0) - jnp.log(lw.shape[0]),
    checks.check_attribute_vector_from_codes: latent.attribute_vector_from_codes,
    checks.check_morph_codes: lambda a, b, n: latent.morph(a, b, n)[1],
    checks.check_group_norm: sd_vae.group_norm,
    checks.check_latent_scale_factor: sd_vae.latent_scale_factor,
    checks.check_conv_kernel_torch_to_flax: torch_port.conv_kernel_torch_to_flax,
}
ALL = list(RIGHT)
IDS = [c.__name__ for c in ALL]

MISTAKE_LISTS = [
    (checks.check_ae_loss, ch01.AE_LOSS_MISTAKES), (checks.check_nearest_distance, ch01.NEAREST_MISTAKES),
    (checks.check_normal_pdf, ch02.NORMAL_PDF_MISTAKES + ch02.PDF_TERM_SLIPS), (checks.check_mvn_log_density, ch02.MVN_MISTAKES + ch02.MVN_TERM_SLIPS),
    (checks.check_covariance_matrix, ch02.COV_MISTAKES), (checks.check_std_from_log_var, ch03.STD_MISTAKES),
    (checks.check_reparameterize, ch03.REP_MISTAKES), (checks.check_kl_to_standard_normal, ch04.KL_MISTAKES + ch04.KL_TERM_SLIPS),
    (checks.check_kl_diagonal_gaussians, ch04.GENERAL_MISTAKES + ch04.GENERAL_TERM_SLIPS), (checks.check_vae_loss, ch05.LOSS_MISTAKES),
    (checks.check_iwae_from_log_weights, ch05.IWAE_MISTAKES),
    (checks.check_attribute_vector_from_codes, ch06.AV_MISTAKES), (checks.check_morph_codes, ch06.MORPH_MISTAKES),
    (checks.check_group_norm, ch07.GROUP_NORM_MISTAKES), (checks.check_latent_scale_factor, ch07.SCALE_MISTAKES),
    (checks.check_conv_kernel_torch_to_flax, ch07.KERNEL_MISTAKES),
]
EACH_MISTAKE = [(check, m) for check, ms in MISTAKE_LISTS for m in ms]


@pytest.mark.parametrize("check", ALL, ids=IDS)
def test_right_answers_pass(check, capsys):
    assert check(RIGHT[check]) is True
    assert "[correct]" in capsys.readouterr().out


@pytest.mark.parametrize("check, mistake", EACH_MISTAKE, ids=[f"{c.__name__}-{m.name[:40]}" for c, m in EACH_MISTAKE])
def test_each_known_mistake_gets_its_own_hint(check, mistake, capsys):
    assert check(mistake.fn) is False
    out = capsys.readouterr().out
    assert f"known mistake - {mistake.name}." in out and mistake.hint in out, out


class Boom(Exception):
    pass


ODD_ANSWERS = {
    "huge int": lambda *a: 10**400,
    "string": lambda *a: "text",
    "dict": lambda *a: {"a": 1},
    "ragged list": lambda *a: [[1.0], [2.0, 3.0]],
    "None": lambda *a: None,
    "own exception": lambda *a: (_ for _ in ()).throw(Boom("mine")),
    "KeyError": lambda *a: {}["missing"],
    "OverflowError": lambda *a: float(10**400),
    "SystemExit": lambda *a: exit(3),
    "key": lambda *a: jax.random.key(0),
    "object": lambda *a: object(),
    "nan": lambda *a: float("nan"),
}


@pytest.mark.parametrize("check", ALL, ids=IDS)
@pytest.mark.parametrize("odd", list(ODD_ANSWERS))
def test_no_learner_code_makes_a_check_raise(check, odd, capsys):
    assert check(ODD_ANSWERS[odd]) is False
    out = capsys.readouterr().out
    assert out.count("\n") >= 1 and ("[wrong]" in out or "[not yet]" in out), out


def test_odd_outputs_say_what_was_expected(capsys):
    checks.check_std_from_log_var(lambda lv: "text")
    assert "returned a str, which is not an array of numbers" in capsys.readouterr().out
    checks.check_normal_pdf(lambda x, m, s: 10**400)
    assert "returned a int, which is not an array of numbers" in capsys.readouterr().out
    checks.check_kl_to_standard_normal(lambda m, v: {}["x"])
    out = capsys.readouterr().out
    assert "raised KeyError" in out and "for the input" in out and "z_mean = " in out


def test_list_outputs_are_read_as_arrays_where_the_next_cell_can_use_them(capsys):
    assert checks.check_nearest_distance(lambda q, c: RIGHT[checks.check_nearest_distance](q, c).tolist())
    assert checks.check_normal_pdf(lambda x, m, s: np.asarray(RIGHT[checks.check_normal_pdf](x, m, s)).tolist())
    assert capsys.readouterr().out.count("[correct]") == 2
    # the next cell decodes the path and indexes it: a list of rows passes only by luck (issue 25)
    assert not checks.check_morph_codes(lambda a, b, n: [list((1 - t) * a + t * b) for t in np.linspace(0, 1, n)])
    out = capsys.readouterr().out
    assert "returns a list" in out and "needs an array" in out, out


def test_returning_z_and_eps_is_explained(capsys):
    def both(key, m, lv):
        eps = jax.random.normal(key, m.shape)
        return m + jnp.exp(0.5 * lv) * eps, eps
    assert checks.check_reparameterize(both) is False
    out = capsys.readouterr().out
    assert "a tuple of 2 values" in out and "first value is the right answer" in out


@pytest.mark.parametrize("check", ALL, ids=IDS)
def test_a_learners_print_appears_once(check, capsys):
    right = RIGHT[check]

    def chatty(*args):
        print("HELLO from the learner")
        return right(*args)
    assert check(chatty) is True
    out = capsys.readouterr().out
    assert out.count("HELLO from the learner") == 1 and "Traced" not in out
    assert "shown for the first test case only" in out

    def chatty_wrong(*args):
        print("HELLO again")
        return jnp.zeros(())
    assert check(chatty_wrong) is False
    assert capsys.readouterr().out.count("HELLO again") == 1


def test_a_print_shows_real_numbers_not_tracers(capsys):
    def prints_values(log_var):
        print("log_var[0] =", log_var.ravel()[0])
        return jnp.exp(0.5 * log_var)
    checks.check_std_from_log_var(prints_values)
    out = capsys.readouterr().out
    assert "log_var[0] = 0.0" in out and "Traced" not in out


def test_code_that_keeps_its_outputs_does_not_leak_tracers_from_the_test_cases(capsys):
    kept = []

    def keeps(z_mean, z_log_var):
        kl = -0.5 * jnp.sum(1 + z_log_var - z_mean**2 - jnp.exp(z_log_var), axis=-1)
        kept.append(kl)
        return kl
    assert checks.check_kl_to_standard_normal(keeps)
    # the test cases run eagerly; only the last call is the chapter's next use, under jax.jit(jax.grad(...)),
    # where the notebook would hand the same function a tracer too
    assert len(kept) > 1 and all(isinstance(k, jax.Array) and not isinstance(k, jax.core.Tracer) for k in kept[:-1])
    assert isinstance(kept[-1], jax.core.Tracer)
    assert np.isfinite(np.mean([float(k.sum()) for k in kept[:-1]]))


def test_code_that_edits_its_inputs_in_place_does_not_spoil_the_cases(capsys):
    def edits(z_batches, label_batches, tol=0.04, max_examples=10_000):
        out = latent.attribute_vector_from_codes(z_batches, label_batches, tol, max_examples)
        for z in z_batches:
            z *= 0
        return out
    assert checks.check_attribute_vector_from_codes(edits)


def test_a_plain_python_loop_over_rows_is_graded_in_seconds(capsys):
    def row_by_row(key, z_mean, z_log_var):
        keys = jax.random.split(key, z_mean.shape[0])
        rows = [z_mean[i] + jnp.exp(0.5 * z_log_var[i]) * jax.random.normal(keys[i], z_mean.shape[1:])
                for i in range(z_mean.shape[0])]
        return jnp.stack(rows)
    start = time.perf_counter()
    assert checks.check_reparameterize(row_by_row)
    assert "different draw" in capsys.readouterr().out
    assert time.perf_counter() - start < 60


def test_reparameterize_per_row_mistakes_are_caught_with_another_draw(capsys):
    def batch_sigma(key, m, lv):       # sigma from the batch-mean log-variance, and a split key
        _, sub = jax.random.split(key)
        return m + jnp.exp(0.5 * jnp.mean(lv, axis=0)) * jax.random.normal(sub, m.shape)
    assert checks.check_reparameterize(batch_sigma) is False
    assert "[correct]" not in capsys.readouterr().out

    def shared_eps(key, m, lv):
        _, sub = jax.random.split(key)
        return m + jnp.exp(0.5 * lv) * jax.random.normal(sub, m.shape[-1:])
    assert checks.check_reparameterize(shared_eps) is False
    assert "[correct]" not in capsys.readouterr().out


def test_attribute_vector_stopping_rule_slips_written_by_a_learner(capsys):
    def absent_moves_zero(z_batches, label_batches, tol=0.04, max_examples=10_000):
        d = z_batches[0].shape[1]
        s, n, mean = [np.zeros(d), np.zeros(d)], [0, 0], [None, None]
        seen = 0
        for z, lab in zip(z_batches, label_batches):
            has = np.asarray(lab) > 0
            move = [0.0, 0.0]
            for i, mask in enumerate((has, ~has)):
                if mask.sum():
                    s[i] = s[i] + z[mask].sum(0); n[i] += mask.sum()
                    new = s[i] / n[i]
                    move[i] = np.inf if mean[i] is None else np.linalg.norm(new - mean[i])
                    mean[i] = new
            seen += len(z)
            if max(move) < tol or seen >= max_examples:
                break
        v = mean[0] - mean[1]
        return v / np.linalg.norm(v)
    assert checks.check_attribute_vector_from_codes(absent_moves_zero) is False
    assert "counted as 'moved 0'" in capsys.readouterr().out


STABLE_BCE = lambda l, x: optax.sigmoid_binary_cross_entropy(l, x)  # noqa: E731
NAIVE_BCE = lambda l, x: -(x * jnp.log(jax.nn.sigmoid(l)) + (1 - x) * jnp.log(1 - jax.nn.sigmoid(l)))  # noqa: E731
CLIPPED_BCE = lambda l, x: (lambda p: -(x * jnp.log(p) + (1 - x) * jnp.log(1 - p)))(  # noqa: E731
    jnp.clip(jax.nn.sigmoid(l), 1e-7, 1 - 1e-7))


@pytest.mark.parametrize("bce, ok", [(STABLE_BCE, True), (NAIVE_BCE, False), (CLIPPED_BCE, False)],
                         ids=["stable", "naive", "clipped"])
def test_chapters_01_and_05_agree_on_bce(bce, ok, capsys):
    ae = lambda l, x: jnp.mean(jnp.mean(bce(l, x), axis=(1, 2, 3)))  # noqa: E731
    vae = lambda l, x, m, v, beta: jnp.mean(beta * jnp.mean(bce(l, x), axis=(1, 2, 3))  # noqa: E731
                                            + gaussian.kl_to_standard_normal(m, v))
    assert checks.check_ae_loss(ae) is ok
    assert checks.check_vae_loss(vae) is ok
    out = capsys.readouterr().out
    assert out.count("on an edge case") == (0 if ok else 2), out


def test_generic_slips_are_named(capsys):
    assert not checks.check_nearest_distance(lambda q, c: jnp.mean(RIGHT[checks.check_nearest_distance](q, c)))
    assert "the mean of the" in capsys.readouterr().out
    assert not checks.check_nearest_distance(lambda q, c: RIGHT[checks.check_nearest_distance](q, c)[:, None])
    assert "right numbers in the wrong shape" in capsys.readouterr().out
    assert not checks.check_covariance_matrix(lambda s: 3 * np.cov(s, rowvar=False))
    assert "3 times the expected" in capsys.readouterr().out


def test_an_unrecognised_mistake_shows_a_small_input_expected_and_got(capsys):
    assert not checks.check_morph_codes(lambda a, b, n: np.stack([(1 - t) * a + t * b for t in np.linspace(0, 1, n) ** 2]))
    out = capsys.readouterr().out
    assert "z_a = [0., 2.]" in out and "expected [[ 0. ,  2. ]" in out and "got" in out
    assert "first difference at [1, 0]: expected 0.5, got 0.25" in out


def test_evaluate_and_learner_run_each_input_once():
    calls = []

    def counted(lv):
        calls.append(1)
        return jnp.exp(lv)
    learner = Learner(counted)
    verdict = evaluate("std", learner, ch03._std_ref, ch03._std_cases(), ch03.STD_MISTAKES)
    assert verdict.kind == "mistake" and len(calls) == len(ch03._std_cases())
    evaluate("std", learner, ch03._std_ref, ch03._std_cases(), ch03.STD_MISTAKES)
    assert len(calls) == len(ch03._std_cases())
