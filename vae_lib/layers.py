"""Layers the models are built from.

`ConvTranspose` is the transposed convolution used by the decoders. For now it is Flax's own
`nnx.ConvTranspose`; a faster drop-in version with the same parameters and outputs replaces it.
"""
from flax import nnx

ConvTranspose = nnx.ConvTranspose
