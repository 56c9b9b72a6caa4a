"""The book's VAE in PyTorch, next to vae_lib's Flax NNX version (chapter 07's Rosetta table).

PyTorch is optional (`pip install "vae-course[peers]"`); it is imported only when you call a
function here, and `torch_available()` tells you whether it is installed.

What differs, and what this port does about it so that the *same weights give the same outputs*:
- layout: PyTorch images are NCHW, Flax's NHWC; `forward` takes NCHW like any PyTorch model.
- kernels: PyTorch Conv2d weight is (out, in, kH, kW), Flax's (kH, kW, in, out); a PyTorch
  ConvTranspose2d weight is (in, out, kH, kW) and is applied *flipped* relative to Flax's.
- padding: Keras/Flax 'SAME' with stride 2 pads 0 before and 1 after; PyTorch's padding=1 pads 1 on
  both sides, which shifts every feature map by one pixel. We pad (0, 1) explicitly.
- flatten order: we flatten in NHWC order so the Dense weights line up with Flax's.
- randomness: PyTorch draws eps from a global generator (`torch.manual_seed`); Flax/JAX take an
  explicit key. `forward(x, eps=...)` lets you pass the noise for an exact comparison.
"""
from __future__ import annotations

import importlib.util
from typing import Sequence

import numpy as np

INSTALL_HINT = ('PyTorch is not installed: `pip install "torch==2.13.*" --index-url '
                'https://download.pytorch.org/whl/cpu` (CPU build) or `pip install -e ".[peers]"`.')


def torch_available() -> bool:
    """True when `import torch` would work."""
    return importlib.util.find_spec("torch") is not None


def _torch():
    if not torch_available():
        raise ImportError(INSTALL_HINT)
    import torch
    return torch


def conv_kernel_flax_to_torch(kernel: np.ndarray) -> np.ndarray:
    """Flax Conv kernel (kH, kW, in, out) -> PyTorch Conv2d weight (out, in, kH, kW)."""
    return np.transpose(np.asarray(kernel), (3, 2, 0, 1))


def conv_kernel_torch_to_flax(weight: np.ndarray) -> np.ndarray:
    """PyTorch Conv2d weight (out, in, kH, kW) -> Flax Conv kernel (kH, kW, in, out)."""
    return np.transpose(np.asarray(weight), (2, 3, 1, 0))


def conv_transpose_kernel_flax_to_torch(kernel: np.ndarray) -> np.ndarray:
    """Flax ConvTranspose kernel (kH, kW, in, out) -> PyTorch ConvTranspose2d weight (in, out, kH, kW),
    spatially flipped (PyTorch's transposed conv is the gradient of a conv; Flax's is a conv of the
    zero-dilated input with the kernel as is)."""
    return np.ascontiguousarray(np.transpose(np.asarray(kernel)[::-1, ::-1], (2, 3, 0, 1)))


def _build_classes():
    torch = _torch()
    nn, F = torch.nn, torch.nn.functional

    class TorchEncoder(nn.Module):
        """x: (B, C, H, W) -> (z_mean, z_log_var), each (B, D)."""

        def __init__(self, image_shape, widths, latent_dim):
            super().__init__()
            h, w, c = image_shape
            chans = [c, *widths]
            self.convs = nn.ModuleList([nn.Conv2d(a, b, 3, stride=2, padding=0) for a, b in zip(chans[:-1], chans[1:])])
            f = 2 ** len(widths)
            flat = (h // f) * (w // f) * widths[-1]
            self.z_mean = nn.Linear(flat, latent_dim)
            self.z_log_var = nn.Linear(flat, latent_dim)

        def forward(self, x):
            for conv in self.convs:
                x = F.relu(conv(F.pad(x, (0, 1, 0, 1))))   # 'SAME' for stride 2: pad after only
            x = x.permute(0, 2, 3, 1).flatten(1)           # flatten in NHWC order, like Flax
            return self.z_mean(x), self.z_log_var(x)

    class TorchDecoder(nn.Module):
        """z: (B, D) -> logits (B, C, H, W)."""

        def __init__(self, image_shape, widths, latent_dim, start_channels):
            super().__init__()
            h, w, c = image_shape
            f = 2 ** len(widths)
            self.start = (h // f, w // f, start_channels)
            self.dense = nn.Linear(latent_dim, int(np.prod(self.start)))
            chans = [start_channels, *widths]
            self.deconvs = nn.ModuleList([nn.ConvTranspose2d(a, b, 3, stride=2, padding=0)
                                          for a, b in zip(chans[:-1], chans[1:])])
            self.out = nn.Conv2d(widths[-1], c, 3, padding=1)

        def forward(self, z):
            x = self.dense(z).view(z.shape[0], *self.start).permute(0, 3, 1, 2)
            for deconv in self.deconvs:
                x = F.relu(deconv(x)[:, :, :-1, :-1])       # 2n+1 -> 2n: Flax's 'SAME' crop
            return self.out(x)

    class TorchVAE(nn.Module):
        """forward(x: (B, C, H, W), eps=None) -> (logits (B, C, H, W), z_mean, z_log_var)."""

        def __init__(self, image_shape=(32, 32, 1), latent_dim=2, widths=(32, 64, 128)):
            super().__init__()
            widths = tuple(widths)
            self.encoder = TorchEncoder(image_shape, widths, latent_dim)
            self.decoder = TorchDecoder(image_shape, widths[::-1], latent_dim, widths[-1])

        def forward(self, x, eps=None):
            z_mean, z_log_var = self.encoder(x)
            if eps is None:
                eps = torch.randn_like(z_mean)            # the global generator: torch.manual_seed
            z = z_mean + torch.exp(0.5 * z_log_var) * eps
            return self.decoder(z), z_mean, z_log_var

    return TorchVAE


def book_vae_torch(image_shape: Sequence[int] = (32, 32, 1), latent_dim: int = 2,
                   encoder_widths: Sequence[int] = (32, 64, 128)):
    """The book's Fashion-MNIST VAE as a `torch.nn.Module` (NCHW), the twin of `models.book_vae`."""
    return _build_classes()(tuple(image_shape), latent_dim, tuple(encoder_widths))


def count_params_torch(model) -> int:
    """Number of trainable parameters of a torch module."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def vae_loss_torch(logits, x, z_mean, z_log_var, beta: float = 500.0):
    """The book's loss in PyTorch: beta * per-pixel-mean BCE + summed KL, batch mean. x: (B, C, H, W)."""
    torch = _torch()
    bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none").mean(dim=(1, 2, 3))
    kl = -0.5 * torch.sum(1 + z_log_var - z_mean ** 2 - torch.exp(z_log_var), dim=1)
    return torch.mean(beta * bce + kl)


def train_step_torch(model, optimizer, x, beta: float = 500.0) -> float:
    """One eager PyTorch step: zero_grad, forward, backward, step. x: (B, C, H, W). Returns the loss."""
    optimizer.zero_grad()
    logits, z_mean, z_log_var = model(x)
    loss = vae_loss_torch(logits, x, z_mean, z_log_var, beta=beta)
    loss.backward()
    optimizer.step()
    return loss.item()


def copy_flax_to_torch(flax_vae, torch_vae) -> None:
    """Copy the weights of a `models.book_vae` into a `book_vae_torch` of the same sizes, in place."""
    torch = _torch()

    def put(param, array):
        array = np.array(array, np.float32)  # a writable copy
        if tuple(param.shape) != array.shape:
            raise ValueError(f"shape mismatch: torch {tuple(param.shape)} vs converted flax {array.shape}")
        with torch.no_grad():
            param.copy_(torch.from_numpy(np.ascontiguousarray(array)))

    enc, tenc = flax_vae.encoder, torch_vae.encoder
    for conv, tconv in zip(enc.convs, tenc.convs):
        put(tconv.weight, conv_kernel_flax_to_torch(conv.kernel[...])); put(tconv.bias, conv.bias[...])
    for lin, tlin in ((enc.z_mean, tenc.z_mean), (enc.z_log_var, tenc.z_log_var)):
        put(tlin.weight, np.asarray(lin.kernel[...]).T); put(tlin.bias, lin.bias[...])
    dec, tdec = flax_vae.decoder, torch_vae.decoder
    put(tdec.dense.weight, np.asarray(dec.dense.kernel[...]).T); put(tdec.dense.bias, dec.dense.bias[...])
    for deconv, tdeconv in zip(dec.deconvs, tdec.deconvs):
        put(tdeconv.weight, conv_transpose_kernel_flax_to_torch(deconv.kernel[...])); put(tdeconv.bias, deconv.bias[...])
    put(tdec.out.weight, conv_kernel_flax_to_torch(dec.out.kernel[...])); put(tdec.out.bias, dec.out.bias[...])
