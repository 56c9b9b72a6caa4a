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
  env          device report, quick mode, a chapter's results, and `use_course_settings()`: the
               on-disk compilation cache and host memory reuse on CPU (importing vae_lib changes
               no process-wide setting; that call opts in)
  summary      a per-layer table of a model (shapes traced with nnx.eval_shape, parameter counts)
  estimators   pathwise vs score-function gradient estimators (chapter 03)
  latent       latent-space tools: nearest distances and holes, attribute vectors, morphing
  gaussian_plots  density grids and covariance contours (chapter 02)
  sd_vae       Stable Diffusion's autoencoder in small: ResBlock, GroupNorm, attention (chapter 07)
  compare      train several models the same way and measure their test ELBO (chapter 07)
  parallel     data-parallel training with jax.sharding (chapter 07)
  torch_port   the book's VAE in PyTorch, for the side-by-side table (torch optional)
  evaluation   -ELBO in nats per image and the importance-weighted (IWAE) bound (chapter 05)
  cache        train once, reuse: cache files keyed by mode, data fingerprint and settings
  recipes      chapter 05's training settings and cache path, shared with later chapters
  i18n         the language of learner-facing messages (en / ko): tr(en, ko), set_language
  fonts        a Korean font for matplotlib (NanumGothic from koreanize-matplotlib), set up by set_language("ko")
"""
__version__ = "0.1.0"

from vae_lib.env import (  # noqa: F401
    device_report, enable_compilation_cache, quick_mode, record_result, tune_cpu_memory, use_course_settings,
)
