import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from vae_lib import losses, models, train
from vae_lib.course import compare
from vae_lib.course.recipes import Recipe


def small_vae(seed=0):
    return models.VAE(models.Encoder((16, 16, 1), (8, 16), 2, rngs=nnx.Rngs(seed)),
                      models.Decoder((16, 16, 1), (16, 8), 2, start_channels=16, rngs=nnx.Rngs(seed + 1)))


def images(n, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (n, 16, 16, 1)).astype(np.float32)


def test_elbo_parts_match_losses_module():
    model, x, key = small_vae(), jnp.asarray(images(8)), jax.random.key(0)
    loss, parts, (logits, m, lv) = nnx.jit(lambda model, x: (*compare.elbo_loss_fn()(model, x, key), model(x, key)))(model, x)
    want = float(jnp.mean(losses.negative_elbo_nats(logits, x, m, lv)["neg_elbo"]))
    assert float(parts["neg_elbo"]) == pytest.approx(want, rel=1e-5) == float(loss)
    assert float(parts["neg_elbo"]) == pytest.approx(float(parts["bce"] + parts["kl"]), rel=1e-5)


def test_train_and_measure_is_fair_and_reproducible():
    kw = dict(loss_fn=train.vae_loss_fn(10.0), recipe=Recipe(steps=6, batch_size=16, learning_rate=1e-3), progress=False)
    a = compare.train_and_measure("a", small_vae(), images(48), images(16, 1), **kw)
    b = compare.train_and_measure("b", small_vae(), images(48), images(16, 1), **kw)
    assert a["steps"] == 6 and a["params"] == models.count_params(small_vae())
    for k in ("neg_elbo", "bce", "kl", "mse", "train_loss"):
        assert a[k] == pytest.approx(b[k], rel=1e-6)
    table = compare.format_table([a, b])
    assert "neg_elbo" in table and len(table.splitlines()) == 4


def test_train_and_measure_reuses_a_cached_model(tmp_path):
    kw = dict(loss_fn=train.vae_loss_fn(10.0), recipe=Recipe(steps=4, batch_size=16, learning_rate=1e-3),
              progress=False, cache=tmp_path / "m.msgpack")
    first = compare.train_and_measure("a", small_vae(), images(48), images(16, 1), **kw)
    again = compare.train_and_measure("a", small_vae(seed=5), images(48), images(16, 1), **kw)  # other init: loaded
    assert first["train_seconds"] is not None and again["train_seconds"] is None
    assert again["steps"] == 4 and again["neg_elbo"] == pytest.approx(first["neg_elbo"], rel=1e-6)


def test_table_uses_one_number_format_per_column_and_korean_headers(monkeypatch):
    from vae_lib import i18n
    rows = [dict(model="plain", params=10, steps=3, neg_elbo=275.0, bce=250.04, kl=24.96, mse=0.01234, train_seconds=None),
            dict(model="residual", params=12, steps=3, neg_elbo=276.23, bce=251.0, kl=25.2, mse=0.0121, train_seconds=3.04)]
    monkeypatch.setattr(i18n, "_chosen", "en")
    en = compare.format_table(rows).splitlines()
    assert en[0].split(" | ")[3].strip() == "neg_elbo"
    assert [c.strip() for c in en[2].split(" | ")][3:] == ["275.0", "250.0", "25.0", "0.0123", "None"]
    assert [c.strip() for c in en[3].split(" | ")][3:] == ["276.2", "251.0", "25.2", "0.0121", "3.0"]
    monkeypatch.setattr(i18n, "_chosen", "ko")
    ko = compare.format_table(rows).splitlines()
    assert [c.strip() for c in ko[0].split(" | ")] == ["모델", "파라미터 수", "스텝", "음의 ELBO", "재구성(BCE)", "KL", "MSE",
                                                       "훈련 시간(초)"]
    assert ko[2:] == en[2:]
