"""The book's models as Flax NNX modules (NHWC images, float32 in [0, 1]).

Encoders map images (B, H, W, C) to latent codes; decoders map codes (B, D) to *logits*
(B, H, W, C): apply `jax.nn.sigmoid` (or call `.decode`) to get images in [0, 1].

- `Autoencoder`: the book's AE (Fashion-MNIST, 2-d latent): encoder 96,770 and decoder
  246,273 parameters.
- `VAE`: the same conv stacks with two heads, z_mean and z_log_var.
- `celeba_vae`: five Conv + BatchNorm + LeakyReLU blocks, 200-d latent, 64x64x3 faces.
"""
from __future__ import annotations

import math
from typing import Sequence

import jax
import jax.numpy as jnp
from flax import nnx

from vae_lib.compiled import compiled_when_eager
from vae_lib.gaussian import reparameterize
from vae_lib.layers import Conv, ConvTranspose, lecun_normal


def check_images(x: jax.Array, image_shape: tuple[int, int, int], who: str) -> None:
    """Raise a clear ValueError unless x is a float batch of shape (B, *image_shape)."""
    shape = tuple(getattr(x, "shape", ()))
    dtype = getattr(x, "dtype", None)
    if len(shape) != 4 or shape[1:] != tuple(image_shape):
        hint = ""
        if shape == tuple(image_shape):
            hint = " It looks like one image: add a batch axis with x[None]."
        elif len(shape) == 3 and shape[1:] == tuple(image_shape[:2]):
            hint = " Images need a channel axis too: x[..., None]."
        elif len(shape) in (3, 4) and 28 in shape[-3:-1] and image_shape[0] == 32:
            hint = " Fashion-MNIST is 28x28: pad it to 32x32 (vae_lib.data does)."
        raise ValueError(f"{who} expects images of shape (B, {', '.join(map(str, image_shape))}) "
                         f"float32 in [0, 1]; got shape {shape}.{hint}")
    if dtype is None or not jnp.issubdtype(dtype, jnp.floating):
        raise ValueError(f"{who} expects float images in [0, 1]; got dtype {dtype}. "
                         "Convert with x.astype('float32') / 255.")


class Encoder(nnx.Module):
    """Conv stack (3x3, stride 2, 'SAME') then Dense heads.

    x: (B, H, W, C) -> z: (B, D) if not variational, else (z_mean, z_log_var), each (B, D).
    With `batch_norm`, each conv is followed by BatchNorm and LeakyReLU (the CelebA model);
    otherwise by ReLU (the Fashion-MNIST model).
    """

    def __init__(self, image_shape: Sequence[int] = (32, 32, 1), widths: Sequence[int] = (32, 64, 128),
                 latent_dim: int = 2, *, variational: bool = True, batch_norm: bool = False, rngs: nnx.Rngs):
        self.image_shape = tuple(image_shape)
        self.variational = variational
        chans = [self.image_shape[-1], *widths]
        self.convs = nnx.List([Conv(a, b, (3, 3), strides=(2, 2), padding="SAME", rngs=rngs)
                               for a, b in zip(chans[:-1], chans[1:])])
        self.norms = nnx.List([nnx.BatchNorm(b, momentum=0.9, rngs=rngs) for b in widths] if batch_norm else [])
        factor = 2 ** len(widths)
        h, w = self.image_shape[0] // factor, self.image_shape[1] // factor
        self.flat_dim = h * w * widths[-1]
        self.z_mean = nnx.Linear(self.flat_dim, latent_dim, kernel_init=lecun_normal, rngs=rngs)
        self.z_log_var = nnx.Linear(self.flat_dim, latent_dim, kernel_init=lecun_normal, rngs=rngs) if variational else None

    @compiled_when_eager
    def __call__(self, x: jax.Array):
        check_images(x, self.image_shape, type(self).__name__)
        h = x
        for i, conv in enumerate(self.convs):
            h = conv(h)
            h = nnx.leaky_relu(self.norms[i](h), 0.3) if self.norms else nnx.relu(h)
        h = h.reshape(h.shape[0], -1)
        if not self.variational:
            return self.z_mean(h)
        return self.z_mean(h), self.z_log_var(h)


class Decoder(nnx.Module):
    """Dense -> reshape -> ConvTranspose stack (3x3, stride 2) -> Conv(3x3) to C channels.

    z: (B, D) -> logits: (B, H, W, C). Apply sigmoid for images in [0, 1].
    """

    def __init__(self, image_shape: Sequence[int] = (32, 32, 1), widths: Sequence[int] = (128, 64, 32),
                 latent_dim: int = 2, start_channels: int = 128, *, batch_norm: bool = False, rngs: nnx.Rngs):
        self.image_shape = tuple(image_shape)
        self.latent_dim = latent_dim
        factor = 2 ** len(widths)
        self.start_shape = (self.image_shape[0] // factor, self.image_shape[1] // factor, start_channels)
        self.dense = nnx.Linear(latent_dim, math.prod(self.start_shape), kernel_init=lecun_normal, rngs=rngs)
        self.dense_norm = nnx.BatchNorm(self.dense.out_features, momentum=0.9, rngs=rngs) if batch_norm else None
        chans = [start_channels, *widths]
        self.deconvs = nnx.List([ConvTranspose(a, b, (3, 3), strides=(2, 2), padding="SAME", rngs=rngs)
                                 for a, b in zip(chans[:-1], chans[1:])])
        self.norms = nnx.List([nnx.BatchNorm(b, momentum=0.9, rngs=rngs) for b in widths] if batch_norm else [])
        self.out = Conv(widths[-1], self.image_shape[-1], (3, 3), padding="SAME", rngs=rngs)

    @compiled_when_eager
    def __call__(self, z: jax.Array) -> jax.Array:
        if z.ndim != 2 or z.shape[-1] != self.latent_dim:
            raise ValueError(f"Decoder expects latent codes of shape (B, {self.latent_dim}); got {tuple(z.shape)}."
                             + (" Add a batch axis with z[None]." if z.ndim == 1 else ""))
        h = self.dense(z)
        h = nnx.leaky_relu(self.dense_norm(h), 0.3) if self.dense_norm is not None else h
        h = h.reshape(z.shape[0], *self.start_shape)
        for i, deconv in enumerate(self.deconvs):
            h = deconv(h)
            h = nnx.leaky_relu(self.norms[i](h), 0.3) if self.norms else nnx.relu(h)
        return self.out(h)


class Autoencoder(nnx.Module):
    """The book's plain autoencoder: image -> one point z -> image.

    __call__(x: (B, H, W, C)) -> logits (B, H, W, C); encode -> z (B, D); decode -> images in [0, 1].
    """

    def __init__(self, image_shape: Sequence[int] = (32, 32, 1), latent_dim: int = 2, *,
                 widths: Sequence[int] = (32, 64, 128), rngs: nnx.Rngs):
        widths = tuple(widths)
        self.encoder = Encoder(image_shape, widths, latent_dim=latent_dim, variational=False, rngs=rngs)
        self.decoder = Decoder(image_shape, widths[::-1], latent_dim=latent_dim, start_channels=widths[-1], rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        return self.decoder(self.encoder(x))

    def encode(self, x: jax.Array) -> jax.Array:
        return self.encoder(x)

    def decode(self, z: jax.Array) -> jax.Array:
        return jax.nn.sigmoid(self.decoder(z))


class VAE(nnx.Module):
    """A variational autoencoder: image -> N(z_mean, exp(z_log_var)) -> sample z -> image.

    __call__(x, key) -> (logits, z_mean, z_log_var); the sample is drawn with the explicit `key`.
    encode(x) -> (z_mean, z_log_var), each (B, D); decode(z) -> images (B, H, W, C) in [0, 1].
    """

    def __init__(self, encoder: Encoder, decoder: Decoder):
        if not encoder.variational:
            raise ValueError("VAE needs a variational encoder (two heads: z_mean and z_log_var).")
        self.encoder = encoder
        self.decoder = decoder

    def __call__(self, x: jax.Array, key: jax.Array):
        z_mean, z_log_var = self.encoder(x)
        z = reparameterize(key, z_mean, z_log_var)
        return self.decoder(z), z_mean, z_log_var

    def encode(self, x: jax.Array):
        return self.encoder(x)

    def decode(self, z: jax.Array) -> jax.Array:
        return jax.nn.sigmoid(self.decoder(z))

    @property
    def latent_dim(self) -> int:
        return self.decoder.latent_dim


def book_vae(image_shape: Sequence[int] = (32, 32, 1), latent_dim: int = 2, *,
             encoder_widths: Sequence[int] = (32, 64, 128), rngs: nnx.Rngs) -> VAE:
    """The book's Fashion-MNIST VAE (chapter 05): the AE's conv stacks with two Dense(2) heads."""
    widths = tuple(encoder_widths)
    return VAE(Encoder(image_shape, widths, latent_dim, rngs=rngs),
               Decoder(image_shape, widths[::-1], latent_dim, start_channels=widths[-1], rngs=rngs))


def celeba_vae(image_shape: Sequence[int] = (64, 64, 3), latent_dim: int = 200, width: int = 128,
               *, rngs: nnx.Rngs) -> VAE:
    """The book's CelebA VAE: five Conv(3x3, stride 2) + BatchNorm + LeakyReLU blocks of `width`
    channels, a `latent_dim` code, and the mirrored decoder (Dense + BN, five ConvTranspose blocks).
    Call `model.train()` before training and `model.eval()` before encoding/decoding for use."""
    widths = (width,) * 5
    return VAE(Encoder(image_shape, widths, latent_dim, batch_norm=True, rngs=rngs),
               Decoder(image_shape, widths, latent_dim, start_channels=width, batch_norm=True, rngs=rngs))


def count_params(module: nnx.Module) -> int:
    """Number of trainable parameters (nnx.Param leaves) in a module."""
    return sum(p.size for p in jax.tree.leaves(nnx.state(module, nnx.Param)))
