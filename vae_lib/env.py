"""Where are we running? Device report, quick mode, and a chapter's recorded results."""
from __future__ import annotations

import json
import os
from pathlib import Path

QUICK_ENV = "VAE_COURSE_QUICK"
RESULTS_ENV = "VAE_COURSE_RESULTS"
CACHE_ENV = "VAE_COURSE_JAX_CACHE"


def enable_compilation_cache() -> str | None:
    """Keep XLA's compiled programs on disk, so a second notebook (or run) skips compiling them.

    Building the book's VAE compiles dozens of small initialisation programs: about 8 s on a
    2-core CPU the first time, about 1 s when they come from this cache. The folder is
    `$VAE_COURSE_JAX_CACHE` or `~/.cache/vae_course/jax`; set VAE_COURSE_JAX_CACHE=off to disable.
    A cache folder you configured yourself is left alone. Returns the folder in use (or None).
    """
    import jax

    setting = os.environ.get(CACHE_ENV, "")
    if setting.lower() in {"off", "0", "false", "no"}:
        return None
    if jax.config.jax_compilation_cache_dir:
        return jax.config.jax_compilation_cache_dir
    folder = setting or str(Path.home() / ".cache" / "vae_course" / "jax")
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # a read-only home: run without the cache
    jax.config.update("jax_compilation_cache_dir", folder)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return folder


def quick_mode() -> bool:
    """True when `VAE_COURSE_QUICK` is set to 1/true/yes: small data, few steps (tests, CI, class)."""
    return os.environ.get(QUICK_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def device_report() -> str:
    """One line: JAX version, backend, devices and the running mode. Printed at the top of every chapter."""
    import jax

    devices = jax.devices()
    kinds = sorted({d.device_kind for d in devices})
    mode = "quick mode" if quick_mode() else "full mode"
    return (f"JAX {jax.__version__} | backend: {jax.default_backend()} | "
            f"{len(devices)} device(s): {', '.join(kinds)} | {mode}")


def record_result(chapter: str, **values) -> dict:
    """Record a chapter's key facts (data used, metrics) for the course runner's summary table.

    Prints them, and when `VAE_COURSE_RESULTS` names a file, appends one JSON line to it.
    Values must be JSON-serialisable (numbers are converted with float()).
    """
    clean = {k: (float(v) if hasattr(v, "__float__") and not isinstance(v, (str, bool, int)) else v)
             for k, v in values.items()}
    line = {"chapter": chapter, **clean}
    print("RESULT", json.dumps(line))
    target = os.environ.get(RESULTS_ENV)
    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        with open(target, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")
    return line
