import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from vae_lib import models, torch_port


def test_kernel_conversions_without_torch():
    k = np.random.default_rng(0).normal(size=(3, 3, 2, 5))           # flax (kH, kW, in, out)
    w = torch_port.conv_kernel_flax_to_torch(k)
    assert w.shape == (5, 2, 3, 3) and w[4, 1, 0, 2] == k[0, 2, 1, 4]
    np.testing.assert_array_equal(torch_port.conv_kernel_torch_to_flax(w), k)
    t = torch_port.conv_transpose_kernel_flax_to_torch(k)            # (in, out, kH, kW), flipped
    assert t.shape == (2, 5, 3, 3) and t[1, 4, 0, 2] == k[2, 0, 1, 4]


def test_missing_torch_gives_an_install_hint(monkeypatch):
    monkeypatch.setattr(torch_port, "torch_available", lambda: False)
    with pytest.raises(ImportError, match="pip install"):
        torch_port.book_vae_torch()


def test_torch_twin_has_the_same_parameter_count_and_shapes():
    torch = pytest.importorskip("torch")
    for shape, widths in [((32, 32, 1), (32, 64, 128)), ((16, 16, 3), (8, 16))]:
        f = models.book_vae(shape, 2, encoder_widths=widths, rngs=nnx.Rngs(0))
        t = torch_port.book_vae_torch(shape, 2, encoder_widths=widths)
        assert torch_port.count_params_torch(t) == models.count_params(f)
        x = np.random.default_rng(0).uniform(0, 1, (4, *shape)).astype(np.float32)
        logits, m, lv = nnx.eval_shape(lambda model, x: model(x, jax.random.key(0)), f, jnp.asarray(x))
        tl, tm, tlv = t(torch.from_numpy(x).permute(0, 3, 1, 2))
        assert tuple(tl.shape) == (4, shape[2], shape[0], shape[1])   # NCHW
        assert tuple(tl.permute(0, 2, 3, 1).shape) == logits.shape and tuple(tm.shape) == m.shape == lv.shape


def test_same_weights_give_the_same_outputs():
    torch = pytest.importorskip("torch")
    f = models.book_vae(rngs=nnx.Rngs(3))
    t = torch_port.book_vae_torch()
    torch_port.copy_flax_to_torch(f, t)
    x = np.random.default_rng(1).uniform(0, 1, (5, 32, 32, 1)).astype(np.float32)
    m, lv = f.encode(jnp.asarray(x))
    eps = np.random.default_rng(2).normal(size=m.shape).astype(np.float32)
    logits = f.decoder(m + jnp.exp(0.5 * lv) * eps)
    with torch.no_grad():
        tl, tm, tlv = t(torch.from_numpy(x).permute(0, 3, 1, 2), eps=torch.from_numpy(eps))
    np.testing.assert_allclose(tm.numpy(), m, atol=1e-5)
    np.testing.assert_allclose(tlv.numpy(), lv, atol=1e-5)
    np.testing.assert_allclose(tl.permute(0, 2, 3, 1).numpy(), logits, atol=1e-4)
    # and the same loss: beta * per-pixel-mean BCE + KL
    from vae_lib.losses import vae_loss
    want = float(vae_loss(logits, jnp.asarray(x), m, lv, 500.0)[0])
    got = float(torch_port.vae_loss_torch(tl, torch.from_numpy(x).permute(0, 3, 1, 2), tm, tlv, 500.0))
    assert got == pytest.approx(want, rel=1e-5)


def test_torch_train_step_lowers_the_loss():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    t = torch_port.book_vae_torch((16, 16, 1), 2, encoder_widths=(8, 16))
    opt = torch.optim.Adam(t.parameters(), lr=3e-3)
    x = torch.from_numpy(np.random.default_rng(0).uniform(0, 1, (16, 1, 16, 16)).astype(np.float32))
    losses = [torch_port.train_step_torch(t, opt, x, beta=50.0) for _ in range(30)]
    assert np.isfinite(losses).all() and np.mean(losses[-5:]) < np.mean(losses[:5])
