"""Wall time of one epoch of chapter 05's training, and of the whole course in course (or book) mode.

    python benchmarks/bench_course.py --epoch             # one epoch of the book's VAE with vae_lib.train.fit
    python benchmarks/bench_course.py --course            # every chapter notebook, course mode, offline
    python benchmarks/bench_course.py --course --full     # the book's settings (long)

The epoch uses chapter 05's settings (book_vae, beta 500, Adam 5e-4, batch 100) on Fashion-MNIST when
it is available, otherwise on the bundled digits (4,000 images); it says which.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def time_epoch() -> None:
    import jax
    from flax import nnx

    import vae_lib.course
    vae_lib.course.use_course_settings()  # as every chapter's setup cell: XLA cache, CPU memory reuse
    from vae_lib import data, models, train

    print(vae_lib.course.device_report())
    d = data.load_dataset("fashion_mnist", "train")
    model = models.book_vae(rngs=nnx.Rngs(0))
    start = time.perf_counter()
    h = train.fit(model, d.images, loss_fn=train.vae_loss_fn(500.0), key=jax.random.key(0), epochs=1,
                  batch_size=100, learning_rate=5e-4)
    seconds = time.perf_counter() - start
    steps = len(h.steps)
    print(f"one epoch on {d.source}: {len(d)} images, {steps} steps, {seconds:.1f} s "
          f"(first step incl. compile {h.compile_seconds:.1f} s), "
          f"{steps * 100 / (seconds - h.compile_seconds):.0f} images/s after compile")


def time_course(full: bool) -> None:
    from tools import run_course

    start = time.perf_counter()
    code = run_course.main(["--mode", "book"] if full else ["--mode", "course", "--offline"])
    print(f"whole course, {'book' if full else 'course'} mode: {time.perf_counter() - start:.0f} s "
          f"(exit code {code}; load average {os.getloadavg()[0]:.1f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epoch", action="store_true")
    ap.add_argument("--course", action="store_true")
    ap.add_argument("--full", action="store_true")
    args = ap.parse_args()
    if not (args.epoch or args.course):
        ap.error("say --epoch and/or --course")
    if args.epoch:
        time_epoch()
    if args.course:
        time_course(args.full)


if __name__ == "__main__":
    main()
