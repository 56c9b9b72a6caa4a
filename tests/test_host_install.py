"""Installing the course into a host that has its dependencies already (the minimum versions, as an
older Colab might): the lower bounds in pyproject.toml really work, installing upgrades nothing,
and a notebook's setup cell installs an uploaded wheel in a Colab-like kernel and runs chapter 01.

One fresh virtual environment ("the host") for the whole module: every runtime dependency pinned
to its lower bound (jaxlib to jax's), plus what a notebook host has (ipykernel, nbclient) and
pytest. It is built from PyPI (about a minute), the only tests that use the network; set
VAE_COURSE_SKIP_HOST_INSTALL=1 to skip them where no package index can be reached.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [
    pytest.mark.host_install,
    pytest.mark.skipif(os.environ.get("VAE_COURSE_SKIP_HOST_INSTALL", "") == "1",
                       reason="VAE_COURSE_SKIP_HOST_INSTALL=1"),
]
HOST_TOOLS = ["ipykernel", "nbclient", "nbformat", "pytest"]   # what a notebook host has besides
UNIT_TESTS = ["conftest.py", "test_gaussian.py", "test_losses.py", "test_layers.py", "test_checkpoints.py",
              "test_data.py"]
NEVER_UPGRADE = {"jax", "jaxlib", "numpy", "tensorflow"}


def lower_bounds() -> dict[str, str]:
    """{name: version} from pyproject's runtime dependencies, which must all read `name>=version`."""
    pins = {}
    for req in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9][0-9A-Za-z.]*)", req.replace(" ", ""))
        assert match, f"{req!r}: give every runtime dependency a plain lower bound, name>=version"
        pins[match[1].lower()] = match[2]
    pins["jaxlib"] = pins["jax"]
    return pins


def run(*cmd, check=True, **kwargs) -> subprocess.CompletedProcess:
    out = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    if check and out.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))[:300]} exited with {out.returncode}:\n"
                    f"{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return out


def host_env(**extra) -> dict:
    """The environment of a host process: none of this checkout's settings (PYTHONPATH, cache)."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VAE_COURSE_CPU_TUNING"}}
    env.update(extra)
    return env


def pip(python: Path, *args, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("env", host_env())
    return run(python, "-m", "pip", "--disable-pip-version-check", *args, **kwargs)


def freeze(python: Path) -> dict[str, str]:
    lines = pip(python, "list", "--format=json").stdout
    return {p["name"].lower().replace("_", "-"): p["version"] for p in json.loads(lines)}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The course's wheel, built from a copy of the sources (setuptools writes build/ next to them)."""
    src = tmp_path_factory.mktemp("src")
    shutil.copytree(ROOT / "vae_lib", src / "vae_lib", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    out = tmp_path_factory.mktemp("dist")
    pip(Path(sys.executable), "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", out, src)
    (found,) = out.glob("vae_course-*.whl")
    return found


@pytest.fixture(scope="module")
def host(tmp_path_factory) -> Path:
    """A fresh venv with every runtime dependency at its lower bound; returns its python."""
    venv = tmp_path_factory.mktemp("host") / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    pins = lower_bounds()
    pip(python, "install", "-q", *[f"{name}=={version}" for name, version in pins.items()], *HOST_TOOLS)
    installed = freeze(python)
    assert {n: installed.get(n) for n in pins} == pins, "pip did not install the lower bounds exactly"
    return python


def test_minimum_versions_pass_unit_tests(host, wheel, tmp_path):
    """The lower bounds are real: the package installed (no deps) into the min-version host imports
    every module and passes the unit tests of the core modules and the data loaders."""
    pip(host, "install", "-q", "--no-deps", "--force-reinstall", wheel)
    assert "No broken requirements" in pip(host, "check").stdout
    code = ("import importlib, pkgutil, vae_lib\n"
            "[importlib.import_module(m.name) for m in pkgutil.walk_packages(vae_lib.__path__, 'vae_lib.')"
            " if m.name != 'vae_lib.torch_port']\nprint(vae_lib.__file__)")
    where = run(host, "-c", code, cwd=tmp_path, env=host_env()).stdout.strip()
    assert where.startswith(str(host.parents[1])), where     # the installed copy, not this checkout
    tests = tmp_path / "tests"
    tests.mkdir()
    for name in UNIT_TESTS:
        shutil.copy(ROOT / "tests" / name, tests / name)
    out = run(host, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning",
              *UNIT_TESTS, cwd=tests, check=False)
    assert out.returncode == 0 and " passed" in out.stdout, out.stdout[-4000:] + out.stderr[-2000:]


def test_installing_the_course_into_the_host_upgrades_nothing(host, wheel, tmp_path):
    """What pip would do, installing the wheel with its dependencies into a host that meets them:
    install the course and nothing else (no jax, jaxlib, numpy or TensorFlow above all)."""
    pip(host, "uninstall", "-y", "-q", "vae-course", check=False)
    report = tmp_path / "report.json"
    pip(host, "install", "--dry-run", "-q", "--report", report, wheel)
    planned = {item["metadata"]["name"].lower() for item in json.loads(report.read_text())["install"]}
    assert not planned & NEVER_UPGRADE, planned
    assert planned == {"vae-course"}, f"would also install or upgrade: {planned - {'vae-course'}}"


def test_setup_cell_without_vae_lib_says_what_to_do(host, tmp_path):
    """No vae_lib, no course folder above, no upload, no URL: a clear error listing the three ways."""
    sys.path.insert(0, str(ROOT))
    from tools.setup_cell import SETUP_CELL
    sys.path.remove(str(ROOT))
    pip(host, "uninstall", "-y", "-q", "vae-course", check=False)
    cell = tmp_path / "cell.py"
    cell.write_text(SETUP_CELL)
    fake = tmp_path / "fake_colab"
    (fake / "google" / "colab").mkdir(parents=True)
    (fake / "google" / "colab" / "__init__.py").write_text("")
    for extra in ({}, {"PYTHONPATH": str(fake)}):               # outside and inside "Colab"
        out = run(host, cell, cwd=tmp_path, env=host_env(**extra), check=False)
        assert out.returncode == 1 and "CourseSetupError" in out.stderr, out.stderr[-2000:]
        assert "Three ways" in out.stderr and "bash course.sh wheel" in out.stderr and "COURSE_GIT_URL" in out.stderr
    # a notebook inside the course folder finds it by walking up (no install)
    out = run(host, cell, cwd=ROOT / "solutions", env=host_env(VAE_COURSE_JAX_CACHE="off"), check=False)
    assert out.returncode == 0 and "course settings:" in out.stdout and "backend: cpu" in out.stdout, out.stderr


_EXECUTE = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
try:
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
finally:
    nbformat.write(nb, sys.argv[3])
"""


@pytest.mark.notebook
def test_colab_like_setup_cell_installs_the_uploaded_wheel_and_chapter_01_runs(host, wheel, tmp_path):
    """Colab, imitated: a `google.colab` module, chapter 01 and the wheel in a folder outside the
    repo, a kernel of the min-version host. The setup cell installs the wheel; the chapter runs in
    smoke mode; no package the host had changes version."""
    pip(host, "uninstall", "-y", "-q", "vae-course", check=False)
    fake = tmp_path / "fake_colab"
    (fake / "google" / "colab").mkdir(parents=True)
    (fake / "google" / "colab" / "__init__.py").write_text("")
    content = tmp_path / "content"                              # Colab's working folder
    content.mkdir()
    shutil.copy(ROOT / "chapters" / "01_autoencoder.ipynb", content)
    shutil.copy(wheel, content)
    script = tmp_path / "execute.py"
    script.write_text(_EXECUTE)
    before = freeze(host)
    env = host_env(PYTHONPATH=str(fake), VAE_COURSE_MODE="smoke", VAE_COURSE_QUICK="1", VAE_COURSE_OFFLINE="1",
                   MPLBACKEND="Agg", JAX_PLATFORMS="cpu")
    out = run(host, script, content / "01_autoencoder.ipynb", content, tmp_path / "executed.ipynb",
              cwd=content, env=env, check=False)
    executed = (tmp_path / "executed.ipynb").read_text() if (tmp_path / "executed.ipynb").exists() else ""
    assert out.returncode == 0, out.stderr[-4000:]
    after = freeze(host)
    assert after.pop("vae-course", None) == wheel.name.split("-")[1]   # installed by the setup cell
    assert after == before, {k: (before.get(k), after.get(k)) for k in set(before) | set(after)
                             if before.get(k) != after.get(k)}
    assert "course settings:" in executed and "backend: cpu" in executed
