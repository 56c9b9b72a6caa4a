"""The whole course in course mode (the default a person gets), offline: every quality gate must pass.

On the real Fashion-MNIST when it is on disk (CI installs Debian's dataset-fashion-mnist), else the bundled digits.

This is the check behind "figures must teach": each chapter measures its claims (vae_lib.course.gates) and
the runner fails when a gate fails or was never measured. Times are reported, never asserted.
About 10 minutes on a 2-core CPU with empty caches; trained models are cached under build/cache.
"""
import time

import pytest

from tools import run_course


@pytest.mark.course
def test_whole_course_passes_its_quality_gates(tmp_path, capsys):
    start = time.perf_counter()
    code = run_course.main(["--mode", "course", "--offline", "--solutions", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    with capsys.disabled():
        print(f"\ncourse mode, whole course: {time.perf_counter() - start:.0f} s\n" + out[out.find("chapter "):])
    recorded = run_course.read_results(tmp_path / "course" / "solutions" / "results.jsonl")
    with capsys.disabled():
        for chapter, rec in sorted(recorded.items()):
            if rec.get("gates"):
                print(chapter, rec.get("data"), {k: v["value"] for k, v in rec["gates"].items()})
    assert set(recorded) >= {"01", "05", "06", "07"}, "a chapter recorded no results"
    assert not run_course.failed_gates(recorded), out
    assert code == 0, out
