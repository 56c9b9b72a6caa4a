import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from vae_lib import data, models, train


def small_vae(seed=0):
    return models.VAE(models.Encoder((16, 16, 1), (8, 16), 2, rngs=nnx.Rngs(seed)),
                      models.Decoder((16, 16, 1), (16, 8), 2, start_channels=16, rngs=nnx.Rngs(seed + 1)))


def images(n=64, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (n, 16, 16, 1)).astype(np.float32)


def params(model):
    return [np.asarray(p) for p in jax.tree.leaves(nnx.state(model, nnx.Param))]


def test_fit_is_reproducible_and_logs_loss_parts():
    runs = []
    for _ in range(2):
        m = small_vae()
        h = train.fit(m, images(), loss_fn=train.vae_loss_fn(10.0), key=jax.random.key(0), epochs=2,
                      batch_size=16, progress=False, test_images=images(32, 1))
        runs.append((params(m), h))
    (p1, h1), (p2, h2) = runs
    assert all(np.array_equal(a, b) for a, b in zip(p1, p2))
    assert len(h1.steps) == 8 and [r["epoch"] for r in h1.epochs] == [1, 2]
    assert {"loss", "reconstruction", "kl", "test_loss", "test_kl"} <= set(h1.epochs[-1])
    assert h1.compile_seconds is not None and h1.stopped is None


def test_fit_rejects_unscaled_images():
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        train.fit(small_vae(), images() * 255, loss_fn=train.vae_loss_fn(), key=jax.random.key(0), progress=False)


def test_fit_rejects_an_empty_array_by_name():
    with pytest.raises(ValueError, match="got no images"):
        train.fit(small_vae(), images()[:0], loss_fn=train.vae_loss_fn(), key=jax.random.key(0), progress=False)


@pytest.mark.parametrize("setting, value, words", [
    ("learning_rate", -1e-3, "learning_rate must be a positive number.*climbs the loss"),
    ("learning_rate", 0.0, "learning_rate must be a positive number"),
    ("learning_rate", float("nan"), "learning_rate must be a positive number"),
    ("batch_size", 0, "batch_size must be a positive number"),
    ("epochs", 0, "epochs must be a positive number"),
    ("max_steps", -5, "max_steps must be a positive number"),
])
def test_fit_names_a_bad_setting_before_training(setting, value, words):
    m = small_vae()
    before = params(m)
    with pytest.raises(ValueError, match=words):
        train.fit(m, images(), loss_fn=train.vae_loss_fn(10.0), key=jax.random.key(0), progress=False,
                  **{"batch_size": 16, setting: value})
    assert all(np.array_equal(a, b) for a, b in zip(before, params(m)))   # nothing was trained


@pytest.mark.parametrize("beta", [-500.0, 0.0])
def test_vae_loss_rejects_a_beta_that_is_not_positive(beta):
    with pytest.raises(ValueError, match="beta must be positive"):
        train.vae_loss_fn(beta)


@pytest.mark.parametrize("where", ["train", "test"])
def test_fit_reports_nan_in_the_images_up_front(where):
    """Broken data are named as such before the first step, not reported as a diverged model."""
    x, x_test = images(), images(32, 1)
    (x if where == "train" else x_test)[5, 3, 3, 0] = np.nan
    m = small_vae()
    before = params(m)
    with pytest.raises(ValueError, match="your images contain NaN or inf: 1 of .* at index 5"):
        train.fit(m, x, loss_fn=train.vae_loss_fn(), key=jax.random.key(0), test_images=x_test,
                  batch_size=16, progress=False)
    assert all(np.array_equal(a, b) for a, b in zip(before, params(m)))   # no step was taken


def test_evaluate_puts_the_model_back_in_the_mode_it_came_in():
    """BatchNorm model (the CelebA VAE): evaluate runs in eval mode and leaves train/eval as it was."""
    x = np.random.default_rng(0).uniform(0, 1, (8, 32, 32, 1)).astype(np.float32)
    model = models.celeba_vae(image_shape=(32, 32, 1), latent_dim=4, width=8, rngs=nnx.Rngs(0))
    bn = next(m for _, m in nnx.iter_graph(model) if isinstance(m, nnx.BatchNorm))
    loss_fn = train.vae_loss_fn(10.0)
    for mode in ("eval", "train"):
        getattr(model, mode)()
        stats = [np.asarray(v) for v in jax.tree.leaves(nnx.state(model, nnx.BatchStat))]
        result = train.evaluate(model, x, loss_fn, jax.random.key(0), batch_size=4)
        assert bn.use_running_average == (mode == "eval"), mode
        assert np.isfinite(result["loss"])
        # eval mode inside: the running statistics were not updated by evaluate
        assert all(np.array_equal(a, np.asarray(b)) for a, b in
                   zip(stats, jax.tree.leaves(nnx.state(model, nnx.BatchStat))))


def nan_on_bright_batches(model, x, key):
    loss, parts = train.vae_loss_fn(10.0)(model, x, key)
    loss = jnp.where(jnp.mean(x == 1.0) > 0.01, jnp.nan, loss)  # an all-ones image in the batch
    return loss, {**parts, "loss": loss}


def test_nan_stops_training_and_keeps_the_last_good_weights():
    x = images(64)
    x[40] = 1.0  # this image makes the loss NaN when its batch comes up
    m = small_vae()
    with pytest.raises(train.TrainingDiverged, match="smaller learning rate") as info:
        train.fit(m, x, loss_fn=nan_on_bright_batches, key=jax.random.key(0), epochs=3, batch_size=16,
                  progress=False)
    good_steps = int(str(info.value).split("at step ")[1].split()[0]) - 1
    assert all(np.all(np.isfinite(p)) for p in params(m))
    # the same run stopped just before the bad step gives exactly the weights the model kept
    ref = small_vae()
    train.fit(ref, x, loss_fn=nan_on_bright_batches, key=jax.random.key(0), epochs=3, batch_size=16,
              progress=False, max_steps=good_steps)
    assert all(np.array_equal(a, b) for a, b in zip(params(m), params(ref)))


def test_interrupt_keeps_weights_and_history(monkeypatch, capsys):
    real = train.batches

    def interrupted(*args, **kwargs):
        for i, b in enumerate(real(*args, **kwargs)):
            if i == 2:
                raise KeyboardInterrupt
            yield b

    monkeypatch.setattr(train, "batches", interrupted)
    m = small_vae()
    h = train.fit(m, images(), loss_fn=train.vae_loss_fn(10.0), key=jax.random.key(0), epochs=1, batch_size=16,
                  progress=False)
    assert "interrupted" in capsys.readouterr().out and h.stopped == "interrupted at step 2"
    assert len(h.steps) == 2
    monkeypatch.setattr(train, "batches", real)
    ref = small_vae()
    train.fit(ref, images(), loss_fn=train.vae_loss_fn(10.0), key=jax.random.key(0), epochs=1, batch_size=16,
              progress=False, max_steps=2)
    assert all(np.array_equal(a, b) for a, b in zip(params(m), params(ref)))


def test_history_plots_itself():
    h = train.History(steps=[{"step": i, "loss": 1.0 / i, "kl": 0.1} for i in range(1, 5)],
                      epochs=[{"epoch": 1, "step": 4, "test_loss": 0.3}])
    axes = h.plot()
    assert len(axes) == 2 and axes[0].get_title() == "loss"


def test_vae_trained_on_offline_digits_beats_the_untrained_one(tmp_path):
    """The issue's end-to-end check: a short training on the bundled digits clearly lowers the test loss."""
    from vae_lib import plots
    tr = data.load_dataset("mnist", "train", limit=1000)
    te = data.load_dataset("mnist", "test", limit=300)
    model = models.book_vae(rngs=nnx.Rngs(0))
    loss_fn = train.vae_loss_fn(500.0)
    z = jax.random.normal(jax.random.key(2), (20, 2))

    def distance_to_real_digits(model):
        s = np.asarray(model.decode(z)).reshape(20, 1, -1)
        return np.mean(np.min(np.mean((s - te.images.reshape(1, len(te), -1)) ** 2, axis=-1), axis=1))

    before = train.evaluate(model, te.images, loss_fn, jax.random.key(1))["loss"]
    far = distance_to_real_digits(model)
    train.fit(model, tr.images, loss_fn=loss_fn, key=jax.random.key(0), epochs=3, learning_rate=5e-4,
              progress=False)
    after = train.evaluate(model, te.images, loss_fn, jax.random.key(1))["loss"]
    assert after < 0.6 * before, (before, after)
    # samples from N(0, I) look like digits: each is close to some real test digit, far closer than before
    near = distance_to_real_digits(model)
    assert near < 0.5 * far, (far, near)
    plots.image_grid(np.asarray(model.decode(z)), ncols=10).savefig(tmp_path / "samples.png")


def test_a_second_fit_reuses_the_compiled_step():
    x = images(32)
    loss_fn = train.vae_loss_fn(10.0)
    assert train.vae_loss_fn(10.0) is loss_fn
    train.fit(small_vae(0), x, loss_fn=loss_fn, key=jax.random.key(0), batch_size=16, progress=False)
    before = train.make_train_step.cache_info().hits
    h = train.fit(small_vae(5), x, loss_fn=loss_fn, key=jax.random.key(0), batch_size=16, progress=False)
    assert train.make_train_step.cache_info().hits == before + 1 and len(h.steps) == 2


def _classifier_loss(model, batch, key):
    x, y = batch
    loss = jnp.mean(-jnp.take_along_axis(jax.nn.log_softmax(model(x)), y[:, None], axis=1))
    return loss, {"loss": loss}


def test_fit_trains_a_classifier_on_labelled_batches_prepared_on_the_host():
    """labels=: each batch is the pair (images, labels), the same rows; prepare= runs on it before each step."""
    x = images(64)
    y = (x.mean(axis=(1, 2, 3)) > np.median(x.mean(axis=(1, 2, 3)))).astype(np.int32)   # brighter half: class 1
    x[y == 1] = np.clip(x[y == 1] + 0.3, 0, 1)
    seen = []

    def prepare(batch):
        xb, yb = batch
        seen.append((xb.shape, yb.shape, bool(np.all((xb.mean(axis=(1, 2, 3)) > 0.6) == (yb == 1)))))
        return xb, yb
    model = models.Encoder((16, 16, 1), (8, 16), 2, variational=False, rngs=nnx.Rngs(0))
    h = train.fit(model, x, labels=y, prepare=prepare, loss_fn=_classifier_loss, key=jax.random.key(0),
                  epochs=10, batch_size=16, learning_rate=1e-2, progress=False)
    assert len(seen) == len(h.steps) == 40 and seen[0][:2] == ((16, 16, 16, 1), (16,))
    assert all(rows_match for _, _, rows_match in seen)                     # labels travel with their images
    assert h.series("loss")[-4:].mean() < 0.5 * h.series("loss")[:4].mean()
    assert np.mean(np.asarray(model(jnp.asarray(x))).argmax(1) == y) > 0.9
    with pytest.raises(ValueError, match="labels for"):
        train.fit(model, x, labels=y[:10], loss_fn=_classifier_loss, key=jax.random.key(0), batch_size=16, progress=False)


def test_last_step_text_names_the_parts_in_the_language(monkeypatch):
    from vae_lib import i18n
    from vae_lib.train import History
    h = History(steps=[{"step": 0, "kl": 9.0, "loss": 1.0}, {"step": 1, "kl": 5.031, "loss": 155.456, "reconstruction": 150.424}])
    monkeypatch.setattr(i18n, "_chosen", "en")
    assert h.last_step_text() == "kl 5.03, loss 155.46, reconstruction 150.42"   # what chapter 05 printed before
    monkeypatch.setattr(i18n, "_chosen", "ko")
    assert h.last_step_text() == "KL 5.03, 손실 155.46, 재구성 150.42"
    assert History().last_step_text() == ""
