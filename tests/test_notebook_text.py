"""The notebooks' text itself: no control characters that a mistyped LaTeX escape leaves behind.

In a notebook's JSON, "\\tfrac" written as "\tfrac" becomes a TAB followed by "frac" (renders as "frac{n}{B}");
likewise \b (\beta), \f (\frac) and \r (\rho). Newlines are fine; other control characters never are.
"""
import json
import re
from pathlib import Path

import pytest

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
    assert setup["cell_type"] == "code" and "".join(setup["source"]).startswith("#@title Setup")
    assert setup["metadata"].get("jupyter") == {"source_hidden": True} and setup["metadata"].get("cellView") == "form"
