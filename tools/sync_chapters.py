"""Derive the learner's notebooks (chapters/) from the solved ones (solutions/): one source of truth.

In a solution notebook, a code cell marks the solved part of an exercise with

        ### BEGIN SOLUTION
        ...the answer...
        ### END SOLUTION

and the chapter gets, at the same indentation, `raise NotImplementedError("...")` (the checks
then say "not yet" and later cells use the library's version). A markdown answer between
`<!-- BEGIN SOLUTION -->` and `<!-- END SOLUTION -->` becomes a prompt to write one's own answer first,
followed by the answer folded in a collapsed `<details>` block (the learner opens it after trying).
Outputs and execution counts are dropped from both. The first code cell of every notebook, which
starts with "# Setup:", is replaced by `tools/setup_cell.py`'s SETUP_CELL (one source of truth).

    python tools/sync_chapters.py           # write chapters/ from solutions/ (and strip outputs)
    python tools/sync_chapters.py --check   # exit 1 if chapters/ has drifted from solutions/
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools.setup_cell import SETUP_CELL  # noqa: E402
CODE_BLOCK = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*(\n|$)", re.S | re.M)
TEXT_BLOCK = re.compile(r"<!-- BEGIN SOLUTION -->.*?<!-- END SOLUTION -->", re.S)
STUB = '{indent}# YOUR CODE HERE\n{indent}raise NotImplementedError("Exercise not written yet")\n'
TEXT_PROMPT = "*Your answer here:* write it down before you open the answer."
TEXT_FOLD = "<details><summary>Show the answer (try first)</summary>\n\n{answer}\n\n</details>"


def fold_answer(match: re.Match) -> str:
    """A markdown answer block -> a prompt to try first, then the answer in a collapsed block."""
    answer = match.group(0)[len("<!-- BEGIN SOLUTION -->"):-len("<!-- END SOLUTION -->")].strip("\n")
    return TEXT_PROMPT + "\n\n" + TEXT_FOLD.format(answer=answer)


def strip_solutions(source: str, cell_type: str) -> str:
    """The learner's version of one cell's source."""
    if cell_type == "code":
        return CODE_BLOCK.sub(lambda m: STUB.format(indent=m.group(1)), source)
    return TEXT_BLOCK.sub(fold_answer, source)


def clean(nb: dict) -> dict:
    """Drop outputs, execution counts and per-run metadata."""
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("execution", None)
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return nb


def stamp_setup_cell(nb: dict, name: str = "notebook") -> dict:
    """`nb` with its first code cell (which must start with "# Setup:") set to SETUP_CELL."""
    first = next((c for c in nb["cells"] if c["cell_type"] == "code"), None)
    src = "" if first is None else "".join(first["source"]) if isinstance(first["source"], list) else first["source"]
    if not src.startswith("# Setup:"):
        raise SystemExit(f"{name}: the first code cell must be the setup cell, starting with '# Setup:'")
    first["source"] = SETUP_CELL.splitlines(keepends=True)
    return nb


def chapter_from_solution(solution: dict) -> dict:
    nb = json.loads(json.dumps(solution))
    for cell in nb["cells"]:
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        cell["source"] = strip_solutions(src, cell["cell_type"])
    return clean(nb)


def dumps(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="report drift instead of writing")
    args = parser.parse_args(argv)
    drift = []
    for sol_path in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")):
        solution = stamp_setup_cell(json.loads(sol_path.read_text(encoding="utf-8")), sol_path.name)
        chapter_path = ROOT / "chapters" / sol_path.name
        want_sol, want_ch = dumps(clean(solution)), dumps(chapter_from_solution(solution))
        if args.check:
            if sol_path.read_text(encoding="utf-8") != want_sol:
                drift.append(f"{sol_path.relative_to(ROOT)} has outputs or run metadata, or its setup cell "
                             "differs from tools/setup_cell.py")
            if not chapter_path.exists() or chapter_path.read_text(encoding="utf-8") != want_ch:
                drift.append(f"{chapter_path.relative_to(ROOT)} differs from what {sol_path.name} gives")
        else:
            sol_path.write_text(want_sol, encoding="utf-8")
            chapter_path.write_text(want_ch, encoding="utf-8")
    orphans = {p.name for p in (ROOT / "chapters").glob("[0-9][0-9]_*.ipynb")} - \
              {p.name for p in (ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")}
    drift += [f"chapters/{name} has no solution notebook" for name in sorted(orphans)]
    for line in drift:
        print("DRIFT:", line)
    if drift:
        print("Run `python tools/sync_chapters.py` to regenerate chapters/ from solutions/.")
    return 1 if drift else 0


if __name__ == "__main__":
    sys.exit(main())
