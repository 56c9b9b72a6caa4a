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
starts with "#@title Setup" (or the older "# Setup:"), is replaced by `tools/setup_cell.py`'s SETUP_CELL (one
source of truth) and gets its metadata SETUP_METADATA (folded in JupyterLab, a form in Colab); --check
names a notebook whose setup cell or its metadata differ.

The Korean edition: for every chapter with a translation file `translations/ko/NN_name.md` (format:
`tools/translations.py`, CONTRIBUTING.md "Translating"), the same run writes `solutions/ko/NN_name.ipynb`
(the English solution's cells, ids and order, with the translated sources and the Korean setup cell) and
derives `chapters/ko/NN_name.ipynb` from it with Korean prompts. A cell whose translation is missing,
stale or wrong keeps its English source there, and --check fails naming the chapter, the cell and why.

    python tools/sync_chapters.py              # write chapters/ (and solutions/ko, chapters/ko) from solutions/
    python tools/sync_chapters.py --check      # exit 1 if anything has drifted or a translation is not current
    python tools/sync_chapters.py --status     # per chapter: translated / stale / missing cells; what changed
    python tools/sync_chapters.py --hash 01 [CELL_ID ...]       # marker lines with the English cells' hashes
    python tools/sync_chapters.py --template 01 [CELL_ID ...]   # whole entries with the English source
    python tools/sync_chapters.py --restamp 01 CELL_ID [...]    # after re-translating: en= := current hash
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools import translations as tl  # noqa: E402
from tools.setup_cell import MARKERS, SETUP_CELL, SETUP_METADATA, setup_cell  # noqa: E402,F401  (SETUP_CELL: for importers)
CODE_BLOCK = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*(\n|$)", re.S | re.M)
TEXT_BLOCK = re.compile(r"<!-- BEGIN SOLUTION -->.*?<!-- END SOLUTION -->", re.S)
STUB = '{indent}# YOUR CODE HERE\n{indent}raise NotImplementedError("Exercise not written yet")\n'
TEXT_PROMPT = "*Your answer here:* write it down before you open the answer."
TEXT_FOLD = "<details><summary>Show the answer (try first)</summary>\n\n{answer}\n\n</details>"
# The learner's texts in each edition (the English ones above, for the Korean notebooks these)
TEXTS = {
    "en": {"stub": STUB, "prompt": TEXT_PROMPT, "fold": TEXT_FOLD},
    "ko": {"stub": '{indent}# 여기에 코드를 작성하십시오\n{indent}raise NotImplementedError("아직 작성하지 않은 연습 문제입니다")\n',
           "prompt": "*여기에 내 답을 적어 보십시오:* 답을 펼쳐 보기 전에 먼저 적어 봅니다.",
           "fold": "<details><summary>답 보기 (먼저 직접 해 보십시오)</summary>\n\n{answer}\n\n</details>"},
}
TRANSLATED = ("ko",)   # the editions made from translation files


def fold_answer(match: re.Match, lang: str = "en") -> str:
    """A markdown answer block -> a prompt to try first, then the answer in a collapsed block."""
    answer = match.group(0)[len("<!-- BEGIN SOLUTION -->"):-len("<!-- END SOLUTION -->")].strip("\n")
    texts = TEXTS[lang]
    return texts["prompt"] + "\n\n" + texts["fold"].format(answer=answer)


def strip_solutions(source: str, cell_type: str, lang: str = "en") -> str:
    """The learner's version of one cell's source."""
    if cell_type == "code":
        return CODE_BLOCK.sub(lambda m: TEXTS[lang]["stub"].format(indent=m.group(1)), source)
    return TEXT_BLOCK.sub(lambda m: fold_answer(m, lang), source)


def clean(nb: dict) -> dict:
    """Drop outputs, execution counts and per-run metadata."""
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("execution", None)
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return nb


def _setup_index(nb: dict) -> int | None:
    """Index of the first code cell when it is the setup cell (starts with one of MARKERS), else None."""
    first = next((i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"), None)
    return first if first is not None and tl.source_of(nb["cells"][first]).startswith(MARKERS) else None


def stamp_setup_cell(nb: dict, name: str = "notebook", lang: str = "en") -> dict:
    """`nb` with its first code cell (which must start with "#@title Setup" or "# Setup:") set to the setup cell
    of `lang`, with the metadata SETUP_METADATA (other metadata of the cell kept)."""
    index = _setup_index(nb)
    if index is None:
        raise SystemExit(f"{name}: the first code cell must be the setup cell, starting with '{MARKERS[0]}'")
    cell = nb["cells"][index]
    cell["source"] = setup_cell(lang).splitlines(keepends=True)
    cell["metadata"] = {**cell.get("metadata", {}), **json.loads(json.dumps(SETUP_METADATA))}
    return nb


def setup_cell_problems(nb: dict, lang: str = "en") -> list[str]:
    """What is wrong with `nb`'s setup cell as it is on disk: missing, its text, its metadata ([] when right)."""
    index = _setup_index(nb)
    if index is None:
        return [f"its first code cell is not the setup cell (starting with '{MARKERS[0]}')"]
    cell, problems = nb["cells"][index], []
    if tl.source_of(cell) != setup_cell(lang):
        problems.append("its setup cell differs from tools/setup_cell.py")
    metadata = cell.get("metadata", {})
    for key, value in SETUP_METADATA.items():
        if metadata.get(key) != value:
            problems.append(f"its setup cell's metadata has {key}={metadata.get(key)!r}, not {value!r} "
                            "(folded in JupyterLab, a form in Colab: tools/setup_cell.py SETUP_METADATA)")
    return problems


def chapter_from_solution(solution: dict, lang: str = "en") -> dict:
    nb = json.loads(json.dumps(solution))
    for cell in nb["cells"]:
        cell["source"] = strip_solutions(tl.source_of(cell), cell["cell_type"], lang)
    return clean(nb)


def dumps(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


# ---- translated editions ---------------------------------------------------------------------------------------

def translation_path(lang: str, name: str) -> Path:
    return ROOT / "translations" / lang / (Path(name).stem + ".md")


def translate_solution(solution: dict, text: str, lang: str, name: str) -> tuple[dict, list[tuple[str, str, str]]]:
    """The solution notebook in `lang`, and its problems as (cell id, kind, reason).

    `solution`: the English solution (setup cell stamped); `text`: the translation file. kind is one of
    stale, missing, orphan, type, code, markers, format. A cell with a problem keeps its English source (the
    notebook stays correct and runs); the setup cell becomes `setup_cell(lang)`.
    """
    entries, format_problems = tl.parse_translation(text)
    problems = [(where, "format", reason) for where, reason in format_problems]
    nb = json.loads(json.dumps(solution))
    setup = _setup_index(nb)
    for index, cell in enumerate(nb["cells"]):
        cid, en_src = cell.get("id", f"#{index}"), tl.source_of(cell)
        entry = entries.pop(cid, None)
        if index == setup:
            if entry is not None:
                problems.append((cid, "orphan", "the setup cell has no entry: the tool writes it (remove this one)"))
            continue
        if entry is None:
            problems.append((cid, "missing", f"the English {cell['cell_type']} cell has no translation"))
            continue
        if entry.type != cell["cell_type"]:
            problems.append((cid, "type", f"the entry says type={entry.type}, the English cell is {cell['cell_type']}"))
            continue
        if entry.en != tl.cell_hash(en_src):
            problems.append((cid, "stale", f"the English cell changed since it was translated "
                                           f"(en={entry.en}, now {tl.cell_hash(en_src)})"))
            continue
        if cell["cell_type"] == "code":
            wrong = tl.code_differences(en_src, entry.body)
        else:
            wrong = tl.markdown_differences(en_src, entry.body)
        if wrong:
            problems += [(cid, "code" if cell["cell_type"] == "code" else "markers", w) for w in wrong]
            continue
        cell["source"] = entry.body.splitlines(keepends=True)
    problems += [(cid, "orphan", f"line {e.line}: an entry for a cell the English notebook no longer has")
                 for cid, e in entries.items()]
    nb["metadata"]["vae_course"] = {"lang": lang, "source": f"solutions/{name}",
                                    "translation": f"translations/{lang}/{Path(name).stem}.md"}
    if setup is not None:
        stamp_setup_cell(nb, name, lang)
    return clean(nb), problems


def _english_solutions() -> list[Path]:
    return sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


def _load_solution(path: Path) -> dict:
    return stamp_setup_cell(json.loads(path.read_text(encoding="utf-8")), path.name)


def translated_editions(lang: str, write: bool) -> tuple[list[str], list[str]]:
    """Write (or compare) solutions/<lang>/ and chapters/<lang>/ for every chapter with a translation file.

    Returns (drift, problems) as lines: drift = generated files that differ on disk; problems = translation
    problems, each naming the chapter, the cell id and the reason."""
    drift, problems = [], []
    sol_dir, ch_dir = ROOT / "solutions" / lang, ROOT / "chapters" / lang
    english = {p.name: p for p in _english_solutions()}
    for tr_path in sorted((ROOT / "translations" / lang).glob("[0-9][0-9]_*.md")):
        name = tr_path.stem + ".ipynb"
        if name not in english:
            problems.append(f"{tr_path.relative_to(ROOT)}: no English notebook solutions/{name}")
            continue
        nb, found = translate_solution(_load_solution(english[name]), tr_path.read_text(encoding="utf-8"), lang, name)
        problems += [f"{tr_path.stem} {'' if cid.startswith('line ') else 'cell '}{cid}: {kind}: {reason}"
                     for cid, kind, reason in found]
        want = {sol_dir / name: dumps(nb), ch_dir / name: dumps(chapter_from_solution(nb, lang))}
        for path, text in want.items():
            if write:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
            elif not path.exists() or path.read_text(encoding="utf-8") != text:
                drift.append(f"{path.relative_to(ROOT)} differs from what solutions/{name} and "
                             f"{tr_path.relative_to(ROOT)} give")
    wanted = {p.stem + ".ipynb" for p in (ROOT / "translations" / lang).glob("[0-9][0-9]_*.md")}
    for folder in (sol_dir, ch_dir):
        for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
            if path.name not in wanted:
                drift.append(f"{path.relative_to(ROOT)} has no translation file translations/{lang}/{path.stem}.md"
                             + (" (removed)" if write else ""))
                if write:
                    path.unlink()
    return drift, problems


# ---- helpers for translators -----------------------------------------------------------------------------------

def find_chapter(key: str) -> Path:
    """solutions/NN_name.ipynb from '01', '01_autoencoder', or a path to its notebook or translation."""
    stem = Path(key).stem
    matches = [p for p in _english_solutions() if p.stem == stem or (stem.isdigit() and p.name[:2] == stem.zfill(2))]
    if len(matches) != 1:
        raise SystemExit(f"no chapter {key!r} in solutions/ (give its number, e.g. 01)")
    return matches[0]


def _cells_by_id(path: Path, ids: list[str]) -> list[dict]:
    nb = _load_solution(path)
    setup = _setup_index(nb)
    cells = [c for i, c in enumerate(nb["cells"]) if i != setup]
    by_id = {c["id"]: c for c in cells}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise SystemExit(f"{path.name} has no (translatable) cell {', '.join(unknown)}")
    return [by_id[i] for i in ids] if ids else cells


def restamp(lang: str, path: Path, ids: list[str]) -> list[str]:
    """Set the en= of these cells' entries in the translation file to the English cells' current hashes.
    Returns what it did, one line per cell (and how the Korean code still differs, if it does)."""
    tr_path = translation_path(lang, path.name)
    if not tr_path.exists():
        raise SystemExit(f"no translation file {tr_path.relative_to(ROOT)}")
    text = tr_path.read_text(encoding="utf-8")
    entries, _ = tl.parse_translation(text)
    lines, done = text.splitlines(keepends=True), []
    for cell in _cells_by_id(path, ids):
        entry = entries.get(cell["id"])
        if entry is None:
            raise SystemExit(f"{tr_path.relative_to(ROOT)} has no entry for cell {cell['id']}: add one "
                             f"(`--template {path.stem[:2]} {cell['id']}` prints it)")
        new = tl.marker_line(cell)
        old = lines[entry.line - 1]
        lines[entry.line - 1] = new + old[len(old.rstrip("\r\n")):]
        note = "unchanged" if old.rstrip("\r\n") == new else f"en={entry.en} -> {tl.cell_hash(tl.source_of(cell))}"
        if cell["cell_type"] == "code":
            wrong = tl.code_differences(tl.source_of(cell), entry.body)
            note += "".join(f"; STILL WRONG: {w}" for w in wrong)
        done.append(f"{cell['id']}: {note}")
    tr_path.write_text("".join(lines), encoding="utf-8")
    return done


def _old_english(path: Path, cell_id: str, want_hash: str, max_commits: int = 300) -> tuple[str, str] | None:
    """(commit, source) of the English cell `cell_id` when its hash was `want_hash`, from git history; None if
    not found (or no git)."""
    import subprocess
    rel = path.relative_to(ROOT).as_posix()
    try:
        log = subprocess.run(["git", "log", f"-n{max_commits}", "--format=%H", "--", rel], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return None
    for commit in log:
        shown = subprocess.run(["git", "show", f"{commit}:{rel}"], cwd=ROOT, capture_output=True, text=True)
        if shown.returncode != 0:
            continue
        try:
            cells = json.loads(shown.stdout)["cells"]
        except (ValueError, KeyError):
            continue
        for cell in cells:
            if cell.get("id") == cell_id and tl.cell_hash(tl.source_of(cell)) == want_hash:
                return commit[:10], tl.source_of(cell)
    return None


def status(lang: str, chapters: list[Path], diffs: bool = True) -> str:
    """Per chapter: cells to translate, translated (current), stale, missing, other problems; then for each
    stale cell what changed in English since it was translated (from git history, when found)."""
    import difflib
    out = [f"{'chapter':<26} {'cells':>5} {'translated':>10} {'stale':>5} {'missing':>7} {'other':>5}"]
    details = []
    for path in chapters:
        tr_path = translation_path(lang, path.name)
        solution = _load_solution(path)
        n = len(solution["cells"]) - (_setup_index(solution) is not None)
        if not tr_path.exists():
            out.append(f"{path.stem:<26} {n:>5} {'-':>10} {'-':>5} {n:>7} {'-':>5}   (no {tr_path.relative_to(ROOT)})")
            continue
        _, problems = translate_solution(solution, tr_path.read_text(encoding="utf-8"), lang, path.name)
        kinds = [k for _, k, _ in problems]
        bad_cells = {cid for cid, k, _ in problems if k not in ("orphan", "format")}
        out.append(f"{path.stem:<26} {n:>5} {n - len(bad_cells):>10} {kinds.count('stale'):>5} "
                   f"{kinds.count('missing'):>7} {len(kinds) - kinds.count('stale') - kinds.count('missing'):>5}")
        entries, _ = tl.parse_translation(tr_path.read_text(encoding="utf-8"))
        cells = {c.get("id"): c for c in solution["cells"]}
        for cid, kind, reason in problems:
            details.append(f"{path.stem} {'' if cid.startswith('line ') else 'cell '}{cid}: {kind}: {reason}")
            if kind == "stale" and diffs:
                now = tl.source_of(cells[cid])
                old = _old_english(path, cid, entries[cid].en)
                if old is None:
                    details.append(f"    (the English text with en={entries[cid].en} is not in this repository's "
                                   "history: compare the entry with the English cell by hand)")
                    continue
                diff = difflib.unified_diff(old[1].splitlines(), now.splitlines(), f"English at {old[0]}", "English now",
                                            lineterm="", n=1)
                details += ["    " + line for line in diff]
    return "\n".join(out + ([""] + details if details else []))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--check", action="store_true", help="report drift and translation problems instead of writing")
    what.add_argument("--status", nargs="*", metavar="NN", help="translation status of these chapters (default: all)")
    what.add_argument("--hash", nargs="+", metavar=("NN", "CELL_ID"), help="print the marker lines of a chapter's cells")
    what.add_argument("--template", nargs="+", metavar=("NN", "CELL_ID"),
                      help="print whole entries (marker + English source) to translate")
    what.add_argument("--restamp", nargs="+", metavar=("NN", "CELL_ID"),
                      help="set en= of these cells' entries to the current English hash (after re-translating)")
    parser.add_argument("--lang", default="ko", choices=TRANSLATED, help="the translated edition (default: ko)")
    args = parser.parse_args(argv)

    if args.status is not None:
        chapters = [find_chapter(c) for c in args.status] if args.status else _english_solutions()
        print(status(args.lang, chapters))
        return 0
    if args.hash or args.template:
        key, *ids = args.hash or args.template
        cells = _cells_by_id(find_chapter(key), ids)
        print("\n".join(tl.marker_line(c) for c in cells) if args.hash else "\n".join(tl.entry_text(c) for c in cells))
        return 0
    if args.restamp:
        key, *ids = args.restamp
        if not ids:
            parser.error("--restamp needs the chapter and at least one cell id")
        print("\n".join(restamp(args.lang, find_chapter(key), ids)))
        return 0

    drift = []
    for sol_path in _english_solutions():
        solution = _load_solution(sol_path)
        chapter_path = ROOT / "chapters" / sol_path.name
        want_sol, want_ch = dumps(clean(solution)), dumps(chapter_from_solution(solution))
        if args.check:
            on_disk = sol_path.read_text(encoding="utf-8")
            if on_disk != want_sol:
                why = setup_cell_problems(json.loads(on_disk)) or ["has outputs or run metadata"]
                drift += [f"{sol_path.relative_to(ROOT)}: {w}" for w in why]
            if not chapter_path.exists() or chapter_path.read_text(encoding="utf-8") != want_ch:
                drift.append(f"{chapter_path.relative_to(ROOT)} differs from what {sol_path.name} gives")
        else:
            sol_path.write_text(want_sol, encoding="utf-8")
            chapter_path.write_text(want_ch, encoding="utf-8")
    orphans = {p.name for p in (ROOT / "chapters").glob("[0-9][0-9]_*.ipynb")} - \
              {p.name for p in _english_solutions()}
    drift += [f"chapters/{name} has no solution notebook" for name in sorted(orphans)]
    problems = []
    for lang in TRANSLATED:
        more_drift, more_problems = translated_editions(lang, write=not args.check)
        drift += more_drift
        problems += more_problems
    for line in drift:
        print("DRIFT:", line)
    for line in problems:
        print("TRANSLATION:", line)
    if drift and args.check:
        print("Run `python tools/sync_chapters.py` to regenerate chapters/ (and the translated editions).")
    if problems:
        print(f"{len(problems)} translation problem(s): the cells named keep their English source in the generated "
              "notebooks. See `python tools/sync_chapters.py --status` and CONTRIBUTING.md (Translating).")
    if not args.check:
        return 0
    return 1 if drift or problems else 0


if __name__ == "__main__":
    sys.exit(main())
