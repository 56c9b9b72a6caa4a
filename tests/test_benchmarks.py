"""The benchmark scripts run (a smoke test: no timing is asserted; figures live in benchmarks/README.md)."""
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_train_step_benchmark_runs_and_the_jax_variants_agree():
    env = {k: v for k, v in os.environ.items() if k != "VAE_COURSE_CPU_TUNING"}
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_train_step.py"), "--quick",
                          "--only", "vae_lib-both,vae_lib,torch-own", "--rounds", "1", "--steps", "1"],
                         env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "JAX variants agree on the first 2 losses" in out.stdout
    # PyTorch in its own process: timed when torch is installed, else skipped with a message
    timed = re.search(r"^torch-own\s+median", out.stdout, re.MULTILINE) is not None
    assert timed != ("torch-own: not importable, skipped" in out.stdout)
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert "CPU memory: reused between steps" in out.stdout  # vae_lib was imported before JAX started
    assert out.stdout.count("images/s") >= 2 and "vae_lib: " in out.stdout


def test_gpu_check_says_no_gpu_and_runs_on_the_cpu_only_when_asked(tmp_path):
    """benchmarks/gpu_check.py names the backend it found; without a GPU it stops (exit 2) unless
    --allow-cpu, and then runs the parts asked for and reports them (here: a short benchmark)."""
    script = str(ROOT / "benchmarks" / "gpu_check.py")
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    out = subprocess.run([sys.executable, script], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stderr[-2000:]
    assert "JAX backend: cpu" in out.stdout and "no GPU found" in out.stdout and "running" not in out.stdout
    out = subprocess.run([sys.executable, script, "--allow-cpu", "--only", "bench", "--quick", "--logs", str(tmp_path)], env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    report = out.stdout.split("GPU check report (cpu)")[1]
    assert re.search(r"^bench\s+passed\s+[\d.]+ s\s+vae_lib\S* [\d.]+ ms/step, \d+ images/s", report, re.M), report
    assert "tests" not in report and "chapter" not in report


def test_gpu_check_picks_the_key_numbers():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import gpu_check
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    assert gpu_check.key_numbers("tests", "...\n===== 412 passed, 3 skipped in 300.1s =====\n") == \
        "412 passed, 3 skipped in 300.1s"
    assert gpu_check.key_numbers("chapter", "running\n05_vae_training   12.0  ok  mnist  elbo=1\n").startswith("05_vae")
    assert gpu_check.key_numbers("bench", "vae_lib     median   76.0 ms/step     1316 images/s  (IQR") == \
        "vae_lib 76.0 ms/step, 1316 images/s"
    assert gpu_check.key_numbers("tests", "FAILED x\n2 failed, 410 passed in 280.0s\n") == "2 failed, 410 passed in 280.0s"
    assert gpu_check.key_numbers("tests", "crashed") == "no pytest summary"


def test_conv_benchmark_runs_and_its_variants_agree():
    """benchmarks/bench_conv.py checks that every variant's output gradients match
    lax.conv_general_dilated before it times them, and compares the residual VAE's step with the
    book VAE's through train.fit; here only that it runs and prints its ratios (no timing asserted)."""
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_conv.py"), "--layers", "--step", "--upsample",
                          "--peak", "--quick"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "(32, 32, 32, 3)" in out.stdout   # the residual VAE's convs, read from its jaxpr
    assert re.search(r"^ +8x8 +56->56 +4 +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+", out.stdout, re.M), out.stdout  # timed
    assert re.search(r"residual vae_lib / book: [\d.]+x the wall step time", out.stdout)
    assert re.search(r"residual nnx.Conv / book: [\d.]+x the CPU step time", out.stdout)
    assert re.search(r"layers.upsample_conv [\d.]+x faster than upsampling", out.stdout)
    assert re.search(r"8x8 -> 16x16, 56 channels: [\d.]+ ms vs [\d.]+ ms", out.stdout)   # checked equal, then timed
    assert re.search(r"residual VAE [\d.]+ GFLOP: [\d.]+x the arithmetic", out.stdout)
    assert re.search(r"256x256 @ 256x256: +[\d.]+ ms, +[\d.]+ GFLOP/s", out.stdout)
    assert re.search(r"32x32 32->32: +[\d.]+ ms, +[\d.]+ GFLOP/s", out.stdout)   # a conv layer's three matmuls
