"""The checks of chapters 04-06 pass the right answers, name each recognised mistake, and say
"not yet" for an exercise left blank."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from vae_lib.course import checks
from vae_lib.course.checks import ch04, ch05, ch06


def _todo(*args):
    raise NotImplementedError


# ------------------------------------------------------------------ right answers (written as a learner would)
def kl_right(z_mean, z_log_var):
    return -0.5 * jnp.sum(1 + z_log_var - jnp.square(z_mean) - jnp.exp(z_log_var), axis=1)


def kl_general_right(mq, vq, mp, vp):
    sq, sp = jnp.exp(0.5 * vq), jnp.exp(0.5 * vp)
    return jnp.sum(jnp.log(sp / sq) + (sq**2 + (mq - mp) ** 2) / (2 * sp**2) - 0.5, axis=-1)


def vae_loss_right(logits, x, z_mean, z_log_var, beta):
    import optax
    recon = jnp.mean(optax.sigmoid_binary_cross_entropy(logits, x), axis=(1, 2, 3))
    kl = -0.5 * jnp.sum(1 + z_log_var - z_mean**2 - jnp.exp(z_log_var), axis=-1)
    return jnp.mean(beta * recon + kl)


def iwae_right(log_w):
    m = jnp.max(log_w, axis=0)
    return m + jnp.log(jnp.mean(jnp.exp(log_w - m), axis=0))


def av_right(z_batches, label_batches, tol=0.04, max_examples=10_000):
    d = z_batches[0].shape[1]
    s = {True: np.zeros(d), False: np.zeros(d)}
    n = {True: 0, False: 0}
    mean = {True: None, False: None}
    seen = 0
    for z, lab in zip(z_batches, label_batches):
        pos = np.asarray(lab) > 0
        moves = []
        for cls, mask in ((True, pos), (False, ~pos)):
            if mask.any():
                s[cls] += z[mask].sum(0); n[cls] += mask.sum()
                new = s[cls] / n[cls]
                moves.append(np.inf if mean[cls] is None else np.linalg.norm(new - mean[cls]))
                mean[cls] = new
        seen += len(z)
        if len(moves) == 2 and max(moves) < tol or seen >= max_examples:
            break
    v = mean[True] - mean[False]
    return v / np.linalg.norm(v)


def morph_right(z_a, z_b, steps):
    alpha = np.linspace(0, 1, steps)[:, None]
    return (1 - alpha) * z_a + alpha * z_b


CASES = [
    (checks.check_kl_to_standard_normal, kl_right, ch04.KL_MISTAKES),
    (checks.check_kl_diagonal_gaussians, kl_general_right, ch04.GENERAL_MISTAKES),
    (checks.check_vae_loss, vae_loss_right, ch05.LOSS_MISTAKES),
    (checks.check_iwae_from_log_weights, iwae_right, ch05.IWAE_MISTAKES),
    (checks.check_attribute_vector_from_codes, av_right, ch06.AV_MISTAKES),
    (checks.check_morph_codes, morph_right, ch06.MORPH_MISTAKES),
]
IDS = [c[0].__name__ for c in CASES]


@pytest.mark.parametrize("check, right, mistakes", CASES, ids=IDS)
def test_right_answer_passes(check, right, mistakes, capsys):
    assert check(right)
    assert "[correct]" in capsys.readouterr().out


@pytest.mark.parametrize("check, right, mistakes", CASES, ids=IDS)
def test_each_mistake_is_named(check, right, mistakes, capsys):
    assert len(mistakes) >= 2
    for m in mistakes:
        assert not check(m.fn), m.name
        out = capsys.readouterr().out
        assert "[wrong]" in out and m.name in out, (m.name, out)


@pytest.mark.parametrize("check, right, mistakes", CASES, ids=IDS)
def test_unattempted_and_broken_code(check, right, mistakes, capsys):
    assert not check(_todo)
    assert "[not yet]" in capsys.readouterr().out
    assert not check(lambda *a: None)
    assert "[not yet]" in capsys.readouterr().out
    assert not check(lambda *a: 1 / 0)
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_unknown_wrong_answers_are_wrong(capsys):
    assert not checks.check_kl_to_standard_normal(lambda m, v: kl_right(m, v) + 0.1)
    assert not checks.check_vae_loss(lambda *a: vae_loss_right(*a) * 2)
    assert not checks.check_iwae_from_log_weights(lambda lw: jnp.max(lw, axis=0))
    assert not checks.check_morph_codes(lambda a, b, n: morph_right(a, b, n)[::-1])
    out = capsys.readouterr().out
    assert out.count("[wrong]") == 4


def test_iwae_check_demands_stability(capsys):
    # the naive formula underflows on log weights around -1000 and is named as such
    assert not checks.check_iwae_from_log_weights(lambda lw: jnp.log(jnp.mean(jnp.exp(lw), axis=0)))
    assert "underflows" in capsys.readouterr().out


def test_attribute_check_catches_a_crash_on_a_batch_without_positives(capsys):
    def crashes(z_batches, label_batches, tol=0.04, max_examples=10_000):
        means = [z[np.asarray(l) > 0].sum(0) / (np.asarray(l) > 0).sum() for z, l in zip(z_batches, label_batches)]
        if any(np.isnan(m).any() for m in means):
            raise ZeroDivisionError("a batch without positives")
        return av_right(z_batches, label_batches, tol, max_examples)

    with np.errstate(invalid="ignore", divide="ignore"):
        assert not checks.check_attribute_vector_from_codes(crashes)
    assert "a batch without positives" in capsys.readouterr().out


# ------------------------------------------------------------------ chapter 05: "debug this VAE"
def test_debug_diagnosis_right_wrong_and_not_yet(capsys):
    assert ch05.check_debug_diagnosis("kl_sign") and checks.check_debug_diagnosis(lambda: "KL_sign ")
    assert "[correct]" in capsys.readouterr().out
    for wrong in ("sigma", "no_kl", "beta_on_kl"):
        assert not ch05.check_debug_diagnosis(wrong)
        out = capsys.readouterr().out
        assert "[wrong]" in out and f"not {wrong}" in out
    assert not ch05.check_debug_diagnosis("the encoder")
    assert "not one of the suspects" in capsys.readouterr().out
    assert not ch05.check_debug_diagnosis(_todo) and not ch05.check_debug_diagnosis(None)
    assert capsys.readouterr().out.count("[not yet]") == 2
    assert not ch05.check_debug_diagnosis(lambda: 1 / 0)
    assert "[wrong]" in capsys.readouterr().out


def test_debug_losses_differ_only_by_the_planted_mistake():
    from flax import nnx

    from vae_lib.models import book_vae
    model = book_vae(image_shape=(8, 8, 1), latent_dim=2, encoder_widths=(4, 4, 4), rngs=nnx.Rngs(0))
    x = jax.random.uniform(jax.random.key(0), (3, 8, 8, 1))
    parts = {bug: ch05.debug_vae_loss_fn(500.0, bug)(model, x, jax.random.key(1)) for bug in
             (None, "sigma", "kl_sign", "no_kl", "beta_on_kl")}
    loss, p = parts[None]
    assert np.isclose(loss, p["reconstruction"] + p["kl"], rtol=1e-5)
    _, (lk, pk), (ln, pn), (lb, pb) = parts["sigma"], parts["kl_sign"], parts["no_kl"], parts["beta_on_kl"]
    assert np.isclose(lk, pk["reconstruction"] - pk["kl"], rtol=1e-5) and np.isclose(ln, pn["reconstruction"], rtol=1e-5)
    assert np.isclose(lb, pb["reconstruction"] / 500 + 500 * pb["kl"], rtol=1e-5)
    assert ch05.mystery_vae_loss_fn(500.0) is ch05.debug_vae_loss_fn(500.0, "kl_sign")
    with pytest.raises(ValueError):
        ch05.debug_vae_loss_fn(1.0, "typo")
