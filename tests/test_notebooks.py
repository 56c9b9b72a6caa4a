"""Every chapter and solution notebook runs top to bottom in smoke mode, offline.

Chapters run with their exercises blank (the checks say "not yet"); solutions pass every check.
The Korean edition's learner notebooks (chapters/ko/, those with a translation) run too, with VAE_COURSE_LANG=ko:
they test the Korean setup cell, stubs, prompts and messages, and that figures find a Korean font. Its solutions
(solutions/ko/) do not run: their code is the English solutions' code up to comments and strings, which
`sync_chapters.py --check` (test_chapters_are_derived_from_solutions) verifies token by token.
"""
import json
from pathlib import Path

import nbformat
import pytest

from tools import sync_chapters
from tools.run_course import execute_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb")) + sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
KOREAN = sorted((ROOT / "chapters" / "ko").glob("[0-9][0-9]_*.ipynb"))


def _outputs(nb) -> str:
    text = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text.append(out.get("text", "") if "text" in out else json.dumps(out.get("data", {}).get("text/plain", "")))
    return "\n".join(text)


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS + KOREAN, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_notebook_runs_in_smoke_mode(path, tmp_path):
    korean = path.parent.name == "ko"
    seconds, error = execute_notebook(path, tmp_path, mode="smoke", offline=True, lang="ko" if korean else "en")
    assert error is None, f"{path.name} failed after {seconds:.0f} s: {error} (executed copy: {tmp_path})"
    text = _outputs(nbformat.read(tmp_path / path.name, as_version=4))
    if "load_dataset" in path.read_text():   # announced, once per chapter (it loads train and test)
        assert text.count("OFFLINE FALLBACK DATA") == 1, "the fallback must be announced, by one banner"
        said = text.count("OFFLINE FALLBACK") + text.count("오프라인 대체 데이터")   # the source, en / ko
        assert said == 1, f"where the data came from is said {said} times: once, by the banner"
    if path.parent.name == "solutions":
        assert "[wrong]" not in text and "[not yet]" not in text, "a check failed in the solution notebook"
    elif "### BEGIN SOLUTION" in (ROOT / "solutions" / path.name).read_text():
        assert "[not yet]" in text, "blank exercises should be reported as not yet done"
    if korean:
        assert "missing from font" not in text, "a Korean figure text had no glyph (vae_lib/fonts.py)"


def test_chapters_are_derived_from_solutions():
    assert sync_chapters.main(["--check"]) == 0


def test_committed_notebooks_have_no_outputs():
    for path in NOTEBOOKS + KOREAN + sorted((ROOT / "solutions" / "ko").glob("[0-9][0-9]_*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        assert not any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), path.name


def test_solution_blocks_become_stubs():
    code = "def f(x):\n    ### BEGIN SOLUTION\n    y = x + 1\n    return y\n    ### END SOLUTION\n\nprint(f)"
    out = sync_chapters.strip_solutions(code, "code")
    assert "x + 1" not in out and '    raise NotImplementedError' in out and out.endswith("print(f)")
    text = "Why?\n<!-- BEGIN SOLUTION -->\nBecause.\n<!-- END SOLUTION -->\nMore."
    out = sync_chapters.strip_solutions(text, "markdown")
    # the learner is asked to try first, and the answer is there, folded in a collapsed block
    assert out.startswith("Why?\n*Your answer here:*") and out.endswith("\n\n</details>\nMore.")
    assert "<details><summary>Show the answer (try first)</summary>\n\nBecause.\n\n</details>" in out
    assert "BEGIN SOLUTION" not in out and out.index("*Your answer here:*") < out.index("Because.")
