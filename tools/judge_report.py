"""How good and how calibrated is the judge on a dataset? The numbers the README gives for `vae_lib.course.judge`.

    python tools/judge_report.py             # the data a chapter gets (real Fashion-MNIST on disk, else the digits)
    python tools/judge_report.py --fallback  # the bundled digits

Prints: accuracy on the test split, the share right and confident (top class >= judge.CONFIDENT), the share
confident at all; the mean top-class probability and the confident share on uniform noise, on 50/50 blends of two
test images of different classes, and on the average image at ten brightnesses; and the accuracy per class.
Uses the cached judge (build/cache), training it first if needed (seconds to a minute).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fallback", action="store_true", help="the bundled digits, even when real data is on disk")
    args = parser.parse_args(argv)

    import numpy as np

    import vae_lib.course
    vae_lib.course.use_course_settings(verbose=False)
    from vae_lib.data import load_dataset
    from vae_lib.course.judge import CONFIDENT, load_or_train_judge

    train = load_dataset("fashion_mnist", "train", fallback=args.fallback, offline=True)
    test = load_dataset("fashion_mnist", "test", fallback=args.fallback, offline=True)
    judge = load_or_train_judge(train)
    r = judge.recognise(test.images, test.labels)
    print(f"{train.source}: test accuracy {r['accuracy']:.3f}, right and confident (>= {CONFIDENT}) "
          f"{r['recognised']:.3f}, confident (any class) {np.mean(r['confidence'] >= CONFIDENT):.3f}")
    rng = np.random.default_rng(0)
    noise = rng.uniform(0, 1, (1000, *test.image_shape)).astype(np.float32)
    a, b = rng.integers(0, len(test), 2000), rng.integers(0, len(test), 2000)
    keep = test.labels[a] != test.labels[b]
    average = np.clip(test.images.mean(0)[None] * np.linspace(0.5, 1.5, 10)[:, None, None, None], 0, 1)
    for name, images in (("uniform noise", noise), ("50/50 blends of two classes", 0.5 * test.images[a[keep]] +
                                                                                   0.5 * test.images[b[keep]]),
                         ("the average image, 10 brightnesses", average)):
        s = judge.recognise(images)
        print(f"  {name}: mean top-class probability {s['mean_confidence']:.3f}, confident {s['recognised']:.3f}")
    per_class = [float(np.mean(r["predicted"][test.labels == k] == k)) for k in range(len(judge.label_names))]
    print("  accuracy per class: " + ", ".join(f"{n} {v:.2f}" for n, v in zip(judge.label_names, per_class)))


if __name__ == "__main__":
    main()
