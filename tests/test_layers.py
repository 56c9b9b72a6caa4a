"""The fast layers in vae_lib.layers must match Flax's own layers: values, gradients, params."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from vae_lib import layers

# (in, out, kernel, stride, padding, input H, input W, use_bias)
CASES = [
    (128, 128, (3, 3), 2, 'SAME', 4, 4, True),   # the book's decoder layer, small batch
    (5, 3, (3, 3), 2, 'SAME', 5, 6, False),       # odd / even sizes
    (4, 6, (4, 4), 2, 'SAME', 5, 4, True),         # even kernel
    (4, 6, (4, 4), 2, 'VALID', 6, 7, False),
    (3, 4, (3, 3), 1, 'SAME', 5, 6, True),         # stride 1
    (2, 3, (1, 1), 2, 'VALID', 4, 5, True),         # kernel smaller than stride: empty phases
    (3, 4, (5, 5), 3, 'SAME', 7, 8, True),
    (3, 4, (3, 3), (2, 1), ((1, 2), (0, 1)), 6, 5, True),  # explicit pads, mixed strides
]
CONV_ONLY = [
    (4, 4, (3, 3), 2, ((0, 1), (0, 1)), 8, 8, True),  # Stable Diffusion's Downsample (sd_vae)
    (4, 6, (1, 1), 1, 'SAME', 3, 3, True),             # 1x1 skip / quant convs (sd_vae)
    (3, 4, (3, 3), 1, 'SAME', 5, 6, True),             # stride 1, few channels: 9-tap im2col
    (9, 4, (3, 3), 1, 'SAME', 5, 6, True),             # stride 1, Cin > Cout: col2im
    (8, 12, (3, 3), 1, 'SAME', 5, 6, True),            # 8-31 channels: XLA's convolution
    (32, 32, (3, 3), 1, 'SAME', 5, 6, True),           # ResBlock convs (residual VAE): _conv_rows
    (40, 32, (3, 3), 1, 'SAME', 4, 7, False),          # _conv_rows, Cin > Cout
    (32, 33, (4, 2), 1, 'SAME', 5, 6, True),           # _conv_rows, even kernel sizes
    (32, 34, (3, 5), 1, 'VALID', 6, 7, True),          # _conv_rows, no padding
    (33, 32, (3, 3), 1, ((2, 0), (0, 3)), 5, 4, True), # _conv_rows, explicit uneven pads
]


def _normal(seed, shape):
    """Test data from an explicitly seeded NumPy generator (eager jax.random would compile a
    new kernel for every shape, which dominates the run time of these small tests)."""
    return jnp.asarray(np.random.default_rng(seed).standard_normal(shape), jnp.float32)


def _pair(ref_cls, fast_cls, cin, cout, k, s, pad, use_bias=True):
    """The Flax layer and the fast layer, with identical non-trivial weights."""
    init = lambda key, shape, dtype: _normal(0, shape)
    bias_init = lambda key, shape, dtype: _normal(1, shape)  # Flax's default (zeros) is too easy
    kw = dict(padding=pad, use_bias=use_bias, kernel_init=init, bias_init=bias_init)
    return (ref_cls(cin, cout, k, s, rngs=nnx.Rngs(0), **kw),
            fast_cls(cin, cout, k, s, rngs=nnx.Rngs(0), **kw))


def _close(a, b):
    """float32 agreement, relative to the size of the reference values."""
    b = np.asarray(b)
    np.testing.assert_allclose(np.asarray(a), b, rtol=1e-4, atol=1e-5 * max(1.0, np.abs(b).max()))


@pytest.mark.parametrize('kind, case', [('ConvTranspose', c) for c in CASES] +
                         [('Conv', c) for c in CASES if c[3] != 1] + [('Conv', c) for c in CONV_ONLY])
def test_matches_flax(kind, case, monkeypatch):
    """Outputs and gradients w.r.t. input, kernel and bias agree, under jit, for both code paths."""
    cin, cout, k, s, pad, h, w, use_bias = case
    ref, fast = _pair(getattr(nnx, kind), getattr(layers, kind), cin, cout, k, s, pad, use_bias)
    x = _normal(2, (2, h, w, cin))
    weight = _normal(3, jax.eval_shape(ref, x).shape)

    def value_and_grads(layer):
        graphdef, params = nnx.split(layer)
        def loss(params, x):
            y = nnx.merge(graphdef, params)(x)
            return jnp.sum(y * weight), y
        (_, y), (g, gx) = jax.value_and_grad(loss, argnums=(0, 1), has_aux=True)(params, x)
        return y, g, gx

    # 'matmul' runs on CPU, 'xla' on GPU/TPU; check both on any backend.  (For Conv, 'xla' is
    # literally lax.conv_general_dilated, i.e. Flax's own computation, so only 'matmul' is tested.)
    impls = ['matmul', 'xla'] if kind == 'ConvTranspose' else ['matmul']
    def all_paths():
        out = [value_and_grads(ref)]
        for impl in impls:
            monkeypatch.setattr(layers, '_default_impl', lambda impl=impl: impl)
            out.append(value_and_grads(fast))
        return out
    (y_ref, g_ref, gx_ref), *fast_results = jax.jit(all_paths)()
    for y, g, gx in fast_results:
        assert y.shape == y_ref.shape
        _close(y, y_ref)
        _close(gx, gx_ref)
        _close(g['kernel'][...], g_ref['kernel'][...])
        assert (g['bias'][...] if use_bias else None) is not None or not use_bias
        if use_bias:
            _close(g['bias'][...], g_ref['bias'][...])


@pytest.mark.parametrize('case', CASES)
def test_both_conv_transpose_forwards_match_lax(case):
    """Both forward algorithms, whichever one a layer's channel counts pick, on every geometry:
    the exact one (z = x @ K, then per-phase sums) and the sub-pixel one (one stride-1 conv)."""
    cin, cout, k, s, pad, h, w, _ = case
    strides = (s, s) if isinstance(s, int) else s
    x, kernel = _normal(7, (2, h, w, cin)), _normal(8, k + (cin, cout))
    ref = jax.lax.conv_transpose(x, kernel, strides, pad)
    _close(layers._col2im_conv_transpose(x, kernel, strides, pad), ref)
    for impl in ('matmul', 'xla'):
        _close(layers._subpixel_conv_transpose(x, kernel, strides, pad, impl), ref)


@pytest.mark.parametrize('cin, cout, k, pad, h, w', [
    (8, 8, (3, 3), 'SAME', 6, 5), (3, 5, (3, 3), 'SAME', 4, 4), (16, 1, (3, 3), 'SAME', 5, 5),
    (2, 3, (2, 4), 'VALID', 5, 6), (4, 4, (3, 3), ((0, 2), (1, 0)), 3, 4), (4, 4, (3, 3), ((-1, 2), (1, 1)), 5, 4)])
def test_conv_rows_matches_lax(cin, cout, k, pad, h, w):
    """The stride-1 form (kw taps side by side, kh taps summed after the matmul) on its own, for
    any channel counts (the layer picks it only from ROWS_MIN_CHANNELS up), values and gradients."""
    x, kernel = _normal(9, (2, h, w, cin)), _normal(10, k + (cin, cout))
    pads = jax.lax.padtype_to_pads((h, w), k, (1, 1), pad) if isinstance(pad, str) else pad
    ref = lambda x, kernel: jax.lax.conv_general_dilated(x, kernel, (1, 1), pads,
                                                         dimension_numbers=('NHWC', 'HWIO', 'NHWC'))
    ours = lambda x, kernel: layers._conv_rows(x, kernel, pads)
    y_ref = ref(x, kernel)
    weight = _normal(11, y_ref.shape)
    grads = lambda f: jax.jit(jax.grad(lambda x, kernel: jnp.sum(jnp.sin(f(x, kernel)) * weight), (0, 1)))(x, kernel)
    _close(jax.jit(ours)(x, kernel), y_ref)
    for g, g_ref in zip(grads(ours), grads(ref)):
        _close(g, g_ref)


def test_stride1_convs_take_the_path_their_channels_choose(monkeypatch):
    """Conv dispatches stride-1 convolutions with >= ROWS_MIN_CHANNELS channels to _conv_rows, from
    XLA_MIN_CHANNELS to XLA's convolution, below that to im2col / col2im (so test_matches_flax
    covers each path it means to)."""
    taken = []
    monkeypatch.setattr(layers, '_conv_rows', lambda x, k, pads: taken.append('rows') or x[..., :1] * k[0, 0, :1, :])
    real_conv = jax.lax.conv_general_dilated
    monkeypatch.setattr(layers.lax, 'conv_general_dilated', lambda *a, **k: taken.append('xla') or real_conv(*a, **k))
    assert (layers.XLA_MIN_CHANNELS, layers.ROWS_MIN_CHANNELS) == (8, 32)
    for cin, cout, k, s, path in [(32, 32, 3, 1, 'rows'), (32, 64, 3, 1, 'rows'), (56, 40, 3, 1, 'rows'),
                                  (16, 20, 3, 1, 'xla'), (8, 31, 3, 1, 'xla'), (4, 32, 3, 1, 'matmul'),
                                  (32, 1, 3, 1, 'matmul'), (32, 32, 3, 2, 'matmul'), (32, 32, 1, 1, 'matmul')]:
        taken.clear()
        jax.eval_shape(lambda x: layers.conv2d(x, jnp.zeros((k, k, cin, cout)), (s, s), 'SAME', 'matmul'),
                       jax.ShapeDtypeStruct((2, 6, 6, cin), jnp.float32))
        assert taken == ([] if path == 'matmul' else [path]), (cin, cout, k, s, taken)


def _same_init(ours, flax_default):
    """Bit for bit on the CPU. On a GPU the truncated-normal's erf_inv / sqrt may round differently
    in the last place (measured on an H200: at most 4.5e-8 apart, 1 ulp), so there: within 1 ulp."""
    ours, flax_default = np.asarray(ours), np.asarray(flax_default)
    if jax.default_backend() == 'cpu':
        np.testing.assert_array_equal(ours, flax_default)
    else:
        np.testing.assert_array_max_ulp(ours, flax_default, maxulp=1)


@pytest.mark.parametrize('kind', ['ConvTranspose', 'Conv'])
def test_same_parameters_as_flax(kind):
    ref = getattr(nnx, kind)(64, 32, (3, 3), (2, 2), padding='SAME', rngs=nnx.Rngs(3))
    fast = getattr(layers, kind)(64, 32, (3, 3), (2, 2), padding='SAME', rngs=nnx.Rngs(3))
    ref_p, fast_p = nnx.state(ref, nnx.Param), nnx.state(fast, nnx.Param)
    assert set(fast_p.keys()) == set(ref_p.keys()) == {'kernel', 'bias'}
    for name in ('kernel', 'bias'):
        assert fast_p[name][...].shape == ref_p[name][...].shape
        _same_init(fast_p[name][...], ref_p[name][...])  # same init, same RNG use
    count = lambda st: sum(v.size for v in jax.tree.leaves(st))
    assert count(fast_p) == count(ref_p) == 3 * 3 * 64 * 32 + 32
    no_bias = getattr(layers, kind)(64, 32, (3, 3), 2, use_bias=False, rngs=nnx.Rngs(0))
    assert no_bias.bias is None


def test_decoder_shapes_book():
    """The book's decoder: 4x4x128 -> 8 -> 16 -> 32 with stride 2, SAME."""
    rngs, zeros = nnx.Rngs(0), nnx.initializers.zeros_init()
    x = jax.ShapeDtypeStruct((3, 4, 4, 128), jnp.float32)
    for cin, cout, size in [(128, 128, 8), (128, 64, 16), (64, 32, 32)]:
        x = jax.eval_shape(layers.ConvTranspose(cin, cout, (3, 3), (2, 2), kernel_init=zeros, rngs=rngs), x)
        assert x.shape == (3, size, size, cout)


@pytest.mark.parametrize('kind', ['ConvTranspose', 'Conv'])
def test_batch_axes_like_flax(kind):
    """No batch axis, or several, are handled like Flax does."""
    ref, fast = _pair(getattr(nnx, kind), getattr(layers, kind), 3, 2, (3, 3), 2, 'SAME')
    for shape in [(5, 4, 3), (2, 3, 5, 4, 3)]:
        x = _normal(4, shape)
        _close(jax.jit(lambda x: fast(x))(x), ref(x))


def test_wrong_weights_are_detected():
    """Guard against a vacuous comparison: a perturbed kernel must be caught."""
    ref, fast = _pair(nnx.ConvTranspose, layers.ConvTranspose, 4, 3, (3, 3), 2, 'SAME')
    fast.kernel[...] = fast.kernel[...].at[0, 0, 0, 0].add(0.1)
    x = _normal(2, (2, 5, 5, 4))
    with pytest.raises(AssertionError):
        _close(jax.jit(lambda x: fast(x))(x), ref(x))


@pytest.mark.parametrize('pad', ['CIRCULAR', 'CAUSAL', ((1, 1),)])
def test_unsupported_padding_raises(pad):
    with pytest.raises(ValueError):
        layers.ConvTranspose(2, 2, (3, 3), 2, padding=pad, rngs=nnx.Rngs(0))


@pytest.mark.parametrize('shape', [(3, 3, 1, 8), (3, 3, 8, 16), (512, 2), (4, 4, 3, 5), (3, 3, 128, 129), (1, 1)])
def test_lecun_normal_gives_flax_numbers(shape):
    """Our faster-compiling initialiser draws exactly Flax's default weights, bit for bit."""
    key = jax.random.key(7)
    ours = layers.lecun_normal(key, list(shape))
    flax_default = nnx.initializers.lecun_normal()(key, shape, jnp.float32)
    assert ours.shape == shape and ours.dtype == jnp.float32
    _same_init(ours, flax_default)
    traced = jax.jit(lambda k: layers.lecun_normal(k, shape))(key)      # the traced path too
    _same_init(traced, flax_default)
    # and it is not a constant: the spread is 1 / sqrt(fan_in) as intended
    assert shape == (1, 1) or abs(float(jnp.std(ours)) * np.sqrt(np.prod(shape[:-1])) - 1) < 0.25


def test_layers_initialise_like_flax():
    """Same seed, same weights as nnx.Conv / nnx.ConvTranspose (the layers are interchangeable)."""
    for kind in ('Conv', 'ConvTranspose'):
        ref = getattr(nnx, kind)(3, 5, (3, 3), (2, 2), rngs=nnx.Rngs(4))
        fast = getattr(layers, kind)(3, 5, (3, 3), (2, 2), rngs=nnx.Rngs(4))
        _same_init(fast.kernel[...], ref.kernel[...])


def test_conv_transpose_second_order_gradients_match():
    """The CPU path's hand-written backward is itself differentiable: grad of grad agrees with
    autodiff of the plain sub-pixel path ('xla')."""
    x, k = _normal(5, (2, 4, 5, 3)), _normal(6, (3, 3, 3, 2))
    f = lambda k, impl: jnp.sum(jnp.sin(layers.conv_transpose(x, k, (2, 2), 'SAME', impl)))
    g2 = lambda impl: jax.grad(lambda k: jnp.sum(jax.grad(f)(k, impl) ** 2))(k)
    _close(g2('matmul'), g2('xla'))


@pytest.mark.parametrize('cin, cout, h, w', [(4, 4, 3, 5), (3, 6, 4, 4), (20, 20, 2, 3)])
def test_upsample_conv_matches_upsampling_then_conv(cin, cout, h, w):
    """Four 2x2 convs at the input's size give the 3x3 conv of the nearest-neighbour upsampled image: values and
    gradients, on both paths; a kernel of another size is refused."""
    x, kernel = _normal(12, (2, h, w, cin)), _normal(13, (3, 3, cin, cout))
    ref = lambda x, kernel: jax.lax.conv_general_dilated(jnp.repeat(jnp.repeat(x, 2, 1), 2, 2), kernel, (1, 1), 'SAME',
                                                         dimension_numbers=('NHWC', 'HWIO', 'NHWC'))
    y_ref = ref(x, kernel)
    weight = _normal(14, y_ref.shape)
    grads = lambda f: jax.jit(jax.grad(lambda x, kernel: jnp.sum(jnp.sin(f(x, kernel)) * weight), (0, 1)))(x, kernel)
    for impl in ('matmul', 'xla'):
        ours = lambda x, kernel, impl=impl: layers.upsample_conv(x, kernel, impl)
        assert ours(x, kernel).shape == (2, 2 * h, 2 * w, cout)
        _close(jax.jit(ours)(x, kernel), y_ref)
        for g, g_ref in zip(grads(ours), grads(ref)):
            _close(g, g_ref)
    with pytest.raises(ValueError, match="3x3"):
        layers.upsample_conv(x, _normal(15, (2, 2, cin, cout)))
