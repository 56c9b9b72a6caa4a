"""The notebooks' text itself: no control characters that a mistyped LaTeX escape leaves behind.

In a notebook's JSON, "\\tfrac" written as "\tfrac" becomes a TAB followed by "frac" (renders as "frac{n}{B}");
likewise \b (\beta), \f (\frac) and \r (\rho). Newlines are fine; other control characters never are.
"""
import json
import re
import unicodedata
from pathlib import Path

import pytest

PICTURE_CAPTIONS = ("The chapter in one picture:", "이 장을 그림 하나로:")
GOALS = ("**Learning goals**", "**학습 목표**")


def display_width(line: str) -> int:
    """Columns in a monospace font: East Asian wide/full-width characters (Hangul) take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def opening_picture_problems(text: str) -> list[str]:
    """The first cell's picture of the chapter (issue 21): a caption, then a fenced text diagram of 3-6 lines at most
    78 columns wide, after the introduction and before the learning goals. Plain text, so it renders in JupyterLab,
    Colab, the HTML site and GitHub with no file beside the notebook and no network. 78 columns: in the book site
    (tools/build_site.py, Chromium, a 1300-pixel-wide window) a code box shows 79 columns; 80 scroll sideways."""
    m = re.search(r"^(?:%s)\n\n```\n(.*?)^```\n\n(?:%s)" % ("|".join(map(re.escape, PICTURE_CAPTIONS)),
                                                    "|".join(map(re.escape, GOALS))), text, re.S | re.M)
    if not m:
        return ["no 'The chapter in one picture:' caption + fenced diagram right before the learning goals"]
    lines = m.group(1).splitlines()
    problems = [] if 3 <= len(lines) <= 6 else [f"the diagram has {len(lines)} lines, not 3-6"]
    problems += [f"line wider than 78 columns: {line!r}" for line in lines if display_width(line) > 78]
    intro = text[:m.start()].strip().split("\n\n")[1:]  # after the title
    problems += [] if intro and all(p.strip() for p in intro) else ["no introduction between the title and the picture"]
    return problems


def test_opening_picture_check_can_fail():
    good = "# 01 — T\n\nIntro.\n\nThe chapter in one picture:\n\n```\na ──▶ b\nc\nd\n```\n\n**Learning goals**\n1. x"
    assert opening_picture_problems(good) == []
    assert opening_picture_problems(good.replace("c\n", "c" + "가" * 38 + "\n")) == []  # 77 columns
    assert opening_picture_problems(good.replace("```\na", "a").replace("d\n```", "d"))  # no fence
    assert opening_picture_problems(good.replace("c\nd\n", ""))  # 1 line
    assert opening_picture_problems(good.replace("c\n", "c" + "가" * 39 + "\n"))  # 79 columns (Hangul is 2 wide)
    assert opening_picture_problems(good.replace("Intro.\n\n", ""))  # picture before the introduction
    assert opening_picture_problems(good.replace("**Learning goals**", "**Goals**"))  # not before the goals


ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = [p for folder in ("solutions", "chapters", "solutions/ko", "chapters/ko") for p in sorted((ROOT / folder).glob("*.ipynb"))]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_control_characters_in_cells(path):
    bad = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        src = "".join(cell["source"])
        for m in re.finditer(r"[\x00-\x09\x0b-\x1f]", src):
            bad.append(f"cell {cell.get('id')}: {src[max(0, m.start() - 25):m.end() + 10]!r}")
    assert not bad, "control characters (a LaTeX escape like \\tfrac saved as TAB + 'frac'?):\n" + "\n".join(bad)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_chapter_opens_on_its_title_and_goals_then_the_folded_setup(path):
    """The first cell is the chapter's title and learning goals; the setup cell comes after it, folded (JupyterLab)
    and a form (Colab), so a notebook opens on the idea, not on installation code."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    first, setup = cells[0], cells[1]
    text = "".join(first["source"])
    assert first["cell_type"] == "markdown" and re.match(rf"# {path.name[:2]}\b", text), text[:80]
    assert "**Learning goals**" in text or "**학습 목표**" in text
    assert not opening_picture_problems(text), opening_picture_problems(text)
    assert setup["cell_type"] == "code" and "".join(setup["source"]).startswith("#@title Setup")
    assert setup["metadata"].get("jupyter") == {"source_hidden": True} and setup["metadata"].get("cellView") == "form"
