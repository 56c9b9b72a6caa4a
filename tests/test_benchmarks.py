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
