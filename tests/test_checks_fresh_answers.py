"""A fresh set of answers, written as learners write them (jax.numpy, NumPy, other styles), not
taken from the checks' lists of known mistakes: every right one passes, every wrong one is
rejected, and most wrong ones are told what the mistake is; the rest see a small input, the
expected output and theirs. `python tests/test_checks_fresh_answers.py` prints the tally."""
import contextlib
import io

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from vae_lib.course import checks
from vae_lib.gaussian import kl_to_standard_normal as kl_std

lse = jax.scipy.special.logsumexp
sig = jax.nn.sigmoid


def _bce_loss(bce):
    return lambda l, x: jnp.mean(bce(l, x))


def _vae(recon, kl=lambda m, v: kl_std(m, v), combine=lambda r, k, b: jnp.mean(b * r + k)):
    return lambda l, x, m, v, b: combine(recon(l, x), kl(m, v), b)


def _pixel_bce(l, x):
    return jnp.mean(optax.sigmoid_binary_cross_entropy(l, x), axis=(1, 2, 3))


def _nd(q, c):
    return jnp.linalg.norm(q[:, None, :] - c[None, :, :], axis=-1)


def _mvn(maha, logdet=lambda c: jnp.linalg.slogdet(c)[1], k=lambda x, m: m.shape[-1]):
    def f(x, m, c):
        d = x - m
        return -0.5 * (k(x, m) * jnp.log(2 * jnp.pi) + logdet(c) + maha(d, c))
    return f


def _maha(d, c):
    return jnp.sum(d @ jnp.linalg.inv(c) * d, axis=-1)


def _kl_gen(per_dim):
    return lambda mq, vq, mp, vp: jnp.sum(per_dim(mq, vq, mp, vp), axis=-1)


def _running_av(update_seen=lambda seen, z: seen + len(z), movement=lambda new, old: np.linalg.norm(new - old),
                norm=np.linalg.norm):
    def f(z_batches, label_batches, tol=0.04, max_examples=10_000):
        d = z_batches[0].shape[1]
        s, n, mean = [np.zeros(d), np.zeros(d)], [0, 0], [None, None]
        seen = 0
        for z, lab in zip(z_batches, label_batches):
            has = np.asarray(lab) == 1
            moves = []
            for i, mask in enumerate((has, ~has)):
                if mask.any():
                    s[i] = s[i] + z[mask].sum(0)
                    n[i] += int(mask.sum())
                    new = s[i] / n[i]
                    moves.append(np.inf if mean[i] is None else movement(new, mean[i]))
                    mean[i] = new
            seen = update_seen(seen, z)
            if (len(moves) == 2 and max(moves) < tol) or seen >= max_examples:
                break
        v = mean[0] - mean[1]
        return v / norm(v)
    return f


def _gn(axes_mean=(1, 2, 4), axes_var=(1, 2, 4), eps_inside=True):
    def f(x, num_groups, eps=1e-6):
        b, h, w, c = x.shape
        g = x.reshape(b, h, w, num_groups, c // num_groups)
        mu, var = g.mean(axis=axes_mean, keepdims=True), g.var(axis=axes_var, keepdims=True)
        out = (g - mu) / (jnp.sqrt(var + eps) if eps_inside else jnp.sqrt(var) + eps)
        return out.reshape(b, h, w, c)
    return f


def _morph(alphas, combine=lambda a, b, t: (1 - t) * a + t * b):
    return lambda a, b, n: jnp.stack([combine(a, b, t) for t in alphas(n)])


C = checks
RIGHT = [
    (C.check_ae_loss, "jax.nn.log_sigmoid form", _bce_loss(lambda l, x: -(x * jax.nn.log_sigmoid(l) + (1 - x) * jax.nn.log_sigmoid(-l)))),
    (C.check_ae_loss, "softplus form", _bce_loss(lambda l, x: jax.nn.softplus(l) - x * l)),
    (C.check_nearest_distance, "sqrt after the min", lambda q, c: jnp.sqrt(jnp.min(jnp.sum((q[:, None] - c[None]) ** 2, -1), 1))),
    (C.check_nearest_distance, "loop over queries", lambda q, c: np.array([np.min(np.linalg.norm(c - qi, axis=1)) for qi in q])),
    (C.check_normal_pdf, "scipy", lambda x, m, s: jax.scipy.stats.norm.pdf(x, loc=m, scale=s)),
    (C.check_normal_pdf, "standardised", lambda x, m, s: jnp.exp(-0.5 * ((x - m) / s) ** 2) / (s * jnp.sqrt(2 * jnp.pi))),
    (C.check_mvn_log_density, "diag of a full product", _mvn(lambda d, c: jnp.diag(d @ jnp.linalg.inv(c) @ d.T))),
    (C.check_mvn_log_density, "solve", _mvn(lambda d, c: jnp.sum(d * jnp.linalg.solve(c, d.T).T, -1),
                                            logdet=lambda c: jnp.log(jnp.linalg.det(c)))),
    (C.check_covariance_matrix, "divide first", lambda s: ((s - s.mean(0)) / (len(s) - 1)).T @ (s - s.mean(0))),
    (C.check_covariance_matrix, "einsum", lambda s: np.einsum("ni,nj->ij", s - s.mean(0), s - s.mean(0)) / (len(s) - 1)),
    (C.check_std_from_log_var, "power", lambda lv: jnp.exp(lv) ** 0.5),
    (C.check_reparameterize, "sqrt(exp)", lambda k, m, lv: m + jnp.sqrt(jnp.exp(lv)) * jax.random.normal(k, lv.shape)),
    (C.check_reparameterize, "split key", lambda k, m, lv: m + jnp.exp(lv / 2) * jax.random.normal(jax.random.split(k)[1], m.shape)),
    (C.check_reparameterize, "minus eps", lambda k, m, lv: m - jnp.exp(lv / 2) * jax.random.normal(k, m.shape)),
    (C.check_kl_to_standard_normal, "positive form", lambda m, v: 0.5 * jnp.sum(jnp.exp(v) + m**2 - 1 - v, axis=1)),
    (C.check_kl_diagonal_gaussians, "log sigma form",
     _kl_gen(lambda mq, vq, mp, vp: 0.5 * (vp - vq) + (jnp.exp(vq) + (mp - mq) ** 2) / (2 * jnp.exp(vp)) - 0.5)),
    (C.check_vae_loss, "two means", _vae(_pixel_bce, combine=lambda r, k, b: b * jnp.mean(r) + jnp.mean(k))),
    (C.check_vae_loss, "mean over all pixels", lambda l, x, m, v, b: b * jnp.mean(optax.sigmoid_binary_cross_entropy(l, x))
     + jnp.mean(kl_std(m, v))),
    (C.check_iwae_from_log_weights, "max trick", lambda lw: lw.max(0) + jnp.log(jnp.mean(jnp.exp(lw - lw.max(0)), 0))),
    (C.check_attribute_vector_from_codes, "labels == 1", _running_av()),
    (C.check_morph_codes, "jnp.linspace of vectors", lambda a, b, n: jnp.linspace(a, b, n)),
    (C.check_morph_codes, "arange / (n - 1)", _morph(lambda n: np.arange(n) / (n - 1), lambda a, b, t: a + t * (b - a))),
    (C.check_group_norm, "(B, HW, G, C/G)", lambda x, g, eps=1e-6: (lambda y: ((y - y.mean((1, 3), keepdims=True))
     / jnp.sqrt(y.var((1, 3), keepdims=True) + eps)).reshape(x.shape))(x.reshape(x.shape[0], -1, g, x.shape[-1] // g))),
    (C.check_latent_scale_factor, "1 / sqrt(var)", lambda z: 1 / jnp.sqrt(jnp.var(z))),
    (C.check_latent_scale_factor, "std ** -1", lambda z: np.std(z) ** -1),
    (C.check_conv_kernel_torch_to_flax, "einsum", lambda w: np.einsum("oihw->hwio", w)),
    (C.check_conv_kernel_torch_to_flax, "moveaxis", lambda w: np.moveaxis(w, (0, 1), (3, 2))),
]

WRONG = [
    # listed as right until issue 25: the chapters take jax.grad through the first two (NumPy breaks it), and the
    # global max gives -inf on log-weights at a trained VAE's scale (images hundreds of nats apart)
    (C.check_std_from_log_var, "exp(lv * 0.5)", lambda lv: np.exp(lv * 0.5)),
    (C.check_kl_to_standard_normal, "numpy", lambda m, v: -0.5 * np.sum(1 + np.asarray(v) - np.square(m) - np.exp(v), -1)),
    (C.check_iwae_from_log_weights, "global max", lambda lw: lw.max() + jnp.log(jnp.mean(jnp.exp(lw - lw.max()), 0))),
    # chapter 01
    (C.check_ae_loss, "H*W only (channels forgotten)", lambda l, x: jnp.mean(jnp.sum(optax.sigmoid_binary_cross_entropy(l, x), (1, 2, 3)) / (x.shape[1] * x.shape[2]))),
    (C.check_ae_loss, "log10", _bce_loss(lambda l, x: -(x * jnp.log10(sig(l)) + (1 - x) * jnp.log10(1 - sig(l))))),
    (C.check_ae_loss, "stable form, sign flipped", _bce_loss(lambda l, x: x * l - jax.nn.softplus(l))),
    (C.check_ae_loss, "log_sigmoid(l) in both terms", _bce_loss(lambda l, x: -(x * jax.nn.log_sigmoid(l) + (1 - x) * jax.nn.log_sigmoid(l)))),
    (C.check_ae_loss, "squared error summed", lambda l, x: jnp.sum((sig(l) - x) ** 2)),
    (C.check_nearest_distance, "second nearest", lambda q, c: np.sort(np.asarray(_nd(q, c)), axis=1)[:, 1]),
    (C.check_nearest_distance, "mean over queries", lambda q, c: _nd(q, c).mean(0)),
    (C.check_nearest_distance, "expansion without the 2", lambda q, c: jnp.sqrt(jnp.maximum(((q**2).sum(1)[:, None] - q @ c.T + (c**2).sum(1)), 0).min(1))),
    (C.check_nearest_distance, "fourth root", lambda q, c: (((q[:, None] - c[None]) ** 2).sum(-1).min(1)) ** 0.25),
    # chapter 02
    (C.check_normal_pdf, "two precedence slips", lambda x, m, s: jnp.exp(-(x - m) ** 2 / 2 * s**2) / jnp.sqrt(2 * jnp.pi) * s),
    (C.check_normal_pdf, "standardised, no 1/2", lambda x, m, s: jnp.exp(-(((x - m) / s) ** 2)) / (s * jnp.sqrt(2 * jnp.pi))),
    (C.check_normal_pdf, "variance passed as scale", lambda x, m, s: jax.scipy.stats.norm.pdf(x, m, s**2)),
    (C.check_normal_pdf, "(2 sigma)^2 in the exponent", lambda x, m, s: jnp.exp(-(x - m) ** 2 / (2 * s) ** 2) / jnp.sqrt(2 * jnp.pi * s**2)),
    (C.check_normal_pdf, "half the density", lambda x, m, s: 0.5 * jnp.exp(-(x - m) ** 2 / (2 * s**2)) / jnp.sqrt(2 * jnp.pi * s**2)),
    (C.check_mvn_log_density, "k = number of samples", _mvn(_maha, k=lambda x, m: x.shape[0])),
    (C.check_mvn_log_density, "triangular solve with lower=False",
     _mvn(lambda d, c: jnp.sum(jax.scipy.linalg.solve_triangular(jnp.linalg.cholesky(c), d.T, lower=False) ** 2, 0))),
    (C.check_mvn_log_density, "cholesky logdet without 2", _mvn(_maha, logdet=lambda c: jnp.sum(jnp.log(jnp.diag(jnp.linalg.cholesky(c)))))),
    (C.check_mvn_log_density, "+ log det", lambda x, m, c: -0.5 * (len(m) * jnp.log(2 * jnp.pi) + _maha(x - m, c)) + 0.5 * jnp.linalg.slogdet(c)[1]),
    (C.check_mvn_log_density, "solve with cov.T on the left", _mvn(lambda d, c: jnp.sum(d * (d @ c), -1))),
    (C.check_covariance_matrix, "jnp.cov default", lambda s: jnp.cov(s)),
    (C.check_covariance_matrix, "/ N - 1 precedence", lambda s: (s - s.mean(0)).T @ (s - s.mean(0)) / len(s) - 1),
    (C.check_covariance_matrix, "E[XX] - mean mean", lambda s: s.T @ s / (len(s) - 1) - np.outer(s.mean(0), s.mean(0))),
    (C.check_covariance_matrix, "ddof=0", lambda s: np.cov(s, rowvar=False, ddof=0)),
    (C.check_covariance_matrix, "centred X X^T", lambda s: (s - s.mean(0)) @ (s - s.mean(0)).T / (len(s) - 1)),
    # chapter 03
    (C.check_std_from_log_var, "fourth root of the variance", lambda lv: jnp.exp(lv) ** 0.25),
    (C.check_std_from_log_var, "halved sigma", lambda lv: jnp.sqrt(jnp.exp(lv)) / 2),
    (C.check_std_from_log_var, "squared at the end", lambda lv: jnp.exp(lv / 2) ** 2),
    (C.check_std_from_log_var, "log of half the variance", lambda lv: jnp.log(jnp.exp(lv) / 2)),
    (C.check_std_from_log_var, "exp(sqrt(lv))", lambda lv: jnp.exp(jnp.sqrt(lv))),
    (C.check_reparameterize, "eps (B,) then [:, None]", lambda k, m, lv: m + jnp.exp(lv / 2) * jax.random.normal(k, (m.shape[0],))[:, None]),
    (C.check_reparameterize, "uniform in [-1, 1]", lambda k, m, lv: m + jnp.exp(lv / 2) * jax.random.uniform(k, m.shape, minval=-1)),
    (C.check_reparameterize, "mean multiplies", lambda k, m, lv: m * jnp.exp(lv / 2) * jax.random.normal(k, m.shape)),
    (C.check_reparameterize, "noise halved", lambda k, m, lv: m + jnp.exp(lv / 2) * 0.5 * jax.random.normal(k, m.shape)),
    (C.check_reparameterize, "(z, eps)", lambda k, m, lv: (m + jnp.exp(lv / 2) * jax.random.normal(k, m.shape), jax.random.normal(k, m.shape))),
    # chapter 04
    (C.check_kl_to_standard_normal, "batch mean", lambda m, v: -0.5 * jnp.sum(1 + v - m**2 - jnp.exp(v)) / m.shape[0]),
    (C.check_kl_to_standard_normal, "log of the log-variance", lambda m, v: -0.5 * jnp.sum(1 + jnp.log(v) - m**2 - v, axis=1)),
    (C.check_kl_to_standard_normal, "log_var squared", lambda m, v: 0.5 * jnp.sum(jnp.exp(v) + m**2 - 1 - v**2, axis=1)),
    (C.check_kl_to_standard_normal, "keepdims", lambda m, v: -0.5 * jnp.sum(1 + v - m**2 - jnp.exp(v), axis=-1, keepdims=True)),
    (C.check_kl_to_standard_normal, "2 log_var", lambda m, v: -0.5 * jnp.sum(1 + 2 * v - m**2 - jnp.exp(v), axis=-1)),
    (C.check_kl_diagonal_gaussians, "log-variances read as variances",
     _kl_gen(lambda mq, vq, mp, vp: 0.5 * (jnp.log(vp / vq) + (vq + (mq - mp) ** 2) / vp - 1))),
    (C.check_kl_diagonal_gaussians, "p and q swapped", lambda mq, vq, mp, vp: C.ch04.kl_diagonal_gaussians(mp, vp, mq, vq)),
    (C.check_kl_diagonal_gaussians, "mean term over 2 var_q",
     _kl_gen(lambda mq, vq, mp, vp: 0.5 * (vp - vq) + jnp.exp(vq) / (2 * jnp.exp(vp)) + (mq - mp) ** 2 / (2 * jnp.exp(vq)) - 0.5)),
    (C.check_kl_diagonal_gaussians, "no -1/2",
     _kl_gen(lambda mq, vq, mp, vp: 0.5 * (vp - vq) + (jnp.exp(vq) + (mq - mp) ** 2) / (2 * jnp.exp(vp)))),
    (C.check_kl_diagonal_gaussians, "log of the std ratio without 1/2",
     _kl_gen(lambda mq, vq, mp, vp: (vp - vq) + (jnp.exp(vq) + (mq - mp) ** 2) / (2 * jnp.exp(vp)) - 0.5)),
    # chapter 05
    (C.check_vae_loss, "summed BCE over pixels", _vae(lambda l, x: jnp.sum(optax.sigmoid_binary_cross_entropy(l, x), axis=(1, 2, 3)))),
    (C.check_vae_loss, "KL also divided by beta", _vae(_pixel_bce, combine=lambda r, k, b: jnp.mean(b * r) + jnp.mean(k) / b)),
    (C.check_vae_loss, "KL summed inside", lambda l, x, m, v, b: jnp.mean(b * _pixel_bce(l, x) - 0.5 * jnp.sum(1 + v - m**2 - jnp.exp(v)))),
    (C.check_vae_loss, "no batch mean", _vae(_pixel_bce, combine=lambda r, k, b: b * r + k)),
    (C.check_vae_loss, "naive log(sigmoid)", _vae(lambda l, x: jnp.mean(-(x * jnp.log(sig(l)) + (1 - x) * jnp.log(1 - sig(l))), axis=(1, 2, 3)))),
    (C.check_vae_loss, "KL + mean^2", _vae(_pixel_bce, kl=lambda m, v: -0.5 * jnp.sum(1 + v + m**2 - jnp.exp(v), -1))),
    (C.check_iwae_from_log_weights, "log of a sum of exps", lambda lw: jnp.log(jnp.sum(jnp.exp(lw), 0)) - jnp.log(lw.shape[0])),
    (C.check_iwae_from_log_weights, "log(k - 1)", lambda lw: lse(lw, axis=0) - jnp.log(lw.shape[0] - 1)),
    (C.check_iwae_from_log_weights, "mean of log w plus log k", lambda lw: jnp.mean(lw, 0) + jnp.log(lw.shape[0])),
    (C.check_iwae_from_log_weights, "logsumexp / k - log k", lambda lw: lse(lw, axis=0) / lw.shape[0] - jnp.log(lw.shape[0])),
    (C.check_iwae_from_log_weights, "transposed, log k", lambda lw: lse(lw.T, axis=0) - jnp.log(lw.shape[0])),
    # chapter 06
    (C.check_attribute_vector_from_codes, "L1 normalised", _running_av(norm=lambda v: np.sum(np.abs(v)))),
    (C.check_attribute_vector_from_codes, "counts batches, not codes", _running_av(update_seen=lambda seen, z: seen + 1)),
    (C.check_attribute_vector_from_codes, "movement as the largest coordinate change", _running_av(movement=lambda new, old: np.max(np.abs(new - old)))),
    (C.check_attribute_vector_from_codes, "overall means, no stopping", lambda zb, lb, tol=0.04, max_examples=10_000: (
        lambda z, h: (lambda d: d / np.linalg.norm(d))(z[h].mean(0) - z[~h].mean(0)))(np.concatenate(zb), np.concatenate(lb) > 0)),
    (C.check_morph_codes, "z_a forgotten", _morph(lambda n: np.linspace(0, 1, n), lambda a, b, t: t * (b - a))),
    (C.check_morph_codes, "transposed", lambda a, b, n: ((1 - np.linspace(0, 1, n)) * a[:, None] + np.linspace(0, 1, n) * b[:, None])),
    (C.check_morph_codes, "alphas reversed", _morph(lambda n: np.linspace(1, 0, n))),
    (C.check_morph_codes, "both ends excluded", _morph(lambda n: np.linspace(0, 1, n + 2)[1:-1])),
    # chapter 07
    (C.check_group_norm, "mean over H, W, G", _gn(axes_mean=(1, 2, 3), axes_var=(1, 2, 3))),
    (C.check_group_norm, "all of the group's axes plus G", _gn(axes_mean=(1, 2, 3, 4), axes_var=(1, 2, 3, 4))),
    (C.check_group_norm, "variance over H, W only", _gn(axes_var=(1, 2))),
    (C.check_latent_scale_factor, "mean of per-channel stds", lambda z: 1 / jnp.std(z, axis=(0, 1, 2)).mean()),
    (C.check_latent_scale_factor, "first image only", lambda z: 1 / jnp.std(z[0])),
    (C.check_latent_scale_factor, "1 / (std + 1)", lambda z: 1 / (jnp.std(z) + 1)),
    (C.check_conv_kernel_torch_to_flax, "transpose(3, 2, 1, 0)", lambda w: w.transpose(3, 2, 1, 0)),
    (C.check_conv_kernel_torch_to_flax, "transpose(3, 2, 0, 1)", lambda w: w.transpose(3, 2, 0, 1)),
    (C.check_conv_kernel_torch_to_flax, "reshape", lambda w: w.reshape(w.shape[2], w.shape[3], w.shape[1], w.shape[0])),
    # first listed as right, as no case could tell; a nearly constant group now does (issue 14, second set)
    (C.check_group_norm, "eps outside the sqrt", _gn(eps_inside=False)),
]


def _run(check, fn) -> tuple[bool, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), np.errstate(all="ignore"):
        ok = check(fn)
    return ok, out.getvalue()


def kind_of(message: str) -> str:
    """named: the message says what the mistake is; shown: it shows input, expected and got; raised."""
    if " raised " in message:
        return "raised"
    if "for the input" in message and ("expected" in message):
        return "shown"
    return "named"


@pytest.mark.parametrize("check, label, fn", RIGHT, ids=[f"{c.__name__}-{lab}" for c, lab, _ in RIGHT])
def test_fresh_right_answers_pass(check, label, fn):
    ok, out = _run(check, fn)
    assert ok is True and "[correct]" in out, out


@pytest.mark.parametrize("check, label, fn", WRONG, ids=[f"{c.__name__}-{lab}" for c, lab, _ in WRONG])
def test_fresh_wrong_answers_are_rejected_and_explained(check, label, fn):
    ok, out = _run(check, fn)
    assert ok is False and "[wrong]" in out and "[correct]" not in out, out
    if kind_of(out) == "shown":
        assert "got" in out


def tally() -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = {"named": [], "shown": [], "raised": []}
    for check, label, fn in WRONG:
        kinds[kind_of(_run(check, fn)[1])].append(f"{check.__name__}: {label}")
    return kinds


def test_most_fresh_mistakes_are_named():
    # measured: 32 of 72 named when this set was first run (written before the axis and term slips were
    # added), 39 of 72 after; the goal is 60 %, not reached on this set. Guard the level reached.
    kinds = tally()
    caught = sum(len(v) for v in kinds.values())
    assert len(kinds["named"]) >= 0.5 * caught, kinds


if __name__ == "__main__":
    kinds = tally()
    total = sum(len(v) for v in kinds.values())
    for kind, labels in kinds.items():
        print(f"{kind}: {len(labels)} of {total}")
        for label in labels:
            print("   ", label)
