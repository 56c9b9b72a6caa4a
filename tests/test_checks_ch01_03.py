"""The checks of chapters 01-03 against right answers (numpy and jax.numpy), each recognised
mistake, unattempted code and broken code."""
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from vae_lib import gaussian
from vae_lib.course import checks
from vae_lib.course.checks import ch01, ch02, ch03


def todo(*args):
    raise NotImplementedError


def broken(*args):
    return undefined_name  # noqa: F821


def _out(capsys):
    return capsys.readouterr().out


def assert_mistake_named(check, fn, mistake_name, capsys):
    assert check(fn) is False
    out = _out(capsys)
    assert "[wrong]" in out and mistake_name in out, out


@pytest.mark.parametrize("check", [checks.check_ae_loss, checks.check_nearest_distance, checks.check_normal_pdf,
                                   checks.check_mvn_log_density, checks.check_covariance_matrix,
                                   checks.check_std_from_log_var, checks.check_reparameterize])
def test_unattempted_broken_and_none_never_crash(check, capsys):
    assert check(todo) is False and "[not yet]" in _out(capsys)
    assert check(None) is False and "[not yet]" in _out(capsys)
    assert check(broken) is False and "NameError" in _out(capsys)
    assert check(lambda *a: None) is False and "return" in _out(capsys)
    assert check(lambda *a: "text") is False and "[wrong]" in _out(capsys)


# ----------------------------------------------------------------------------- chapter 01
def ae_loss_jax(logits, x):
    return jnp.mean(jnp.mean(optax.sigmoid_binary_cross_entropy(logits, x), axis=(1, 2, 3)))


def ae_loss_numpy(logits, x):
    l = np.asarray(logits, np.float64)
    per = np.maximum(l, 0) - l * x + np.log1p(np.exp(-np.abs(l)))
    return per.reshape(len(per), -1).mean(1).mean()


def ae_loss_naive(logits, x):  # right formula, numerically unstable
    p = jax.nn.sigmoid(logits)
    return jnp.mean(-(x * jnp.log(p) + (1 - x) * jnp.log(1 - p)))


@pytest.mark.parametrize("fn", [ae_loss_jax, ae_loss_numpy])
def test_ae_loss_right(fn, capsys):
    assert checks.check_ae_loss(fn) and "[correct]" in _out(capsys)


def test_ae_loss_unstable_gets_the_stability_hint(capsys):
    assert checks.check_ae_loss(ae_loss_naive) is False
    out = _out(capsys)
    assert "edge case" in out and "logits" in out and "[correct]" not in out


@pytest.mark.parametrize("mistake", ch01.AE_LOSS_MISTAKES, ids=lambda m: m.name[:30])
def test_ae_loss_mistakes_named(mistake, capsys):
    assert_mistake_named(checks.check_ae_loss, mistake.fn, mistake.name, capsys)


def test_ae_loss_specific_mistakes_written_by_hand(capsys):
    summed = lambda l, x: jnp.mean(jnp.sum(optax.sigmoid_binary_cross_entropy(l, x), axis=(1, 2, 3)))  # noqa: E731
    assert_mistake_named(checks.check_ae_loss, summed, "summed over the pixels", capsys)
    swapped = lambda l, x: ae_loss_jax(x, l)  # noqa: E731
    assert_mistake_named(checks.check_ae_loss, swapped, "swapped", capsys)


def nearest_numpy(q, c):
    return np.sqrt(((q[:, None] - c[None]) ** 2).sum(-1)).min(1)


def nearest_jax_expanded(q, c):  # the |q|^2 - 2 q.c + |c|^2 trick, in float32
    d2 = (q**2).sum(1)[:, None] - 2 * q @ c.T + (c**2).sum(1)[None]
    return jnp.sqrt(jnp.maximum(d2.min(1), 0.0))


@pytest.mark.parametrize("fn", [nearest_numpy, nearest_jax_expanded])
def test_nearest_distance_right(fn, capsys):
    assert checks.check_nearest_distance(fn) and "[correct]" in _out(capsys)


@pytest.mark.parametrize("mistake", ch01.NEAREST_MISTAKES, ids=lambda m: m.name[:30])
def test_nearest_distance_mistakes_named(mistake, capsys):
    assert_mistake_named(checks.check_nearest_distance, mistake.fn, mistake.name, capsys)


# ----------------------------------------------------------------------------- chapter 02
def normal_pdf_numpy(x, mean, std):
    return 1 / np.sqrt(2 * np.pi * std**2) * np.exp(-(x - mean) ** 2 / (2 * std**2))


def normal_pdf_jax(x, mean, std):
    return jnp.exp(gaussian.normal_log_density(jnp.asarray(x), mean, std))


@pytest.mark.parametrize("fn", [normal_pdf_numpy, normal_pdf_jax, lambda x, m, s: jax.scipy.stats.norm.pdf(x, m, s)])
def test_normal_pdf_right(fn, capsys):
    assert checks.check_normal_pdf(fn) and "[correct]" in _out(capsys)


def test_normal_pdf_two_over_sqrt_slip(capsys):
    slip = lambda x, m, s: 2 / np.sqrt(2 * np.pi * s**2) * np.exp(-(x - m) ** 2 / (2 * s**2))  # noqa: E731
    assert_mistake_named(checks.check_normal_pdf, slip, "2 / sqrt(2 pi sigma^2)", capsys)


@pytest.mark.parametrize("mistake", ch02.NORMAL_PDF_MISTAKES, ids=lambda m: m.name[:30])
def test_normal_pdf_mistakes_named(mistake, capsys):
    assert_mistake_named(checks.check_normal_pdf, mistake.fn, mistake.name, capsys)


def mvn_numpy(x, mean, cov):
    k = len(mean)
    d = x - mean
    maha = np.sum(d @ np.linalg.inv(cov) * d, axis=1)
    return -0.5 * (k * np.log(2 * np.pi) + np.log(np.linalg.det(cov)) + maha)


@pytest.mark.parametrize("fn", [mvn_numpy, gaussian.mvn_log_density,
                                lambda x, m, c: jax.scipy.stats.multivariate_normal.logpdf(x, m, c)])
def test_mvn_log_density_right(fn, capsys):
    assert checks.check_mvn_log_density(fn) and "[correct]" in _out(capsys)


@pytest.mark.parametrize("mistake", ch02.MVN_MISTAKES, ids=lambda m: m.name[:30])
def test_mvn_log_density_mistakes_named(mistake, capsys):
    assert_mistake_named(checks.check_mvn_log_density, mistake.fn, mistake.name, capsys)


def test_mvn_forgot_logdet_written_by_hand(capsys):
    def no_logdet(x, mean, cov):
        d = x - mean
        return -0.5 * (len(mean) * np.log(2 * np.pi) + np.sum(d @ np.linalg.inv(cov) * d, axis=1))
    assert_mistake_named(checks.check_mvn_log_density, no_logdet, "log-determinant", capsys)


@pytest.mark.parametrize("fn", [lambda s: np.cov(s, rowvar=False), gaussian.covariance,
                                lambda s: jnp.cov(s.T)])
def test_covariance_right(fn, capsys):
    assert checks.check_covariance_matrix(fn) and "[correct]" in _out(capsys)


@pytest.mark.parametrize("mistake", ch02.COV_MISTAKES, ids=lambda m: m.name[:30])
def test_covariance_mistakes_named(mistake, capsys):
    assert_mistake_named(checks.check_covariance_matrix, mistake.fn, mistake.name, capsys)


def test_covariance_in_place_edit_does_not_spoil_cases(capsys):
    def edits_input(s):
        s -= s.mean(axis=0)  # modifies the caller's array
        return s.T @ s / (len(s) - 1)
    assert checks.check_covariance_matrix(edits_input) and "[correct]" in _out(capsys)
    assert_mistake_named(checks.check_covariance_matrix, lambda s: np.cov(s, rowvar=False, ddof=0),
                         "divided by N instead of N - 1", capsys)


# ----------------------------------------------------------------------------- chapter 03
@pytest.mark.parametrize("fn", [gaussian.std_from_log_var, lambda lv: jnp.sqrt(jnp.exp(lv)),
                                lambda lv: jnp.exp(lv) ** 0.5])
def test_std_from_log_var_right(fn, capsys):
    assert checks.check_std_from_log_var(fn) and "[correct]" in _out(capsys)


@pytest.mark.parametrize("mistake", ch03.STD_MISTAKES, ids=lambda m: m.name[:30])
def test_std_from_log_var_mistakes_named(mistake, capsys):
    assert_mistake_named(checks.check_std_from_log_var, mistake.fn, mistake.name, capsys)


def test_std_sqrt_without_exp_in_jax(capsys):
    assert_mistake_named(checks.check_std_from_log_var, lambda lv: jnp.sqrt(lv), "without exp", capsys)


def rep_jax(key, m, lv):
    return m + jnp.exp(0.5 * lv) * jax.random.normal(key, m.shape)


def rep_split_key(key, m, lv):
    _, sub = jax.random.split(key)
    return m + jnp.exp(0.5 * lv) * jax.random.normal(sub, m.shape)


def rep_numpy_sigma(key, m, lv):
    eps = np.asarray(jax.random.normal(key, np.shape(m)))
    return np.asarray(m) + np.sqrt(np.exp(np.asarray(lv))) * eps


@pytest.mark.parametrize("fn", [rep_jax, gaussian.reparameterize])
def test_reparameterize_right(fn, capsys):
    assert checks.check_reparameterize(fn) and "[correct]" in _out(capsys)


@pytest.mark.parametrize("check, fn", [(checks.check_reparameterize, rep_numpy_sigma),
                                       (checks.check_std_from_log_var, lambda lv: np.sqrt(np.exp(lv)))])
def test_numpy_that_breaks_the_next_cells_gradient_is_rejected(check, fn, capsys):
    # right values, but the next cell takes jax.grad through reparameterize (which calls std_from_log_var)
    assert check(fn) is False
    out = _out(capsys)
    assert "jax.grad" in out and "NumPy breaks the gradient" in out and "jax.numpy" in out, out


def test_reparameterize_other_valid_draw_accepted(capsys):
    assert checks.check_reparameterize(rep_split_key)
    assert "different draw" in _out(capsys)


def test_reparameterize_ignoring_the_key_is_caught(capsys):
    rng = np.random.default_rng(0)
    ignores = lambda key, m, lv: np.asarray(m) + np.exp(0.5 * np.asarray(lv)) * rng.normal(size=np.shape(m))  # noqa: E731
    assert checks.check_reparameterize(ignores) is False
    assert "same key gave different z" in _out(capsys)
    fixed = lambda key, m, lv: rep_jax(jax.random.key(5), m, lv)  # noqa: E731
    assert checks.check_reparameterize(fixed) is False
    assert "key is not used" in _out(capsys)


@pytest.mark.parametrize("mistake", ch03.REP_MISTAKES, ids=lambda m: m.name[:30])
def test_reparameterize_mistakes_named(mistake, capsys):
    assert_mistake_named(checks.check_reparameterize, mistake.fn, mistake.name, capsys)


def test_reparameterize_mistakes_written_in_jax(capsys):
    var = lambda k, m, lv: m + jnp.exp(lv) * jax.random.normal(k, m.shape)  # noqa: E731
    assert_mistake_named(checks.check_reparameterize, var, "sigma = exp(log_var)", capsys)
    inv = lambda k, m, lv: m + jnp.exp(-0.5 * lv) * jax.random.normal(k, m.shape)  # noqa: E731
    assert_mistake_named(checks.check_reparameterize, inv, "1 / sigma", capsys)
    sq = lambda k, m, lv: m + jnp.sqrt(lv) * jax.random.normal(k, m.shape)  # noqa: E731
    assert_mistake_named(checks.check_reparameterize, sq, "without exp", capsys)
    assert_mistake_named(checks.check_reparameterize, lambda k, m, lv: m, "no noise", capsys)


def test_checks_are_exported():
    for mod in (ch01, ch02, ch03):
        for name in mod.__all__:
            assert getattr(checks, name) is getattr(mod, name)
