"""Stable Diffusion's autoencoder, built small, and the residual blocks it is made of.

Stable Diffusion (latent diffusion, the `kl-f8` autoencoder) does not diffuse pixels: a VAE first
squeezes a 512x512x3 image into a 64x64x4 latent *feature map* (8x smaller in height and width,
4 channels), the diffusion model works there, and the VAE's decoder turns the result into pixels.
Its blocks, all NHWC here:

- `ResBlock`: GroupNorm -> swish -> Conv3x3 -> GroupNorm -> swish -> Conv3x3, plus the input
  (a 1x1 conv on the skip path when the channel count changes).
- `AttentionBlock`: single-head self-attention over the H*W positions (used only in the middle).
- `Downsample`: Conv3x3 with stride 2 and SD's asymmetric padding (0 before, 1 after).
- `Upsample`: nearest-neighbour x2 then Conv3x3 (no transposed convolution, no checkerboard). With
  `vae_lib.layers.Conv` (the residual VAE) it is computed as four 2x2 convs of the small image, the same numbers.

`SDVAE` stacks them: kl-f8 uses base 128 channels, multipliers (1, 2, 4, 4), 2 ResBlocks per level
(3 in the decoder), GroupNorm(32), attention in the mid-block, 4 latent channels. `sd_vae` defaults
to a CPU-sized version (base 16, SD's multipliers (1, 2, 4, 4), 1 block per level, GroupNorm(8)):
three downsamplings still take a 32x32 image to a 4x4x4 latent, 8x like SD.

`residual_vae` is the book's VAE shape (conv stack -> Dense(2) heads) made of these blocks, for the
"better convolutions" comparison with `vae_lib.models.book_vae`.

Decoders here return *logits* like the rest of vae_lib (SD's decoder outputs pixels in [-1, 1]).

The residual VAE's convolutions are `vae_lib.layers.Conv`: the parameters of `nnx.Conv` (same
names, shapes and initial values, so checkpoints of either load into the other), computed on the
CPU as matrix products, because XLA:CPU's own convolution is slow for the kernel gradient of a
3x3 conv with many channels. The SD model keeps `nnx.Conv`: with its 16-64 channels at batch 16
`layers.Conv` measured slower. `benchmarks/bench_conv.py` measures both, per layer and per train
step (numbers in benchmarks/README.md). On a GPU both layers call XLA's convolution.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Sequence

import jax
import jax.numpy as jnp
from flax import nnx

from vae_lib.gaussian import kl_to_standard_normal
from vae_lib.layers import Conv, lecun_normal, upsample_conv
from vae_lib.models import VAE, check_images, compiled_when_eager

# Flax's own layers, starting from Flax's default weights drawn by `layers.lecun_normal` (the same
# numbers, compiled faster); the residual VAE's convolutions are `vae_lib.layers.Conv` (_res_conv).
_conv = partial(nnx.Conv, kernel_init=lecun_normal)
_res_conv = Conv
_linear = partial(nnx.Linear, kernel_init=lecun_normal)

SD_KL_F8 = dict(base_channels=128, multipliers=(1, 2, 4, 4), blocks_per_level=2, groups=32,
                latent_channels=4)
SD15_SCALE_FACTOR = 0.18215  # SD 1.x: 1 / std of the kl-f8 latents of a batch of training images


def _groups(channels: int, groups: int) -> int:
    """The largest group count <= groups that divides `channels` (GroupNorm needs a divisor)."""
    return math.gcd(channels, groups)


def group_norm(x: jax.Array, num_groups: int, eps: float = 1e-6) -> jax.Array:
    """GroupNorm without scale and bias. x: (B, H, W, C) -> same shape.

    The C channels are split into `num_groups` groups of C / num_groups; each image's group is
    normalised over (H, W, channels in the group) to mean 0 and variance 1. It never mixes images
    of a batch (unlike BatchNorm), so it behaves the same for batch size 1 and in eval mode.
    """
    b, h, w, c = x.shape
    g = x.reshape(b, h, w, num_groups, c // num_groups)
    mean = jnp.mean(g, axis=(1, 2, 4), keepdims=True)
    var = jnp.var(g, axis=(1, 2, 4), keepdims=True)
    return ((g - mean) / jnp.sqrt(var + eps)).reshape(b, h, w, c)


def nearest_upsample(x: jax.Array, factor: int = 2) -> jax.Array:
    """Repeat each pixel factor x factor times. (B, H, W, C) -> (B, factor*H, factor*W, C)."""
    return jnp.repeat(jnp.repeat(x, factor, axis=1), factor, axis=2)


def latent_scale_factor(latents: jax.Array) -> jax.Array:
    """1 / std of all latent values: multiply latents by it to give the diffusion model unit variance.

    latents: any shape, e.g. (B, h, w, 4). SD 1.x measured 0.18215 on its own training images.
    """
    return 1.0 / jnp.std(jnp.asarray(latents, jnp.float32))


class ResBlock(nnx.Module):
    """x -> x + Conv(swish(GN(Conv(swish(GN(x)))))). (B, H, W, in_ch) -> (B, H, W, out_ch)."""

    def __init__(self, in_ch: int, out_ch: int, *, groups: int = 32, rngs: nnx.Rngs, conv=None):
        conv = conv or _conv   # nnx.Conv, or vae_lib.layers.Conv (the same parameters)
        self.norm1 = nnx.GroupNorm(in_ch, num_groups=_groups(in_ch, groups), rngs=rngs)
        self.conv1 = conv(in_ch, out_ch, (3, 3), padding="SAME", rngs=rngs)
        self.norm2 = nnx.GroupNorm(out_ch, num_groups=_groups(out_ch, groups), rngs=rngs)
        self.conv2 = conv(out_ch, out_ch, (3, 3), padding="SAME", rngs=rngs)
        self.skip = conv(in_ch, out_ch, (1, 1), rngs=rngs) if in_ch != out_ch else None

    def __call__(self, x: jax.Array) -> jax.Array:
        h = self.conv1(nnx.swish(self.norm1(x)))
        h = self.conv2(nnx.swish(self.norm2(h)))
        return (x if self.skip is None else self.skip(x)) + h


class AttentionBlock(nnx.Module):
    """Single-head self-attention over all H*W positions, with a residual. (B, H, W, C) -> same."""

    def __init__(self, channels: int, *, groups: int = 32, rngs: nnx.Rngs):
        self.norm = nnx.GroupNorm(channels, num_groups=_groups(channels, groups), rngs=rngs)
        self.q = _linear(channels, channels, rngs=rngs)
        self.k = _linear(channels, channels, rngs=rngs)
        self.v = _linear(channels, channels, rngs=rngs)
        self.proj = _linear(channels, channels, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        b, h, w, c = x.shape
        t = self.norm(x).reshape(b, h * w, c)
        q, k, v = self.q(t), self.k(t), self.v(t)
        weights = jax.nn.softmax(q @ k.transpose(0, 2, 1) / math.sqrt(c), axis=-1)  # (B, HW, HW)
        return x + self.proj(weights @ v).reshape(b, h, w, c)


class Downsample(nnx.Module):
    """Conv3x3, stride 2, padding 0 before / 1 after (as SD). (B, H, W, C) -> (B, H/2, W/2, C)."""

    def __init__(self, channels: int, *, rngs: nnx.Rngs, conv=None):
        self.conv = (conv or _conv)(channels, channels, (3, 3), strides=(2, 2), padding=((0, 1), (0, 1)), rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        return self.conv(x)


class Upsample(nnx.Module):
    """Nearest-neighbour x2, then Conv3x3. (B, H, W, C) -> (B, 2H, 2W, C)."""

    def __init__(self, channels: int, *, rngs: nnx.Rngs, conv=None):
        self.conv = (conv or _conv)(channels, channels, (3, 3), padding="SAME", rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        if isinstance(self.conv, Conv):   # the same result, computed at x's resolution (`layers.upsample_conv`)
            return upsample_conv(x, self.conv.kernel[...]) + self.conv.bias[...]
        return self.conv(nearest_upsample(x, 2))


class SDEncoder(nnx.Module):
    """x: (B, H, W, C) -> (mean, log_var), each (B, H/f, W/f, latent_channels), f = 2**(levels-1)."""

    def __init__(self, image_shape: Sequence[int], base_channels: int, multipliers: Sequence[int],
                 blocks_per_level: int, groups: int, latent_channels: int, *, rngs: nnx.Rngs):
        self.image_shape = tuple(image_shape)
        chans = [base_channels * m for m in multipliers]
        self.conv_in = _conv(self.image_shape[-1], chans[0], (3, 3), padding="SAME", rngs=rngs)
        blocks, prev = [], chans[0]
        for level, ch in enumerate(chans):
            for _ in range(blocks_per_level):
                blocks.append(ResBlock(prev, ch, groups=groups, rngs=rngs))
                prev = ch
            if level < len(chans) - 1:
                blocks.append(Downsample(ch, rngs=rngs))
        self.down = nnx.List(blocks)
        self.mid = nnx.List([ResBlock(prev, prev, groups=groups, rngs=rngs),
                             AttentionBlock(prev, groups=groups, rngs=rngs),
                             ResBlock(prev, prev, groups=groups, rngs=rngs)])
        self.norm_out = nnx.GroupNorm(prev, num_groups=_groups(prev, groups), rngs=rngs)
        self.conv_out = _conv(prev, 2 * latent_channels, (3, 3), padding="SAME", rngs=rngs)
        self.quant_conv = _conv(2 * latent_channels, 2 * latent_channels, (1, 1), rngs=rngs)

    @compiled_when_eager
    def __call__(self, x: jax.Array):
        check_images(x, self.image_shape, "SDEncoder")
        h = self.conv_in(x)
        for block in self.down:
            h = block(h)
        for block in self.mid:
            h = block(h)
        h = self.quant_conv(self.conv_out(nnx.swish(self.norm_out(h))))
        mean, log_var = jnp.split(h, 2, axis=-1)
        return mean, jnp.clip(log_var, -30.0, 20.0)  # SD clips the log-variance to this range


class SDDecoder(nnx.Module):
    """z: (B, h, w, latent_channels) -> logits (B, H, W, C). Mirrors the encoder, one more block per level."""

    def __init__(self, image_shape: Sequence[int], base_channels: int, multipliers: Sequence[int],
                 blocks_per_level: int, groups: int, latent_channels: int, *, rngs: nnx.Rngs):
        self.image_shape = tuple(image_shape)
        self.latent_channels = latent_channels
        chans = [base_channels * m for m in multipliers][::-1]
        self.post_quant_conv = _conv(latent_channels, latent_channels, (1, 1), rngs=rngs)
        self.conv_in = _conv(latent_channels, chans[0], (3, 3), padding="SAME", rngs=rngs)
        self.mid = nnx.List([ResBlock(chans[0], chans[0], groups=groups, rngs=rngs),
                             AttentionBlock(chans[0], groups=groups, rngs=rngs),
                             ResBlock(chans[0], chans[0], groups=groups, rngs=rngs)])
        blocks, prev = [], chans[0]
        for level, ch in enumerate(chans):
            for _ in range(blocks_per_level + 1):
                blocks.append(ResBlock(prev, ch, groups=groups, rngs=rngs))
                prev = ch
            if level < len(chans) - 1:
                blocks.append(Upsample(ch, rngs=rngs))
        self.up = nnx.List(blocks)
        self.norm_out = nnx.GroupNorm(prev, num_groups=_groups(prev, groups), rngs=rngs)
        self.conv_out = _conv(prev, self.image_shape[-1], (3, 3), padding="SAME", rngs=rngs)

    @compiled_when_eager
    def __call__(self, z: jax.Array) -> jax.Array:
        if z.ndim != 4 or z.shape[-1] != self.latent_channels:
            raise ValueError(f"SDDecoder expects latent feature maps (B, h, w, {self.latent_channels}); "
                             f"got {tuple(z.shape)}")
        h = self.conv_in(self.post_quant_conv(z))
        for block in self.mid:
            h = block(h)
        for block in self.up:
            h = block(h)
        return self.conv_out(nnx.swish(self.norm_out(h)))


class SDVAE(VAE):
    """Stable Diffusion's KL autoencoder: image -> N(mean, exp(log_var)) per latent pixel -> image.

    __call__(x, key) -> (logits, mean, log_var); mean, log_var: (B, H/f, W/f, latent_channels).
    encode(x) -> (mean, log_var); decode(z) -> images in [0, 1].
    """

    def __init__(self, image_shape: Sequence[int] = (32, 32, 1), base_channels: int = 16,
                 multipliers: Sequence[int] = (1, 2, 4, 4), blocks_per_level: int = 1, groups: int = 8,
                 latent_channels: int = 4, *, rngs: nnx.Rngs):
        args = (image_shape, base_channels, tuple(multipliers), blocks_per_level, groups, latent_channels)
        self.encoder = SDEncoder(*args, rngs=rngs)
        self.decoder = SDDecoder(*args, rngs=rngs)
        self.downsampling = 2 ** (len(multipliers) - 1)

    @property
    def latent_dim(self) -> int:
        return math.prod(self.latent_shape)

    @property
    def latent_shape(self) -> tuple[int, int, int]:
        h, w, _ = self.encoder.image_shape
        return (h // self.downsampling, w // self.downsampling, self.decoder.latent_channels)


def sd_vae(image_shape: Sequence[int] = (32, 32, 1), *, rngs: nnx.Rngs, **config) -> SDVAE:
    """A CPU-sized SD autoencoder (see the module docstring); pass `**SD_KL_F8` for the real sizes."""
    return SDVAE(image_shape, rngs=rngs, **config)


def sd_vae_loss(logits: jax.Array, x: jax.Array, mean: jax.Array, log_var: jax.Array,
                kl_weight: float = 1e-6):
    """SD's autoencoder loss without its perceptual and adversarial terms.

    Per image: L1 between decoded image and x summed over pixels, plus kl_weight x KL summed over
    every latent value; batch mean. Returns (loss, {'loss', 'l1', 'kl'}).
    """
    b = x.shape[0]
    l1 = jnp.sum(jnp.abs(jax.nn.sigmoid(logits) - x).reshape(b, -1), axis=-1)
    kl = kl_to_standard_normal(mean.reshape(b, -1), log_var.reshape(b, -1))
    loss = jnp.mean(l1 + kl_weight * kl)
    return loss, {"loss": loss, "l1": jnp.mean(l1), "kl": jnp.mean(kl)}


def sd_loss_fn(kl_weight: float = 1e-6):
    """`loss_fn(model, x, key)` for `vae_lib.train.fit` with `sd_vae_loss`."""
    def loss_fn(model, x, key):
        logits, mean, log_var = model(x, key)
        return sd_vae_loss(logits, x, mean, log_var, kl_weight)
    return loss_fn


class PatchDiscriminator(nnx.Module):
    """A small PatchGAN critic: one real/fake logit per overlapping patch, not per image.

    x: (B, H, W, C) in [0, 1] -> logits (B, H/4, W/4, 1) (two stride-2 convs). SD's autoencoder adds
    its hinge loss to the generator loss after 50k steps, which sharpens textures.
    """

    def __init__(self, channels: int = 1, width: int = 32, *, rngs: nnx.Rngs):
        self.convs = nnx.List([_conv(channels, width, (4, 4), strides=(2, 2), padding="SAME", rngs=rngs),
                               _conv(width, 2 * width, (4, 4), strides=(2, 2), padding="SAME", rngs=rngs),
                               _conv(2 * width, 1, (3, 3), padding="SAME", rngs=rngs)])

    def __call__(self, x: jax.Array) -> jax.Array:
        h = x
        for conv in self.convs[:-1]:
            h = nnx.leaky_relu(conv(h), 0.2)
        return self.convs[-1](h)


def hinge_discriminator_loss(logits_real: jax.Array, logits_fake: jax.Array) -> jax.Array:
    """mean(relu(1 - D(real))) + mean(relu(1 + D(fake))), halved (as in SD's training code)."""
    return 0.5 * (jnp.mean(jax.nn.relu(1.0 - logits_real)) + jnp.mean(jax.nn.relu(1.0 + logits_fake)))


def generator_adversarial_loss(logits_fake: jax.Array) -> jax.Array:
    """The decoder's adversarial term: -mean(D(fake)), pushing its patches to look real."""
    return -jnp.mean(logits_fake)


# ----------------------------------------------------------------------------- better convolutions
class ResidualEncoder(nnx.Module):
    """The book's encoder shape built from SD's blocks: conv_in, then per width a ResBlock and a
    stride-2 Downsample, GroupNorm + swish, Dense heads. x: (B, H, W, C) -> (z_mean, z_log_var) (B, D).
    """

    def __init__(self, image_shape: Sequence[int] = (32, 32, 1), widths: Sequence[int] = (16, 32, 64),
                 latent_dim: int = 2, groups: int = 8, *, rngs: nnx.Rngs):
        self.image_shape = tuple(image_shape)
        self.variational = True
        widths = tuple(widths)
        self.conv_in = _res_conv(self.image_shape[-1], widths[0], (3, 3), padding="SAME", rngs=rngs)
        blocks, prev = [], widths[0]
        for w in widths:
            blocks += [ResBlock(prev, w, groups=groups, rngs=rngs, conv=_res_conv),
                       Downsample(w, rngs=rngs, conv=_res_conv)]
            prev = w
        self.blocks = nnx.List(blocks)
        self.norm_out = nnx.GroupNorm(prev, num_groups=_groups(prev, groups), rngs=rngs)
        f = 2 ** len(widths)
        flat = (self.image_shape[0] // f) * (self.image_shape[1] // f) * prev
        self.z_mean = _linear(flat, latent_dim, rngs=rngs)
        self.z_log_var = _linear(flat, latent_dim, rngs=rngs)

    @compiled_when_eager
    def __call__(self, x: jax.Array):
        check_images(x, self.image_shape, "ResidualEncoder")
        h = self.conv_in(x)
        for block in self.blocks:
            h = block(h)
        h = nnx.swish(self.norm_out(h)).reshape(x.shape[0], -1)
        return self.z_mean(h), self.z_log_var(h)


class ResidualDecoder(nnx.Module):
    """Dense -> (H/f, W/f, widths[0]) -> per width an Upsample (nearest + conv) and a ResBlock ->
    GroupNorm + swish -> Conv3x3. z: (B, D) -> logits (B, H, W, C)."""

    def __init__(self, image_shape: Sequence[int] = (32, 32, 1), widths: Sequence[int] = (64, 32, 16),
                 latent_dim: int = 2, groups: int = 8, *, rngs: nnx.Rngs):
        self.image_shape = tuple(image_shape)
        self.latent_dim = latent_dim
        widths = tuple(widths)
        f = 2 ** len(widths)
        self.start_shape = (self.image_shape[0] // f, self.image_shape[1] // f, widths[0])
        self.dense = _linear(latent_dim, math.prod(self.start_shape), rngs=rngs)
        blocks, prev = [], widths[0]
        for w in widths:
            blocks += [Upsample(prev, rngs=rngs, conv=_res_conv),
                       ResBlock(prev, w, groups=groups, rngs=rngs, conv=_res_conv)]
            prev = w
        self.blocks = nnx.List(blocks)
        self.norm_out = nnx.GroupNorm(prev, num_groups=_groups(prev, groups), rngs=rngs)
        self.conv_out = _res_conv(prev, self.image_shape[-1], (3, 3), padding="SAME", rngs=rngs)

    @compiled_when_eager
    def __call__(self, z: jax.Array) -> jax.Array:
        if z.ndim != 2 or z.shape[-1] != self.latent_dim:
            raise ValueError(f"ResidualDecoder expects latent codes of shape (B, {self.latent_dim}); got {tuple(z.shape)}")
        h = self.dense(z).reshape(z.shape[0], *self.start_shape)
        for block in self.blocks:
            h = block(h)
        return self.conv_out(nnx.swish(self.norm_out(h)))


def residual_vae(image_shape: Sequence[int] = (32, 32, 1), latent_dim: int = 2,
                 widths: Sequence[int] = (32, 40, 56), groups: int = 8, *, rngs: nnx.Rngs):
    """The book's VAE with residual / GroupNorm / swish blocks and nearest-neighbour upsampling.

    Same interface as `vae_lib.models.book_vae` (a `vae_lib.models.VAE`); the default widths give
    a parameter count close to the book's (compare with `vae_lib.models.count_params`).
    """
    widths = tuple(widths)
    return VAE(ResidualEncoder(image_shape, widths, latent_dim, groups, rngs=rngs),
               ResidualDecoder(image_shape, widths[::-1], latent_dim, groups, rngs=rngs))
