"""Chapter 07's "better convolutions?" run long: the book's plain VAE against the residual VAE, both at the book's size,
trained with book mode's recipe on the real Fashion-MNIST, with learning curves against steps and against seconds.

    python benchmarks/long_run_07.py                     # writes vae_lib/course/measured/long_run_07.json
    python benchmarks/long_run_07.py --steps 20 --out /tmp/x.json --n-test 500     # a smoke run

The recipe is `chapter_settings("07", "book").plain` (chapter 05's VAE: 5 epochs of batch 100 = 3000 steps, Adam 5e-4,
beta 500 on the per-pixel-mean BCE, seed 0) for both models; the plain model has the book's widths (32-64-128), the
residual one book mode's `residual_widths` (32-40-56). Training goes through the public `train.fit`, one call per chunk
of --chunk steps (300: half an epoch): chunk c draws its batches from a shuffle of the training set with seed + c (so
the batches differ from one `fit(epochs=5)` call's, the same for both models), the same Adam state carries over, and the
reparameterization key of chunk c is fold_in(key(seed), c). After every chunk (and before the first) the test -ELBO in
nats per image is measured on all 10,000 test images (`vae_lib.evaluation.negative_elbo`, one z sample per image, fixed key). Training time
is timed per call of `fit` (the first call includes the compilation, also recorded alone); evaluation time is not counted.
The JSON is rewritten after every evaluation, so a run stopped early leaves the points it reached ("complete": false).
"""
import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jax  # noqa: E402
import numpy as np  # noqa: E402
from flax import nnx  # noqa: E402

import vae_lib.course  # noqa: E402

vae_lib.course.use_course_settings(verbose=False)
from vae_lib import evaluation, sd_vae  # noqa: E402
from vae_lib.data import load_dataset  # noqa: E402
from vae_lib.models import book_vae, count_params  # noqa: E402
from vae_lib.course.recipes import chapter_settings  # noqa: E402
from vae_lib.train import History, adam, fit, vae_loss_fn  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "vae_lib" / "course" / "measured" / "long_run_07.json"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--steps", type=int, default=None, help="stop each model after this many steps (smoke runs)")
    p.add_argument("--n-test", type=int, default=None, help="evaluate on the first N test images (default: all)")
    p.add_argument("--models", default="plain,residual")
    p.add_argument("--chunk", type=int, default=300, help="steps between two evaluations (one fit call each)")
    args = p.parse_args(argv)

    train = load_dataset("fashion_mnist", "train", offline=True, fallback=False)
    test = load_dataset("fashion_mnist", "test", offline=True, fallback=False)
    if train.is_fallback:
        sys.exit("the real Fashion-MNIST is not on disk: apt-get install dataset-fashion-mnist, or set FASHION_MNIST_DIR")
    S = chapter_settings("07", "book")
    R = S.plain
    x_train, x_test = train.images, test.images if args.n_test is None else test.images[:args.n_test]
    per_epoch = len(x_train) // R.batch_size
    total = per_epoch * R.epochs if args.steps is None else args.steps
    builders = {"plain": lambda: book_vae(x_train.shape[1:], R.latent_dim, encoder_widths=R.widths,
                                          rngs=nnx.Rngs(R.seed)),
                "residual": lambda: sd_vae.residual_vae(x_train.shape[1:], R.latent_dim, widths=S.residual_widths,
                                                        rngs=nnx.Rngs(R.seed))}
    widths = {"plain": list(R.widths), "residual": list(S.residual_widths)}
    out = {"what": "chapter 07: the book's plain VAE against the residual VAE at the book's size, same recipe",
           "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "command": "python " + " ".join([f"benchmarks/{Path(__file__).name}"] + (argv if argv is not None
                                                                                    else sys.argv[1:])),
           "data": f"{train.source}: {len(x_train)} training images, {len(x_test)} test images "
                   f"{tuple(x_train.shape[1:])}",
           "recipe": {"batch_size": R.batch_size, "learning_rate": R.learning_rate, "beta": R.beta,
                      "epochs": R.epochs, "steps": total, "seed": R.seed, "latent_dim": R.latent_dim},
           "hardware": {"cpu": cpu_model(), "cores": os.cpu_count(), "jax_backend": jax.default_backend(),
                        "devices": [str(d) for d in jax.devices()],
                        "load_average_start": round(os.getloadavg()[0], 2)},
           "jax_version": jax.__version__, "complete": False, "models": {}}

    def save():
        out["hardware"]["load_average_last"] = round(os.getloadavg()[0], 2)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(out, indent=1) + "\n")
        tmp.replace(args.out)

    loss_fn = vae_loss_fn(R.beta)
    eval_key = jax.random.key(R.seed + 1)
    for name in args.models.split(","):
        model = builders[name]()
        optimizer = nnx.Optimizer(model, adam(R.learning_rate), wrt=nnx.Param)
        history = History()
        rec = out["models"][name] = {
            "model": name, "widths": widths[name], "params": count_params(model), "steps_done": 0,
            "compile_seconds": None, "train_loss": [],   # per step, the book's units (beta-weighted loss)
            "chunk_steps": args.chunk, "chunks": [],   # one per fit call: {"step" (at its end), "seconds" (cumulative training seconds)}
            "evals": []}    # {"step", "seconds" (cumulative training seconds), "neg_elbo", "reconstruction", "kl"}

        def measure(step, seconds):
            t = time.perf_counter()
            e = evaluation.negative_elbo(model, x_test, eval_key)
            rec["evals"].append({"step": step, "seconds": round(seconds, 3), "neg_elbo": e["neg_elbo"],
                                 "reconstruction": e["reconstruction"], "kl": e["kl"],
                                 "eval_seconds": round(time.perf_counter() - t, 2)})
            print(f"{name}: step {step}, {seconds:.0f} s of training, test -ELBO {e['neg_elbo']:.2f} nats", flush=True)
            save()

        measure(0, 0.0)
        seconds, step, epoch = 0.0, 0, 0
        while step < total:
            n = min(args.chunk, total - step)
            t = time.perf_counter()
            fit(model, x_train, loss_fn=loss_fn, key=jax.random.fold_in(jax.random.key(R.seed), epoch), epochs=1,
                max_steps=n, batch_size=R.batch_size, learning_rate=R.learning_rate, optimizer=optimizer,
                seed=R.seed + epoch, progress=False, history=history)
            seconds += time.perf_counter() - t
            step, epoch = history.steps[-1]["step"], epoch + 1
            rec.update(steps_done=step, compile_seconds=history.compile_seconds,
                       train_loss=[round(r["loss"], 6) for r in history.steps])
            rec["chunks"].append({"step": step, "seconds": round(seconds, 3)})
            rec["seconds_per_step"] = (seconds - history.compile_seconds) / max(1, step - 1)
            measure(step, seconds)
    out["complete"] = all(m["steps_done"] == total for m in out["models"].values()) and len(out["models"]) == 2
    out["hardware"]["load_average_end"] = round(os.getloadavg()[0], 2)
    save()
    print(json.dumps({k: (v["evals"][-1], v["seconds_per_step"]) for k, v in out["models"].items()}, default=float))


if __name__ == "__main__":
    main()
