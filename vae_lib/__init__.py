"""vae_lib: small, tested building blocks for the VAE course.

Modules (each one job, readable in one sitting):
  gaussian     normal densities, covariance, the reparameterization trick, KL to N(0, I)
  losses       reconstruction losses, the beta-weighted VAE loss, ELBO in nats
  layers       the transposed convolution the decoders use
  models       the book's autoencoder and VAEs as Flax NNX modules
  data         Fashion-MNIST / MNIST / CelebA through tfds or a folder, offline fallback
  train        one jit-compiled train step, `fit` with a progress bar, `evaluate`
  checkpoints  save / restore a model (and optimizer) to one file
  plots        image grids, reconstructions, latent scatter and grid, loss curves
  env          device report, quick mode, a chapter's results, the on-disk compilation cache
"""
__version__ = "0.1.0"

from vae_lib.env import device_report, enable_compilation_cache, quick_mode, record_result  # noqa: F401

enable_compilation_cache()
