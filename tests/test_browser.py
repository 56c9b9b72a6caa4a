"""Chapter 01 in JupyterLab in a real browser (headless Chromium through Playwright), in smoke mode.

The notebook is a temporary copy (the checkout's notebooks never get outputs); JupyterLab runs on
127.0.0.1 with private settings (autosave off). Screenshots go to build/browser/. Skipped with the
reason when Chromium or Playwright is missing (`.ci/run` installs Chromium where apt works).
See tools/browser_check.py (also a command: python tools/browser_check.py 01).
"""
import json
import warnings
from pathlib import Path

import pytest

from tools import browser_check

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "chapters" / "01_autoencoder.ipynb"
SHOTS = ROOT / "build" / "browser"


@pytest.mark.notebook
@pytest.mark.browser
def test_chapter_runs_in_jupyterlab_in_a_browser():
    why = browser_check.missing_requirements()
    if why:
        pytest.skip(f"browser test skipped: {why}")
    before = CHAPTER.read_bytes()
    report = browser_check.check_notebook(CHAPTER, SHOTS, timeout=420)
    print("\n".join(report.log))
    print(report.summary())
    assert CHAPTER.read_bytes() == before, "the tracked notebook was changed"
    assert report.settings["@jupyterlab/docmanager-extension:plugin.autosave"] is False, report.settings
    assert report.settings["@jupyterlab/notebook-extension:tracker.windowingMode"] == "none", report.settings
    assert report.prompts and all(any(ch.isdigit() for ch in p) for p in report.prompts), \
        f"not every cell ran: prompts {report.prompts}"
    assert not report.errors, "error output in the browser:\n\n" + "\n\n".join(report.errors)
    assert not report.iprogress_warning, "'IProgress not found': tqdm.auto fell back to text (ipywidgets missing?)"
    assert report.widget_fallback_text == 0, "a widget was shown as text: the widget manager did not render it"
    assert report.bars >= 1, "no tqdm progress-bar widget rendered"
    assert report.chapter_bars >= 1, "the chapter's training cell drew no progress-bar widget"
    assert report.figures >= 3 and report.figures_loaded == report.figures, \
        f"figures: {report.figures_loaded} of {report.figures} images loaded"
    assert {"window", "full", "figure", "progress"} <= set(report.screenshots)
    for path in report.screenshots.values():
        assert Path(path).stat().st_size > 1000, path
    for text in report.stderr:  # not an error, but a pink box on screen: show it in the summary
        warnings.warn(f"stderr output in {report.notebook}: {text[:300]}")


def test_copy_gets_a_probe_cell_and_the_original_is_untouched(tmp_path):
    before = CHAPTER.read_bytes()
    copy = browser_check.prepare_copy(CHAPTER, tmp_path)
    assert CHAPTER.read_bytes() == before
    assert copy == tmp_path / "course" / "chapters" / CHAPTER.name  # so ../build/cache stays in tmp_path
    cells = json.loads(copy.read_text())["cells"]
    assert len(cells) == len(json.loads(before)["cells"]) + 1
    assert browser_check.PROBE_MARK in "".join(cells[-1]["source"])


def test_errors_are_told_apart_from_other_stderr():
    is_error = lambda text: bool(browser_check.ERROR_PATTERN.search(text))  # noqa: E731
    assert is_error("Traceback (most recent call last):\n  File ...\nValueError: bad")
    assert is_error("---------\nNotImplementedError                       Traceback (most recent call last)")
    assert is_error("ZeroDivisionError: division by zero")
    assert is_error("check_ae_loss [wrong]: off by 0.3")
    assert not is_error("100%|##########| 20/20 [00:01<00:00, 15.2step/s]")
    assert not is_error("WARNING: An NVIDIA GPU may be present on this machine, but a CUDA-enabled jaxlib is not installed.")
    assert not is_error("UserWarning: the errorbar style is deprecated")


def test_lab_settings_turn_autosave_off_and_render_every_cell():
    settings = browser_check.LAB_SETTINGS
    assert settings["@jupyterlab/docmanager-extension/plugin.jupyterlab-settings"]["autosave"] is False
    assert settings["@jupyterlab/notebook-extension/tracker.jupyterlab-settings"]["windowingMode"] == "none"
    assert browser_check.SMOKE_ENV == {"VAE_COURSE_QUICK": "1", "VAE_COURSE_MODE": "smoke", "VAE_COURSE_OFFLINE": "1"}
