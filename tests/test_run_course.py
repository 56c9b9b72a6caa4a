"""The headless course runner: executed copies + HTML, a summary table, and failures that lose nothing."""
import os

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from tools import run_course


def _write(path, *sources):
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources]), path)


def test_a_kernel_runs_quietly(tmp_path, capfd):
    """No kernel log lines (like ipykernel's warning about TCP without encryption) in the run's output."""
    _write(tmp_path / "01_quiet.ipynb", "print('hello')")
    seconds, error = run_course.execute_notebook(tmp_path / "01_quiet.ipynb", offline=True)
    captured = capfd.readouterr()
    assert error is None and "without encryption" not in captured.err + captured.out
    assert "IPKernelApp" not in captured.err, captured.err


def test_the_mode_reaches_the_kernel_and_the_runner_environment_is_left_alone(tmp_path, monkeypatch):
    """The runner hands the kernel its environment (VAE_COURSE_MODE, read by vae_lib.course.env.current_mode)
    instead of rewriting its own os.environ."""
    monkeypatch.delenv("VAE_COURSE_MODE", raising=False)
    before = dict(os.environ)
    _write(tmp_path / "01_mode.ipynb", "from vae_lib import course\nprint('mode', course.current_mode())")
    seconds, error = run_course.execute_notebook(tmp_path / "01_mode.ipynb", tmp_path / "out", mode="book", offline=True)
    assert error is None, error
    assert nbformat.read(tmp_path / "out" / "01_mode.ipynb", as_version=4).cells[0].outputs[0]["text"] == "mode book\n"
    assert dict(os.environ) == before


def test_runner_executes_saves_and_summarises(tmp_path, capsys, monkeypatch):
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    _write(chapters / "01_ok.ipynb", "from vae_lib import course\ncourse.record_result('01', data='digits', test_bce=12.5)")
    _write(chapters / "02_broken.ipynb", "print('before')", "1 / 0", "print('never')")
    monkeypatch.setattr(run_course, "ROOT", tmp_path)
    code = run_course.main(["--out", str(tmp_path / "build"), "--offline"])
    out = capsys.readouterr().out
    assert code == 1  # one notebook failed
    done = tmp_path / "build" / "course" / "chapters"
    assert (done / "01_ok.html").exists() and (done / "02_broken.html").exists()
    broken = nbformat.read(done / "02_broken.ipynb", as_version=4)
    assert broken.cells[0].outputs[0]["text"] == "before\n"          # kept what ran
    assert broken.cells[1].outputs[0]["ename"] == "ZeroDivisionError"  # and the error
    row = next(line for line in out.splitlines() if line.startswith("01_ok"))
    assert " ok " in row and "digits" in row and "test_bce=12.5" in row
    assert "FAILED" in next(line for line in out.splitlines() if line.startswith("02_broken"))


def test_index_links_each_chapter_and_shows_its_row(tmp_path, monkeypatch):
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    _write(chapters / "07_tiny.ipynb",
           "from vae_lib import course\nfrom vae_lib.course import gates\ncourse.record_result('07', data='digits <offline>', test_bce=3.25)\n"
           "gates.check('07', mode='course', sd_reconstructions_recognised=0.9)")
    monkeypatch.setattr(run_course, "ROOT", tmp_path)
    run_course.main(["--out", str(tmp_path / "build"), "--offline", "--mode", "smoke"])
    index = (tmp_path / "build" / "smoke" / "chapters" / "index.html").read_text(encoding="utf-8")
    assert 'href="07_tiny.html"' in index and (tmp_path / "build" / "smoke" / "chapters" / "07_tiny.html").exists()
    row = next(line for line in index.splitlines() if "07_tiny.html" in line)
    assert ">ok<" in row and "digits &lt;offline&gt;" in row and "test_bce=3.25" in row
    assert "sd_reconstructions_recognised = 0.9" in row and "passed" in row
    assert "compared_reconstructions_recognised = not measured" in row and "FAILED" in row   # never checked: failed
    assert "smoke</b> mode" in index


def test_running_one_chapter_again_keeps_the_others_on_the_site(tmp_path, monkeypatch):
    """`run 05` after a whole run replaces 05's row only: the site and results still hold every chapter."""
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    _write(chapters / "01_a.ipynb", "from vae_lib import course\ncourse.record_result('01', data='digits', first=1.5)")
    _write(chapters / "02_b.ipynb", "from vae_lib import course\ncourse.record_result('02', data='digits', second=2.5)")
    monkeypatch.setattr(run_course, "ROOT", tmp_path)
    args = ["--out", str(tmp_path / "build"), "--offline", "--mode", "smoke"]
    run_course.main(args)
    _write(chapters / "02_b.ipynb", "from vae_lib import course\ncourse.record_result('02', data='digits', second=7.5)")
    run_course.main(args + ["02"])
    done = tmp_path / "build" / "smoke" / "chapters"
    index = (done / "index.html").read_text(encoding="utf-8")
    rows = [line for line in index.splitlines() if line.startswith("<tr><td><a")]
    assert [r.split('"')[1] for r in rows] == ["01_a.html", "02_b.html"]
    assert "first=1.5" in rows[0] and "second=7.5" in rows[1] and "second=2.5" not in index
    recorded = run_course.read_results(done / "results.jsonl")
    assert recorded["01"]["first"] == 1.5 and recorded["02"]["second"] == 7.5


def test_lang_ko_runs_the_korean_edition_in_korean_into_its_own_folder(tmp_path, monkeypatch):
    """--lang ko: chapters/ko, VAE_COURSE_LANG=ko in the kernel, output in build/<mode>/ko/chapters."""
    (tmp_path / "chapters" / "ko").mkdir(parents=True)
    _write(tmp_path / "chapters" / "01_en.ipynb", "import os; print('lang', os.environ['VAE_COURSE_LANG'])")
    _write(tmp_path / "chapters" / "ko" / "01_en.ipynb",
           "import os; from vae_lib.i18n import tr; print('lang', os.environ['VAE_COURSE_LANG'], tr('yes', '예'))")
    monkeypatch.setattr(run_course, "ROOT", tmp_path)
    args = ["--out", str(tmp_path / "build"), "--offline", "--mode", "smoke"]
    assert run_course.main(args + ["--lang", "ko"]) == 0
    ko = nbformat.read(tmp_path / "build" / "smoke" / "ko" / "chapters" / "01_en.ipynb", as_version=4)
    assert ko.cells[0].outputs[0]["text"] == "lang ko 예\n"
    assert not (tmp_path / "build" / "smoke" / "chapters").exists()   # the English edition's folder is untouched
    assert run_course.main(args) == 0
    en = nbformat.read(tmp_path / "build" / "smoke" / "chapters" / "01_en.ipynb", as_version=4)
    assert en.cells[0].outputs[0]["text"] == "lang en\n"
