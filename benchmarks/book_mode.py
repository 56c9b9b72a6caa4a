"""Book mode's two trainings on the real Fashion-MNIST, timed: chapter 01's autoencoder (3 epochs, Adam 1e-3, batch
100) and chapter 05's VAE (5 epochs, Adam 5e-4, batch 100, beta 500), the settings of
`vae_lib.course.recipes.chapter_settings("01" / "05", "book")`. Prints the wall time of each training, the AE's test BCE per
pixel and the VAE's test loss in the book's units and its test -ELBO in nats per image (one JSON line at the end).

    python benchmarks/book_mode.py        # needs the real data on disk (Debian's dataset-fashion-mnist, or FASHION_MNIST_DIR)

Nothing is cached: this measures the training itself. Run it on an otherwise idle machine.
"""
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jax  # noqa: E402
from flax import nnx  # noqa: E402

import vae_lib.course  # noqa: E402

vae_lib.course.use_course_settings(verbose=False)
from vae_lib import evaluation  # noqa: E402
from vae_lib.data import load_dataset  # noqa: E402
from vae_lib.models import Autoencoder, book_vae  # noqa: E402
from vae_lib.course.recipes import chapter_settings, fit_recipe  # noqa: E402
from vae_lib.train import ae_loss_fn, evaluate, vae_loss_fn  # noqa: E402

train = load_dataset("fashion_mnist", "train", offline=True, fallback=False)
test = load_dataset("fashion_mnist", "test", offline=True, fallback=False)
if train.is_fallback:
    sys.exit("the real Fashion-MNIST is not on disk: apt-get install dataset-fashion-mnist, or set FASHION_MNIST_DIR")
out = {"date": time.strftime("%Y-%m-%d"), "load_average_start": os.getloadavg()[0]}
ae_recipe, vae_recipe = chapter_settings("01", "book").ae, chapter_settings("05", "book").vae
ae = Autoencoder(train.image_shape, 2, rngs=nnx.Rngs(0))
t = time.perf_counter()
h = fit_recipe(ae, train.images, ae_recipe, ae_loss_fn(), progress=False)
out.update(ae_seconds=time.perf_counter() - t, ae_steps=len(h.steps),
           ae_test_bce_per_pixel=evaluate(ae, test.images, ae_loss_fn(), jax.random.key(1))["loss"])
print(out, flush=True)
vae = book_vae(train.image_shape, 2, rngs=nnx.Rngs(0))
t = time.perf_counter()
h = fit_recipe(vae, train.images, vae_recipe, vae_loss_fn(vae_recipe.beta), progress=False)
out.update(vae_seconds=time.perf_counter() - t, vae_steps=len(h.steps),
           vae_test_book_units={k: float(v) for k, v in evaluate(vae, test.images, vae_loss_fn(vae_recipe.beta),
                                                                   jax.random.key(1)).items()},
           vae_test_neg_elbo_nats=evaluation.negative_elbo(vae, test.images, jax.random.key(6))["neg_elbo"],
           load_average_end=os.getloadavg()[0])
print(json.dumps(out, default=float))
