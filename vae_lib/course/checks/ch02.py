"""Checks for chapter 02's exercises: normal densities and the covariance matrix.

    checks.check_normal_pdf(normal_pdf)                   # normal_pdf(x, mean, std) -> density
    checks.check_mvn_log_density(mvn_log_density)         # (x (N, K), mean (K,), cov (K, K)) -> (N,)
    checks.check_covariance_matrix(covariance_matrix)     # samples (N, K) -> (K, K)
"""
from __future__ import annotations

import functools

import jax.numpy as jnp
import numpy as np

from vae_lib.course.checks._helpers import f64 as _f
from vae_lib.course.checks._helpers import term_slips
from vae_lib.course.checks.core import Mistake, T, Use, close_to, grade, returns_function
from vae_lib import gaussian

__all__ = ["check_normal_pdf", "check_mvn_log_density", "check_covariance_matrix",
           "use_normal_pdf", "use_mvn_log_density", "use_covariance_matrix"]

TWO_PI = 2.0 * np.pi


# ----------------------------------------------------------------------------- normal_pdf
def _normal_pdf_ref(x, mean, std):
    """N(x; mean, std^2) = 1 / sqrt(2 pi std^2) * exp(-(x - mean)^2 / (2 std^2)), elementwise."""
    x, mean, std = _f(x), _f(mean), _f(std)
    return np.exp(-((x - mean) ** 2) / (2 * std**2)) / np.sqrt(TWO_PI * std**2)


NORMAL_PDF_MISTAKES = [
    Mistake(T("2 / sqrt(2 pi sigma^2) in front instead of 1 / sqrt(2 pi sigma^2)", "앞에 1 / sqrt(2 pi sigma^2) 대신 2 / sqrt(2 pi sigma^2)"),
            lambda x, m, s: 2 * _normal_pdf_ref(x, m, s),
            T("with a 2 in front the curve has area 2, not 1. The normalising constant is "
            "1 / sqrt(2 pi sigma^2) (a common slip when copying the formula from notes).",
              "앞에 2가 있으면 곡선의 넓이가 1이 아니라 2입니다. 정규화 상수는 1 / sqrt(2 pi sigma^2)입니다(노트에서 식을 옮길 때 흔한 실수입니다).")),
    Mistake(T("the standard deviation used where the variance belongs", "분산 자리에 표준편차를 사용함"),
            lambda x, m, s: np.exp(-((_f(x) - _f(m)) ** 2) / (2 * _f(s))) / np.sqrt(TWO_PI * _f(s)),
            T("the argument is the standard deviation sigma: square it (sigma^2) in both places.",
              "인수는 표준편차 sigma입니다. 두 곳 모두에서 제곱하십시오(sigma^2).")),
    Mistake(T("the square root in the normalising constant is missing", "정규화 상수의 제곱근이 없음"),
            lambda x, m, s: np.exp(-((_f(x) - _f(m)) ** 2) / (2 * _f(s) ** 2)) / (TWO_PI * _f(s) ** 2),
            T("the constant is 1 / sqrt(2 pi sigma^2) = 1 / (sigma sqrt(2 pi)).", "상수는 1 / sqrt(2 pi sigma^2) = 1 / (sigma sqrt(2 pi))입니다.")),
    Mistake(T("the 2 in the exponent's denominator is missing", "지수의 분모에 있는 2가 없음"),
            lambda x, m, s: np.exp(-((_f(x) - _f(m)) ** 2) / (_f(s) ** 2)) / np.sqrt(TWO_PI * _f(s) ** 2),
            T("the exponent is -(x - mu)^2 / (2 sigma^2).", "지수는 -(x - mu)^2 / (2 sigma^2)입니다.")),
    Mistake(T("the minus sign in the exponent is missing", "지수의 마이너스 부호가 없음"),
            lambda x, m, s: np.exp(((_f(x) - _f(m)) ** 2) / (2 * _f(s) ** 2)) / np.sqrt(TWO_PI * _f(s) ** 2),
            T("without the minus sign the 'density' grows away from the mean; it must fall.",
              "마이너스 부호가 없으면 '밀도'가 평균에서 멀어질수록 커집니다. 작아져야 합니다.")),
    Mistake(T("sigma only in the constant: the exponent is -(x - mu)^2 / 2", "sigma가 상수에만 있음: 지수가 -(x - mu)^2 / 2"),
            lambda x, m, s: np.exp(-((_f(x) - _f(m)) ** 2) / 2) / np.sqrt(TWO_PI * _f(s) ** 2),
            T("sigma appears twice: in the constant AND in the exponent, -(x - mu)^2 / (2 sigma^2).",
              "sigma는 두 번 나옵니다. 상수에도, 지수 -(x - mu)^2 / (2 sigma^2)에도 있습니다.")),
    Mistake(T("the square is missing in the exponent: -(x - mu) / (2 sigma^2)", "지수에 제곱이 없음: -(x - mu) / (2 sigma^2)"),
            lambda x, m, s: np.exp(-(_f(x) - _f(m)) / (2 * _f(s) ** 2)) / np.sqrt(TWO_PI * _f(s) ** 2),
            T("the exponent is -(x - mu)**2 / (2 sigma^2): square the distance to the mean.",
              "지수는 -(x - mu)**2 / (2 sigma^2)입니다. 평균까지의 거리를 제곱하십시오.")),
    Mistake(T("|x - mu| instead of (x - mu)^2 in the exponent", "지수에 (x - mu)^2 대신 |x - mu|"),
            lambda x, m, s: np.exp(-np.abs(_f(x) - _f(m)) / (2 * _f(s) ** 2)) / np.sqrt(TWO_PI * _f(s) ** 2),
            T("the normal density squares the distance to the mean: (x - mu)**2.", "정규 밀도는 평균까지의 거리를 제곱합니다: (x - mu)**2.")),
    Mistake(T("sigma instead of sigma^2 in the exponent only", "지수에서만 sigma^2 대신 sigma"),
            lambda x, m, s: np.exp(-((_f(x) - _f(m)) ** 2) / (2 * _f(s))) / np.sqrt(TWO_PI * _f(s) ** 2),
            T("the exponent divides by 2 sigma^2 (the variance): std**2.", "지수는 2 sigma^2(분산)로 나눕니다: std**2.")),
    Mistake(T("sigma instead of sigma^2 in the constant only: 1 / sqrt(2 pi sigma)", "상수에서만 sigma^2 대신 sigma: 1 / sqrt(2 pi sigma)"),
            lambda x, m, s: np.exp(-((_f(x) - _f(m)) ** 2) / (2 * _f(s) ** 2)) / np.sqrt(TWO_PI * _f(s)),
            T("the constant is 1 / sqrt(2 pi sigma^2) = 1 / (sigma sqrt(2 pi)).", "상수는 1 / sqrt(2 pi sigma^2) = 1 / (sigma sqrt(2 pi))입니다.")),
    Mistake(T("the exponent divided by 2 and then MULTIPLIED by sigma^2 (missing brackets)",
              "지수를 2로 나눈 뒤 sigma^2를 *곱함*(괄호 누락)"),
            lambda x, m, s: np.exp(-((_f(x) - _f(m)) ** 2) / 2 * _f(s) ** 2) / np.sqrt(TWO_PI * _f(s) ** 2),
            T("`-(x - mean)**2 / 2 * std**2` multiplies by std**2: Python reads a / 2 * b as (a / 2) * b. "
            "Write `/ (2 * std**2)`.",
              "`-(x - mean)**2 / 2 * std**2`는 std**2를 곱합니다. 파이썬은 a / 2 * b를 (a / 2) * b로 읽습니다. `/ (2 * std**2)`로 쓰십시오.")),
    Mistake(T("sigma multiplies the constant: sigma / sqrt(2 pi) (missing brackets)", "sigma가 상수에 곱해짐: sigma / sqrt(2 pi)(괄호 누락)"),
            lambda x, m, s: _f(s) * np.exp(-((_f(x) - _f(m)) ** 2) / (2 * _f(s) ** 2)) / np.sqrt(TWO_PI),
            T("`1 / np.sqrt(2 * np.pi) * std` is std / sqrt(2 pi): divide by std too, "
            "`1 / (std * np.sqrt(2 * np.pi))`.",
              "`1 / np.sqrt(2 * np.pi) * std`는 std / sqrt(2 pi)입니다. std로도 나누십시오: `1 / (std * np.sqrt(2 * np.pi))`.")),
    Mistake(T("sigma^2 outside the square root: 1 / (sqrt(2 pi) sigma^2)", "sigma^2가 제곱근 밖에 있음: 1 / (sqrt(2 pi) sigma^2)"),
            lambda x, m, s: np.exp(-((_f(x) - _f(m)) ** 2) / (2 * _f(s) ** 2)) / (np.sqrt(TWO_PI) * _f(s) ** 2),
            T("sqrt(2 pi sigma^2) = sigma sqrt(2 pi): the square root covers sigma^2 too.",
              "sqrt(2 pi sigma^2) = sigma sqrt(2 pi)입니다. 제곱근은 sigma^2도 덮습니다.")),
    Mistake(T("the normalising constant is missing", "정규화 상수가 없음"),
            lambda x, m, s: np.exp(-((_f(x) - _f(m)) ** 2) / (2 * _f(s) ** 2)),
            T("without 1 / sqrt(2 pi sigma^2) the curve's peak is 1 and its area is not 1.",
              "1 / sqrt(2 pi sigma^2)가 없으면 곡선의 꼭대기가 1이 되고 넓이는 1이 아닙니다.")),
    Mistake(T("the log-density instead of the density", "밀도 대신 로그 밀도"),
            lambda x, m, s: np.log(_normal_pdf_ref(x, m, s)),
            T("return the density itself: exp(...) / sqrt(2 pi sigma^2).", "밀도 자체를 반환하십시오: exp(...) / sqrt(2 pi sigma^2).")),
    Mistake(T("(x + mu) instead of (x - mu)", "(x - mu) 대신 (x + mu)"),
            lambda x, m, s: _normal_pdf_ref(x, -_f(m), s),
            T("the density measures the distance to the mean: x - mean.", "밀도는 평균까지의 거리를 잽니다: x - mean.")),
    Mistake(T("mean and std swapped", "mean과 std가 뒤바뀜"),
            lambda x, m, s: _normal_pdf_ref(x, s, m),
            T("the arguments are (x, mean, std): use `mean` as the centre and `std` as the spread.",
              "인수는 (x, mean, std)입니다. `mean`을 중심으로, `std`를 퍼짐으로 사용하십시오.")),
]


def _pdf_cases():
    x = np.linspace(-3, 3, 13, dtype=np.float32)
    return [(np.array([-1.0, 0.0, 0.5, 2.0], np.float32), 0.5, 2.0), (x, 0.0, 1.0), (x, 0.5, 2.0),
            (x * 0.1, -0.2, 0.3), (np.float32(1.5), 1.0, 0.7)]


# the density is exp(sum of the log-density's terms)
PDF_TERMS = [("-log(sigma)", lambda x, m, s: -np.log(_f(s)) + 0 * _f(x)),
             ("-log(2 pi) / 2", lambda x, m, s: -0.5 * np.log(TWO_PI) + 0 * _f(x)),
             (T("-(x - mu)^2 / (2 sigma^2) in the exponent", "지수의 -(x - mu)^2 / (2 sigma^2)"), lambda x, m, s: -((_f(x) - _f(m)) ** 2) / (2 * _f(s) ** 2))]
@functools.cache
def _pdf_term_slips() -> list:
    """Built on first use: it evaluates the reference on the test cases (JAX starts then, not at import)."""
    return term_slips(
        PDF_TERMS, lambda t, *a: np.exp(sum(t)),
        T("N(x; mu, sigma^2) = exp(-(x - mu)^2 / (2 sigma^2)) / (sigma sqrt(2 pi)); as a log, -log sigma - log(2 pi) / 2 "
          "- (x - mu)^2 / (2 sigma^2): look at the term {term}.",
          "N(x; mu, sigma^2) = exp(-(x - mu)^2 / (2 sigma^2)) / (sigma sqrt(2 pi))이고, 로그로는 -log sigma - log(2 pi) / 2 "
          "- (x - mu)^2 / (2 sigma^2)입니다. 항 {term}을(를) 보십시오."), _normal_pdf_ref, _pdf_cases(), NORMAL_PDF_MISTAKES)


def _pdf_uses() -> list[Use]:
    # the next cells: normal_pdf(xs, mu, sd) on a JAX grid with Python floats; then
    # normal_pdf(pts, true_mean, jnp.sqrt(diag_var)): NumPy samples (N, 3), one mean and one sigma per column (JAX)
    xs = jnp.linspace(-10, 12, 2001)
    pts = np.random.default_rng(21).normal(size=(50, 3)).astype(np.float32)
    mean, std = jnp.array([1.0, -2.0, 0.5]), jnp.sqrt(jnp.array([0.5, 2.0, 1.0]))
    return [Use(T("the next cell calls normal_pdf(xs, 1.0, 0.5) on a JAX grid of 2,001 points",
                  "다음 셀은 점 2,001개의 JAX 격자에서 normal_pdf(xs, 1.0, 0.5)를 호출합니다"),
                lambda fn: fn(xs, 1.0, 0.5), close_to(lambda: _normal_pdf_ref(np.asarray(xs), 1.0, 0.5), 1e-4, 1e-6)),
            Use(T("a later cell calls it with one mean and one std per column (JAX arrays of shape (3,)) on samples "
                  "of shape (50, 3)",
                  "뒤의 셀은 형태 (50, 3)인 샘플에 열마다 평균 하나와 std 하나(형태 (3,)인 JAX 배열)를 주어 호출합니다"),
                lambda fn: fn(pts, mean, std),
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
    Mistake(T("the log-determinant term is missing", "로그 행렬식 항이 없음"),
            _mvn_mistake(lambda k, m, mc, ld: -0.5 * (k * L2P + m)),
            T("the normalising constant of a k-d normal is 1 / sqrt((2 pi)^k det(Sigma)): its log "
            "adds -1/2 log det(Sigma).",
              "k차원 정규분포의 정규화 상수는 1 / sqrt((2 pi)^k det(Sigma))입니다. 그 로그는 -1/2 log det(Sigma)를 더합니다.")),
    Mistake(T("the covariance used in the quadratic form instead of its inverse", "이차 형식에 공분산의 역행렬 대신 공분산을 사용함"),
            _mvn_mistake(lambda k, m, mc, ld: -0.5 * (k * L2P + ld + mc)),
            T("the Mahalanobis term is (x - mu)^T Sigma^{-1} (x - mu): solve with Sigma (np.linalg.solve) "
            "or invert it.",
              "마할라노비스 항은 (x - mu)^T Sigma^{-1} (x - mu)입니다. Sigma로 풀거나(np.linalg.solve) 역행렬을 구하십시오.")),
    Mistake(T("log(2 pi) not multiplied by the dimension k", "log(2 pi)에 차원 k를 곱하지 않음"),
            _mvn_mistake(lambda k, m, mc, ld: -0.5 * (L2P + ld + m)),
            T("(2 pi)^(k/2) gives k/2 * log(2 pi) in the log density, one log(2 pi)/2 per dimension.",
              "(2 pi)^(k/2)는 로그 밀도에서 k/2 * log(2 pi), 즉 차원마다 log(2 pi)/2를 줍니다.")),
    Mistake(T("the factor 1/2 on the quadratic form is missing", "이차 형식의 계수 1/2가 없음"),
            _mvn_mistake(lambda k, m, mc, ld: -0.5 * (k * L2P + ld) - m),
            T("the exponent is -1/2 (x - mu)^T Sigma^{-1} (x - mu).", "지수는 -1/2 (x - mu)^T Sigma^{-1} (x - mu)입니다.")),
    Mistake(T("the density instead of the log-density", "로그 밀도 대신 밀도"),
            _mvn_mistake(lambda k, m, mc, ld: np.exp(-0.5 * (k * L2P + ld + m))),
            T("return the logarithm: it is what the loss functions use, and it does not underflow.",
              "로그를 반환하십시오. 손실 함수가 쓰는 것이 로그이고, 로그는 언더플로가 나지 않습니다.")),
    Mistake(T("only the diagonal of the covariance used (the correlations are ignored)",
              "공분산의 대각만 사용함(상관관계를 무시함)"),
            lambda x, mean, cov: _mvn_ref(x, mean, np.diag(np.diag(_f(cov)))),
            T("the off-diagonal entries matter: use the full matrix in both the determinant and the inverse.",
              "비대각 원소도 중요합니다. 행렬식과 역행렬 모두에 전체 행렬을 사용하십시오.")),
    Mistake(T("Cholesky: L^T used where L belongs (solved L^T y = x - mean)", "숄레스키: L 자리에 L^T를 사용함(L^T y = x - mean을 풂)"),
            _mvn_cholesky_transposed,
            T("with cov = L L^T (jnp.linalg.cholesky gives the LOWER factor L), the Mahalanobis term is "
            "|y|^2 with L y = x - mean: solve_triangular(L, diff.T, lower=True).",
              "cov = L L^T일 때(jnp.linalg.cholesky는 *아래* 삼각 인수 L을 줍니다) 마할라노비스 항은 L y = x - mean을 푼 y의 |y|^2입니다: solve_triangular(L, diff.T, lower=True).")),
    Mistake(T("Cholesky: log det taken as sum(log diag L), without the factor 2", "숄레스키: log det를 인수 2 없이 sum(log diag L)로 구함"),
            _mvn_mistake(lambda k, m, mc, ld: -0.5 * (k * L2P + ld / 2 + m)),
            T("det(cov) = det(L) det(L^T) = det(L)^2, so log det cov = 2 * sum(log diag L).",
              "det(cov) = det(L) det(L^T) = det(L)^2이므로 log det cov = 2 * sum(log diag L)입니다.")),
    Mistake(T("the determinant used where its log belongs", "행렬식의 로그 자리에 행렬식을 사용함"),
            _mvn_mistake(lambda k, m, mc, ld: -0.5 * (k * L2P + np.exp(ld) + m)),
            T("the log-density has log det(Sigma): jnp.linalg.slogdet(cov)[1], or 2 * sum(log diag L).",
              "로그 밀도에는 log det(Sigma)가 들어갑니다: jnp.linalg.slogdet(cov)[1] 또는 2 * sum(log diag L).")),
    Mistake(T("the log-determinant's sign is flipped", "로그 행렬식의 부호가 반대임"),
            _mvn_mistake(lambda k, m, mc, ld: -0.5 * (k * L2P - ld + m)),
            T("log of 1 / sqrt(det Sigma) is -1/2 log det Sigma: inside -0.5 * (...) it is + log det.",
              "1 / sqrt(det Sigma)의 로그는 -1/2 log det Sigma입니다. -0.5 * (...) 안에서는 + log det입니다.")),
    Mistake(T("log det(Sigma) from the diagonal of Sigma only", "log det(Sigma)를 Sigma의 대각에서만 구함"),
            lambda x, mean, cov: _mvn_ref(x, mean, cov) - 0.5 * (np.sum(np.log(np.diag(_f(cov))))
                                                                 - np.linalg.slogdet(_f(cov))[1]),
            T("the determinant of a full matrix is not the product of its diagonal (that holds for a "
            "triangular one, e.g. the Cholesky factor L): use slogdet, or 2 * sum(log diag L).",
              "전체 행렬의 행렬식은 대각 원소의 곱이 아닙니다(그것은 숄레스키 인수 L 같은 삼각 행렬에서만 성립합니다). slogdet이나 2 * sum(log diag L)을 사용하십시오.")),
    Mistake(T("the -1/2 in front is missing (every term doubled)", "앞의 -1/2가 없음(모든 항이 두 배)"),
            _mvn_mistake(lambda k, m, mc, ld: -(k * L2P + ld + m)),
            T("log N = -1/2 (k log(2 pi) + log det(Sigma) + (x - mu)^T Sigma^{-1} (x - mu)): the square root of "
            "the normalising constant and the 1/2 of the exponent give the factor -1/2 on all three terms.",
              "log N = -1/2 (k log(2 pi) + log det(Sigma) + (x - mu)^T Sigma^{-1} (x - mu))입니다. 정규화 상수의 제곱근과 지수의 1/2 때문에 세 항 모두에 -1/2가 붙습니다.")),
    Mistake(T("the 1/2 on log(2 pi) is missing", "log(2 pi)의 1/2가 없음"),
            _mvn_mistake(lambda k, m, mc, ld: -(k * L2P) - 0.5 * (ld + m)),
            T("log (2 pi)^(-k/2) = -k/2 log(2 pi): every term has the -1/2.", "log (2 pi)^(-k/2) = -k/2 log(2 pi)입니다. 모든 항에 -1/2가 있습니다.")),
    Mistake(T("log(pi) instead of log(2 pi)", "log(2 pi) 대신 log(pi)"),
            _mvn_mistake(lambda k, m, mc, ld: -0.5 * (k * np.log(np.pi) + ld + m)),
            T("the constant is (2 pi)^(-k/2): log(2 * pi).", "상수는 (2 pi)^(-k/2)입니다: log(2 * pi).")),
    Mistake(T("diff @ inv(cov) @ diff.T is N x N: its row sums taken instead of its diagonal",
              "diff @ inv(cov) @ diff.T는 N x N입니다: 대각 대신 행의 합을 사용함"),
            _mvn_full_matrix_summed,
            T("each sample's term is on the diagonal of that N x N matrix. Cheaper: "
            "jnp.sum(diff @ inv(cov) * diff, axis=-1), or solve with the Cholesky factor.",
              "각 샘플의 항은 그 N x N 행렬의 대각에 있습니다. 더 싼 방법: jnp.sum(diff @ inv(cov) * diff, axis=-1) 또는 숄레스키 인수로 풀기.")),
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
        T("log N(x; mu, Sigma) = -k log(2 pi) / 2 - log det(Sigma) / 2 - (x - mu)^T Sigma^-1 (x - mu) / 2, every "
          "term with its -1/2: look at the term {term}.",
          "log N(x; mu, Sigma) = -k log(2 pi) / 2 - log det(Sigma) / 2 - (x - mu)^T Sigma^-1 (x - mu) / 2이고, 모든 항에 "
          "-1/2가 붙습니다. 항 {term}을(를) 보십시오."), _mvn_ref, _mvn_cases(), MVN_MISTAKES)


def check_mvn_log_density(mvn_log_density) -> bool:
    """mvn_log_density(x: (N, K), mean: (K,), cov: (K, K)) -> (N,) log-densities of N(mean, cov)."""
    # the next cell: NumPy samples (2,000, 3) with the true mean and covariance as JAX arrays
    pts = np.random.default_rng(22).normal(size=(200, 3)).astype(np.float32)
    mean = jnp.array([1.0, -2.0, 0.5])
    cov = jnp.array([[2.0, 1.2, -0.4], [1.2, 1.5, 0.0], [-0.4, 0.0, 0.5]])
    uses = [Use(T("the next cell calls it on NumPy samples of shape (200, 3) with a JAX mean and covariance",
                  "다음 셀은 형태 (200, 3)인 NumPy 샘플과 JAX 평균, 공분산으로 호출합니다"),
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
    Mistake(T("divided by N instead of N - 1", "N - 1 대신 N으로 나눔"),
            lambda s: _cov_ref(s) * (len(s) - 1) / len(s),
            T("the sample covariance divides by N - 1 (Bessel's correction: the mean was estimated from "
            "the same data). np.cov does this by default; np.var / jnp.var need ddof=1.",
              "표본 공분산은 N - 1로 나눕니다(베셀 보정: 평균을 같은 데이터로 추정했기 때문입니다). np.cov는 기본으로 그렇게 하고, np.var / jnp.var에는 ddof=1이 필요합니다.")),
    Mistake(T("the mean was not subtracted", "평균을 빼지 않음"),
            lambda s: _f(s).T @ _f(s) / (len(s) - 1),
            T("covariance is E[(X - EX)(Y - EY)]: centre each column first (samples - samples.mean(axis=0)).",
              "공분산은 E[(X - EX)(Y - EY)]입니다. 먼저 각 열을 중심화하십시오(samples - samples.mean(axis=0)).")),
    Mistake(T("each row treated as a variable (np.cov without rowvar=False)", "각 행을 변수로 취급함(rowvar=False 없는 np.cov)"),
            lambda s: np.cov(_f(s)),
            T("our samples are rows and variables are columns: np.cov(samples, rowvar=False), or "
            "centred.T @ centred / (N - 1) - note the transpose comes first, giving (K, K).",
              "우리 샘플은 행이고 변수는 열입니다: np.cov(samples, rowvar=False) 또는 centred.T @ centred / (N - 1). 전치가 먼저 와야 (K, K)가 됩니다.")),
    Mistake(T("X X^T instead of X^T X (an N x N matrix)", "X^T X 대신 X X^T(N x N 행렬)"),
            lambda s: (lambda c: c @ c.T / (len(s) - 1))(_f(s) - _f(s).mean(axis=0)),
            T("with samples as rows, centred.T @ centred is (K, K); centred @ centred.T compares samples, not variables.",
              "샘플이 행이면 centred.T @ centred가 (K, K)입니다. centred @ centred.T는 변수가 아니라 샘플끼리 비교합니다.")),
    Mistake(T("the correlation matrix instead of the covariance", "공분산 대신 상관계수 행렬"),
            lambda s: np.corrcoef(_f(s), rowvar=False),
            T("correlation divides each covariance by both standard deviations; here we want the covariance itself.",
              "상관계수는 각 공분산을 두 표준편차로 나눕니다. 여기서는 공분산 자체가 필요합니다.")),
    Mistake(T("each row centred on its own mean (axis=1) instead of each column", "각 열이 아니라 각 행을 자기 평균으로 중심화함(axis=1)"),
            lambda s: (lambda c: c.T @ c / (len(s) - 1))(_f(s) - _f(s).mean(axis=1, keepdims=True)),
            T("subtract each VARIABLE's mean, a column mean: samples - samples.mean(axis=0).",
              "각 *변수*의 평균, 즉 열 평균을 빼십시오: samples - samples.mean(axis=0).")),
    Mistake(T("centred on the mean of all the values (one number) instead of each column's mean",
              "각 열의 평균이 아니라 모든 값의 평균(숫자 하나)으로 중심화함"),
            lambda s: (lambda c: c.T @ c / (len(s) - 1))(_f(s) - _f(s).mean()),
            T("each variable has its own mean: samples.mean(axis=0), shape (K,).", "변수마다 평균이 따로 있습니다: samples.mean(axis=0), 형태 (K,).")),
    Mistake(T("divided by K - 1 (the number of variables) instead of N - 1", "N - 1 대신 K - 1(변수의 개수)로 나눔"),
            lambda s: _cov_ref(s) * (len(s) - 1) / (_f(s).shape[1] - 1),
            T("divide by the number of SAMPLES minus one: samples.shape[0] - 1.", "*샘플* 수에서 1을 뺀 값으로 나누십시오: samples.shape[0] - 1.")),
    Mistake(T("not divided by N - 1 (a sum of products, not an average)", "N - 1로 나누지 않음(평균이 아니라 곱의 합)"),
            lambda s: _cov_ref(s) * (len(s) - 1),
            T("divide centred.T @ centred by N - 1.", "centred.T @ centred를 N - 1로 나누십시오.")),
    Mistake(T("only the variances (the diagonal); the covariances are missing", "분산(대각)만 있음. 공분산이 없음"),
            lambda s: np.diag(np.diag(_cov_ref(s))),
            T("the off-diagonal entries cov[i, j] = sum_n c_ni c_nj / (N - 1) matter: centred.T @ centred "
            "gives them all.",
              "비대각 원소 cov[i, j] = sum_n c_ni c_nj / (N - 1)도 중요합니다. centred.T @ centred가 그 모두를 줍니다.")),
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


use_normal_pdf = returns_function(check_normal_pdf, gaussian.normal_pdf)
use_mvn_log_density = returns_function(check_mvn_log_density, gaussian.mvn_log_density)
use_covariance_matrix = returns_function(check_covariance_matrix, gaussian.covariance)


def __getattr__(name):  # the term slips as module attributes, built on first use
    built = {"PDF_TERM_SLIPS": _pdf_term_slips, "MVN_TERM_SLIPS": _mvn_term_slips}
    if name in built:
        return built[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
