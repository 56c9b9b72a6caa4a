import jax.numpy as jnp
import numpy as np
import pytest

from vae_lib import parallel
from vae_lib.course import checks
from vae_lib.course.checks import ch08


def not_written(*args):
    raise NotImplementedError


def test_exports():
    assert set(ch08.__all__) == {"check_split_batch", "check_average_gradients", "use_split_batch", "use_average_gradients"}
    assert all(hasattr(checks, name) for name in ch08.__all__)


def test_split_batch_right_answers_pass(capsys):
    assert checks.check_split_batch(parallel.split_batch)
    assert checks.check_split_batch(lambda x, n: jnp.reshape(x, (n, -1) + x.shape[1:]))
    assert checks.check_split_batch(lambda x, n: np.stack(np.split(np.asarray(x), n)))
    assert "[correct]" in capsys.readouterr().out


def test_split_batch_not_yet(capsys):
    assert not checks.check_split_batch(not_written)
    assert "[not yet]" in capsys.readouterr().out


def test_average_gradients_right_answers_pass(capsys):
    assert checks.check_average_gradients(parallel.average_gradients)
    assert checks.check_average_gradients(lambda g: jnp.mean(g, axis=0))
    assert checks.check_average_gradients(lambda g: sum(g) / len(g))
    assert "[correct]" in capsys.readouterr().out


@pytest.mark.parametrize("check, wrong, words", [
    ("check_split_batch", lambda x, n: np.swapaxes(x.reshape(x.shape[0] // n, n, *x.shape[1:]), 0, 1), "round-robin"),
    ("check_split_batch", lambda x, n: x.reshape(-1, n, *x.shape[1:]), "groups of n_devices rows"),
    ("check_split_batch", lambda x, n: x[: x.shape[0] // n], "first device"),
    ("check_average_gradients", lambda g: jnp.sum(g, axis=0), "summed over the devices"),
    ("check_average_gradients", lambda g: jnp.mean(g), "every axis"),
    ("check_average_gradients", lambda g: g[0], "first device"),
])
def test_typical_mistakes_are_named(check, wrong, words, capsys):
    assert not getattr(checks, check)(wrong)
    out = capsys.readouterr().out
    assert "[wrong]" in out and words in out


def test_average_gradients_not_yet_and_crash(capsys):
    assert not checks.check_average_gradients(not_written)
    assert "[not yet]" in capsys.readouterr().out
    assert not checks.check_average_gradients(lambda g: 1 / 0)
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_split_batch_matches_what_shard_batch_puts_on_each_device():
    import jax
    mesh = parallel.make_data_mesh()
    x = np.arange(4.0 * mesh.devices.size).reshape(-1, 1)
    sharded = parallel.shard_batch(x, mesh)
    parts = parallel.split_batch(x, mesh.devices.size)
    for shard in sharded.addressable_shards:
        i = list(mesh.devices.flat).index(shard.device)
        np.testing.assert_array_equal(np.asarray(shard.data), parts[i])
    assert jax.device_count() >= 1
