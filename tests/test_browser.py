"""Chapter 01 in JupyterLab in a real browser (headless Chromium through Playwright), in smoke mode, in
English (chapters/) and in Korean (chapters/ko/: Korean headings drawn with a font that has Hangul, Korean
figure text drawn without missing glyphs, a screenshot of a Korean figure and heading).

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
KO_CHAPTER = ROOT / "chapters" / "ko" / "01_autoencoder.ipynb"
SHOTS = ROOT / "build" / "browser"


@pytest.mark.notebook
@pytest.mark.browser
def test_chapter_runs_in_jupyterlab_in_a_browser():
    report = _run_in_browser(CHAPTER, SHOTS)
    assert not report.korean and not report.missing_glyphs, report.missing_glyphs


@pytest.mark.notebook
@pytest.mark.browser
def test_korean_chapter_shows_korean_in_jupyterlab_in_a_browser():
    report = _run_in_browser(KO_CHAPTER, SHOTS / "ko")
    assert report.korean
    assert not browser_check.korean_problems(report), "\n".join(browser_check.korean_problems(report))
    assert {"korean_figure", "heading"} <= set(report.screenshots), report.screenshots


def _run_in_browser(chapter, shots):
    why = browser_check.missing_requirements()
    if why:
        pytest.skip(f"browser test skipped: {why}")
    before = chapter.read_bytes()
    report = browser_check.check_notebook(chapter, shots, timeout=420)
    print("\n".join(report.log))
    print(report.summary())
    assert chapter.read_bytes() == before, "the tracked notebook was changed"
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
    assert {"window", "full", "figure", "progress", "top"} <= set(report.screenshots)
    assert report.setup_folded is True, "the setup cell did not open folded (metadata jupyter.source_hidden)"
    for path in report.screenshots.values():
        assert Path(path).stat().st_size > 1000, path
    for text in report.stderr:  # not an error, but a pink box on screen: show it in the summary
        warnings.warn(f"stderr output in {report.notebook}: {text[:300]}")
    return report


def test_copy_gets_a_probe_cell_and_the_original_is_untouched(tmp_path):
    before = CHAPTER.read_bytes()
    copy = browser_check.prepare_copy(CHAPTER, tmp_path)
    assert CHAPTER.read_bytes() == before
    assert copy == tmp_path / "course" / "chapters" / CHAPTER.name  # so ../build/cache stays in tmp_path
    cells = json.loads(copy.read_text())["cells"]
    assert len(cells) == len(json.loads(before)["cells"]) + 1
    assert browser_check.PROBE_MARK in "".join(cells[-1]["source"])


def test_korean_copy_gets_a_korean_probe_and_english_does_not(tmp_path):
    assert browser_check.is_korean(KO_CHAPTER) and not browser_check.is_korean(CHAPTER)
    cells = json.loads(browser_check.prepare_copy(KO_CHAPTER, tmp_path / "ko").read_text())["cells"]
    assert browser_check.KO_PROBE_MARK in "".join(cells[-1]["source"])
    cells = json.loads(browser_check.prepare_copy(CHAPTER, tmp_path / "en").read_text())["cells"]
    assert not any(browser_check.KO_PROBE_MARK in "".join(c["source"]) for c in cells)


def test_korean_probe_cell_reports_a_font_without_hangul(tmp_path):
    """The probe's code, run with DejaVu Sans only (no Hangul): it must say glyphs are missing, and matplotlib's
    warning must match MISSING_GLYPH_PATTERN; with vae_lib's Korean font it must say none are missing."""
    import contextlib
    import io

    import matplotlib
    import matplotlib.pyplot as plt

    code = browser_check.KO_PROBE_CELL.replace("plt.show()", "fig.savefig(PNG)")
    results = {}
    for name, family in (("plain", ["DejaVu Sans"]), ("korean", None)):
        with matplotlib.rc_context(), warnings.catch_warnings(record=True) as caught, \
                contextlib.redirect_stdout(io.StringIO()) as out:
            warnings.simplefilter("always")
            if family:
                matplotlib.rcParams["font.family"] = family
            else:
                from vae_lib.fonts import use_korean_font
                if use_korean_font() is None:
                    pytest.skip("no Korean font for matplotlib here")
            exec(code, {"PNG": tmp_path / f"{name}.png"})
            plt.close("all")
        line = browser_check.KO_PROBE_LINE.search(out.getvalue())
        assert line, out.getvalue()
        results[name] = (int(line["missing"]), [str(w.message) for w in caught
                                                 if browser_check.MISSING_GLYPH_PATTERN.search(str(w.message))])
    assert results["plain"][0] > 0 and results["plain"][1], results["plain"]
    assert results["korean"] == (0, []), results["korean"]


def test_korean_problems_are_found_in_a_report():
    bad = browser_check.Report(notebook="ko/x.ipynb", korean=True, headings=["1. Data", "2. Model"],
                               missing_glyphs=["UserWarning: Glyph 54620 (\\N{HANGUL SYLLABLE HAN}) missing from font(s) DejaVu Sans."],
                               figure_font="DejaVu Sans", figure_glyphs_missing=9,
                               heading_fonts=[{"familyName": "No Such Font Family", "glyphCount": 12}])
    problems = browser_check.korean_problems(bad)
    assert len(problems) == 4 - (browser_check.hangul_font_families() is None), problems
    good = browser_check.Report(notebook="ko/x.ipynb", korean=True, headings=["1. 데이터", "2. 모델"],
                                figure_font="NanumGothic", figure_glyphs_missing=0,
                                heading_fonts=[{"familyName": f, "glyphCount": 5}
                                               for f in sorted(browser_check.hangul_font_families() or {"x"})[:1]])
    assert browser_check.korean_problems(good) == []


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
