"""The repo is installable as described: packages agree, every module imports, the README's commands exist."""
import importlib
import os
import pkgutil
import re
import tomllib
from pathlib import Path

import vae_lib

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[<>=!~;\[ ]", req.strip(), maxsplit=1)[0].lower()


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    yml = (ROOT / "environment.yml").read_text()
    pip_block = yml.split("- pip:")[1]
    listed = {_name(line.strip()[2:]) for line in pip_block.splitlines()
              if line.strip().startswith("- ") and not line.strip().startswith("- -e")}
    assert listed == wanted, f"only in environment.yml: {listed - wanted}; only in pyproject: {wanted - listed}"
    # same lower bounds too
    bounds = {_name(r): r.replace(" ", "") for r in project["dependencies"]}
    for line in pip_block.splitlines():
        item = line.strip()[2:].replace(" ", "")
        if _name(item) in bounds:
            assert item == bounds[_name(item)]


def test_every_vae_lib_module_imports():
    names = [m.name for m in pkgutil.walk_packages(vae_lib.__path__, "vae_lib.")]
    assert {"vae_lib.data", "vae_lib.models", "vae_lib.train", "vae_lib.checks"} <= set(names)
    for name in names:
        importlib.import_module(name)


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    first_screen = "\n".join(readme.splitlines()[:40])
    assert "bash course.sh run" in first_screen and "bash course.sh test" in first_screen
    assert "bash course.sh test" in (ROOT / ".ci" / "run").read_text()


def test_device_report_is_one_line(monkeypatch):
    monkeypatch.setenv("VAE_COURSE_QUICK", "1")
    line = vae_lib.device_report()
    assert "\n" not in line and "backend: cpu" in line and "quick mode" in line


def test_record_result_appends_json(tmp_path, monkeypatch):
    target = tmp_path / "r.jsonl"
    monkeypatch.setenv("VAE_COURSE_RESULTS", str(target))
    vae_lib.record_result("05", data="mnist", test_elbo=1.5)
    vae_lib.record_result("06", data="x")
    assert target.read_text().count("\n") == 2 and '"chapter": "05"' in target.read_text()


def test_compilation_cache_is_on_and_can_be_turned_off(tmp_path):
    import subprocess
    import sys

    code = "import vae_lib, jax; print(jax.config.jax_compilation_cache_dir)"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "VAE_COURSE_JAX_CACHE": str(tmp_path / "c")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(tmp_path / "c") and (tmp_path / "c").is_dir()
    env["VAE_COURSE_JAX_CACHE"] = "off"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "None"
