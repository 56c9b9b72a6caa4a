"""Training settings shared between chapters, so a later chapter can find an earlier one's cached model.

    r = book_vae_recipe(quick=vae_lib.quick_mode())
    train = load_dataset("fashion_mnist", "train", limit=r.n_train)
    model = book_vae(train.image_shape, r.latent_dim, encoder_widths=r.widths, rngs=nnx.Rngs(r.seed))
    path = book_vae_cache_path(r, train, quick)      # chapter 05 trains and saves here
    if path.exists(): restore_checkpoint(path, model)
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from vae_lib.cache import DEFAULT_ROOT, cache_path


@dataclass(frozen=True)
class VAERecipe:
    """How chapter 05 trains the book's VAE. max_steps / n_train / n_test None = no limit."""
    beta: float
    learning_rate: float
    batch_size: int
    epochs: int
    max_steps: int | None
    n_train: int | None
    n_test: int | None
    widths: tuple[int, ...]
    latent_dim: int = 2
    seed: int = 0


def book_vae_recipe(quick: bool) -> VAERecipe:
    """Full mode: the book (beta 500 on mean BCE, Adam 5e-4, batch 100, 5 epochs, widths 32-64-128).
    Quick mode: 2,000 images, 120 steps, narrower conv stacks and a 4x learning rate."""
    if quick:
        return VAERecipe(500.0, 2e-3, 100, 10, 120, 2000, 400, (8, 16, 32))
    return VAERecipe(500.0, 5e-4, 100, 5, None, None, None, (32, 64, 128))


def book_vae_cache_path(recipe: VAERecipe, train_data, quick: bool, root: str | Path = DEFAULT_ROOT) -> Path:
    """Where chapter 05 caches the VAE trained with `recipe` on `train_data`."""
    settings = {k: v for k, v in asdict(recipe).items() if k not in ("n_train", "n_test")}
    return cache_path("05_vae", data=train_data, quick=quick, root=root, **settings)
