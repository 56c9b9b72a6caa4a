"""The independent judge: a calibrated classifier that measures what the chapters claim."""
import numpy as np
import pytest

from vae_lib.course import judge as judge_mod
from vae_lib.data import ImageData
from vae_lib.course.judge import Judge, load_or_train_judge, train_judge


def bars(n, seed=0):
    """Two classes of 16x16 images: a horizontal bar (label 0) or a vertical bar (label 1), anywhere."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 16, 16, 1), np.float32)
    y = rng.integers(0, 2, n).astype(np.int32)
    for i, pos in enumerate(rng.integers(2, 14, n)):
        if y[i] == 0:
            x[i, pos - 1:pos + 1, 2:14] = 1.0
        else:
            x[i, 2:14, pos - 1:pos + 1] = 1.0
    return ImageData("bars", "train", x, y, ("horizontal", "vertical"), source="test bars")


@pytest.fixture(scope="module")
def trained():
    return train_judge(bars(400), steps=150)


def test_judge_recognises_clear_images_and_doubts_noise_and_blends(trained):
    test = bars(200, seed=1)
    r = trained.recognise(test.images, test.labels)
    assert r["accuracy"] > 0.95 and r["recognised"] > 0.8 and r["classes"] == 2
    noise = np.random.default_rng(2).uniform(0, 1, (100, 16, 16, 1)).astype(np.float32)
    assert trained.recognise(noise)["recognised"] < 0.2
    cross = 0.5 * test.images[test.labels == 0][:50] + 0.5 * test.images[test.labels == 1][:50]
    assert trained.recognise(cross)["mean_confidence"] < 0.8     # a plain classifier is sure of one class


class FixedJudge(Judge):
    def __init__(self, p):
        super().__init__(model=None, label_names=("a", "b", "c"))
        self.p = np.asarray(p, np.float32)

    def probabilities(self, images, batch_size=500):
        return self.p


def test_recognise_counts_confident_and_right_answers():
    j = FixedJudge([[0.9, 0.05, 0.05], [0.1, 0.85, 0.05], [0.5, 0.4, 0.1], [0.05, 0.05, 0.9]])
    r = j.recognise(np.zeros((4, 1, 1, 1)))
    assert r["recognised"] == 0.75 and r["classes"] == 3 and list(r["predicted"]) == [0, 1, 0, 2]
    r = j.recognise(np.zeros((4, 1, 1, 1)), labels=[0, 0, 0, 2])
    assert r["accuracy"] == 0.75 and r["recognised"] == 0.5 and r["classes"] == 2   # the 2nd is confident but wrong
    assert j.recognise(np.zeros((4, 1, 1, 1)), confident=0.95)["recognised"] == 0.0


def test_training_batches_blend_labels_and_give_noise_uniform_targets():
    data = bars(30)
    x, t = judge_mod._training_batch(data.images, data.labels, 2, np.random.default_rng(0))
    assert x.shape == data.images.shape and x.min() >= 0 and x.max() <= 1
    np.testing.assert_allclose(t.sum(1), 1.0, rtol=1e-6)
    assert np.allclose(t[-5:], 0.5)                          # 30 // 6 noise images: uniform targets
    assert np.all(t[10:25].max(1) == 1.0)                    # clean images keep their one-hot label
    changed = [np.any(data.images[i] != x[i]) for i in range(10)]
    assert sum(changed) >= 8                                 # the first third are blends (rarely with itself)
    assert (t[:10].max(1) < 1.0).any()                       # blends of two classes get a blended label


def test_judge_is_cached(tmp_path):
    data = bars(120)
    first = load_or_train_judge(data, steps=5, root=tmp_path)
    assert len(list(tmp_path.glob("judge-*.msgpack"))) == 1
    again = load_or_train_judge(data, steps=5, root=tmp_path)
    np.testing.assert_allclose(first.probabilities(data.images[:8]), again.probabilities(data.images[:8]), atol=1e-6)


def test_judge_needs_labels():
    with pytest.raises(ValueError, match="no class labels"):
        train_judge(ImageData("faces", "train", np.zeros((4, 16, 16, 3), np.float32)), steps=1)


def test_a_damaged_judge_file_is_trained_over(tmp_path, capsys):
    """The judge goes through checkpoints.train_or_load like every cached model: a damaged file (an interrupted
    copy) is trained over and replaced, not a crash in the middle of a chapter."""
    data = bars(120)
    first = load_or_train_judge(data, steps=5, root=tmp_path)
    (path,) = tmp_path.glob("judge-*.msgpack")
    path.write_bytes(path.read_bytes()[:100])                 # truncated
    again = load_or_train_judge(data, steps=5, root=tmp_path)
    assert "Training again" in capsys.readouterr().out
    np.testing.assert_allclose(first.probabilities(data.images[:8]), again.probabilities(data.images[:8]), atol=1e-6)
    assert load_or_train_judge(data, steps=5, root=tmp_path).label_names == first.label_names   # the new file loads
