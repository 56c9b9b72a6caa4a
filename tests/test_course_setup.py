"""vae_lib/course/setup.py, what the notebooks' setup cell runs once vae_lib is found: in Colab the course's
requirements without --upgrade, and a restart asked for when jax, jaxlib, numpy or TensorFlow changed.

pip is replaced by a stand-in here (no network); tests/test_host_install.py runs the real install in a
Colab-like kernel. The cell itself: tests/test_translations.py (its text, the Korean error) and
tests/test_notebooks.py (every chapter runs it)."""
import importlib.metadata
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from vae_lib import i18n
from vae_lib.course import setup

ROOT = Path(__file__).resolve().parents[1]


class FakePip:
    """subprocess.run for `pip install`: records the command; returns `returncode` and `stderr`."""

    def __init__(self, returncode=0, stderr=""):
        self.returncode, self.stderr, self.commands = returncode, stderr, []

    def __call__(self, cmd, **kwargs):
        self.commands.append(cmd)
        return subprocess.CompletedProcess(cmd, self.returncode, "", self.stderr)


def versions(*answers):
    """A stand-in for setup._versions that gives `answers` in turn (before, after)."""
    answers = list(answers)
    return lambda names=setup.WATCHED: answers.pop(0)


def test_requirements_are_the_runtime_ones_without_extras():
    try:
        importlib.metadata.version("vae-course")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("the course is not installed here (course.sh installs it, editable)")
    runtime = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert {r.replace(" ", "") for r in setup.requirements()} == {r.replace(" ", "") for r in runtime}
    assert setup.requirements("no-such-distribution-here") == []


def test_pip_runs_without_upgrade_and_nothing_changed_is_quiet(monkeypatch):
    pip = FakePip()
    monkeypatch.setattr(setup.subprocess, "run", pip)
    monkeypatch.setattr(setup, "_versions", versions({"jax": "0.9.0"}, {"jax": "0.9.0"}))
    setup.install_requirements()
    (cmd,) = pip.commands
    assert cmd[:4] == [sys.executable, "-m", "pip", "install"] and "--upgrade" not in cmd and "-U" not in cmd
    assert set(setup.requirements()) <= set(cmd)


@pytest.mark.parametrize("lang, says", [("en", "Restart the session"), ("ko", "세션을 다시 시작한 뒤")])
def test_a_changed_jax_asks_for_a_restart(monkeypatch, lang, says):
    monkeypatch.setattr(setup.subprocess, "run", FakePip())
    monkeypatch.setattr(setup, "_versions", versions({"jax": "0.8.1", "numpy": "2.0.2"},
                                                     {"jax": "0.9.0", "numpy": "2.0.2"}))
    with pytest.raises(setup.CourseSetupError, match=says) as error:
        setup.install_requirements(lang)
    assert "0.8.1 -> 0.9.0" in str(error.value) and "numpy" not in str(error.value)


def test_a_pip_failure_says_what_pip_said(monkeypatch):
    monkeypatch.setattr(setup.subprocess, "run", FakePip(1, "ERROR: No matching distribution found for jax>=0.9.0"))
    monkeypatch.setattr(setup, "_versions", versions({}, {}))
    with pytest.raises(setup.CourseSetupError, match="No matching distribution found for jax"):
        setup.install_requirements()


def test_start_outside_colab_installs_nothing(monkeypatch, capsys):
    def no_pip(*args, **kwargs):
        raise AssertionError("pip ran outside Colab")

    monkeypatch.setattr(setup.subprocess, "run", no_pip)
    monkeypatch.setattr(setup, "in_colab", lambda: False)
    monkeypatch.setattr(i18n, "_chosen", i18n._chosen)   # start() chooses the language: undone after the test
    setup.start("en")
    out = capsys.readouterr().out
    assert "course settings:" in out and "backend:" in out


def test_colab_is_recognised_by_its_module(tmp_path, monkeypatch):
    assert not setup.in_colab()
    (tmp_path / "google" / "colab").mkdir(parents=True)
    (tmp_path / "google" / "colab" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m == "google" or m.startswith("google.")]:
        monkeypatch.delitem(sys.modules, name)   # a google namespace package seen before (protobuf) is looked up again
    assert setup.in_colab()
