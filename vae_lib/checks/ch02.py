"""Checks for chapter 02's exercises: normal densities and the covariance matrix.

    checks.check_normal_pdf(normal_pdf)                   # normal_pdf(x, mean, std) -> density
    checks.check_mvn_log_density(mvn_log_density)         # (x (N, K), mean (K,), cov (K, K)) -> (N,)
    checks.check_covariance_matrix(covariance_matrix)     # samples (N, K) -> (K, K)
"""
from __future__ import annotations

import functools

import jax.numpy as jnp
import numpy as np

from vae_lib.checks._helpers import f64 as _f
from vae_lib.checks._helpers import term_slips
from vae_lib.checks.core import Mistake, Use, close_to, grade

__all__ = ["check_normal_pdf", "check_mvn_log_density", "check_covariance_matrix"]

TWO_PI = 2.0 * np.pi


# ----------------------------------------------------------------------------- normal_pdf
def _normal_pdf_ref(x, mean, std):
    """N(x; mean, std^2) = 1 / sqrt(2 pi std^2) * exp(-(x - mean)^2 / (2 std^2)), elementwise."""
    x, mean, std = _f(x), _f(mean), _f(std)
    return np.exp(-((x - mean) ** 2) / (2 * std**2)) / np.sqrt(TWO_PI * std**2)


NORMAL_PDF_MISTAKES = [
    Mistake("2 / sqrt(2 pi sigma^2) in front instead of 1 / sqrt(2 pi sigma^2)",
            lambda x, m, s: 2 * _normal_pdf_ref(x, m, s),
            "with a 2 in front the curve has area 2, not 1. The normalising constant is "
            "1 / sqrt(2 pi sigma^2) (a common slip when copying the formula from notes)."),
    Mistake("the standard deviation used where the variance belongs",
            lambda x, m, s: np.exp(-((_f(x) - _f(m)) ** 2) / (2 * _f(s))) / np.sqrt(TWO_PI * _f(s)),
            "the argument is the standard deviation sigma: square it (sigma^2) in both places."),
    Mistake("the square root in the normalising constant is missing",
            lambda x, m, s: np.exp(-((_f(x) - _f(m)) ** 2) / (2 * _f(s) ** 2)) / (TWO_PI * _f(s) ** 2),
            "the constant is 1 / sqrt(2 pi sigma^2) = 1 / (sigma sqrt(2 pi))."),
    Mistake("the 2 in the exponent's denominator is missing",
            lambda x, m, s: np.exp(-((_f(x) - _f(m)) ** 2) / (_f(s) ** 2)) / np.sqrt(TWO_PI * _f(s) ** 2),
            "the exponent is -(x - mu)^2 / (2 sigma^2)."),
    Mistake("the minus sign in the exponent is missing",
            lambda x, m, s: np.exp(((_f(x) - _f(m)) ** 2) / (2 * _f(s) ** 2)) / np.sqrt(TWO_PI * _f(s) ** 2),
            "without the minus sign the 'density' grows away from the mean; it must fall."),
    Mistake("sigma only in the constant: the exponent is -(x - mu)^2 / 2",
            lambda x, m, s: np.exp(-((_f(x) - _f(m)) ** 2) / 2) / np.sqrt(TWO_PI * _f(s) ** 2),
            "sigma appears twice: in the constant AND in the exponent, -(x - mu)^2 / (2 sigma^2)."),
    Mistake("the square is missing in the exponent: -(x - mu) / (2 sigma^2)",
            lambda x, m, s: np.exp(-(_f(x) - _f(m)) / (2 * _f(s) ** 2)) / np.sqrt(TWO_PI * _f(s) ** 2),
            "the exponent is -(x - mu)**2 / (2 sigma^2): square the distance to the mean."),
    Mistake("|x - mu| instead of (x - mu)^2 in the exponent",
            lambda x, m, s: np.exp(-np.abs(_f(x) - _f(m)) / (2 * _f(s) ** 2)) / np.sqrt(TWO_PI * _f(s) ** 2),
            "the normal density squares the distance to the mean: (x - mu)**2."),
    Mistake("sigma instead of sigma^2 in the exponent only",
            lambda x, m, s: np.exp(-((_f(x) - _f(m)) ** 2) / (2 * _f(s))) / np.sqrt(TWO_PI * _f(s) ** 2),
            "the exponent divides by 2 sigma^2 (the variance): std**2."),
    Mistake("sigma instead of sigma^2 in the constant only: 1 / sqrt(2 pi sigma)",
            lambda x, m, s: np.exp(-((_f(x) - _f(m)) ** 2) / (2 * _f(s) ** 2)) / np.sqrt(TWO_PI * _f(s)),
            "the constant is 1 / sqrt(2 pi sigma^2) = 1 / (sigma sqrt(2 pi))."),
    Mistake("the exponent divided by 2 and then MULTIPLIED by sigma^2 (missing brackets)",
            lambda x, m, s: np.exp(-((_f(x) - _f(m)) ** 2) / 2 * _f(s) ** 2) / np.sqrt(TWO_PI * _f(s) ** 2),
            "`-(x - mean)**2 / 2 * std**2` multiplies by std**2: Python reads a / 2 * b as (a / 2) * b. "
            "Write `/ (2 * std**2)`."),
    Mistake("sigma multiplies the constant: sigma / sqrt(2 pi) (missing brackets)",
            lambda x, m, s: _f(s) * np.exp(-((_f(x) - _f(m)) ** 2) / (2 * _f(s) ** 2)) / np.sqrt(TWO_PI),
            "`1 / np.sqrt(2 * np.pi) * std` is std / sqrt(2 pi): divide by std too, "
            "`1 / (std * np.sqrt(2 * np.pi))`."),
    Mistake("sigma^2 outside the square root: 1 / (sqrt(2 pi) sigma^2)",
            lambda x, m, s: np.exp(-((_f(x) - _f(m)) ** 2) / (2 * _f(s) ** 2)) / (np.sqrt(TWO_PI) * _f(s) ** 2),
            "sqrt(2 pi sigma^2) = sigma sqrt(2 pi): the square root covers sigma^2 too."),
    Mistake("the normalising constant is missing",
            lambda x, m, s: np.exp(-((_f(x) - _f(m)) ** 2) / (2 * _f(s) ** 2)),
            "without 1 / sqrt(2 pi sigma^2) the curve's peak is 1 and its area is not 1."),
    Mistake("the log-density instead of the density",
            lambda x, m, s: np.log(_normal_pdf_ref(x, m, s)),
            "return the density itself: exp(...) / sqrt(2 pi sigma^2)."),
    Mistake("(x + mu) instead of (x - mu)",
            lambda x, m, s: _normal_pdf_ref(x, -_f(m), s),
            "the density measures the distance to the mean: x - mean."),
    Mistake("mean and std swapped",
            lambda x, m, s: _normal_pdf_ref(x, s, m),
            "the arguments are (x, mean, std): use `mean` as the centre and `std` as the spread."),
]


def _pdf_cases():
    x = np.linspace(-3, 3, 13, dtype=np.float32)
    return [(np.array([-1.0, 0.0, 0.5, 2.0], np.float32), 0.5, 2.0), (x, 0.0, 1.0), (x, 0.5, 2.0),
            (x * 0.1, -0.2, 0.3), (np.float32(1.5), 1.0, 0.7)]


# the density is exp(sum of the log-density's terms)
PDF_TERMS = [("-log(sigma)", lambda x, m, s: -np.log(_f(s)) + 0 * _f(x)),
             ("-log(2 pi) / 2", lambda x, m, s: -0.5 * np.log(TWO_PI) + 0 * _f(x)),
             ("-(x - mu)^2 / (2 sigma^2) in the exponent", lambda x, m, s: -((_f(x) - _f(m)) ** 2) / (2 * _f(s) ** 2))]
@functools.cache
def _pdf_term_slips() -> list:
    """Built on first use: it evaluates the reference on the test cases (JAX starts then, not at import)."""
    return term_slips(
        PDF_TERMS, lambda t, *a: np.exp(sum(t)),
        "N(x; mu, sigma^2) = exp(-(x - mu)^2 / (2 sigma^2)) / (sigma sqrt(2 pi)); as a log, -log sigma - log(2 pi) / 2 "
        "- (x - mu)^2 / (2 sigma^2): look at the term {term}.", _normal_pdf_ref, _pdf_cases(), NORMAL_PDF_MISTAKES)


def _pdf_uses() -> list[Use]:
    # the next cells: normal_pdf(xs, mu, sd) on a JAX grid with Python floats; then
    # normal_pdf(pts, true_mean, jnp.sqrt(diag_var)): NumPy samples (N, 3), one mean and one sigma per column (JAX)
    xs = jnp.linspace(-10, 12, 2001)
    pts = np.random.default_rng(21).normal(size=(50, 3)).astype(np.float32)
    mean, std = jnp.array([1.0, -2.0, 0.5]), jnp.sqrt(jnp.array([0.5, 2.0, 1.0]))
    return [Use("the next cell calls normal_pdf(xs, 1.0, 0.5) on a JAX grid of 2,001 points",
                lambda fn: fn(xs, 1.0, 0.5), close_to(lambda: _normal_pdf_ref(np.asarray(xs), 1.0, 0.5), 1e-4, 1e-6)),
            Use("a later cell calls it with one mean and one std per column (JAX arrays of shape (3,)) on samples "
                "of shape (50, 3)", lambda fn: fn(pts, mean, std),
                close_to(lambda: _normal_pdf_ref(pts, np.asarray(mean), np.asarray(std)), 1e-4, 1e-6))]


def check_normal_pdf(normal_pdf) -> bool:
    """normal_pdf(x, mean, std) -> the 1-d normal density, elementwise (std is the standard deviation)."""
    return grade("normal_pdf", normal_pdf, _normal_pdf_ref, _pdf_cases(), NORMAL_PDF_MISTAKES + _pdf_term_slips(),
                 rtol=1e-4, atol=1e-6, uses=_pdf_uses())


# ----------------------------------------------------------------------------- mvn_log_density
def _parts(x, mean, cov):
    """k, the Mahalanobis term, the same with cov instead of its inverse, log det cov."""
    x, mean, cov = _f(x), _f(mean), _f(cov)
    diff = x - mean
    k = mean.shape[-1]
    maha = np.einsum("ni,ij,nj->n", diff, np.linalg.inv(cov), diff)
    maha_cov = np.einsum("ni,ij,nj->n", diff, cov, diff)
    _, logdet = np.linalg.slogdet(cov)
    return k, maha, maha_cov, logdet


def _mvn_cholesky_transposed(x, mean, cov):
    """Solving L^T y = x - mean where L y = x - mean belongs: the Mahalanobis term of (L^T L)^-1."""
    k, _, _, logdet = _parts(x, mean, cov)
    chol = np.linalg.cholesky(_f(cov))
    y = np.linalg.solve(chol.T, (_f(x) - _f(mean)).T).T
    return -0.5 * (k * L2P + logdet + (y**2).sum(-1))


def _mvn_full_matrix_summed(x, mean, cov):
    """diff @ inv(cov) @ diff.T is (N, N); its row sums instead of its diagonal."""
    k, _, _, logdet = _parts(x, mean, cov)
    d = _f(x) - _f(mean)
    return -0.5 * (k * L2P + logdet + (d @ np.linalg.inv(_f(cov)) @ d.T).sum(1))


def _mvn_ref(x, mean, cov):
    """log N(x; mean, cov) = -1/2 (k log 2 pi + log det cov + (x - mean)^T cov^-1 (x - mean)). -> (N,)."""
    k, maha, _, logdet = _parts(x, mean, cov)
    return -0.5 * (k * np.log(TWO_PI) + logdet + maha)


def _mvn_mistake(fn):
    def wrapped(x, mean, cov):
        k, maha, maha_cov, logdet = _parts(x, mean, cov)
        return fn(k, maha, maha_cov, logdet)
    return wrapped


L2P = np.log(TWO_PI)
MVN_MISTAKES = [
    Mistake("the log-determinant term is missing",
            _mvn_mistake(lambda k, m, mc, ld: -0.5 * (k * L2P + m)),
            "the normalising constant of a k-d normal is 1 / sqrt((2 pi)^k det(Sigma)): its log "
            "adds -1/2 log det(Sigma)."),
    Mistake("the covariance used in the quadratic form instead of its inverse",
            _mvn_mistake(lambda k, m, mc, ld: -0.5 * (k * L2P + ld + mc)),
            "the Mahalanobis term is (x - mu)^T Sigma^{-1} (x - mu): solve with Sigma (np.linalg.solve) "
            "or invert it."),
    Mistake("log(2 pi) not multiplied by the dimension k",
            _mvn_mistake(lambda k, m, mc, ld: -0.5 * (L2P + ld + m)),
            "(2 pi)^(k/2) gives k/2 * log(2 pi) in the log density, one log(2 pi)/2 per dimension."),
    Mistake("the factor 1/2 on the quadratic form is missing",
            _mvn_mistake(lambda k, m, mc, ld: -0.5 * (k * L2P + ld) - m),
            "the exponent is -1/2 (x - mu)^T Sigma^{-1} (x - mu)."),
    Mistake("the density instead of the log-density",
            _mvn_mistake(lambda k, m, mc, ld: np.exp(-0.5 * (k * L2P + ld + m))),
            "return the logarithm: it is what the loss functions use, and it does not underflow."),
    Mistake("only the diagonal of the covariance used (the correlations are ignored)",
            lambda x, mean, cov: _mvn_ref(x, mean, np.diag(np.diag(_f(cov)))),
            "the off-diagonal entries matter: use the full matrix in both the determinant and the inverse."),
    Mistake("Cholesky: L^T used where L belongs (solved L^T y = x - mean)",
            _mvn_cholesky_transposed,
            "with cov = L L^T (jnp.linalg.cholesky gives the LOWER factor L), the Mahalanobis term is "
            "|y|^2 with L y = x - mean: solve_triangular(L, diff.T, lower=True)."),
    Mistake("Cholesky: log det taken as sum(log diag L), without the factor 2",
            _mvn_mistake(lambda k, m, mc, ld: -0.5 * (k * L2P + ld / 2 + m)),
            "det(cov) = det(L) det(L^T) = det(L)^2, so log det cov = 2 * sum(log diag L)."),
    Mistake("the determinant used where its log belongs",
            _mvn_mistake(lambda k, m, mc, ld: -0.5 * (k * L2P + np.exp(ld) + m)),
            "the log-density has log det(Sigma): jnp.linalg.slogdet(cov)[1], or 2 * sum(log diag L)."),
    Mistake("the log-determinant's sign is flipped",
            _mvn_mistake(lambda k, m, mc, ld: -0.5 * (k * L2P - ld + m)),
            "log of 1 / sqrt(det Sigma) is -1/2 log det Sigma: inside -0.5 * (...) it is + log det."),
    Mistake("log det(Sigma) from the diagonal of Sigma only",
            lambda x, mean, cov: _mvn_ref(x, mean, cov) - 0.5 * (np.sum(np.log(np.diag(_f(cov))))
                                                                 - np.linalg.slogdet(_f(cov))[1]),
            "the determinant of a full matrix is not the product of its diagonal (that holds for a "
            "triangular one, e.g. the Cholesky factor L): use slogdet, or 2 * sum(log diag L)."),
    Mistake("the -1/2 in front is missing (every term doubled)",
            _mvn_mistake(lambda k, m, mc, ld: -(k * L2P + ld + m)),
            "log N = -1/2 (k log(2 pi) + log det(Sigma) + (x - mu)^T Sigma^{-1} (x - mu)): the square root of "
            "the normalising constant and the 1/2 of the exponent give the factor -1/2 on all three terms."),
    Mistake("the 1/2 on log(2 pi) is missing",
            _mvn_mistake(lambda k, m, mc, ld: -(k * L2P) - 0.5 * (ld + m)),
            "log (2 pi)^(-k/2) = -k/2 log(2 pi): every term has the -1/2."),
    Mistake("log(pi) instead of log(2 pi)",
            _mvn_mistake(lambda k, m, mc, ld: -0.5 * (k * np.log(np.pi) + ld + m)),
            "the constant is (2 pi)^(-k/2): log(2 * pi)."),
    Mistake("diff @ inv(cov) @ diff.T is N x N: its row sums taken instead of its diagonal",
            _mvn_full_matrix_summed,
            "each sample's term is on the diagonal of that N x N matrix. Cheaper: "
            "jnp.sum(diff @ inv(cov) * diff, axis=-1), or solve with the Cholesky factor."),
]


def _mvn_cases():
    rng = np.random.default_rng(201)
    a = rng.normal(size=(3, 3))
    cov3 = (a @ a.T + 0.5 * np.eye(3)).astype(np.float32)
    cov2 = np.array([[2.0, 0.9], [0.9, 1.0]], np.float32)
    return [
        (rng.normal(size=(6, 2)).astype(np.float32), np.array([0.5, -1.0], np.float32), cov2),
        (rng.normal(size=(4, 3)).astype(np.float32), np.array([0.0, 1.0, 2.0], np.float32), cov3),
        (np.zeros((1, 2), np.float32), np.zeros(2, np.float32), np.eye(2, dtype=np.float32)),
        (rng.normal(size=(5, 1)).astype(np.float32), np.array([0.3], np.float32), np.array([[0.25]], np.float32)),
    ]


MVN_TERMS = [("-k log(2 pi) / 2", _mvn_mistake(lambda k, m, mc, ld: -0.5 * k * L2P + 0 * m)),
             ("-log det(Sigma) / 2", _mvn_mistake(lambda k, m, mc, ld: -0.5 * ld + 0 * m)),
             ("-(x - mu)^T Sigma^-1 (x - mu) / 2", _mvn_mistake(lambda k, m, mc, ld: -0.5 * m))]
@functools.cache
def _mvn_term_slips() -> list:
    """Built on first use: it evaluates the reference on the test cases (JAX starts then, not at import)."""
    return term_slips(
        MVN_TERMS, lambda t, *a: sum(t),
        "log N(x; mu, Sigma) = -k log(2 pi) / 2 - log det(Sigma) / 2 - (x - mu)^T Sigma^-1 (x - mu) / 2, every "
        "term with its -1/2: look at the term {term}.", _mvn_ref, _mvn_cases(), MVN_MISTAKES)


def check_mvn_log_density(mvn_log_density) -> bool:
    """mvn_log_density(x: (N, K), mean: (K,), cov: (K, K)) -> (N,) log-densities of N(mean, cov)."""
    # the next cell: NumPy samples (2,000, 3) with the true mean and covariance as JAX arrays
    pts = np.random.default_rng(22).normal(size=(200, 3)).astype(np.float32)
    mean = jnp.array([1.0, -2.0, 0.5])
    cov = jnp.array([[2.0, 1.2, -0.4], [1.2, 1.5, 0.0], [-0.4, 0.0, 0.5]])
    uses = [Use("the next cell calls it on NumPy samples of shape (200, 3) with a JAX mean and covariance",
                lambda fn: fn(pts, mean, cov), close_to(lambda: _mvn_ref(pts, np.asarray(mean), np.asarray(cov)),
                                                         1e-4, 1e-4))]
    return grade("mvn_log_density", mvn_log_density, _mvn_ref, _mvn_cases(),
                 MVN_MISTAKES + _mvn_term_slips(), rtol=1e-4, atol=1e-4, uses=uses)


# ----------------------------------------------------------------------------- covariance_matrix
def _cov_ref(samples):
    """Unbiased sample covariance: centred samples, X^T X / (N - 1). (N, K) -> (K, K)."""
    x = _f(samples)
    c = x - x.mean(axis=0)
    return c.T @ c / (len(x) - 1)


COV_MISTAKES = [
    Mistake("divided by N instead of N - 1",
            lambda s: _cov_ref(s) * (len(s) - 1) / len(s),
            "the sample covariance divides by N - 1 (Bessel's correction: the mean was estimated from "
            "the same data). np.cov does this by default; np.var / jnp.var need ddof=1."),
    Mistake("the mean was not subtracted",
            lambda s: _f(s).T @ _f(s) / (len(s) - 1),
            "covariance is E[(X - EX)(Y - EY)]: centre each column first (samples - samples.mean(axis=0))."),
    Mistake("each row treated as a variable (np.cov without rowvar=False)",
            lambda s: np.cov(_f(s)),
            "our samples are rows and variables are columns: np.cov(samples, rowvar=False), or "
            "centred.T @ centred / (N - 1) - note the transpose comes first, giving (K, K)."),
    Mistake("X X^T instead of X^T X (an N x N matrix)",
            lambda s: (lambda c: c @ c.T / (len(s) - 1))(_f(s) - _f(s).mean(axis=0)),
            "with samples as rows, centred.T @ centred is (K, K); centred @ centred.T compares samples, not variables."),
    Mistake("the correlation matrix instead of the covariance",
            lambda s: np.corrcoef(_f(s), rowvar=False),
            "correlation divides each covariance by both standard deviations; here we want the covariance itself."),
    Mistake("each row centred on its own mean (axis=1) instead of each column",
            lambda s: (lambda c: c.T @ c / (len(s) - 1))(_f(s) - _f(s).mean(axis=1, keepdims=True)),
            "subtract each VARIABLE's mean, a column mean: samples - samples.mean(axis=0)."),
    Mistake("centred on the mean of all the values (one number) instead of each column's mean",
            lambda s: (lambda c: c.T @ c / (len(s) - 1))(_f(s) - _f(s).mean()),
            "each variable has its own mean: samples.mean(axis=0), shape (K,)."),
    Mistake("divided by K - 1 (the number of variables) instead of N - 1",
            lambda s: _cov_ref(s) * (len(s) - 1) / (_f(s).shape[1] - 1),
            "divide by the number of SAMPLES minus one: samples.shape[0] - 1."),
    Mistake("not divided by N - 1 (a sum of products, not an average)",
            lambda s: _cov_ref(s) * (len(s) - 1),
            "divide centred.T @ centred by N - 1."),
    Mistake("only the variances (the diagonal); the covariances are missing",
            lambda s: np.diag(np.diag(_cov_ref(s))),
            "the off-diagonal entries cov[i, j] = sum_n c_ni c_nj / (N - 1) matter: centred.T @ centred "
            "gives them all."),
]


def _cov_cases():
    rng = np.random.default_rng(202)
    a = rng.normal(size=(3, 3))
    return [
        ((rng.normal(size=(50, 3)) @ a + np.array([1.0, -2.0, 0.5])).astype(np.float32),),
        (rng.normal(loc=3.0, size=(8, 2)).astype(np.float32),),
        (np.array([[1.0, 2.0], [3.0, 5.0]], np.float32),),            # N = 2, the smallest sample
        (rng.normal(size=(20, 4)).astype(np.float32) * 2,),
    ]


def check_covariance_matrix(covariance_matrix) -> bool:
    """covariance_matrix(samples: (N, K)) -> (K, K), the unbiased sample covariance (divides by N - 1)."""
    return grade("covariance_matrix", covariance_matrix, _cov_ref, _cov_cases(), COV_MISTAKES,
                 rtol=1e-4, atol=1e-5)


def __getattr__(name):  # the term slips as module attributes, built on first use
    built = {"PDF_TERM_SLIPS": _pdf_term_slips, "MVN_TERM_SLIPS": _mvn_term_slips}
    if name in built:
        return built[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
