"""The repo is installable as described: packages agree, every module imports, the README's commands exist."""
import importlib
import os
import pkgutil
import platform
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import vae_lib
import vae_lib.course

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[<>=!~;\[ ]", req.strip(), maxsplit=1)[0].lower()


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    wanted = {_name(r) for r in project["dependencies"] + extras["notebook"] + extras["test"]}
    yml = (ROOT / "environment.yml").read_text()
    pip_block = yml.split("- pip:")[1]
    listed = {_name(line.strip()[2:]) for line in pip_block.splitlines()
              if line.strip().startswith("- ") and not line.strip().startswith("- -e")}
    assert listed == wanted, f"only in environment.yml: {listed - wanted}; only in pyproject: {wanted - listed}"
    # same lower bounds too
    bounds = {_name(r): r.replace(" ", "") for r in project["dependencies"] + extras["notebook"]}
    for line in pip_block.splitlines():
        item = line.strip()[2:].replace(" ", "")
        if _name(item) in bounds:
            assert item == bounds[_name(item)]


def test_runtime_dependencies_are_what_vae_lib_imports():
    """Notebook tooling stays out of the runtime dependencies (it is the `notebook` extra): what a
    host such as Colab has already is not reinstalled or upgraded for it."""
    deps = {_name(r) for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    imported = set()
    for path in (ROOT / "vae_lib").rglob("*.py"):
        for plain, dotted in re.findall(r"^\s*(?:import (\w+)|from (\w+)[\w.]* import )", path.read_text(), re.M):
            imported.add(plain or dotted)
    from vae_lib import fonts
    imported.add(fonts.BUNDLE)   # read, not imported: vae_lib/fonts.py locates its font files with find_spec
    third_party = {m for m in imported - set(sys.stdlib_module_names) - {"vae_lib", "__future__"}}
    as_installed = {"PIL": "pillow", "tensorflow_datasets": "tensorflow-datasets", "jax_plugins": None, "torch": None,
                    fonts.BUNDLE: "koreanize-matplotlib"}
    needed = {as_installed.get(m, m) for m in third_party} - {None}   # torch: optional; jax_plugins: probed
    assert needed == deps, f"imported but not declared: {needed - deps}; declared, not imported: {deps - needed}"


def test_every_vae_lib_module_imports():
    names = [m.name for m in pkgutil.walk_packages(vae_lib.__path__, "vae_lib.")]
    assert {"vae_lib.data", "vae_lib.models", "vae_lib.train", "vae_lib.course.checks"} <= set(names)
    for name in names:
        importlib.import_module(name)


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    first_screen = "\n".join(readme.splitlines()[:40])
    assert "bash course.sh run" in first_screen and "bash course.sh test" in first_screen
    assert "bash course.sh test" in (ROOT / ".ci" / "run").read_text()


def test_device_report_is_one_line(monkeypatch):
    import jax

    monkeypatch.setenv("VAE_COURSE_MODE", "smoke")
    line = vae_lib.course.device_report()
    assert "\n" not in line and f"backend: {jax.default_backend()}" in line and "smoke mode" in line


def test_record_result_appends_json(tmp_path, monkeypatch):
    target = tmp_path / "r.jsonl"
    monkeypatch.setenv("VAE_COURSE_RESULTS", str(target))
    vae_lib.course.record_result("05", data="mnist", test_elbo=1.5)
    vae_lib.course.record_result("06", data="x")
    assert target.read_text().count("\n") == 2 and '"chapter": "05"' in target.read_text()


_POLITE_IMPORT = """
import ctypes, importlib, pkgutil
loaded = []
class Recorder(ctypes.CDLL):                     # sees every shared library loaded through ctypes
    def __init__(self, name, *args, **kwargs):
        loaded.append(str(name))
        super().__init__(name, *args, **kwargs)
ctypes.CDLL = Recorder
import jax
from jax._src import xla_bridge
KEYS = ("jax_cpu_enable_async_dispatch", "jax_compilation_cache_dir",
        "jax_persistent_cache_min_compile_time_secs")
before = {k: jax.config.values[k] for k in KEYS}
import vae_lib
for m in pkgutil.walk_packages(vae_lib.__path__, "vae_lib."):
    if m.name != "vae_lib.torch_port":          # torch (optional) loads libraries of its own
        importlib.import_module(m.name)
assert {k: jax.config.values[k] for k in KEYS} == before, (before, jax.config.values)
assert not vae_lib.course.env._CPU_MEMORY_TUNED and not any("libc" in n for n in loaded), loaded
assert not xla_bridge.backends_are_initialized(), "importing vae_lib started JAX"
done = vae_lib.course.use_course_settings()
assert done == vae_lib.course.use_course_settings(verbose=False), "a second call changed something"
print("AFTER", done["cpu_memory_reused"], vae_lib.course.env._CPU_MEMORY_TUNED, any("libc" in n for n in loaded),
      jax.config.values["jax_cpu_enable_async_dispatch"], jax.config.values["jax_compilation_cache_dir"])
"""


def test_import_changes_no_process_wide_setting_and_use_course_settings_applies_them(tmp_path):
    """`import vae_lib` (every module) leaves JAX's config, malloc and JAX's backends alone;
    `vae_lib.course.use_course_settings()` then turns on the compilation cache and the CPU memory reuse."""
    env = _fresh_python_env(JAX_PLATFORMS="cpu", VAE_COURSE_JAX_CACHE=str(tmp_path / "c"))
    out = subprocess.run([sys.executable, "-c", _POLITE_IMPORT], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "course settings: XLA compilation cache: " + str(tmp_path / "c") in out.stdout
    after = out.stdout.split("AFTER")[1].split()
    glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
    if glibc:
        assert after == ["True", "True", "True", "False", str(tmp_path / "c")]
        assert "CPU memory: reused between steps" in out.stdout
    else:
        assert after == ["False", "False", "False", "True", str(tmp_path / "c")]


def test_compilation_cache_is_on_and_can_be_turned_off(tmp_path):
    code = "import vae_lib.course, jax; vae_lib.course.use_course_settings(verbose=False); print(jax.config.jax_compilation_cache_dir)"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "VAE_COURSE_JAX_CACHE": str(tmp_path / "c")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(tmp_path / "c") and (tmp_path / "c").is_dir()
    env["VAE_COURSE_JAX_CACHE"] = "off"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "None"


def _fresh_python_env(**extra) -> dict:
    """Environment for a child interpreter that imports this checkout's vae_lib with its defaults."""
    env = {k: v for k, v in os.environ.items() if k != "VAE_COURSE_CPU_TUNING"}
    env.update({"PYTHONPATH": str(ROOT), **extra})
    return env


_PAGES_PER_STEP = """
import resource
import vae_lib.course
vae_lib.course.use_course_settings(verbose=False)
import jax, jax.numpy as jnp, numpy as np
from flax import nnx
from vae_lib import models, train
model = models.book_vae(rngs=nnx.Rngs(0))
graphdef, state = nnx.split((model, nnx.Optimizer(model, train.adam(5e-4), wrt=nnx.Param)))
step = train.make_train_step(graphdef, train.vae_loss_fn(500.0))
x = jnp.asarray(np.random.default_rng(0).random((100, 32, 32, 1), dtype=np.float32))
temp = step.lower(state, x, jax.random.key(0)).compile().memory_analysis().temp_size_in_bytes
def run(n, state, key):           # like train.fit: a new state and a loss read every step
    for _ in range(n):
        key, sub = jax.random.split(key)
        state, parts = step(state, x, sub)
        float(parts["loss"])
    return state, key
state, key = run(3, state, jax.random.key(1))
per_step = []
for _ in range(15):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    state, key = run(1, state, key)
    per_step.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(temp / 4096, float(np.median(per_step)), vae_lib.course.device_report().endswith("host memory reused"))
"""


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_cpu_steps_reuse_host_memory_and_the_tuning_can_be_turned_off():
    """`vae_lib.course.use_course_settings()` makes the book VAE's train step, whose scratch buffer is bigger than the
    64 MiB a worker thread's malloc heap can hold, reuse that buffer: few new pages per step,
    instead of every page of it being mapped and zeroed again (what glibc's defaults do).

    The median step counts: now and then one step maps the whole buffer afresh even with the
    setting (measured: 2 of 360 steps in 12 processes), when a small allocation has landed in
    the freed block; the steps after it reuse memory again."""
    def run(**extra):
        env = _fresh_python_env(JAX_PLATFORMS="cpu", **extra)
        out = subprocess.run([sys.executable, "-c", _PAGES_PER_STEP], env=env, capture_output=True,
                             text=True, check=True)
        temp_pages, pages, reported = out.stdout.split()
        return float(temp_pages), float(pages), reported == "True"
    temp_pages, pages, reported = run()
    assert temp_pages * 4096 > 64 * 2**20 and reported
    assert pages < 0.05 * temp_pages, (pages, temp_pages)
    temp_pages, pages, reported = run(VAE_COURSE_CPU_TUNING="off")
    assert not reported
    # With glibc's defaults (4 KiB pages, no malloc tunables) every page is mapped again per step;
    # huge pages or malloc settings of your own change that count, so it is only checked here.
    thp = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    own_malloc = any(k == "GLIBC_TUNABLES" or k.startswith("MALLOC_") for k in os.environ)
    if not own_malloc and not (thp.exists() and "[always]" in thp.read_text()):
        assert pages > 0.75 * temp_pages, (pages, temp_pages)


def test_cpu_tuning_is_skipped_once_jax_has_started():
    """The dispatch setting is read when JAX starts its backend: after that, leave everything alone."""
    code = ("import jax, jax.numpy as jnp; jnp.ones(1).block_until_ready(); import vae_lib.course\n"
            "print(vae_lib.course.tune_cpu_memory(), jax.config.values['jax_cpu_enable_async_dispatch'], "
            "'host memory' in vae_lib.course.device_report())\n"
            "vae_lib.course.use_course_settings()")
    out = subprocess.run([sys.executable, "-c", code], env=_fresh_python_env(), capture_output=True,
                         text=True, check=True)
    assert out.stdout.splitlines()[0].split() == ["False", "True", "False"]
    assert "CPU memory: left as it was (JAX had already started" in out.stdout  # says why, and what to do


def test_cpu_tuning_is_left_off_when_jax_will_run_on_a_gpu_or_tpu(tmp_path, monkeypatch):
    """JAX_PLATFORMS decides when set; unset, a GPU/TPU plugin *and* its device mean 'not the CPU'."""
    from vae_lib.course import env
    assert env._accelerator_expected("cuda") and env._accelerator_expected("tpu,cpu")
    assert not env._accelerator_expected("cpu") and not env._accelerator_expected(" cpu ,cuda")
    for plugin, device in [(True, True), (True, False), (False, True)]:
        monkeypatch.setattr(env, "_accelerator_plugin_installed", lambda p=plugin: p)
        monkeypatch.setattr(env, "_accelerator_device_present", lambda d=device: d)
        assert env._accelerator_expected("") == (plugin and device)
        assert not env._accelerator_expected("cpu")
    monkeypatch.undo()
    plugin_dir = tmp_path / "jax_plugins" / "fake_gpu"   # how JAX's GPU plugins install themselves
    plugin_dir.mkdir(parents=True)
    (plugin_dir / "__init__.py").write_text("")
    code = ("import vae_lib.course, jax\nfrom vae_lib.course import env\nvae_lib.course.use_course_settings(verbose=False)\n"
            "print(env._accelerator_plugin_installed(), env._accelerator_device_present(), "
            "env._CPU_MEMORY_TUNED, jax.config.values['jax_cpu_enable_async_dispatch'])")
    def run(**extra) -> list[str]:
        out = subprocess.run([sys.executable, "-c", code], env=_fresh_python_env(**extra),
                             capture_output=True, text=True, check=True)
        return out.stdout.split()
    with_plugin = {"PYTHONPATH": f"{ROOT}{os.pathsep}{tmp_path}"}
    assert run(JAX_PLATFORMS="cuda")[2:] == ["False", "True"]
    assert run(**with_plugin, JAX_PLATFORMS="cpu")[2:] == ["True", "False"]
    plugin, device, *tuning = run(**with_plugin, JAX_PLATFORMS="")
    assert plugin == "True"
    assert tuning == (["False", "True"] if device == "True" else ["True", "False"])
