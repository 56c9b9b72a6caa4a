"""Where are we running? The running mode, the course's process settings, the device report, and a chapter's
recorded results.

The running mode is read here and nowhere else: `current_mode()` (recipes, gates and the device report call it).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

MODES = ("smoke", "course", "book")
MODE_ENV = "VAE_COURSE_MODE"
QUICK_ENV = "VAE_COURSE_QUICK"   # older switch: VAE_COURSE_QUICK=1 still means smoke mode
RESULTS_ENV = "VAE_COURSE_RESULTS"
CACHE_ENV = "VAE_COURSE_JAX_CACHE"
TUNING_ENV = "VAE_COURSE_CPU_TUNING"
_TRIM_THRESHOLD = 2**31 - 1  # bytes of freed memory the process may keep (mallopt takes an int)


def current_mode() -> str:
    """The running mode: `VAE_COURSE_MODE` (smoke | course | book); VAE_COURSE_QUICK=1 means smoke;
    otherwise 'course'. The one place that reads it (the course runner sets it for the notebook's kernel)."""
    mode = os.environ.get(MODE_ENV, "").strip().lower()
    if mode:
        if mode not in MODES:
            raise ValueError(f"{MODE_ENV}={mode!r} is not a mode; use one of {', '.join(MODES)}.")
        return mode
    if os.environ.get(QUICK_ENV, "").strip().lower() in {"1", "true", "yes", "on"}:
        return "smoke"
    return "course"


def use_course_settings(verbose: bool = True) -> dict:
    """Apply the course's process-wide settings, once, at the top of a notebook or script.

    `import vae_lib` (or `vae_lib.course`) changes nothing outside vae_lib; this call opts in to two settings:

    * `enable_compilation_cache()`: XLA's compiled programs are kept on disk
      (`~/.cache/vae_course/jax`, or `$VAE_COURSE_JAX_CACHE`; "off" disables it);
    * `tune_cpu_memory()`: CPU train steps reuse their scratch memory (`mallopt` and synchronous
      CPU dispatch; `VAE_COURSE_CPU_TUNING=off` keeps the defaults). It must run before JAX
      computes anything, so call this right after `import vae_lib`.

    verbose: print one line saying what was set.
    Returns {"compilation_cache": folder or None, "cpu_memory_reused": bool}. Calling it again
    changes nothing and returns the same answer.
    """
    done = {"compilation_cache": enable_compilation_cache(),
            "cpu_memory_reused": tune_cpu_memory() or _CPU_MEMORY_TUNED}
    if verbose:
        from vae_lib.i18n import tr

        cache = done["compilation_cache"] or tr("off", "꺼짐")
        memory = (tr("reused between steps", "스텝 사이에 재사용") if done["cpu_memory_reused"]
                  else tr("left as it was", "기본값 그대로") + f" ({_cpu_tuning_blocked_by() or 'mallopt refused'})")
        print(tr(f"course settings: XLA compilation cache: {cache} | CPU memory: {memory}",
                 f"강좌 설정: XLA 컴파일 캐시: {cache} | CPU 메모리: {memory}"))
    return done


def _cpu_tuning_blocked_by() -> str | None:
    """Why `tune_cpu_memory` must leave the defaults, in a few words, or None when it may apply them."""
    import platform

    import jax

    if os.environ.get(TUNING_ENV, "").strip().lower() in {"off", "0", "false", "no"}:
        return f"{TUNING_ENV}=off"
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return "needs Linux with glibc"
    if _accelerator_expected(os.environ.get("JAX_PLATFORMS") or jax.config.jax_platforms or ""):
        return "JAX runs on a GPU/TPU"
    try:
        from jax._src import xla_bridge
        started = xla_bridge.backends_are_initialized()
    except (ImportError, AttributeError):
        return "cannot tell whether JAX has started (this JAX version)"
    if started:
        return "JAX had already started: call it right after `import vae_lib`, before any computation"
    return None


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


def tune_cpu_memory() -> bool:
    """Let each train step reuse the same memory instead of asking the OS for fresh pages.

    XLA:CPU allocates a step's scratch memory (86 MB for the book's VAE at batch 100) when
    the step starts and frees it when the step ends. glibc's malloc hands out blocks that big
    with `mmap` and gives them back with `munmap`, so every step the kernel maps and zeroes
    about 21,000 new 4 KiB pages. Measured on a 2-core CPU, that was a quarter of the step
    (82 instead of 111 ms per step for the book's VAE, with 115 MB of scratch memory in the
    version measured). Two settings fix it:

    * `jax_cpu_enable_async_dispatch = False`: CPU computations run on the calling (main)
      thread. The main thread's malloc heap can hold blocks of any size; the heaps of JAX's
      worker threads are capped at 64 MB, so those would keep using mmap.
    * `mallopt(M_MMAP_MAX, 0)` and `mallopt(M_TRIM_THRESHOLD, 2 GiB)`: big blocks come from that
      heap, and after `free` they stay mapped, ready for the next step.

    The costs: the process keeps most of the memory it frees instead of returning it to the OS
    (peak resident memory of one training epoch of the book's VAE: 636 MB instead of 489 MB;
    of chapter 05 in quick mode: about the same, 930 vs 970 MB), and Python waits for each CPU
    computation instead of queueing the next one (`train.fit` reads the loss every step anyway).
    The malloc setting applies to the whole process (numpy and PyTorch too), not just to JAX.

    Applied only on Linux with glibc, only when JAX will run on the CPU (not when JAX_PLATFORMS
    names a GPU/TPU first or, with it unset, a GPU/TPU plugin is installed and its device is
    there: then the training step does not run on the CPU), and only if JAX has not started
    its backends yet (the dispatch setting is read then): call it (or `use_course_settings`)
    before running any JAX computation. `import vae_lib` alone does not call it. Set
    VAE_COURSE_CPU_TUNING=off to keep the defaults (for example when memory is tight). Returns
    True when the settings were applied (then `device_report` says "host memory reused").
    """
    import ctypes

    import jax

    if _cpu_tuning_blocked_by() is not None:
        return False

    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    m_trim_threshold, m_mmap_max = -1, -4  # from glibc's <malloc.h>
    # mallopt returns 1 on success. If the second call failed, the first one stays in effect:
    # harmless (big blocks then come from the heap and are trimmed as usual), but not "applied".
    if not (libc.mallopt(m_mmap_max, 0) and libc.mallopt(m_trim_threshold, _TRIM_THRESHOLD)):
        return False
    jax.config.update("jax_cpu_enable_async_dispatch", False)
    global _CPU_MEMORY_TUNED
    _CPU_MEMORY_TUNED = True
    return True


_CPU_MEMORY_TUNED = False


def _accelerator_expected(platforms: str) -> bool:
    """Will JAX run on a GPU/TPU rather than the CPU? Then the CPU tuning is left off.

    platforms: the JAX_PLATFORMS setting ("" when unset): its first entry decides. Unset, JAX
    picks a GPU/TPU when it has a plugin for one and finds the device, so both must be there
    (with a plugin but no device, JAX warns and runs on the CPU).
    """
    if platforms.strip():
        return platforms.split(",")[0].strip().lower() != "cpu"
    # the device-node check first: it is cheap (0.6 ms), the plugin scan reads every installed
    # package's metadata (4 ms), and on a CPU-only machine it is then never needed
    return _accelerator_device_present() and _accelerator_plugin_installed()


def _accelerator_plugin_installed() -> bool:
    """A GPU/TPU plugin for JAX: a `jax_plugins` module or entry point (CUDA, ROCm), or libtpu."""
    import importlib.metadata
    import importlib.util
    import pkgutil

    if importlib.util.find_spec("libtpu") is not None or importlib.metadata.entry_points(group="jax_plugins"):
        return True
    try:
        import jax_plugins
    except ImportError:
        return False
    return any(True for _ in pkgutil.iter_modules(jax_plugins.__path__))


def _accelerator_device_present() -> bool:
    """A device node of an NVIDIA GPU, an AMD GPU (ROCm) or a TPU on this (Linux) machine."""
    import glob

    return any(glob.glob(pattern) for pattern in
               ("/dev/nvidiactl", "/dev/nvidia[0-9]*", "/dev/kfd", "/dev/accel[0-9]*", "/dev/vfio/[0-9]*"))


def device_report() -> str:
    """One line: JAX version, backend, devices and the running mode. Printed at the top of every chapter."""
    import jax

    devices = jax.devices()
    kinds = sorted({d.device_kind for d in devices})
    from vae_lib.i18n import tr

    tuned = _CPU_MEMORY_TUNED and jax.default_backend() == "cpu"
    if tr("en", "ko") == "ko":
        return (f"JAX {jax.__version__} | 백엔드: {jax.default_backend()} | 장치 {len(devices)}개: {', '.join(kinds)} | "
                f"{current_mode()} 모드" + (" | 호스트 메모리 재사용" if tuned else ""))
    mode = f"{current_mode()} mode"
    memory = " | host memory reused" if tuned else ""
    return (f"JAX {jax.__version__} | backend: {jax.default_backend()} | "
            f"{len(devices)} device(s): {', '.join(kinds)} | {mode}{memory}")


def record_result(chapter: str, **values) -> None:
    """Record a chapter's key facts (data used, metrics) for the course runner's summary table.

    When `VAE_COURSE_RESULTS` names a file, appends one JSON line to it; prints nothing (the chapter
    prints its numbers where they belong). Values must be JSON-serialisable (numbers are converted
    with float()).
    """
    clean = {k: (float(v) if hasattr(v, "__float__") and not isinstance(v, (str, bool, int)) else v)
             for k, v in values.items()}
    line = {"chapter": chapter, **clean}
    target = os.environ.get(RESULTS_ENV)
    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        with open(target, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")
