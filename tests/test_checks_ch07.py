import jax.numpy as jnp
import numpy as np
import pytest

from vae_lib import sd_vae, torch_port
from vae_lib.course import checks
from vae_lib.course.checks import ch07


def not_written(*args):
    raise NotImplementedError


def test_exports():
    assert set(ch07.__all__) == {"check_group_norm", "check_latent_scale_factor", "check_conv_kernel_torch_to_flax",
                                 "use_group_norm", "use_latent_scale_factor", "use_conv_kernel_torch_to_flax"}
    assert all(hasattr(checks, name) for name in ch07.__all__)


def test_group_norm_right_answer_and_library_pass(capsys):
    assert checks.check_group_norm(sd_vae.group_norm)
    assert checks.check_group_norm(lambda x, g, eps=1e-6: np.asarray(ch07._group_norm(x, g, eps)))
    assert "[correct]" in capsys.readouterr().out


def test_group_norm_matches_flax_groupnorm():
    from flax import nnx
    x = np.random.default_rng(0).normal(size=(2, 4, 4, 8)).astype(np.float32)
    layer = nnx.GroupNorm(8, num_groups=4, rngs=nnx.Rngs(0))
    np.testing.assert_allclose(np.asarray(layer(jnp.asarray(x))), sd_vae.group_norm(jnp.asarray(x), 4), atol=1e-4)


@pytest.mark.parametrize("mistake", ["LayerNorm", "InstanceNorm", "every G-th", "BatchNorm", "variance instead"])
def test_group_norm_mistakes_are_named(mistake, capsys):
    wrong = {
        "LayerNorm": lambda x, g, eps=1e-6: ch07._norm_over(x, (1, 2, 3)),
        "InstanceNorm": lambda x, g, eps=1e-6: ch07._norm_over(x, (1, 2)),
        "every G-th": ch07._interleaved_groups,
        "BatchNorm": ch07._batch_groups,
        "variance instead": ch07._std_not_var,
    }[mistake]
    assert not checks.check_group_norm(wrong)
    out = capsys.readouterr().out
    assert "[wrong]" in out and "known mistake" in out and mistake in out


def test_latent_scale_factor(capsys):
    assert checks.check_latent_scale_factor(sd_vae.latent_scale_factor)
    for wrong, words in [(lambda z: jnp.std(z), "standard deviation itself"),
                         (lambda z: 1 / jnp.var(z), "1 / variance"),
                         (lambda z: 1 / jnp.std(z.reshape(-1, z.shape[-1]), axis=0), "per channel"),
                         (lambda z: 1 / jnp.sqrt(jnp.mean(z ** 2)), "root-mean-square")]:
        assert not checks.check_latent_scale_factor(wrong)
        assert words in capsys.readouterr().out
    assert not checks.check_latent_scale_factor(lambda z: 1 / jnp.std(z) + 0.1)
    assert "off by the same constant" in capsys.readouterr().out
    assert not checks.check_latent_scale_factor(lambda z: 1 / jnp.std(z[:1]))
    assert "expected" in capsys.readouterr().out


def test_conv_kernel_torch_to_flax(capsys):
    assert checks.check_conv_kernel_torch_to_flax(torch_port.conv_kernel_torch_to_flax)
    for wrong, words in [(lambda w: w.T, "reversed all axes"),
                         (lambda w: np.transpose(w, (2, 3, 0, 1)), "swapped in and out"),
                         (lambda w: w.reshape(w.shape[2], w.shape[3], w.shape[1], w.shape[0]), "reshape")]:
        assert not checks.check_conv_kernel_torch_to_flax(wrong)
        assert words in capsys.readouterr().out
    # the round trip with the library's flax -> torch direction
    w = np.random.default_rng(0).normal(size=(5, 2, 3, 4))
    np.testing.assert_array_equal(torch_port.conv_kernel_flax_to_torch(torch_port.conv_kernel_torch_to_flax(w)), w)


@pytest.mark.parametrize("check", [checks.check_group_norm, checks.check_latent_scale_factor,
                                   checks.check_conv_kernel_torch_to_flax])
def test_unattempted_and_broken_answers_never_crash(check, capsys):
    assert not check(not_written)
    assert "[not yet]" in capsys.readouterr().out
    assert not check(None)
    assert not check(lambda *a: None)
    assert "forget `return`" in capsys.readouterr().out
    assert not check(lambda *a: 1 / 0)
    assert "ZeroDivisionError" in capsys.readouterr().out
