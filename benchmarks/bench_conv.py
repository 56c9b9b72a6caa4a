"""Stride-1 3x3 convolutions on the CPU: per layer, and per train step of the residual VAE (issue 23).

    python benchmarks/bench_conv.py --layers      # each conv of the residual VAE, forward + backward
    python benchmarks/bench_conv.py --step        # residual VAE / book VAE step time through train.fit
    python benchmarks/bench_conv.py --upsample    # the Upsample convs: upsample then conv, or layers.upsample_conv
    python benchmarks/bench_conv.py --peak        # matrix products alone: what the convs' matmuls can reach here
    python benchmarks/bench_conv.py --layers --step --rounds 5
    python benchmarks/bench_conv.py --layers --step --quick   # smoke test (tests/test_benchmarks.py)

--layers times forward + backward (gradients w.r.t. input, kernel and bias) of one 3x3, stride-1,
'SAME' convolution on each shape the residual VAE (`sd_vae.residual_vae`, default widths 32-40-56,
batch 50) has, in
  xla       `lax.conv_general_dilated` + bias (what `nnx.Conv` computes on the CPU)
  flax      `nnx.Conv`, the layer itself
  im2col    `vae_lib.layers.Conv` as it was before issue 23: all 9 taps side by side (or col2im)
  vae_lib   `vae_lib.layers.Conv` now (`layers._conv_rows` from ROWS_MIN_CHANNELS channels up)
  torch     PyTorch's `F.conv2d` (oneDNN), NCHW, in this process; skipped if torch is missing
and checks first that the JAX variants give the same output and gradients as `xla`.
--step trains, through the public `vae_lib.train.fit` at batch 50 (as a learner would), the book's
VAE (`models.book_vae`) and the residual VAE built with `nnx.Conv` (before), with `vae_lib.layers.Conv` but
its Upsample blocks still upsampling first and then convolving ("upsampled"), and as the library builds it
(`vae_lib.layers.Conv`, Upsample by `layers.upsample_conv`), on Fashion-MNIST when it is installed (else the
bundled digits).

Every variant is compiled and warmed up first, then all are timed round-robin (each round runs
each variant once, in turn), so load from other processes hits all of them alike. Printed: the
median per variant, and ratios within each round (their median), which are steadier than ratios
of medians on a shared machine; --step prints them for wall time and for this process's CPU time
(the work done, less sensitive to other processes than the wall time). Numbers from runs are in benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BATCH = 50


def residual_conv_shapes() -> list[tuple[int, int, int, int]]:
    """(H = W, Cin, Cout, how many) of the 3x3 stride-1 convs in the residual VAE's forward pass
    (default widths, 32x32x1 images), read from its jaxpr when built with nnx.Conv."""
    import collections
    import jax
    import jax.numpy as jnp
    from flax import nnx
    from vae_lib import layers, sd_vae

    saved = sd_vae._res_conv
    sd_vae._res_conv = partial(nnx.Conv, kernel_init=layers.lecun_normal)
    try:
        graphdef, state = nnx.split(sd_vae.residual_vae(rngs=nnx.Rngs(0)))
    finally:
        sd_vae._res_conv = saved
    jaxpr = jax.make_jaxpr(lambda st, x: nnx.merge(graphdef, st)(x, jax.random.key(0)))(
        state, jnp.zeros((BATCH, 32, 32, 1)))
    found: collections.Counter = collections.Counter()

    def walk(jpr):
        for eqn in jpr.eqns:
            if eqn.primitive.name == 'conv_general_dilated':
                (_, h, _, cin), (kh, kw, _, cout) = eqn.invars[0].aval.shape, eqn.invars[1].aval.shape
                if (kh, kw) == (3, 3) and tuple(eqn.params['window_strides']) == (1, 1):
                    found[(h, cin, cout)] += 1
            for v in eqn.params.values():
                inner = getattr(v, 'jaxpr', None)
                if inner is not None and hasattr(inner, 'eqns'):
                    walk(inner)
    walk(jaxpr.jaxpr)
    return [(h, cin, cout, n) for (h, cin, cout), n in sorted(found.items(), key=lambda kv: (-kv[0][0], kv[0][1:]))]


def _median_ratios(times: dict[str, list[float]], base: str) -> dict[str, float]:
    """Per-round ratio base / variant (> 1: the variant is faster), median over the rounds."""
    return {n: statistics.median(b / t for b, t in zip(times[base], ts)) for n, ts in times.items()}


def _round_robin(fns: dict, rounds: int, cpu: dict | None = None) -> dict[str, list[float]]:
    """Wall seconds per call, each round calling every variant once; CPU seconds (all threads of
    this process) go into `cpu` if given: on a shared machine they count the work done, not the wait."""
    times = {n: [] for n in fns}
    for _ in range(rounds):
        for n, f in fns.items():
            t0, c0 = time.perf_counter(), time.process_time()
            f()
            times[n].append(time.perf_counter() - t0)
            if cpu is not None:
                cpu.setdefault(n, []).append(time.process_time() - c0)
    return times


# ----------------------------------------------------------------------------- per layer
def layer_variants(h: int, cin: int, cout: int) -> dict:
    """name -> a function running forward + backward once (blocking), for one conv shape."""
    import jax
    import jax.numpy as jnp
    from flax import nnx
    from vae_lib import layers

    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((BATCH, h, h, cin)).astype(np.float32)
    k_np = (rng.standard_normal((3, 3, cin, cout)) / np.sqrt(9 * cin)).astype(np.float32)
    w_np = rng.standard_normal((BATCH, h, h, cout)).astype(np.float32)  # weights the output: d loss / d y
    x, k, w, b = jnp.asarray(x_np), jnp.asarray(k_np), jnp.asarray(w_np), jnp.zeros((cout,), jnp.float32)

    def conv_xla(x, k, b):
        return jax.lax.conv_general_dilated(x, k, (1, 1), 'SAME', dimension_numbers=('NHWC', 'HWIO', 'NHWC')) + b

    def grads_of(f):
        g = jax.jit(jax.value_and_grad(lambda x, k, b, w: jnp.sum(f(x, k, b) * w), argnums=(0, 1, 2)))
        return lambda: jax.block_until_ready(g(x, k, b, w))

    def layer_fn(cls, rows: bool):
        layer = cls(cin, cout, (3, 3), padding='SAME', rngs=nnx.Rngs(0))
        layer.kernel[...] = k
        graphdef, state = nnx.split(layer)

        def f(x, k, b):
            params = nnx.to_pure_dict(state)
            params.update(kernel=k, bias=b)
            nnx.replace_by_pure_dict(state, params)
            lay = nnx.merge(graphdef, state)
            saved = layers.ROWS_MIN_CHANNELS, layers.XLA_MIN_CHANNELS
            if not rows:   # at trace time: the 9-tap im2col / col2im path for every shape
                layers.ROWS_MIN_CHANNELS = layers.XLA_MIN_CHANNELS = 10**9
            try:
                return lay(x)
            finally:
                layers.ROWS_MIN_CHANNELS, layers.XLA_MIN_CHANNELS = saved
        return f

    fns = {'xla': conv_xla, 'flax': layer_fn(nnx.Conv, False), 'im2col': layer_fn(layers.Conv, False),
           'vae_lib': layer_fn(layers.Conv, True)}
    ref = jax.jit(jax.grad(lambda x, k, b, w: jnp.sum(conv_xla(x, k, b) * w), argnums=(0, 1, 2)))(x, k, b, w)
    out = {}
    for name, f in fns.items():
        got = jax.jit(jax.grad(lambda x, k, b, w, f=f: jnp.sum(f(x, k, b) * w), argnums=(0, 1, 2)))(x, k, b, w)
        for g, r in zip(got, ref):
            np.testing.assert_allclose(np.asarray(g), np.asarray(r), rtol=1e-3, atol=1e-4 * float(jnp.max(jnp.abs(r))))
        out[name] = grads_of(f)
    try:
        import torch
        import torch.nn.functional as F
        tx = torch.from_numpy(x_np.transpose(0, 3, 1, 2).copy()).requires_grad_()
        tk = torch.from_numpy(k_np.transpose(3, 2, 0, 1).copy()).requires_grad_()
        tb = torch.zeros(cout, requires_grad=True)
        tw = torch.from_numpy(w_np.transpose(0, 3, 1, 2).copy())

        def torch_step():
            tx.grad = tk.grad = tb.grad = None
            F.conv2d(tx, tk, tb, padding=1).backward(tw)
        torch_step()
        np.testing.assert_allclose(tk.grad.numpy().transpose(2, 3, 1, 0), np.asarray(ref[1]), rtol=1e-3,
                                   atol=1e-4 * float(jnp.max(jnp.abs(ref[1]))))
        out['torch'] = torch_step
    except ImportError:
        pass
    return out


def run_layers(rounds: int, warmup: int, quick: bool = False) -> None:
    print(f'per layer: 3x3 stride-1 SAME conv, batch {BATCH}, forward + backward (d input, d kernel, d bias)')
    total: dict[str, float] = {}
    header = None
    shapes = residual_conv_shapes()
    print('the residual VAE\'s 3x3 stride-1 convs (H, Cin, Cout, count):', shapes)
    if quick:   # a smoke test: the first shape (few channels) and the most frequent one (ResBlocks)
        shapes = [shapes[0], max(shapes, key=lambda s: s[3])]
    for h, cin, cout, count in shapes:
        fns = layer_variants(h, cin, cout)
        if header is None:
            header = list(fns)
            if 'torch' not in fns:
                print('torch: not importable, skipped')
            print(f'{"shape":>16} {"n":>2} ' + ' '.join(f'{n + " ms":>10}' for n in header) + '   GFLOP/s xla -> vae_lib'
                  + '   vae_lib speed-up vs ' + ', '.join(n for n in header if n != 'vae_lib'))
        for f in fns.values():
            for _ in range(warmup):
                f()
        times = _round_robin(fns, rounds)
        med = {n: statistics.median(ts) for n, ts in times.items()}
        ratios = _median_ratios(times, 'vae_lib')   # vae_lib / n per round: > 1 means n is slower
        flop = 3 * 2 * BATCH * h * h * 9 * cin * cout   # forward, d input, d kernel
        for n in header:
            total[n] = total.get(n, 0.0) + count * med[n]
        print(f'{h:>3}x{h:<3} {cin:>3}->{cout:<3} {count:>2} ' + ' '.join(f'{med[n] * 1e3:10.2f}' for n in header)
              + f'   {flop / med["xla"] / 1e9:5.0f} -> {flop / med["vae_lib"] / 1e9:5.0f}   '
              + ', '.join(f'{1 / ratios[n]:.2f}x' for n in header if n != 'vae_lib'))
    print(f'{"all convs x n":>20} ' + ' '.join(f'{total[n] * 1e3:10.1f}' for n in header)
          + '   (sum of medians x count, ms)')


# ----------------------------------------------------------------------------- per train step
def run_step(rounds: int, steps: int) -> None:
    import jax
    from flax import nnx
    from vae_lib import data, layers, models, sd_vae, train

    d = data.load_dataset('fashion_mnist', 'train', limit=BATCH * steps)
    x = d.images[:BATCH * steps]
    print(f'per step: train.fit at batch {BATCH}, {steps} steps per call, loss train.vae_loss_fn(500.0), '
          f'data: {d.source}')

    class UpsampleThenConv(sd_vae.Upsample):   # the upsampled image, then the 3x3 conv (not layers.upsample_conv)
        def __call__(self, x):
            return self.conv(sd_vae.nearest_upsample(x, 2))

    def residual(conv, upsample=sd_vae.Upsample):
        saved = sd_vae._res_conv, sd_vae.Upsample
        sd_vae._res_conv, sd_vae.Upsample = conv, upsample   # what the residual VAE is built with
        try:
            return sd_vae.residual_vae(rngs=nnx.Rngs(0))
        finally:
            sd_vae._res_conv, sd_vae.Upsample = saved

    models_ = {'book': models.book_vae(rngs=nnx.Rngs(0)),
               'residual nnx.Conv': residual(partial(nnx.Conv, kernel_init=layers.lecun_normal)),
               'residual vae_lib, upsampled': residual(layers.Conv, UpsampleThenConv),
               'residual vae_lib': residual(layers.Conv)}
    loss_fn = train.vae_loss_fn(500.0)
    fns = {}
    for name, model in models_.items():
        t0 = time.perf_counter()
        h = train.fit(model, x, loss_fn=loss_fn, key=jax.random.key(0), batch_size=BATCH, max_steps=steps,
                      progress=False)
        print(f'{name:28s} params {models.count_params(model):,}; first fit of {steps} steps '
              f'{time.perf_counter() - t0:.1f} s, its first step (compile, or XLA cache) {h.compile_seconds:.1f} s')
        fns[name] = partial(train.fit, model, x, loss_fn=loss_fn, key=jax.random.key(1), batch_size=BATCH,
                            max_steps=steps, progress=False)
    cpu: dict[str, list[float]] = {}
    times = _round_robin(fns, rounds, cpu)
    for label, data in (('wall', times), ('CPU', cpu)):
        per_step = {n: [t / steps for t in ts] for n, ts in data.items()}
        print(f'{label} time per step:')
        for n, ts in per_step.items():
            print(f'  {n:28s} median {statistics.median(ts) * 1e3:7.1f} ms/step (fit calls: '
                  + ', '.join(f'{t * 1e3:.0f}' for t in ts) + ')')
        ratios = _median_ratios(per_step, 'book')   # book / n: < 1, so print its inverse
        for n in per_step:
            if n != 'book':
                print(f'  {n} / book: {1 / ratios[n]:.2f}x the {label} step time (median of per-round ratios)')
        before_after = statistics.median(a / b for a, b in zip(per_step['residual nnx.Conv'], per_step['residual vae_lib']))
        print(f'  residual VAE step ({label}): vae_lib.layers.Conv {before_after:.2f}x faster than nnx.Conv')
        up = statistics.median(a / b for a, b in zip(per_step['residual vae_lib, upsampled'], per_step['residual vae_lib']))
        print(f'  residual VAE step ({label}): layers.upsample_conv {up:.2f}x faster than upsampling, then layers.Conv')


# ----------------------------------------------------------------------------- what matmuls reach here
def run_peak(rounds: int, quick: bool) -> None:
    """GFLOP/s of plain matrix products on this CPU: square ones, and for each 3x3 conv shape of the residual
    VAE the three products a `_conv_rows` layer does (forward (B*H*W, 3*Cin) @ (3*Cin, 3*Cout), and its kernel
    and input gradients), with nothing around them. That is the ceiling for the layer: what `--layers` measures
    above it is the patches, the row sums and their gradients (data movement)."""
    import jax
    import jax.numpy as jnp

    def gemm(m: int, k: int, n: int):
        a, b = jnp.ones((m, k), jnp.float32), jnp.ones((k, n), jnp.float32)
        f = jax.jit(lambda a, b: a @ b)
        f(a, b).block_until_ready()
        return lambda: f(a, b).block_until_ready()

    def median_seconds(fn, repeats: int = 5) -> float:
        times = []
        for _ in range(max(1, rounds) * repeats):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return statistics.median(times)

    from flax import nnx
    from vae_lib import models, sd_vae, train

    def step_gflop(model) -> float:
        """The train step's floating-point operations as XLA counts them (cost analysis of the compiled step)."""
        graphdef, state = nnx.split((model, nnx.Optimizer(model, train.adam(5e-4), wrt=nnx.Param)))
        step = train.make_train_step.__wrapped__(graphdef, train.vae_loss_fn(500.0))   # a fresh step, not the cache
        cost = step.lower(state, jnp.zeros((BATCH, 32, 32, 1)), jax.random.key(0)).compile().cost_analysis()
        return (cost[0] if isinstance(cost, list) else cost)['flops'] / 1e9

    book, residual = step_gflop(models.book_vae(rngs=nnx.Rngs(0))), step_gflop(sd_vae.residual_vae(rngs=nnx.Rngs(0)))
    print(f'train step arithmetic at batch {BATCH} (XLA cost analysis): book VAE {book:.2f} GFLOP, residual VAE '
          f'{residual:.2f} GFLOP: {residual / book:.2f}x the arithmetic')
    print('matrix products alone (jit, float32, median):')
    for n in ((256,) if quick else (1024, 2048)):
        t = median_seconds(gemm(n, n, n))
        print(f'  {n}x{n} @ {n}x{n}: {t * 1e3:7.2f} ms, {2 * n ** 3 / t / 1e9:6.1f} GFLOP/s')
    shapes = residual_conv_shapes()
    shapes = [s for s in shapes if s[1] >= 8 and s[2] >= 8][:2 if quick else None]
    print(f'the three products of one conv layer (forward, kernel gradient, input gradient), batch {BATCH}:')
    for h, cin, cout, _ in shapes:
        rows = BATCH * h * h
        fns = [gemm(rows, 3 * cin, 3 * cout), gemm(3 * cin, rows, 3 * cout), gemm(rows, 3 * cout, 3 * cin)]
        t = sum(median_seconds(f) for f in fns)
        flops = 3 * 2 * rows * 3 * cin * 3 * cout
        print(f'  {h:>2}x{h:<2} {cin:>2}->{cout:<2}: {t * 1e3:7.2f} ms, {flops / t / 1e9:6.1f} GFLOP/s '
              f'(the same multiply-adds as the conv\'s forward + backward)')


# ----------------------------------------------------------------------------- Upsample blocks
UPSAMPLE_SHAPES = [(4, 4, 56), (8, 8, 56), (16, 16, 40), (4, 4, 28), (8, 8, 28), (16, 16, 20)]  # default, course widths


def run_upsample(rounds: int, quick: bool) -> None:
    """Forward + backward of the residual VAE's Upsample convs: upsample then `layers.conv2d`, against
    `layers.upsample_conv` (checked equal first), batch 50, timed round-robin."""
    import jax
    import jax.numpy as jnp
    from vae_lib import layers, sd_vae

    fns = {'upsample, then conv2d': lambda x, k: layers.conv2d(sd_vae.nearest_upsample(x, 2), k, (1, 1), 'SAME'),
           'upsample_conv': layers.upsample_conv}
    rng = np.random.default_rng(0)
    print(f'Upsample convs, forward + backward, batch {BATCH}, median ms of {rounds} rounds:')
    for h, w, c in UPSAMPLE_SHAPES[:2] if quick else UPSAMPLE_SHAPES:
        x = jnp.asarray(rng.normal(size=(BATCH, h, w, c)), jnp.float32)
        k = jnp.asarray(rng.normal(size=(3, 3, c, c)) / np.sqrt(9 * c), jnp.float32)
        g = jnp.asarray(rng.normal(size=(BATCH, 2 * h, 2 * w, c)), jnp.float32)
        steps = {n: jax.jit(jax.value_and_grad(lambda x, k, f=f: jnp.sum(f(x, k) * g), argnums=(0, 1)))
                 for n, f in fns.items()}
        outs = [jax.block_until_ready(st(x, k)) for st in steps.values()]
        for a, b in zip(jax.tree.leaves(outs[1]), jax.tree.leaves(outs[0])):
            np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-3 * float(np.abs(b).max()))
        times = _round_robin({n: partial(lambda st: jax.block_until_ready(st(x, k)), st) for n, st in steps.items()},
                             rounds)
        a, b = (statistics.median(t) * 1e3 for t in times.values())
        print(f'  {h}x{w} -> {2 * h}x{2 * w}, {c} channels: {a:.2f} ms vs {b:.2f} ms, upsample_conv {a / b:.2f}x faster')


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--layers', action='store_true', help='per-layer forward + backward')
    ap.add_argument('--step', action='store_true', help='train step through train.fit')
    ap.add_argument('--upsample', action='store_true', help='the Upsample convs, both forms')
    ap.add_argument('--peak', action='store_true', help='matrix products alone: the ceiling for the convs')
    ap.add_argument('--rounds', type=int, default=9, help='timing rounds (default 9)')
    ap.add_argument('--steps', type=int, default=10, help='--step: train steps per fit call (default 10)')
    ap.add_argument('--warmup', type=int, default=3, help='--layers: untimed calls per variant (default 3)')
    ap.add_argument('--quick', action='store_true', help='smoke test: 2 shapes, 1 round, 2 steps per fit call')
    args = ap.parse_args()
    if args.quick:
        args.rounds, args.steps, args.warmup = 1, 2, 1
    if not (args.layers or args.step or args.upsample or args.peak):
        ap.error('say --layers, --step, --upsample and/or --peak')
    from vae_lib import course
    course.use_course_settings()   # as every chapter: XLA cache, CPU memory reused between steps
    import jax
    print(f'{course.device_report()}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, '
          f'jax {jax.__version__}')
    if args.layers:
        run_layers(args.rounds, args.warmup, args.quick)
    if args.upsample:
        run_upsample(args.rounds, args.quick)
    if args.peak:
        run_peak(args.rounds, args.quick)
    if args.step:
        run_step(args.rounds, args.steps)
    print(f'load average after: {os.getloadavg()[0]:.2f}')


if __name__ == '__main__':
    main()
