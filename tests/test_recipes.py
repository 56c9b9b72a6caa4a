"""Running modes and per-chapter settings: one place, three modes, budgets in optimizer steps."""
import numpy as np
import pytest

from vae_lib.course import recipes
from vae_lib.data import ImageData
from vae_lib.course.recipes import CHAPTERS, MODES, Recipe, chapter_settings, current_mode, epochs_for, recipe_cache_path


def test_mode_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("VAE_COURSE_MODE", raising=False)
    monkeypatch.delenv("VAE_COURSE_QUICK", raising=False)
    assert current_mode() == "course"                    # the default wherever a person runs the course
    monkeypatch.setenv("VAE_COURSE_QUICK", "1")
    assert current_mode() == "smoke"                     # the older switch still means the tests' mode
    monkeypatch.setenv("VAE_COURSE_MODE", "book")
    assert current_mode() == "book"                      # an explicit mode wins
    monkeypatch.setenv("VAE_COURSE_MODE", "fast")
    with pytest.raises(ValueError, match="smoke, course, book"):
        current_mode()


def test_every_chapter_has_the_same_settings_in_every_mode():
    for chapter, modes in CHAPTERS.items():
        assert set(modes) == set(MODES), chapter
        keys = {m: set(v) for m, v in modes.items()}
        assert keys["smoke"] == keys["course"] == keys["book"], chapter


def test_course_budgets_are_steps_not_epochs():
    for chapter in CHAPTERS:
        for name, value in chapter_settings(chapter, "course").values.items():
            if isinstance(value, Recipe):
                assert value.steps is not None and value.steps >= 200, (chapter, name)


def test_models_that_later_chapters_reuse_share_one_recipe():
    assert chapter_settings("01", "course").ae == chapter_settings("05", "course").ae
    assert chapter_settings("05", "book").vae == chapter_settings("07", "book").plain
    assert chapter_settings("05", "book").vae.epochs == 5 and chapter_settings("05", "book").vae.learning_rate == 5e-4


def test_settings_read_like_attributes_and_say_what_is_missing():
    s = chapter_settings("5", "smoke")
    assert s.chapter == "05" and s.vae.steps == 120 and "05" in repr(s) and "steps of batch" in repr(s)
    with pytest.raises(AttributeError, match="no setting 'nope'.*vae"):
        s.nope
    with pytest.raises(ValueError, match="no settings for chapter '42'"):
        chapter_settings("42")


def test_epochs_for_turns_steps_into_enough_epochs():
    r = Recipe(steps=1_200, learning_rate=1e-3, batch_size=100)
    assert epochs_for(r, 4_000) == (30, 1_200)            # 40 steps per epoch over the bundled digits
    assert epochs_for(r, 60_000) == (2, 1_200)            # Fashion-MNIST: 600 steps per epoch
    assert epochs_for(Recipe(steps=None, epochs=3, learning_rate=1e-3), 60_000) == (3, None)


def test_cache_path_depends_on_recipe_mode_and_data_not_on_the_loading_limit(tmp_path):
    data = ImageData("d", "train", np.zeros((10, 4, 4, 1), np.float32), source="s")
    r = Recipe(steps=100, learning_rate=1e-3, n_train=10)
    a = recipe_cache_path("vae", r, data, "course", root=tmp_path)
    assert a == recipe_cache_path("vae", recipes.replace(r, n_train=None), data, "course", root=tmp_path)
    assert a.name.startswith("vae-course-")
    assert a != recipe_cache_path("vae", r, data, "smoke", root=tmp_path)
    assert a != recipe_cache_path("vae", recipes.replace(r, steps=101), data, "course", root=tmp_path)
    assert a != recipe_cache_path("vae", r, data, "course", root=tmp_path, sweep_beta=5.0)


def test_train_or_load_recipe_trains_once_into_the_recipes_cache_file_then_loads(tmp_path, monkeypatch):
    import jax
    from flax import nnx

    from vae_lib.models import book_vae
    from vae_lib.train import vae_loss_fn

    monkeypatch.setenv("VAE_COURSE_MODE", "smoke")
    data = ImageData("d", "train", np.random.default_rng(0).random((40, 8, 8, 1)).astype(np.float32), source="s")
    recipe = Recipe(steps=3, learning_rate=1e-3, batch_size=10, widths=(2, 2, 2), beta=10.0)
    new = lambda seed: book_vae((8, 8, 1), encoder_widths=(2, 2, 2), rngs=nnx.Rngs(seed))   # noqa: E731
    model = new(0)
    trained = recipes.train_or_load_recipe("v", model, recipe, data, vae_loss_fn(10.0), root=tmp_path, progress=False,
                                           sweep=1)
    assert len(trained.steps) == 3
    assert recipe_cache_path("v", recipe, data, "smoke", tmp_path, sweep=1).exists()   # the mode: current_mode()
    other = new(1)
    loaded = recipes.train_or_load_recipe("v", other, recipe, data, vae_loss_fn(10.0), root=tmp_path, progress=False,
                                          sweep=1)
    assert loaded.steps == trained.steps
    same = jax.tree.map(np.array_equal, nnx.state(model, nnx.Param), nnx.state(other, nnx.Param))
    assert all(jax.tree.leaves(same))
    part = recipes.train_or_load_recipe("v", new(0), recipe, data, vae_loss_fn(10.0), images=data.images[:20],
                                        root=tmp_path, progress=False, sweep=2)   # other settings: another file
    assert len(part.steps) == 3 and len(list(tmp_path.glob("v-smoke-*.msgpack"))) == 2
