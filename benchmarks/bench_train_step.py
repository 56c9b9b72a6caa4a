"""Train-step throughput of the book's Fashion-MNIST VAE in Flax NNX, vae_lib, PyTorch and Keras.

Same architecture everywhere (GDL 2nd ed., ch. 3; batch 100, 32x32x1 images):
  encoder  Conv(1->32, 3x3, s2) -> Conv(32->64) -> Conv(64->128), relu -> flatten 2048
           -> Dense(2048->2) z_mean, Dense(2048->2) z_log_var
  decoder  Dense(2->2048) -> 4x4x128 -> ConvT(128->128, 3x3, s2) -> ConvT(128->64) -> ConvT(64->32),
           relu -> Conv(32->1, 3x3, s1) logits
  loss     500 * per-pixel-mean BCE(logits) + KL(q(z|x) || N(0, I)) summed over z, mean over batch;
           Adam(5e-4); z = mean + exp(0.5 * log_var) * eps.

One full train step = forward, loss, backward and Adam update.  Variants:
  flax          nnx.Conv + nnx.ConvTranspose
  vae_lib-ct    nnx.Conv + vae_lib.layers.ConvTranspose      (the drop-in asked for in issue 5)
  vae_lib-both  vae_lib.layers.Conv + vae_lib.layers.ConvTranspose, donated state
  vae_lib       the library itself: models.book_vae + the step train.fit runs (no donation: fit
                keeps the previous state as the last good weights)
  torch         PyTorch eager (NCHW), optional
  torch-own     the same PyTorch model in a process of its own, with glibc's default malloc
                settings: PyTorch as a learner runs it (`torch` shares this process's settings)
  keras         Keras 3 on TensorFlow, book-style train_step, optional
All are timed round-robin (each round runs every variant `--steps` times), so that background
load hits all of them alike; all but torch-own in this process.  Input data are fixed random
images (throughput only).

Memory: `vae_lib.course.use_course_settings()`, called by this script before JAX starts (as every chapter's
setup cell does), makes CPU steps reuse their scratch memory (`vae_lib.course.env.tune_cpu_memory`:
synchronous CPU dispatch, and glibc's malloc told to keep big blocks).  That setting is
process-wide, so `torch` and `keras` here get it too; `--cpu-memory default` runs everything
with glibc's defaults instead.

    python benchmarks/bench_train_step.py            # full run
    python benchmarks/bench_train_step.py --quick    # a short run
"""
from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BATCH, BETA, LR = 100, 500.0, 5e-4
ENC_PARAMS = 92_672 + 2 * 4_098   # 3 convs + z_mean and z_log_var heads = 100,868
AE_ENC_PARAMS = 92_672 + 4_098   # autoencoder encoder (one head) = 96,770
DEC_PARAMS = 246_273
Step = Callable[[], float]       # runs one train step, blocks until done, returns the loss


def fixed_images() -> np.ndarray:
    """The benchmark's batch: (BATCH, 1, 32, 32) float32 uniform in [0, 1), seed 0 (NCHW)."""
    return np.random.default_rng(0).uniform(size=(BATCH, 1, 32, 32)).astype(np.float32)


# ----------------------------------------------------------------------------- JAX / Flax NNX
def make_jax(x_np: np.ndarray, fast_ct: bool, fast_conv: bool) -> tuple[Step, dict]:
    import jax
    import jax.numpy as jnp
    import optax
    from flax import nnx
    from vae_lib import layers

    CT = layers.ConvTranspose if fast_ct else nnx.ConvTranspose
    Conv = layers.Conv if fast_conv else nnx.Conv

    class Encoder(nnx.Module):
        def __init__(self, rngs: nnx.Rngs):
            self.convs = nnx.List([Conv(i, o, (3, 3), (2, 2), padding='SAME', rngs=rngs)
                                   for i, o in [(1, 32), (32, 64), (64, 128)]])
            self.z_mean = nnx.Linear(2048, 2, rngs=rngs)
            self.z_log_var = nnx.Linear(2048, 2, rngs=rngs)

        def __call__(self, x):  # (N, 32, 32, 1) -> 2 x (N, 2)
            for conv in self.convs:
                x = jax.nn.relu(conv(x))
            x = x.reshape(x.shape[0], -1)
            return self.z_mean(x), self.z_log_var(x)

    class Decoder(nnx.Module):
        def __init__(self, rngs: nnx.Rngs):
            self.dense = nnx.Linear(2, 2048, rngs=rngs)
            self.deconvs = nnx.List([CT(i, o, (3, 3), (2, 2), padding='SAME', rngs=rngs)
                                     for i, o in [(128, 128), (128, 64), (64, 32)]])
            self.out = Conv(32, 1, (3, 3), (1, 1), padding='SAME', rngs=rngs)

        def __call__(self, z):  # (N, 2) -> logits (N, 32, 32, 1)
            h = self.dense(z).reshape(-1, 4, 4, 128)
            for deconv in self.deconvs:
                h = jax.nn.relu(deconv(h))
            return self.out(h)

    class VAE(nnx.Module):
        def __init__(self, rngs: nnx.Rngs):
            self.encoder, self.decoder = Encoder(rngs), Decoder(rngs)

    def loss_fn(model: VAE, x, key):
        mean, log_var = model.encoder(x)
        z = mean + jnp.exp(0.5 * log_var) * jax.random.normal(key, mean.shape)
        logits = model.decoder(z)
        rec = optax.sigmoid_binary_cross_entropy(logits, x).mean(axis=(1, 2, 3))
        kl = -0.5 * jnp.sum(1 + log_var - mean**2 - jnp.exp(log_var), axis=1)
        return jnp.mean(BETA * rec + kl)

    model = VAE(nnx.Rngs(0))
    opt = nnx.Optimizer(model, optax.adam(LR), wrt=nnx.Param)
    count = lambda m: sum(p.size for p in jax.tree.leaves(nnx.state(m, nnx.Param)))
    counts = {'encoder': count(model.encoder), 'decoder': count(model.decoder)}
    graphdef, state = nnx.split((model, opt))

    def train_step(state, key, x):
        model, opt = nnx.merge(graphdef, state)
        key, sub = jax.random.split(key)
        loss, grads = nnx.value_and_grad(loss_fn)(model, x, sub)
        opt.update(model, grads)
        return nnx.state((model, opt)), key, loss

    step_jit = jax.jit(train_step, donate_argnums=(0, 1))
    x = jnp.asarray(x_np.transpose(0, 2, 3, 1))  # NHWC
    carry = [state, jax.random.key(42)]
    t0 = time.perf_counter()
    step_jit.lower(carry[0], carry[1], x).compile()  # populates the jit cache used below
    counts['compile_s'] = time.perf_counter() - t0

    def step() -> float:
        carry[0], carry[1], loss = step_jit(carry[0], carry[1], x)
        return float(loss.block_until_ready())
    return step, counts


def make_vae_lib(x_np: np.ndarray) -> tuple[Step, dict]:
    """The library itself: `vae_lib.models.book_vae` and the step `vae_lib.train.fit` runs."""
    import jax
    import jax.numpy as jnp
    import optax
    from flax import nnx
    from vae_lib import models, train

    model = models.book_vae(rngs=nnx.Rngs(0))
    opt = nnx.Optimizer(model, optax.adam(LR), wrt=nnx.Param)
    counts = {'encoder': models.count_params(model.encoder), 'decoder': models.count_params(model.decoder)}
    graphdef, state = nnx.split((model, opt))
    step_jit = train.make_train_step(graphdef, train.vae_loss_fn(BETA))
    x = jnp.asarray(x_np.transpose(0, 2, 3, 1))  # NHWC
    carry = [state, jax.random.key(42)]
    t0 = time.perf_counter()
    step_jit.lower(carry[0], x, carry[1]).compile()
    counts['compile_s'] = time.perf_counter() - t0

    def step() -> float:
        carry[1], sub = jax.random.split(carry[1])
        carry[0], parts = step_jit(carry[0], x, sub)
        return float(parts['loss'])  # fit fetches the loss parts every step, as here
    return step, counts


# ----------------------------------------------------------------------------- PyTorch
def make_torch(x_np: np.ndarray) -> tuple[Step, dict]:
    import torch
    from torch import nn
    import torch.nn.functional as F

    torch.manual_seed(0)
    convs = lambda: [nn.Conv2d(1, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),
                     nn.Conv2d(64, 128, 3, 2, 1), nn.ReLU(), nn.Flatten()]
    # padding=1, output_padding=1 gives 'SAME'-style doubling (4 -> 8 -> 16 -> 32)
    ct = lambda i, o: nn.ConvTranspose2d(i, o, 3, 2, padding=1, output_padding=1)

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.ModuleDict(dict(convs=nn.Sequential(*convs()),
                                              z_mean=nn.Linear(2048, 2), z_log_var=nn.Linear(2048, 2)))
            self.decoder = nn.Sequential(nn.Linear(2, 2048), nn.Unflatten(1, (128, 4, 4)),
                                         ct(128, 128), nn.ReLU(), ct(128, 64), nn.ReLU(),
                                         ct(64, 32), nn.ReLU(), nn.Conv2d(32, 1, 3, 1, 1))

        def forward(self, x):
            h = self.encoder['convs'](x)
            mean, log_var = self.encoder['z_mean'](h), self.encoder['z_log_var'](h)
            z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
            return self.decoder(z), mean, log_var

    model = VAE()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    x = torch.from_numpy(x_np)  # NCHW
    count = lambda m: sum(p.numel() for p in m.parameters())
    info = {'encoder': count(model.encoder), 'decoder': count(model.decoder),
            'version': torch.__version__,
            'threads': f'intra-op {torch.get_num_threads()}, inter-op {torch.get_num_interop_threads()}'}

    def step() -> float:
        opt.zero_grad(set_to_none=True)
        logits, mean, log_var = model(x)
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction='none').mean(dim=(1, 2, 3))
        kl = -0.5 * (1 + log_var - mean**2 - log_var.exp()).sum(dim=1)
        loss = (BETA * rec + kl).mean()
        loss.backward()
        opt.step()
        return loss.item()
    return step, info


def make_torch_own_process(x_np: np.ndarray) -> tuple[Step, dict]:
    """`make_torch` in a child process that never imports vae_lib (glibc's malloc defaults)."""
    import importlib.util
    if importlib.util.find_spec('torch') is None:
        raise ImportError('No module named torch')
    env = {**os.environ, 'VAE_COURSE_CPU_TUNING': 'off'}
    child = subprocess.Popen([sys.executable, __file__, '--serve-torch'], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=env)
    first = child.stdout.readline()
    if not first:  # the child could not build the model: skip this variant like a missing import
        raise ImportError(f'the PyTorch child process exited with code {child.wait()}')
    info = json.loads(first)

    def stop() -> None:  # closing its stdin ends the child's loop
        child.stdin.close()
        child.wait(timeout=30)
    atexit.register(stop)

    def step() -> float:
        child.stdin.write('step\n')
        child.stdin.flush()
        line = child.stdout.readline()
        if not line:
            raise RuntimeError(f'the PyTorch child process died (exit code {child.wait()})')
        return float(line)
    return step, info


def serve_torch() -> None:
    """The child's side: build the PyTorch model, then run one step per line read from stdin."""
    step, info = make_torch(fixed_images())
    print(json.dumps({**info, 'process': f'own (pid {os.getpid()}), glibc malloc defaults'}), flush=True)
    for _ in sys.stdin:
        print(step(), flush=True)


# ----------------------------------------------------------------------------- Keras 3 / TF
def make_keras(x_np: np.ndarray) -> tuple[Step, dict]:
    os.environ.setdefault('KERAS_BACKEND', 'tensorflow')
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
    import keras
    import tensorflow as tf
    from keras import layers as L, ops

    if keras.backend.backend() != 'tensorflow':
        raise ImportError(f'Keras backend is {keras.backend.backend()!r}, not tensorflow')
    keras.utils.set_random_seed(0)
    inp = keras.Input((32, 32, 1))
    h = inp
    for f in (32, 64, 128):
        h = L.Conv2D(f, 3, strides=2, padding='same', activation='relu')(h)
    h = L.Flatten()(h)
    encoder = keras.Model(inp, [L.Dense(2)(h), L.Dense(2)(h)])
    zin = keras.Input((2,))
    h = L.Reshape((4, 4, 128))(L.Dense(2048)(zin))
    for f in (128, 64, 32):
        h = L.Conv2DTranspose(f, 3, strides=2, padding='same', activation='relu')(h)
    decoder = keras.Model(zin, L.Conv2D(1, 3, padding='same')(h))

    class VAE(keras.Model):  # book style: custom train_step
        def __init__(self):
            super().__init__()
            self.encoder, self.decoder = encoder, decoder
            self.rng = keras.random.SeedGenerator(0)

        def train_step(self, data):
            x = data[0] if isinstance(data, tuple) else data
            with tf.GradientTape() as tape:
                mean, log_var = self.encoder(x, training=True)
                z = mean + ops.exp(0.5 * log_var) * keras.random.normal(ops.shape(mean), seed=self.rng)
                logits = self.decoder(z, training=True)
                rec = ops.mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits),
                               axis=(1, 2, 3))
                kl = -0.5 * ops.sum(1 + log_var - mean**2 - ops.exp(log_var), axis=1)
                loss = ops.mean(BETA * rec + kl)
            grads = tape.gradient(loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
            return {'loss': loss}

    vae = VAE()
    vae.compile(optimizer=keras.optimizers.Adam(LR))
    x = tf.constant(x_np.transpose(0, 2, 3, 1))  # NHWC
    info = {'encoder': encoder.count_params(), 'decoder': decoder.count_params(),
            'version': f'keras {keras.__version__}, tensorflow {tf.__version__}',
            'threads': f'intra-op {tf.config.threading.get_intra_op_parallelism_threads()}, '
                       f'inter-op {tf.config.threading.get_inter_op_parallelism_threads()} (0 = TF picks)'}
    t0 = time.perf_counter()
    vae.train_on_batch(x)  # traces the tf.function
    info['compile_s'] = time.perf_counter() - t0
    info['jit_compile'] = vae.jit_compile

    def step() -> float:
        return float(vae.train_on_batch(x, return_dict=True)['loss'])
    return step, info


# ----------------------------------------------------------------------------- driver
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--quick', action='store_true', help='few rounds, for a smoke test')
    ap.add_argument('--rounds', type=int, default=None, help='timing rounds (default 8, quick 2)')
    ap.add_argument('--steps', type=int, default=None, help='timed steps per variant per round (default 5, quick 3)')
    ap.add_argument('--only', default=None, help='comma-separated subset of variants')
    ap.add_argument('--cpu-memory', choices=('reused', 'default'), default='reused',
                    help="'reused': what vae_lib.course.use_course_settings() sets up (default); 'default': glibc's defaults")
    ap.add_argument('--serve-torch', action='store_true', help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve_torch:
        return serve_torch()
    if args.cpu_memory == 'default':
        os.environ['VAE_COURSE_CPU_TUNING'] = 'off'
    import vae_lib.course.env
    vae_lib.course.env.use_course_settings()  # before JAX starts: memory reuse (unless turned off above), XLA cache
    rounds = args.rounds or (2 if args.quick else 8)
    steps = args.steps or (3 if args.quick else 5)
    warmup = 2 if args.quick else 5

    import flax
    import jax
    print(f'machine: {platform.processor() or platform.machine()}, {_cpu_model()}, {os.cpu_count()} CPUs, '
          f'load average {os.getloadavg()[0]:.2f}')
    print(f'python {platform.python_version()}, jax {jax.__version__} ({jax.default_backend()}), flax {flax.__version__}')
    reused = vae_lib.course.env.device_report().endswith('host memory reused')
    print(f'CPU memory: {"reused between steps (vae_lib.course.env.tune_cpu_memory)" if reused else "glibc defaults"}'
          ' in this process; torch-own always runs with glibc defaults')
    x_np = fixed_images()

    makers = {'flax': lambda: make_jax(x_np, False, False),
              'vae_lib-ct': lambda: make_jax(x_np, True, False),
              'vae_lib-both': lambda: make_jax(x_np, True, True),
              'vae_lib': lambda: make_vae_lib(x_np),
              'torch': lambda: make_torch(x_np),
              'torch-own': lambda: make_torch_own_process(x_np),
              'keras': lambda: make_keras(x_np)}
    if args.only:
        makers = {k: v for k, v in makers.items() if k in args.only.split(',')}
    variants: dict[str, tuple[Step, dict]] = {}
    for name, make in makers.items():
        try:
            variants[name] = make()
        except ImportError as e:
            print(f'{name}: not importable, skipped ({e})')
    first_loss: dict[str, float] = {}
    for name, (step, info) in variants.items():
        assert (info['encoder'], info['decoder']) == (ENC_PARAMS, DEC_PARAMS), (name, info)
        extra = ', '.join(f'{k} {v:.2f}s' if k == 'compile_s' else f'{k} {v}'
                          for k, v in info.items() if k not in ('encoder', 'decoder'))
        print(f'{name:11s} params: encoder {info["encoder"]:,} (AE encoder would be '
              f'{info["encoder"] - 4_098:,}), decoder {info["decoder"]:,}; {extra}')
        losses = [step() for _ in range(warmup)]
        assert np.all(np.isfinite(losses)), (name, losses)
        first_loss[name] = losses
    # The JAX variants share init seed, data and PRNG key, so their losses must agree.
    jax_runs = [first_loss[n] for n in ('flax', 'vae_lib-ct', 'vae_lib-both', 'vae_lib') if n in first_loss]
    for other in jax_runs[1:]:
        np.testing.assert_allclose(other, jax_runs[0], rtol=1e-4)
    if len(jax_runs) > 1:
        print(f'JAX variants agree on the first {warmup} losses: {np.round(jax_runs[0], 3).tolist()}')
    assert ENC_PARAMS - 4_098 == AE_ENC_PARAMS

    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, (step, _) in variants.items():
            time.sleep(0.2)  # let the previous framework's worker threads go idle
            for _ in range(steps):
                t0 = time.perf_counter()
                step()
                times[name].append(time.perf_counter() - t0)
    print(f'\n{rounds} rounds x {steps} steps per variant, batch {BATCH}; '
          f'load average after: {os.getloadavg()[0]:.2f}')
    med = {name: statistics.median(ts) for name, ts in times.items()}
    for name, ts in times.items():
        q = np.percentile(ts, [25, 75])
        print(f'{name:11s} median {med[name] * 1e3:7.1f} ms/step  {BATCH / med[name]:7.0f} images/s'
              f'   (IQR {q[0] * 1e3:.1f}-{q[1] * 1e3:.1f} ms, fastest {min(ts) * 1e3:.1f} ms)')
    for mine in ('vae_lib', 'vae_lib-both', 'vae_lib-ct'):
        if mine in med:
            print(f'{mine}: ' + ', '.join(f'{med[o] / med[mine]:.2f}x {o}' for o in med if o != mine))


def _cpu_model() -> str:
    try:
        for line in open('/proc/cpuinfo'):
            if line.startswith('model name'):
                return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return 'unknown CPU'


if __name__ == '__main__':
    main()
