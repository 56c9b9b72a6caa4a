import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from vae_lib import models, sd_vae, train


def images(n=8, size=32, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (n, size, size, 1)).astype(np.float32)


def test_sd_vae_shapes_8x_downsampling_to_4_channels():
    model = sd_vae.sd_vae(rngs=nnx.Rngs(0))
    # one compiled call instead of hundreds of eager ops (much faster on CPU)
    logits, mean, log_var, decoded = nnx.jit(lambda m, x: (*m(x, jax.random.key(0)), m.decode(m.encode(x)[0])))(
        model, jnp.asarray(images()))
    assert logits.shape == decoded.shape == (8, 32, 32, 1)
    assert mean.shape == log_var.shape == (8, 4, 4, 4) == (8, *model.latent_shape)
    assert float(decoded.min()) >= 0 and float(decoded.max()) <= 1 and float(jnp.std(mean)) > 0


def test_fewer_levels_give_less_downsampling():
    model = sd_vae.sd_vae((16, 16, 3), base_channels=8, multipliers=(1, 2), groups=4, rngs=nnx.Rngs(0))
    mean, _ = nnx.eval_shape(lambda m, x: m.encode(x), model, jnp.zeros((2, 16, 16, 3)))
    assert mean.shape == (2, 8, 8, 4) and model.downsampling == 2


def test_kl_f8_config_has_stable_diffusions_parameter_count():
    # diffusers' AutoencoderKL for SD 1.x has 83,653,863 parameters; built abstractly (no memory)
    big = nnx.eval_shape(lambda: sd_vae.sd_vae((64, 64, 3), rngs=nnx.Rngs(0), **sd_vae.SD_KL_F8))
    assert models.count_params(big) == 83_653_863
    assert big.latent_shape == (8, 8, 4)


def test_blocks():
    x = jnp.asarray(np.random.default_rng(0).normal(size=(2, 8, 8, 16)).astype(np.float32))
    assert sd_vae.ResBlock(16, 32, groups=8, rngs=nnx.Rngs(0))(x).shape == (2, 8, 8, 32)
    same = sd_vae.ResBlock(16, 16, groups=8, rngs=nnx.Rngs(0))
    assert same.skip is None
    assert sd_vae.AttentionBlock(16, groups=8, rngs=nnx.Rngs(0))(x).shape == x.shape
    assert sd_vae.Downsample(16, rngs=nnx.Rngs(0))(x).shape == (2, 4, 4, 16)
    assert sd_vae.Upsample(16, rngs=nnx.Rngs(0))(x).shape == (2, 16, 16, 16)
    up = sd_vae.nearest_upsample(jnp.arange(4.0).reshape(1, 2, 2, 1))
    np.testing.assert_array_equal(up[0, :, :, 0], [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]])


def test_attention_mixes_positions():
    block = sd_vae.AttentionBlock(8, groups=4, rngs=nnx.Rngs(0))
    x = jnp.asarray(np.random.default_rng(1).normal(size=(1, 4, 4, 8)).astype(np.float32))
    y0 = block(x)
    y1 = block(x.at[0, 3, 3].add(5.0))
    assert float(jnp.max(jnp.abs(y1[0, 0, 0] - y0[0, 0, 0]))) > 1e-4  # a far pixel changes the first


def test_group_norm_is_per_image():
    x = np.random.default_rng(0).normal(size=(3, 4, 4, 8)).astype(np.float32)
    y = np.asarray(sd_vae.group_norm(jnp.asarray(x), 2))
    g = y.reshape(3, 4, 4, 2, 4)
    np.testing.assert_allclose(g.mean(axis=(1, 2, 4)), 0, atol=1e-5)
    np.testing.assert_allclose(g.var(axis=(1, 2, 4)), 1, atol=1e-3)
    y_alone = np.asarray(sd_vae.group_norm(jnp.asarray(x[:1]), 2))
    np.testing.assert_allclose(y[:1], y_alone, atol=1e-6)


def test_latent_scale_factor_gives_unit_std():
    z = np.random.default_rng(0).normal(0.5, 5.5, (16, 4, 4, 4)).astype(np.float32)
    s = float(sd_vae.latent_scale_factor(z))
    assert s == pytest.approx(1 / z.std(), rel=1e-5)
    assert float(jnp.std(z * s)) == pytest.approx(1.0, rel=1e-5)


def test_sd_vae_loss_parts():
    x = jnp.asarray(images(4))
    logits = jnp.zeros_like(x)  # decodes to 0.5 everywhere
    mean = jnp.zeros((4, 4, 4, 4)); log_var = jnp.zeros_like(mean)
    loss, parts = sd_vae.sd_vae_loss(logits, x, mean, log_var, kl_weight=1e-6)
    np.testing.assert_allclose(parts["l1"], np.mean(np.abs(0.5 - np.asarray(x)).sum(axis=(1, 2, 3))), rtol=1e-5)
    assert float(parts["kl"]) == pytest.approx(0.0, abs=1e-6)
    _, parts2 = sd_vae.sd_vae_loss(logits, x, mean + 1.0, log_var, kl_weight=1.0)
    assert float(parts2["kl"]) == pytest.approx(0.5 * 64, rel=1e-5)   # KL sums over all 64 latent values
    assert float(parts2["loss"]) == pytest.approx(float(parts2["l1"]) + 32.0, rel=1e-5)


def test_sd_vae_trains():
    model = sd_vae.sd_vae((16, 16, 1), base_channels=8, multipliers=(1, 2), groups=4, rngs=nnx.Rngs(0))
    x = images(32, 16)
    before = train.evaluate(model, x, sd_vae.sd_loss_fn(), jax.random.key(0))["l1"]
    h = train.fit(model, x, loss_fn=sd_vae.sd_loss_fn(), key=jax.random.key(1), epochs=15, batch_size=16,
                  learning_rate=3e-3, progress=False)
    after = train.evaluate(model, x, sd_vae.sd_loss_fn(), jax.random.key(0))["l1"]
    assert h.stopped is None and after < 0.8 * before


def test_residual_vae_is_a_book_compatible_vae_of_similar_size():
    book = models.book_vae(rngs=nnx.Rngs(0))
    res = sd_vae.residual_vae(rngs=nnx.Rngs(0))
    assert isinstance(res, models.VAE) and res.latent_dim == 2
    nb, nr = models.count_params(book), models.count_params(res)
    assert abs(nr - nb) / nb < 0.1, (nb, nr)
    logits, m, lv = nnx.eval_shape(lambda model, x: model(x, jax.random.key(0)), res, jnp.asarray(images(3)))
    assert logits.shape == (3, 32, 32, 1) and m.shape == lv.shape == (3, 2)


def test_patch_discriminator_and_hinge_losses():
    d = sd_vae.PatchDiscriminator(1, 8, rngs=nnx.Rngs(0))
    assert d(jnp.asarray(images(2))).shape == (2, 8, 8, 1)
    real, fake = jnp.array([2.0, 0.5]), jnp.array([-2.0, 0.0])
    # real: relu(1-2)=0, relu(1-0.5)=0.5 -> 0.25; fake: relu(1-2)=0, relu(1+0)=1 -> 0.5; halved sum 0.375
    assert float(sd_vae.hinge_discriminator_loss(real, fake)) == pytest.approx(0.375)
    assert float(sd_vae.generator_adversarial_loss(fake)) == pytest.approx(1.0)


def test_residual_vae_with_flax_convs_has_the_same_parameters_and_outputs(monkeypatch, tmp_path):
    """Its convolutions are vae_lib.layers.Conv; built with nnx.Conv instead (as before issue 23) the
    model has the same parameters (names, shapes, initial values), a checkpoint of one loads into the
    other, and outputs and gradients agree."""
    from functools import partial
    from vae_lib import checkpoints, layers

    ours = sd_vae.residual_vae(rngs=nnx.Rngs(3))
    assert isinstance(ours.encoder.blocks[0].conv1, layers.Conv) and isinstance(ours.decoder.blocks[0].conv, layers.Conv)
    assert type(sd_vae.sd_vae(rngs=nnx.Rngs(0)).encoder.down[0].conv1) is nnx.Conv   # the SD model keeps Flax's
    monkeypatch.setattr(sd_vae, "_res_conv", partial(nnx.Conv, kernel_init=layers.lecun_normal))
    flax_convs = sd_vae.residual_vae(rngs=nnx.Rngs(3))
    assert type(flax_convs.encoder.blocks[0].conv1) is nnx.Conv
    p_ours, p_flax = nnx.to_pure_dict(nnx.state(ours, nnx.Param)), nnx.to_pure_dict(nnx.state(flax_convs, nnx.Param))
    assert jax.tree.structure(p_ours) == jax.tree.structure(p_flax)
    for a, b in zip(jax.tree.leaves(p_ours), jax.tree.leaves(p_flax)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # a trained-looking checkpoint of the flax-conv model restores into ours
    trained = jax.tree.map(lambda v: v + 0.01 * jnp.arange(v.size, dtype=v.dtype).reshape(v.shape) / v.size, p_flax)
    state = nnx.state(flax_convs, nnx.Param)
    nnx.replace_by_pure_dict(state, trained)
    nnx.update(flax_convs, state)
    path = checkpoints.save_checkpoint(tmp_path / "res.msgpack", flax_convs)
    checkpoints.restore_checkpoint(path, ours)
    restored = nnx.to_pure_dict(nnx.state(ours, nnx.Param))
    for a, b in zip(jax.tree.leaves(restored), jax.tree.leaves(trained)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    x = jnp.asarray(images(4))
    loss = lambda m: train.vae_loss_fn(500.0)(m, x, jax.random.key(0))[0]
    (l_ours, g_ours), (l_flax, g_flax) = (nnx.jit(nnx.value_and_grad(loss))(m) for m in (ours, flax_convs))
    assert float(l_ours) == pytest.approx(float(l_flax), rel=1e-5)
    for a, b in zip(jax.tree.leaves(g_ours), jax.tree.leaves(g_flax)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=2e-3, atol=2e-4 * float(np.abs(b).max()) + 1e-7)
