import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx

from vae_lib import checkpoints, models


def make(latent=4, seed=0):
    m = models.celeba_vae(image_shape=(32, 32, 1), latent_dim=latent, width=8, rngs=nnx.Rngs(seed))
    return m, nnx.Optimizer(m, optax.adam(1e-3), wrt=nnx.Param)


def leaves(obj):
    return [np.asarray(x) for x in jax.tree.leaves(nnx.state(obj))]


def test_roundtrip_restores_model_batch_stats_and_optimizer(tmp_path):
    m, opt = make(seed=0)
    m(jnp.ones((2, 32, 32, 1)) * 0.3, jax.random.key(0))  # changes BatchNorm running stats
    path = checkpoints.save_checkpoint(tmp_path / "sub" / "vae.msgpack", m, opt)
    assert path.exists() and not path.with_name(path.name + ".tmp").exists()
    m2, opt2 = make(seed=1)
    assert not all(np.array_equal(a, b) for a, b in zip(leaves(m), leaves(m2)))
    checkpoints.restore_checkpoint(path, m2, opt2)
    assert all(np.array_equal(a, b) for a, b in zip(leaves(m), leaves(m2)))
    assert all(np.array_equal(a, b) for a, b in zip(leaves(opt), leaves(opt2)))


def test_restoring_into_another_shape_names_the_mismatch(tmp_path):
    m, _ = make(latent=4)
    checkpoints.save_checkpoint(tmp_path / "a.msgpack", m)
    other, opt = make(latent=6)
    before = leaves(other)
    with pytest.raises(checkpoints.CheckpointMismatch, match=r"z_mean/kernel: checkpoint has shape \(8, 4\)"):
        checkpoints.restore_checkpoint(tmp_path / "a.msgpack", other)
    with pytest.raises(checkpoints.CheckpointMismatch, match="no optimizer state"):
        checkpoints.restore_checkpoint(tmp_path / "a.msgpack", make(latent=4)[0], opt)
    assert all(np.array_equal(a, b) for a, b in zip(before, leaves(other)))  # nothing half-restored


def test_missing_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="No checkpoint"):
        checkpoints.restore_checkpoint(tmp_path / "none.msgpack", make()[0])


def test_train_or_load_trains_once(tmp_path):
    calls = []
    m, _ = make(seed=0)
    checkpoints.train_or_load(tmp_path / "c.msgpack", m, lambda: calls.append(1) or "trained")
    m2, _ = make(seed=1)
    assert checkpoints.train_or_load(tmp_path / "c.msgpack", m2, lambda: calls.append(1)) is None
    assert calls == [1] and all(np.array_equal(a, b) for a, b in zip(leaves(m), leaves(m2)))


@pytest.mark.parametrize("damage", ["truncated", "extra bytes", "not msgpack", "other msgpack"])
def test_a_damaged_file_says_so(tmp_path, damage):
    """A truncated or overwritten checkpoint names the file instead of msgpack's ExtraData & co."""
    m, _ = make()
    path = checkpoints.save_checkpoint(tmp_path / "c.msgpack", m)
    good = path.read_bytes()
    path.write_bytes({"truncated": good[: len(good) // 2], "extra bytes": good + b"\x00\x01",
                      "not msgpack": b"<html>quota exceeded</html>",
                      "other msgpack": b"\x93\x01\x02\x03"}[damage])       # a valid msgpack list [1, 2, 3]
    other, _ = make(seed=1)
    before = leaves(other)
    with pytest.raises(checkpoints.CheckpointDamaged, match=f"not a vae_lib checkpoint / damaged: {path}"):
        checkpoints.restore_checkpoint(path, other)
    assert all(np.array_equal(a, b) for a, b in zip(before, leaves(other)))


def test_train_or_load_trains_over_a_damaged_file(tmp_path, capsys):
    """A damaged cache entry is trained again (and replaced), with a message, not a crash."""
    path = tmp_path / "c.msgpack"
    path.write_bytes(b"\x00" * 10)
    m, _ = make(seed=0)
    assert checkpoints.train_or_load(path, m, lambda: "trained") == "trained"
    out = capsys.readouterr().out
    assert f"not a vae_lib checkpoint / damaged: {path}" in out and "Training again" in out
    m2, _ = make(seed=1)
    assert checkpoints.train_or_load(path, m2, lambda: pytest.fail("trained twice")) is None
    assert all(np.array_equal(a, b) for a, b in zip(leaves(m), leaves(m2)))
