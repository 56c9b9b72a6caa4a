"""vae_lib: small, tested building blocks for the VAE course. Two layers:

The teaching layer (this package; what a learner reads), each module one job:
  gaussian        normal densities, covariance, the reparameterization trick, KL to N(0, I)
  losses          reconstruction losses, the beta-weighted VAE loss, ELBO in nats
  layers          the convolutions and transposed convolutions the models use
  models          the book's autoencoder and VAEs as Flax NNX modules
  compiled        a model's function as one compiled program: over many images in batches, or from a cell
  data            Fashion-MNIST / MNIST / CelebA through tfds or a folder, offline fallback
  train           one jit-compiled train step, `fit` with a progress bar (data-parallel with a mesh), `evaluate`
  evaluation      -ELBO in nats per image and the importance-weighted (IWAE) bound (chapter 05)
  latent          latent-space tools: nearest distances and holes, attribute vectors, morphing (chapters 05, 06)
  checkpoints     save / restore a model (and optimizer) to one file; train once, then load
  plots           image grids, reconstructions, latent scatter and grid, loss curves
  gaussian_plots  density grids and covariance contours (chapter 02)
  summary         a per-layer table of a model (shapes traced with nnx.eval_shape, parameter counts)
  estimators      pathwise vs score-function gradient estimators (chapter 03)
  sd_vae          Stable Diffusion's autoencoder in small: ResBlock, GroupNorm, attention (chapter 07)
  parallel        data-parallel training with jax.sharding: mesh, replicate, shard a batch (chapter 08)
  torch_port      the book's VAE in PyTorch, for the side-by-side table (torch optional)
  i18n            the language of learner-facing messages (en / ko): tr(en, ko), set_language
  fonts           a Korean font for matplotlib (NanumGothic from koreanize-matplotlib), set up by set_language("ko")

The course machinery (`vae_lib.course`; what runs the course, not what it teaches):
  course.env      the running mode (smoke / course / book, read in one place), process settings
                  (`use_course_settings`), the device report, a chapter's recorded results
  course.recipes  every chapter's training settings per mode, and the cache path of a recipe's model
  course.cache    train once, reuse: cache files keyed by mode, data fingerprint and settings
  course.judge    an independent classifier that measures whether images are recognisable
  course.gates    each chapter's quality gates: measured values against one table of thresholds
  course.compare  train several models the same way and measure their test ELBO (chapter 07)
  course.checks   the exercises' graders: `checks.<exercise>(your_function)`

Imports point one way: vae_lib.course imports the teaching layer, never the reverse, and no two
modules import each other (tests/test_layers_of_library.py checks both). `import vae_lib` changes no
process-wide setting; `vae_lib.course.use_course_settings()` opts in.
"""
__version__ = "0.1.0"
