from dataclasses import replace

import jax
import numpy as np
from flax import nnx

from vae_lib.course.cache import cache_path, train_or_load_with_history
from vae_lib.data import ImageData
from vae_lib.models import book_vae
from vae_lib.train import History


def _data(seed=0, n=10):
    x = np.random.default_rng(seed).random((n, 8, 8, 1)).astype(np.float32)
    return ImageData("toy", "train", x, source="test")


def test_path_depends_on_mode_data_and_settings(tmp_path):
    d = _data()
    a = cache_path("05_vae", data=d, mode="smoke", root=tmp_path, beta=500)
    assert a == cache_path("05_vae", data=_data(), mode="smoke", root=tmp_path, beta=500)
    assert a.name.startswith("05_vae-smoke-") and a.suffix == ".msgpack"
    others = {cache_path("05_vae", data=d, mode="course", root=tmp_path, beta=500),
              cache_path("05_vae", data=d, mode="smoke", root=tmp_path, beta=50),
              cache_path("05_vae", data=_data(seed=1), mode="smoke", root=tmp_path, beta=500),
              cache_path("05_vae", data=_data(n=11), mode="smoke", root=tmp_path, beta=500),
              cache_path("05_vae", data=replace(d, source="other"), mode="smoke", root=tmp_path, beta=500)}
    assert a not in others and len(others) == 5


def test_train_then_load_keeps_weights_and_history(tmp_path):
    path = tmp_path / "m.msgpack"
    model = book_vae(image_shape=(8, 8, 1), encoder_widths=(2, 2, 2), rngs=nnx.Rngs(0))
    calls = []

    def train():
        calls.append(1)
        return History(steps=[{"step": 1, "loss": 2.5}], epochs=[{"epoch": 1, "step": 1, "loss": 2.5}])

    h1 = train_or_load_with_history(path, model, train)
    other = book_vae(image_shape=(8, 8, 1), encoder_widths=(2, 2, 2), rngs=nnx.Rngs(1))
    h2 = train_or_load_with_history(path, other, train)
    assert calls == [1] and h1.steps == h2.steps and h2.series("loss").tolist() == [2.5]
    same = jax.tree.map(np.array_equal, nnx.state(model, nnx.Param), nnx.state(other, nnx.Param))
    assert all(jax.tree.leaves(same))


def test_every_edition_shares_one_cache_folder(tmp_path):
    """English chapters/ and solutions/, Korean chapters/ko/: one build/cache of the course folder."""
    from pathlib import Path

    from vae_lib.course.cache import default_root
    root = Path(__file__).resolve().parents[1]
    assert default_root(root / "chapters") == Path("../build/cache")            # as it always was
    assert default_root(root / "chapters" / "ko") == Path("../../build/cache")
    assert (root / "chapters" / "ko" / default_root(root / "chapters" / "ko")).resolve() == (root / "build/cache").resolve()
    assert default_root(root) == Path("build/cache")
    assert default_root(tmp_path) == Path("../build/cache")                     # outside the course (Colab)
