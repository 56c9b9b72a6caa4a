"""Data-parallel training with jax.sharding gives the same weights as one device (up to float error).

The multi-device test runs in a subprocess with XLA_FLAGS=--xla_force_host_platform_device_count=4,
which makes the CPU look like 4 devices (it must be set before JAX starts).
"""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jax
import numpy as np
import pytest
from flax import nnx

from vae_lib import models, parallel, train

ROOT = Path(__file__).resolve().parents[1]


def small_vae():
    return models.VAE(models.Encoder((16, 16, 1), (8, 16), 2, rngs=nnx.Rngs(0)),
                      models.Decoder((16, 16, 1), (16, 8), 2, start_channels=16, rngs=nnx.Rngs(1)))


def images(n=64):
    return np.random.default_rng(0).uniform(0, 1, (n, 16, 16, 1)).astype(np.float32)


def params(model):
    return [np.asarray(p) for p in jax.tree.leaves(nnx.state(model, nnx.Param))]


def test_one_device_mesh_matches_plain_fit():
    a, b = small_vae(), small_vae()
    kw = dict(loss_fn=train.vae_loss_fn(10.0), key=jax.random.key(0), batch_size=16, epochs=1, learning_rate=1e-3)
    train.fit(a, images(), progress=False, **kw)
    h = train.fit(b, images(), progress=False, mesh=parallel.make_data_mesh(jax.devices()[:1]), **kw)
    assert len(h.steps) == 4 and h.stopped is None
    for x, y in zip(params(a), params(b)):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def test_shard_batch_on_one_device():
    mesh = parallel.make_data_mesh(jax.devices()[:1])
    x = parallel.shard_batch(images(3), mesh)
    assert x.shape == (3, 16, 16, 1) and mesh.axis_names == ("data",)
    np.testing.assert_array_equal(np.asarray(x), images(3))
    assert parallel.sharding_report(parallel.replicate(nnx.state(small_vae()), mesh))["sharded"] == 0


SCRIPT = textwrap.dedent("""
    import json, jax, numpy as np
    from flax import nnx
    from vae_lib import models, parallel, train
    assert jax.device_count() == 4, jax.devices()
    x = np.random.default_rng(0).uniform(0, 1, (64, 16, 16, 1)).astype(np.float32)
    out = {}
    for n in (1, 4):
        model = models.VAE(models.Encoder((16, 16, 1), (8, 16), 2, rngs=nnx.Rngs(0)),
                           models.Decoder((16, 16, 1), (16, 8), 2, start_channels=16, rngs=nnx.Rngs(1)))
        init = [np.asarray(p) for p in jax.tree.leaves(nnx.state(model, nnx.Param))]
        mesh = parallel.make_data_mesh(jax.devices()[:n])
        h = train.fit(model, x, loss_fn=train.vae_loss_fn(10.0), key=jax.random.key(0),
                      batch_size=16, epochs=2, learning_rate=1e-3, mesh=mesh)
        ps = jax.tree.leaves(nnx.state(model, nnx.Param))
        out[n] = dict(params=[np.asarray(p).ravel().tolist() for p in ps], losses=h.series("loss").tolist(),
                      devices_per_param=sorted({len(p.sharding.device_set) for p in ps}),
                      report=parallel.sharding_report(ps),
                      moved=float(max(np.max(np.abs(np.asarray(a) - b)) for a, b in zip(ps, init))))
        if n == 4:
            batch = parallel.shard_batch(x[:16], mesh)
            out["shard_rows"] = [s.data.shape[0] for s in batch.addressable_shards]
            try:
                parallel.shard_batch(x[:15], mesh)
            except ValueError as e:
                out["uneven_error"] = str(e)
    print("JSON" + json.dumps(out))
""")


def test_four_devices_give_the_same_weights_as_one():
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=4", "JAX_PLATFORMS": "cpu",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.split("JSON", 1)[1])
    one, four = out["1"], out["4"]
    assert out["shard_rows"] == [4, 4, 4, 4]                       # the batch really is split
    assert four["devices_per_param"] == [4] and four["report"]["sharded"] == 0  # params replicated
    assert one["devices_per_param"] == [1]
    assert len(one["losses"]) == len(four["losses"]) == 8
    np.testing.assert_allclose(one["losses"], four["losses"], rtol=1e-4)
    for a, b in zip(one["params"], four["params"]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert "divisible by 4" in out["uneven_error"]
    assert one["moved"] > 1e-3                                     # training did change the weights
