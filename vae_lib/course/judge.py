"""An independent judge: a small classifier of the dataset's classes that *measures* what a chapter claims.

    judge = load_or_train_judge(train)                 # trained once on the training split, then cached
    r = judge.recognise(model.decode(z_prior))         # samples from N(0, I)
    print(f"{r['recognised']:.0%} recognised as a confident {judge.kind}, {r['classes']} classes")

"Recognisable" needs a judge that is *unsure* when an image is not one of the classes. A plain
classifier is not: trained on digits only, it gives uniform noise a 0.89 maximum probability and
the average digit 0.99 (measured). So the judge is trained with **mixup** (Zhang et al., 2018): it
also sees blends lam * x_a + (1 - lam) * x_b of two training images with the blended label
lam * y_a + (1 - lam) * y_b, and noise images with a uniform label. It then answers "I am 60 % sure
it is a 3" for a smudge halfway between a 3 and an 8. It also sees blurred, faded training images
with their own label, so a blurry but clear digit (what a 2-D VAE draws) still counts.

An image is **recognised** when the judge's largest class probability is at least `CONFIDENT`;
for reconstructions we also ask that the class is the original image's label.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jax
import numpy as np
import optax
from flax import nnx

from vae_lib.checkpoints import train_or_load
from vae_lib.course.cache import DEFAULT_ROOT, cache_path
from vae_lib.compiled import apply_in_batches
from vae_lib.data import ImageData
from vae_lib.i18n import tr
from vae_lib.models import Encoder
from vae_lib.train import fit

CONFIDENT = 0.8      # the smallest top-class probability that counts as "recognised"
JUDGE_WIDTHS = (16, 32, 64)
JUDGE_VERSION = 2    # part of the cache key: change it when the judge's training changes
JUDGE_STEPS = 1000   # measured on the bundled digits: 93-95 % test accuracy, a few seconds on a CPU


@dataclass
class Judge:
    """A trained classifier. model: images (B, H, W, C) in [0, 1] -> logits (B, K)."""
    model: Encoder
    label_names: tuple[str, ...]
    kind: str = "digit"           # what one class is called in messages ("digit", "clothing item")

    def probabilities(self, images, batch_size: int = 500) -> np.ndarray:
        """images: (N, H, W, C) float in [0, 1] -> (N, K) class probabilities."""
        return apply_in_batches(_softmax, self.model, np.asarray(images, np.float32), batch_size=batch_size)

    def recognise(self, images, labels=None, confident: float = CONFIDENT) -> dict:
        """How recognisable are these images?

        images: (N, H, W, C) in [0, 1]; labels: (N,) int or None (then any class counts).
        Returns a dict with
          recognised: share of images whose top class has probability >= confident
                      (and, with labels, is the right class),
          accuracy:   share whose top class is the label (only with labels),
          mean_confidence: mean top-class probability,
          classes:    how many different classes the recognised images cover,
          predicted:  (N,) top class of each image, confidence: (N,) its probability.
        """
        p = self.probabilities(images)
        predicted, confidence = p.argmax(1), p.max(1)
        ok = confidence >= confident
        result = {"mean_confidence": float(confidence.mean())}
        if labels is not None:
            right = predicted == np.asarray(labels)
            result["accuracy"] = float(right.mean())
            ok = ok & right
        result.update(recognised=float(ok.mean()), classes=int(len(np.unique(predicted[ok]))),
                      predicted=predicted, confidence=confidence)
        return result


def _softmax(model, x):
    return jax.nn.softmax(model(x))


def _blur(x: np.ndarray, times: int) -> np.ndarray:
    """A 3x3 box blur applied `times` times to (B, H, W, C) images (edges repeat)."""
    for _ in range(times):
        p = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")
        x = sum(p[:, i:i + x.shape[1], j:j + x.shape[2]] for i in range(3) for j in range(3)) / 9.0
    return x


def _training_batch(x: np.ndarray, y: np.ndarray, n_classes: int, rng: np.random.Generator):
    """A training batch for a calibrated judge, from a batch of labelled images.

    x: (B, H, W, C), y: (B,) int -> (images (B, H, W, C), soft targets (B, K)):
    - a third are mixup blends lam * x_a + (1 - lam) * x_b with the blended label;
    - a sixth are noise or a blurry "average image" (what an untrained decoder draws): uniform label;
    - of the rest, every other image is blurred and faded a little, keeping its label: a blurry,
      grey 3 is still a 3 (the decoders of a 2-D VAE draw exactly such images);
    - the others stay as they are.
    """
    b = len(x)
    targets = np.eye(n_classes, dtype=np.float32)[y]
    n_mix, n_noise = b // 3, b // 6
    other = rng.permutation(b)[:n_mix]
    lam = rng.uniform(0, 1, (n_mix, 1, 1, 1)).astype(np.float32)
    x, targets = x.copy(), targets.copy()
    x[:n_mix] = lam * x[:n_mix] + (1 - lam) * x[other]
    targets[:n_mix] = lam[:, :, 0, 0] * targets[:n_mix] + (1 - lam[:, :, 0, 0]) * targets[other]
    soft = slice(n_mix, b - n_noise, 2)
    x[soft] = _blur(x[soft], int(rng.integers(1, 3))) * rng.uniform(0.6, 1.0, (len(x[soft]), 1, 1, 1))
    noise = rng.uniform(0, 1, (n_noise, *x.shape[1:])).astype(np.float32)
    noise[::2] = x.mean(0) * rng.uniform(0.5, 1.5, (len(noise[::2]), 1, 1, 1))
    x[b - n_noise:] = np.clip(noise, 0, 1)
    targets[b - n_noise:] = 1.0 / n_classes
    return x.astype(np.float32), targets


def _judge_loss(model, batch, key):
    """Cross-entropy against the soft targets of `_training_batch`: batch = (images (B, H, W, C), targets (B, K))."""
    x, targets = batch
    loss = optax.softmax_cross_entropy(model(x), targets).mean()
    return loss, {"loss": loss}


def _judge_model(data: ImageData, seed: int = 0) -> Encoder:
    if data.labels is None:
        raise ValueError(f"{data.name} has no class labels: a judge needs them.")
    return Encoder(data.image_shape, JUDGE_WIDTHS, len(data.label_names), variational=False, rngs=nnx.Rngs(seed))


def _fit_judge(model: Encoder, data: ImageData, *, steps: int, batch_size: int = 100, learning_rate: float = 2e-3,
               seed: int = 0) -> None:
    """Train `model` (a judge) in place on data's images and labels, with the mixed batches of `_training_batch`,
    through `train.fit` (the course's one training loop)."""
    n_classes = len(data.label_names)
    rng = np.random.default_rng(seed)
    steps_per_epoch = max(1, len(data.images) // batch_size)   # fit says it when there are too few images
    fit(model, data.images, labels=data.labels, prepare=lambda batch: _training_batch(*batch, n_classes, rng),
        loss_fn=_judge_loss, key=jax.random.key(seed), epochs=-(-steps // steps_per_epoch), max_steps=steps,
        batch_size=batch_size, learning_rate=learning_rate, seed=seed, progress=False)


def train_judge(data: ImageData, *, steps: int = JUDGE_STEPS, batch_size: int = 100,
                learning_rate: float = 2e-3, seed: int = 0) -> Judge:
    """Train a judge on a labelled split (data.images (N, H, W, C), data.labels (N,))."""
    model = _judge_model(data, seed)
    _fit_judge(model, data, steps=steps, batch_size=batch_size, learning_rate=learning_rate, seed=seed)
    return Judge(model, tuple(data.label_names), kind=_kind(data))


def _kind(data: ImageData) -> str:
    """What one class is called: a digit, a clothing item (Fashion-MNIST), or a class."""
    if tuple(data.label_names) == tuple(str(i) for i in range(10)):
        return tr("digit", "숫자")
    return tr("clothing item", "의류") if "fashion" in data.name else tr("class", "클래스")


def load_or_train_judge(train: ImageData, *, steps: int = JUDGE_STEPS, root: str | Path | None = None) -> Judge:
    """The judge for `train`'s dataset: loaded from the model cache, else trained (seconds) and saved
    (`checkpoints.train_or_load`, as every model of the course: a damaged file is trained over)."""
    path = cache_path("judge", data=train, mode="any", root=root or DEFAULT_ROOT, steps=steps, widths=JUDGE_WIDTHS,
                      version=JUDGE_VERSION)
    model = _judge_model(train, seed=0)
    train_or_load(path, model, lambda: _fit_judge(model, train, steps=steps))
    return Judge(model, tuple(train.label_names), kind=_kind(train))
