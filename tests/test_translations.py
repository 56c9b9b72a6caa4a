"""The Korean edition: tools/sync_chapters.py builds solutions/ko and chapters/ko from the English solutions and
translations/ko/NN_name.md, and --check names every translation that is stale, missing, orphaned or changes code.

Each test writes a tiny course (one English solution notebook, one translation) under tmp_path and points the
tool at it."""
import json
import subprocess

import pytest

from tools import sync_chapters
from tools import translations as tl
from tools.setup_cell import SETUP_CELL, SETUP_CELL_KO, SETUP_METADATA, setup_cell

CELLS = [
    ("m1", "markdown", "# 01 — Tiny\n\nA tiny chapter."),
    ("s1", "code", "# Setup: anything, the tool stamps the real cell"),
    ("c1", "code", 'import math\n\n\ndef area(r):\n    """The area."""\n    ### BEGIN SOLUTION\n'
                   "    return math.pi * r ** 2  # pi r squared\n    ### END SOLUTION\n\n\n"
                   'print(f"area of {1}: {area(1):.3f}", "done")\nd = {"train": 1}\nprint(d["train"])'),
    ("m2", "markdown", "Why?\n<!-- BEGIN SOLUTION -->\nBecause.\n<!-- END SOLUTION -->"),
]
KO = {
    "m1": "# 01 · 아주 작은 장\n\n아주 작은 장입니다.",
    "c1": 'import math\n\n\ndef area(r):\n    """넓이."""\n    ### BEGIN SOLUTION\n'
          "    return math.pi * r ** 2  # 파이 r 제곱\n    ### END SOLUTION\n\n\n"
          'print(f"{1}의 넓이: {area(1):.3f}", "끝"\n      "!")\nd = {"train": 1}\nprint(d["train"])',
    "m2": "왜일까요?\n<!-- BEGIN SOLUTION -->\n그렇기 때문입니다.\n<!-- END SOLUTION -->",
}


def notebook(cells=CELLS) -> dict:
    return {"cells": [{"cell_type": t, "id": i, "metadata": {}, "source": s.splitlines(keepends=True),
                       **({"outputs": [], "execution_count": None} if t == "code" else {})} for i, t, s in cells],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def translation(cells=CELLS, ko=KO, skip=()) -> str:
    entries = [tl.entry_text({"id": i, "cell_type": t, "source": s}, ko[i]) for i, t, s in cells
               if i in ko and i not in skip]
    return "\n".join(entries)


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A tiny course: solutions/01_tiny.ipynb, its translation, everything generated."""
    monkeypatch.setattr(sync_chapters, "ROOT", tmp_path)
    for folder in ("solutions", "chapters", "translations/ko"):
        (tmp_path / folder).mkdir(parents=True)
    write_english(tmp_path, CELLS)
    (tmp_path / "translations/ko/01_tiny.md").write_text(translation(), encoding="utf-8")
    assert sync_chapters.main([]) == 0
    return tmp_path


def write_english(root, cells):
    (root / "solutions/01_tiny.ipynb").write_text(json.dumps(notebook(cells)), encoding="utf-8")


def load(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def src(cell) -> str:
    return "".join(cell["source"])


def check(capsys) -> tuple[int, str]:
    capsys.readouterr()
    rc = sync_chapters.main(["--check"])
    return rc, capsys.readouterr().out


def test_the_korean_notebooks_are_generated(course, capsys):
    english, sol, ch = (load(course / f / "01_tiny.ipynb") for f in ("solutions", "solutions/ko", "chapters/ko"))
    # the same cells, ids and order; the translated sources; the Korean setup cell; a language marker
    assert [(c["id"], c["cell_type"]) for c in sol["cells"]] == [(c["id"], c["cell_type"]) for c in english["cells"]]
    assert [src(c) for c in sol["cells"]] == [KO["m1"], SETUP_CELL_KO, KO["c1"], KO["m2"]]
    assert src(english["cells"][1]) == SETUP_CELL and sol["metadata"]["vae_course"]["lang"] == "ko"
    # the setup cell opens folded (JupyterLab) and as a form (Colab) in every edition
    for nb in (english, sol, ch, load(course / "chapters/01_tiny.ipynb")):
        assert nb["cells"][1]["metadata"] == {"cellView": "form", "jupyter": {"source_hidden": True}}
        assert src(nb["cells"][1]).startswith("#@title Setup")
    # the learner's version: Korean stub, prompt and folded answer
    stub, prompt = src(ch["cells"][2]), src(ch["cells"][3])
    assert "math.pi" not in stub and "# 여기에 코드를 작성하십시오\n    raise NotImplementedError(" in stub
    assert prompt.startswith("왜일까요?\n*여기에 내 답을 적어 보십시오:*") and "<summary>답 보기" in prompt
    assert "그렇기 때문입니다." in prompt and "BEGIN SOLUTION" not in prompt
    assert check(capsys) == (0, "")


def test_a_stale_translation_fails_the_check_and_keeps_english(course, capsys):
    changed = [(i, t, s.replace("A tiny chapter.", "A very tiny chapter.")) for i, t, s in CELLS]
    write_english(course, changed)
    rc, out = check(capsys)
    assert rc == 1 and "01_tiny cell m1: stale" in out and "cell c1" not in out
    sync_chapters.main([])
    assert src(load(course / "solutions/ko/01_tiny.ipynb")["cells"][0]) == changed[0][2]  # English until re-translated
    # the translator re-translates, then restamps the entry: current again
    text = (course / "translations/ko/01_tiny.md").read_text(encoding="utf-8")
    (course / "translations/ko/01_tiny.md").write_text(text.replace("아주 작은 장입니다.", "정말 작은 장입니다."),
                                                       encoding="utf-8")
    assert sync_chapters.restamp("ko", course / "solutions/01_tiny.ipynb", ["m1"])[0].startswith("m1: en=")
    sync_chapters.main([])
    assert check(capsys) == (0, "")
    assert "정말 작은 장" in src(load(course / "solutions/ko/01_tiny.ipynb")["cells"][0])


def test_a_missing_translation_fails_the_check(course, capsys):
    (course / "translations/ko/01_tiny.md").write_text(translation(skip={"m2"}), encoding="utf-8")
    rc, out = check(capsys)
    assert rc == 1 and "01_tiny cell m2: missing" in out


def test_an_entry_for_a_removed_cell_fails_the_check(course, capsys):
    write_english(course, CELLS[:3])   # m2 removed from the English notebook
    sync_chapters.main([])
    rc, out = check(capsys)
    assert rc == 1 and "01_tiny cell m2: orphan" in out


@pytest.mark.parametrize("ko_code, reason", [
    (KO["c1"].replace("r ** 2", "r ** 3"), "English has '2', Korean has '3'"),
    (KO["c1"].replace("{area(1):.3f}", "{area(2):.3f}"), "{area(1):.3f}"),                 # f-string expression
    (KO["c1"].replace("{area(1):.3f}", "{area(1):.2f}"), "{area(1):.3f}"),                 # format spec
    (KO["c1"].replace('d["train"]', 'd["훈련"]'), "a string that code reads"),             # a key code reads
    (KO["c1"].replace("    ### END SOLUTION", "    ### 풀이 끝"), "### BEGIN SOLUTION / ### END SOLUTION"),
    (KO["c1"].replace("print(d", "print((d"), "does not tokenize"),
])
def test_korean_code_that_differs_fails_the_check(course, capsys, ko_code, reason):
    (course / "translations/ko/01_tiny.md").write_text(translation(ko={**KO, "c1": ko_code}), encoding="utf-8")
    rc, out = check(capsys)
    assert rc == 1 and "01_tiny cell c1: code:" in out and reason in out, out
    sync_chapters.main([])
    assert src(load(course / "solutions/ko/01_tiny.ipynb")["cells"][2]) == CELLS[2][2]   # the English code is kept


def test_comments_strings_and_their_word_order_may_change():
    en = 'x = 2  # two\nprint(f"{x} of {x + 1:.1f}", "done")  # say it'
    assert tl.code_differences(en, '# 둘\nx = 2\nprint(f"{x + 1:.1f}개 중 {x}",\n      "완" "료")') == []
    assert tl.code_differences(en, en.replace("x = 2", "x = 3"))


def test_format_placeholders_are_kept():
    en = 'print("{} of {x:.2f}".format(1, x=2), "%d%% of %s" % (1, "a"), "100% done {x}")'
    ko = 'print("{x:.2f} 중 {}".format(1, x=2), "%s의 %d%%" % (1, "a"), "100% 완료")'
    assert tl.code_differences(en, ko) == []
    assert "{x:.2f} (.format)" in tl.code_differences(en, ko.replace(":.2f", ":.3f"))[0]
    assert "%-spec %d" in tl.code_differences(en, ko.replace("%d", "%f"))[0]


def test_a_generated_notebook_edited_by_hand_fails_the_check(course, capsys):
    path = course / "chapters/ko/01_tiny.ipynb"
    path.write_text(path.read_text(encoding="utf-8").replace("아주 작은 장", "손으로 고친 장"), encoding="utf-8")
    rc, out = check(capsys)
    assert rc == 1 and "DRIFT: chapters/ko/01_tiny.ipynb differs" in out
    (course / "translations/ko/01_tiny.md").unlink()   # and one without its translation file
    rc, out = check(capsys)
    assert rc == 1 and "solutions/ko/01_tiny.ipynb has no translation file" in out


@pytest.mark.parametrize("text, reason", [
    ("<!-- ko-cell id=m1 type=markdown en=123 -->\n# 제목", "malformed marker"),
    ("머리말\n" + translation(), "text before the first"),
    (translation().replace("````python\n", "", 1), "wrapped in ````python"),
    (translation() + "\n" + translation(skip={"c1", "m2"}), "a second entry for this cell"),
    (translation().replace("type=code", "type=markdown").replace("````python\n", "").replace("\n````", ""),
     "the English cell is code"),
    (translation().replace("<!-- END SOLUTION -->", "<!-- 끝 -->"), "markers differ"),
])
def test_malformed_translation_files_fail_the_check(course, capsys, text, reason):
    (course / "translations/ko/01_tiny.md").write_text(text, encoding="utf-8")
    rc, out = check(capsys)
    assert rc == 1 and "TRANSLATION: 01_tiny" in out and reason in out, out


def test_status_counts_and_shows_what_changed_in_english(course, capsys):
    git = lambda *a: subprocess.run(["git", *a], cwd=course, check=True, capture_output=True)  # noqa: E731
    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "x", "--allow-empty")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "tiny course")
    write_english(course, [(i, t, s.replace("A tiny chapter.", "A smaller chapter.")) for i, t, s in CELLS])
    (course / "translations/ko/01_tiny.md").write_text(translation(skip={"m2"}), encoding="utf-8")
    out = sync_chapters.status("ko", [course / "solutions/01_tiny.ipynb"])
    row = next(line for line in out.splitlines() if line.startswith("01_tiny"))
    assert row.split() == ["01_tiny", "3", "1", "1", "1", "0"]   # 3 cells besides setup: c1 current, m1 stale, m2 missing
    assert "    -A tiny chapter." in out and "    +A smaller chapter." in out


def test_hash_and_template_print_what_a_translator_pastes(course, capsys):
    capsys.readouterr()
    sync_chapters.main(["--hash", "01", "c1"])
    assert capsys.readouterr().out.strip() == f"<!-- ko-cell id=c1 type=code en={tl.cell_hash(CELLS[2][2])} -->"
    sync_chapters.main(["--template", "01"])
    entries, problems = tl.parse_translation(capsys.readouterr().out)
    assert problems == [] and sorted(entries) == ["c1", "m1", "m2"] and entries["c1"].body == CELLS[2][2]


def test_korean_setup_cell_is_the_english_code_in_korean():
    assert tl.code_differences(SETUP_CELL, SETUP_CELL_KO) == []   # up to comments and strings
    assert 'setup.start("en")' in SETUP_CELL and 'setup.start("ko")' in SETUP_CELL_KO
    assert "방법은 세 가지입니다" in SETUP_CELL_KO and "Three ways" not in SETUP_CELL_KO
    assert setup_cell("en") is SETUP_CELL


def test_the_setup_cell_is_short_and_folded():
    """A few lines of find-or-install (the rest is vae_lib/course/setup.py), a Colab form, folded in JupyterLab."""
    for cell in (SETUP_CELL, SETUP_CELL_KO):
        lines = cell.splitlines()
        assert lines[0].startswith("#@title Setup") and lines[0].endswith('{ display-mode: "form" }')
        assert lines[1] == 'COURSE_GIT_URL = ""  #@param {type:"string"}'
        assert len(lines) <= 40 and "def " not in cell   # was 62-70 lines with five helpers
    assert SETUP_METADATA == {"cellView": "form", "jupyter": {"source_hidden": True}}


def test_check_names_a_setup_cell_that_is_not_folded(course, capsys):
    """--check fails when a notebook's setup cell lost its metadata (e.g. saved by an editor that dropped it)."""
    path = course / "solutions/01_tiny.ipynb"
    nb = load(path)
    nb["cells"][1]["metadata"] = {}
    path.write_text(json.dumps(nb), encoding="utf-8")
    rc, out = check(capsys)
    assert rc == 1 and "setup cell's metadata has jupyter=None" in out and "cellView=None" in out
    assert sync_chapters.main([]) == 0 and check(capsys) == (0, "")   # the sync puts it back


def test_korean_setup_cell_error_is_in_korean(tmp_path):
    """Run outside any course folder, with no vae_lib importable: the Korean message."""
    import sys
    cell = tmp_path / "cell.py"
    cell.write_text(SETUP_CELL_KO, encoding="utf-8")
    out = subprocess.run([sys.executable, "-S", "-I", str(cell)], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 1 and "CourseSetupError: vae_lib이 설치되어 있지 않고" in out.stderr, out.stderr[-1500:]
    assert "chapters/ko/" in out.stderr


def test_restamp_from_the_command_line_and_its_refusals(course, capsys):
    write_english(course, [(i, t, s.replace("A tiny chapter.", "A tinier chapter.")) for i, t, s in CELLS])
    assert check(capsys)[0] == 1
    sync_chapters.main(["--restamp", "01", "m1"])
    assert f"m1: en={tl.cell_hash(CELLS[0][2])} -> {tl.cell_hash('# 01 — Tiny' + chr(10) + chr(10) + 'A tinier chapter.')}" \
        in capsys.readouterr().out
    sync_chapters.main([])
    assert check(capsys) == (0, "")
    with pytest.raises(SystemExit, match="no .*cell nope"):
        sync_chapters.main(["--restamp", "01", "nope"])
    (course / "translations/ko/01_tiny.md").write_text(translation(skip={"m2"}), encoding="utf-8")
    with pytest.raises(SystemExit, match="--template 01 m2"):
        sync_chapters.main(["--restamp", "01", "m2"])
    with pytest.raises(SystemExit, match="no chapter '09'"):
        sync_chapters.main(["--hash", "09"])
