"""Build the executed course into a static book site that reads offline (Sphinx + MyST-NB + sphinx-book-theme).

    python tools/build_site.py                       # from build/course (chapters, and ko/chapters when it exists)
    python tools/build_site.py build/smoke           # another mode's folder
    python tools/build_site.py build/course --solutions

`bash course.sh run` (tools/run_course.py) calls this at the end of every run; this command rebuilds the site alone.

Input: the executed notebooks of a run, <mode dir>/<chapters|solutions>/NN_name.ipynb with results.jsonl and runs.json
(tools/run_course.py writes them); a second, Korean edition is read from <mode dir>/ko/<chapters|solutions>/ when it
holds executed notebooks. Nothing is executed again: the pages show the outputs and figures of the run.

Output: <mode dir>/site/ (site-solutions/ for --solutions): index.html is the front page of the English edition
(what the course is, each chapter with one of its figures, how to run it, the run's summary), one page per chapter
(with the run's quality gates for that chapter at its top), the glossary, a search page; the Korean edition, when
there is one, lies in site/ko/, and every page has a language switch (English | 한국어) to the same page in the other
edition. Math is typeset by MathJax 3 from files copied into the site (from the `sphinx-mathjax-offline` package):
the site loads nothing from the network, so it reads from disk (file://) on a laptop, a phone or in a classroom
without a network. The Sphinx sources and log lie in <mode dir>/site-src/ (the log: site-src/build.log).
"""
from __future__ import annotations

import argparse
import html
import importlib.util
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # this checkout: chapters/GLOSSARY.md
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LANGS = {"en": "English", "ko": "한국어"}
# Every page's file name in the site; chapters are matched across editions by their number (NN_).
FIXED_PAGES = ("index", "glossary", "search", "genindex")
# MathJax files copied into each edition (about 3 MB of the package's 24): the one bundle the pages load (TeX input
# with every extension, CHTML output), its fonts and the components it may load on demand (menu, accessibility).
# Not the other bundles, not the speech-rule engine (only the menu's speech options load it).
MATHJAX_BUNDLE = "tex-chtml-full.js"
MATHJAX_PARTS = (MATHJAX_BUNDLE, "output/chtml", "ui", "a11y")

TEXT = {
    "en": {
        "title": "Variational Autoencoders, hands on",
        "intro": (
            "A course that takes you from a plain autoencoder to a trained VAE and latent-space arithmetic, in "
            "numbered Jupyter notebooks, in JAX / Flax NNX. It follows chapter 3 of *Generative Deep Learning* "
            "(2nd ed., D. Foster; Korean edition: 만들면서 배우는 생성 AI 2판) and answers a learner's study "
            "questions with math *and* a runnable check. Every notebook imports small, tested building blocks "
            "from `vae_lib`.\n\n"
            "This book shows the notebooks **as they ran** ({when}): text, formulas, code, and the figures and "
            "numbers that the run produced. To change and run them yourself, see *Run it yourself* below."),
        "chapters": "The chapters",
        "figure_of": "A figure from chapter {nn}",
        "run_yourself": "Run it yourself",
        "run_text": (
            "Get the course (a clone of its repository) on a machine with Python >= 3.11, then:\n\n"
            "- **JupyterLab**: `bash course.sh setup`, then `.venv/bin/jupyter lab chapters/` and open a chapter.\n"
            "- **Colab**: `bash course.sh wheel` prints the path of `build/vae_course-*.whl`; upload a notebook from "
            "`chapters/` to Colab and the wheel next to it (Files pane): the notebook's first cell installs it.\n"
            "- **The two commands**:\n\n"
            "  ```bash\n"
            "  bash course.sh run    # run every chapter headless; writes this book\n"
            "  bash course.sh test   # run the test suite\n"
            "  ```\n\n"
            "`chapters/` holds the notebooks with exercises, `solutions/` the same notebooks solved."),
        "summary": "This run",
        "summary_text": "Every chapter ran in **{mode}** mode, at the time in its row. Book built on {built}.",
        "cols": ("chapter", "ran at", "seconds", "status", "quality gates", "key metric"),
        "glossary": "Glossary",
        "box_title": "This run: {mode} mode, {when}, {seconds:.1f} s, {status}",
        "data": "Data used",
        "metrics": "Key metrics",
        "gates": "Quality gates",
        "gate_cols": ("gate", "value", "needs", "result"),
        "verdict": {True: "passed", False: "**FAILED**", None: "n/a"},
        "no_gates": "This chapter has no quality gates.",
        "smoke_gates": "In smoke mode the models barely train: the gates are shown, not required.",
        "not_run": "not run",
    },
    "ko": {
        "title": "변분 오토인코더, 직접 만들며 배우기",
        "intro": (
            "평범한 오토인코더에서 출발해 학습된 VAE와 잠재 공간 연산까지, 번호가 붙은 Jupyter 노트북으로 "
            "JAX / Flax NNX로 직접 만들어 보는 강의입니다. *만들면서 배우는 생성 AI 2판*(D. Foster, "
            "Generative Deep Learning 2nd ed.)의 3장을 따라가며, 학습자의 질문에 수식*과* 실행되는 검증으로 "
            "답합니다. 모든 노트북은 테스트된 작은 라이브러리 `vae_lib`를 가져다 씁니다.\n\n"
            "이 책은 노트북을 **실행된 그대로**({when}) 보여 줍니다: 글, 수식, 코드, 그리고 실행이 만든 그림과 "
            "숫자. 직접 고치고 실행하려면 아래 *직접 실행하기*를 보세요."),
        "chapters": "장 목록",
        "figure_of": "{nn}장의 그림",
        "run_yourself": "직접 실행하기",
        "run_text": (
            "Python 3.11 이상이 있는 컴퓨터에 강의 저장소를 받은 뒤:\n\n"
            "- **JupyterLab**: `bash course.sh setup`, 그다음 `.venv/bin/jupyter lab chapters/`로 장을 엽니다.\n"
            "- **Colab**: `bash course.sh wheel`이 `build/vae_course-*.whl`의 경로를 알려 줍니다. "
            "`chapters/`의 노트북과 그 wheel 파일을 Colab에 함께 올리면(파일 창) 노트북의 첫 셀이 설치합니다.\n"
            "- **두 명령**:\n\n"
            "  ```bash\n"
            "  bash course.sh run    # 모든 장을 화면 없이 실행하고 이 책을 만듭니다\n"
            "  bash course.sh test   # 테스트 실행\n"
            "  ```\n\n"
            "`chapters/`에는 연습 문제가 있는 노트북이, `solutions/`에는 풀이가 있는 노트북이 있습니다."),
        "summary": "이번 실행",
        "summary_text": "모든 장은 **{mode}** 모드로, 각 행의 시각에 실행되었습니다. 책을 만든 시각: {built}.",
        "cols": ("장", "실행 시각", "초", "상태", "품질 기준", "주요 지표"),
        "glossary": "용어집",
        "box_title": "이번 실행: {mode} 모드, {when}, {seconds:.1f}초, {status}",
        "data": "사용한 데이터",
        "metrics": "주요 지표",
        "gates": "품질 기준",
        "gate_cols": ("기준", "값", "조건", "결과"),
        "verdict": {True: "통과", False: "**실패**", None: "해당 없음"},
        "no_gates": "이 장에는 품질 기준이 없습니다.",
        "smoke_gates": "smoke 모드에서는 모델이 거의 학습되지 않으므로, 품질 기준은 보여 주기만 하고 요구하지 않습니다.",
        "not_run": "실행 안 됨",
    },
}

CONF = '''# Written by tools/build_site.py for one edition of the course's book; rebuilt on every run.
project = {title!r}
author = "the VAE course"
html_show_copyright = False
language = {lang!r}
extensions = ["myst_nb", "sphinx.ext.mathjax"]
nb_execution_mode = "off"                     # the notebooks ran already (tools/run_course.py): show their outputs
nb_merge_streams = True
nb_ipywidgets_js = {{}}                         # no widget manager from a CDN (widget outputs are left out)
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type", "misc.highlighting_failure"]
exclude_patterns = ["build.log"]
html_theme = "sphinx_book_theme"
html_title = {title!r}
html_static_path = ["_static"]
html_css_files = ["course.css"]
templates_path = ["_templates"]
mathjax_path = "mathjax/{bundle}"             # a copy inside the site: no CDN
html_copy_source = False                      # also keeps the search's result list working from file://
html_show_sourcelink = False
html_theme_options = {{
    "article_header_end": ["lang-switch.html", "article-header-buttons.html"],
    "use_download_button": False,
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "navigation_with_keys": False,
}}
html_context = {{"editions": {editions!r}}}
'''

LANG_SWITCH = '''{%- if editions %}
<nav class="lang-switch" aria-label="language">
{%- for e in editions %}
  {%- if e.current %}<span class="lang-current" lang="{{ e.lang }}">{{ e.label }}</span>
  {%- else %}<a class="lang-link" lang="{{ e.lang }}" hreflang="{{ e.lang }}"
     href="{{ e.prefix }}{{ e.pages.get(pagename, 'index') }}.html">{{ e.label }}</a>{% endif %}
  {%- if not loop.last %} <span class="lang-sep">|</span>{% endif %}
{%- endfor %}
</nav>
{%- endif %}
'''

CSS = """.header-article-items__end { display: flex; align-items: center; }
.lang-switch { display: flex; align-items: center; gap: .35em; margin-right: .8em; font-size: .9em; white-space: nowrap; }
.lang-current { font-weight: bold; }
img.front-figure { max-width: 100%; border: 1px solid var(--pst-color-border); }
table.run-summary td, table.run-summary th { vertical-align: top; }
"""


@dataclass
class Edition:
    lang: str          # "en" | "ko"
    executed: Path     # folder of executed notebooks (+ results.jsonl, runs.json)

    @property
    def notebooks(self) -> list[Path]:
        return sorted(self.executed.glob("[0-9][0-9]_*.ipynb"))


@dataclass
class SiteResult:
    index: Path
    seconds: float
    editions: list[str]
    pages: dict[str, list[str]] = field(default_factory=dict)   # lang -> chapter pages
    log: Path | None = None


def find_editions(mode_dir: Path, folder: str = "chapters", ko: Path | None = None) -> list[Edition]:
    """The English edition (mode_dir/folder) and, when it holds executed notebooks, the Korean one."""
    editions = [Edition("en", mode_dir / folder)]
    ko = ko if ko is not None else mode_dir / "ko" / folder
    if ko.is_dir() and any(ko.glob("[0-9][0-9]_*.ipynb")):
        editions.append(Edition("ko", ko))
    return [e for e in editions if e.notebooks]


def copy_mathjax(dest: Path) -> Path:
    """Copy MathJax's MATHJAX_PARTS into dest (about 3 MB), unless dest already has the bundle. Returns dest."""
    if not (dest / MATHJAX_BUNDLE).exists():
        shutil.copytree(mathjax_dir(), dest, dirs_exist_ok=True,
                        ignore=lambda d, names: [n for n in names if Path(d).name == "mathjax" and n not in
                                                 {p.split("/")[0] for p in MATHJAX_PARTS}]
                        + [n for n in names if Path(d).name == "output" and n != "chtml"])
    return dest


def mathjax_dir() -> Path:
    """MathJax 3's files as the `sphinx-mathjax-offline` package ships them."""
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the package sphinx-mathjax-offline is not installed (it ships MathJax for the site): "
                           "pip install -e '.[notebook]'")
    path = Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax"
    if not (path / MATHJAX_BUNDLE).exists():
        raise RuntimeError(f"no {MATHJAX_BUNDLE} in {path}")
    return path


def _first_png(nb) -> bytes | None:
    import base64
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" in data:
                return base64.b64decode(data["image/png"])
    return None


def _title(nb, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def _lead(nb, limit: int = 420) -> str:
    """The first paragraph after the title of the first markdown cell, shortened."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            paras = [p.strip() for p in cell.source.split("\n\n") if p.strip() and not p.startswith("#")]
            if paras:
                text = " ".join(paras[0].split())
                return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"
    return ""


WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def _drop_widgets(nb) -> None:
    """Remove widget outputs (tqdm.auto's progress bars) and the notebook's widget state: a static page would need
    the widget manager's JavaScript from a CDN to draw them, and their text form is the bar's first frame."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if WIDGET_MIME not in o.get("data", {})]


def _fmt(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _cell(v) -> str:
    """A value as Markdown text (in a table cell too): "<offline>" is text, not an HTML tag."""
    return html.escape(str(v), quote=False).replace("|", "\\|").replace("\n", " ")


def _run_box(t: dict, mode: str, row: dict | None, rec: dict) -> str:
    """The MyST admonition at the top of a chapter page: when and how it ran, its data, metrics and gates."""
    rec = dict(rec)
    gates = rec.pop("gates", {}) or {}
    data = rec.pop("data", None)
    rec.pop("mode", None)
    if row is None:
        title = t["box_title"].split(":")[0] + f": {t['not_run']}"
        css = "warning"
    else:
        status = "ok" if row.get("error") is None else f"FAILED: {_cell(row['error'])}"
        title = t["box_title"].format(mode=mode, when=row.get("when", "-"), seconds=row.get("seconds", 0.0),
                                      status=status)
        css = "error" if row.get("error") or any(v["passed"] is False for v in gates.values()) and mode != "smoke" \
            else "note"
    lines = [f":::{{admonition}} {title}", f":class: {css} run-box", ""]
    if data:
        lines.append(f"**{t['data']}:** {_cell(data)}\n")
    if rec:
        lines.append(f"**{t['metrics']}:** " + ", ".join(f"`{k}` = {_cell(_fmt(v))}" for k, v in rec.items()) + "\n")
    if gates:
        lines += [f"**{t['gates']}:**", "", "| " + " | ".join(t["gate_cols"]) + " |", "|---|---|---|---|"]
        for name, v in gates.items():
            lines.append(f"| `{name}` | {_cell(_fmt(v['value']))} | {_cell(v.get('needs', '-'))} | "
                         f"{t['verdict'][v['passed']]} |")
        if mode == "smoke":
            lines += ["", t["smoke_gates"]]
    else:
        lines.append(t["no_gates"])
    lines.append(":::")
    return "\n".join(lines)


def _summary_table(t: dict, chapters: list[tuple[str, str]], runs: dict, recorded: dict) -> str:
    """Markdown table: one row per chapter page (stem, title) with its run row and gates."""
    head = "| " + " | ".join(t["cols"]) + " |\n|" + "---|" * len(t["cols"])
    rows = [head]
    for stem, title in chapters:
        row = runs.get(stem)
        rec = dict(recorded.get(stem[:2], {}))
        gates = rec.pop("gates", {}) or {}
        rec.pop("data", None)
        rec.pop("mode", None)
        applicable = [v for v in gates.values() if v["passed"] is not None]
        passed = f"{sum(1 for v in applicable if v['passed'])}/{len(applicable)}" if gates else "-"
        failed = [n for n, v in gates.items() if v["passed"] is False]
        if failed:
            passed += " (" + ", ".join(f"`{n}` {t['verdict'][False]}" for n in failed) + ")"
        metric = ", ".join(f"{k}={_fmt(v)}" for k, v in rec.items()) or "-"
        if row is None:
            cells = [f"[{_cell(title)}]({stem}.ipynb)", "-", "-", t["not_run"], passed, _cell(metric)]
        else:
            status = "ok" if row.get("error") is None else f"**FAILED**: {_cell(row['error'])}"
            cells = [f"[{_cell(title)}]({stem}.ipynb)", row.get("when", "-"), f"{row.get('seconds', 0.0):.1f}",
                     status, passed, _cell(metric)]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _page_map(stems: list[str]) -> dict[str, str]:
    """Page names of an edition, and the chapter numbers ('02') mapped to its chapter pages."""
    pages = {p: p for p in FIXED_PAGES}
    pages.update({s: s for s in stems})
    pages.update({s[:2]: s for s in stems})
    return pages


def _switch_context(editions: list[Edition], current: str, stems: dict[str, list[str]]) -> list[dict]:
    """html_context['editions'] for one edition: for each edition, the href prefix from this edition's folder and
    this edition's page names -> the other edition's page names (same page, or the chapter with the same number)."""
    if len(editions) < 2:
        return []
    root = editions[0].lang
    out = []
    here = stems[current]
    for e in editions:
        if e.lang == current:
            prefix = ""
        elif current == root:
            prefix = f"{e.lang}/"
        elif e.lang == root:
            prefix = "../"
        else:
            prefix = f"../{e.lang}/"
        theirs = _page_map(stems[e.lang])
        pages = {p: theirs[p] for p in FIXED_PAGES}
        pages.update({s: theirs[s[:2]] for s in here if s[:2] in theirs})
        out.append({"lang": e.lang, "label": LANGS.get(e.lang, e.lang), "current": e.lang == current,
                    "prefix": prefix, "pages": pages})
    return out


def write_sources(edition: Edition, src: Path, *, mode: str, switch: list[dict], glossary: Path | None) -> list[str]:
    """Write one edition's Sphinx project into src: conf.py, index.md, glossary.md, the chapter notebooks (copies of
    the executed ones, each with its run box after the title; the setup cell folded) and the front page's figures.
    Returns the chapter page names in order."""
    import datetime

    import nbformat
    from nbformat.v4 import new_markdown_cell

    from vae_lib.course.gates import read_results

    t = TEXT.get(edition.lang, TEXT["en"])
    if src.exists():
        shutil.rmtree(src)
    (src / "_static" / "figures").mkdir(parents=True)
    (src / "_templates").mkdir()
    recorded = read_results(edition.executed / "results.jsonl")
    runs_file = edition.executed / "runs.json"
    runs = json.loads(runs_file.read_text(encoding="utf-8")) if runs_file.exists() else {}

    chapters, cards = [], []
    for path in edition.notebooks:
        nb = nbformat.read(path, as_version=4)
        stem = path.stem
        title = _title(nb, stem)
        first_md = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"), -1)
        if first_md < 0 or not nb.cells[first_md].source.lstrip().startswith("# "):
            nb.cells.insert(0, new_markdown_cell(f"# {title}"))   # every page needs a title (the file's name)
            first_md = 0
        nb.cells.insert(first_md + 1, new_markdown_cell(_run_box(t, mode, runs.get(stem), recorded.get(stem[:2], {}))))
        _drop_widgets(nb)
        for cell in nb.cells:
            if cell.cell_type == "code" and cell.source.lstrip().startswith(("#@title Setup", "# Setup:")):
                tags = cell.metadata.setdefault("tags", [])
                if "hide-input" not in tags:
                    tags.append("hide-input")
        nbformat.write(nb, src / path.name)
        chapters.append((stem, title))
        card = [f"### [{title}]({stem}.ipynb)", "", _lead(nb)]
        png = _first_png(nb)
        if png is not None:
            (src / "_static" / "figures" / f"{stem}.png").write_bytes(png)
            card += ["", f":::{{figure}} _static/figures/{stem}.png", ":class: front-figure",
                     f":alt: {t['figure_of'].format(nn=stem[:2])}", ":::"]
        cards.append("\n".join(card))

    whens = sorted(r.get("when", "") for r in runs.values() if r.get("when"))
    when = (whens[0] if whens[0][:10] == whens[-1][:10] else f"{whens[0]} – {whens[-1]}") if whens else "-"
    built = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    toc = ["```{toctree}", ":hidden:", ":maxdepth: 1", ""] + [s for s, _ in chapters]
    if glossary is not None:
        toc.append("glossary")
    toc.append("```")
    index = [f"# {t['title']}", "", t["intro"].format(when=when), "",
             f"## {t['chapters']}", "", "\n\n".join(cards), "",
             f"## {t['run_yourself']}", "", t["run_text"], "",
             f"## {t['summary']}", "", t["summary_text"].format(mode=mode, built=built)
             + (" " + t["smoke_gates"] if mode == "smoke" else ""), "",
             _summary_table(t, chapters, runs, recorded), ""]
    if glossary is not None:
        index += [f"{t['glossary']}: [{glossary_title(glossary)}](glossary.md)", ""]
    index += toc
    (src / "index.md").write_text("\n".join(index) + "\n", encoding="utf-8")
    if glossary is not None:
        shutil.copy(glossary, src / "glossary.md")

    copy_mathjax(src / "_static" / "mathjax")
    (src / "_static" / "course.css").write_text(CSS, encoding="utf-8")
    (src / "_templates" / "lang-switch.html").write_text(LANG_SWITCH, encoding="utf-8")
    (src / "conf.py").write_text(CONF.format(title=t["title"], lang=edition.lang, bundle=MATHJAX_BUNDLE,
                                             editions=switch), encoding="utf-8")
    return [s for s, _ in chapters]


def glossary_title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return "Glossary"


def build_site(mode_dir: Path, folder: str = "chapters", out: Path | None = None, *, ko: Path | None = None,
               glossary: Path | None = ROOT / "chapters" / "GLOSSARY.md", mode: str | None = None) -> SiteResult:
    """Build the book from the executed notebooks in mode_dir/folder (and mode_dir/ko/folder) into out
    (default mode_dir/site, or mode_dir/site-solutions). Raises RuntimeError with the end of Sphinx's log on failure."""
    start = time.perf_counter()
    mode_dir = Path(mode_dir).resolve()
    mode = mode or mode_dir.name
    out = Path(out).resolve() if out is not None else mode_dir / ("site" if folder == "chapters" else f"site-{folder}")
    editions = find_editions(mode_dir, folder, ko)
    if not editions:
        raise RuntimeError(f"no executed notebooks in {mode_dir / folder}: run tools/run_course.py first")
    if glossary is not None and not glossary.exists():
        glossary = None
    src_root = out.parent / (out.name.replace("site", "site-src", 1) if out.name.startswith("site") else out.name + "-src")
    stems = {e.lang: [p.stem for p in e.notebooks] for e in editions}
    if out.exists():
        shutil.rmtree(out)
    src_root.mkdir(parents=True, exist_ok=True)
    log = src_root / "build.log"
    log.write_text("", encoding="utf-8")
    pages = {}
    for i, edition in enumerate(editions):
        src = src_root / edition.lang
        pages[edition.lang] = write_sources(edition, src, mode=mode,
                                            switch=_switch_context(editions, edition.lang, stems), glossary=glossary)
        target = out if i == 0 else out / edition.lang
        cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-E", "-q", "-j", "1",
               "-d", str(src_root / f".doctrees-{edition.lang}"), str(src), str(target)]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=src)
        with log.open("a", encoding="utf-8") as f:
            f.write(f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}\n")
        if proc.returncode != 0 or not (target / "index.html").exists():
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
            raise RuntimeError(f"Sphinx failed for the {LANGS.get(edition.lang, edition.lang)} edition "
                               f"(exit {proc.returncode}; log: {log}):\n{tail}")
    return SiteResult(out / "index.html", time.perf_counter() - start, [e.lang for e in editions], pages, log)


def build_after_run(mode_dir: Path, folder: str) -> bool:
    """tools/run_course.py's last step: build the site, print where it is (or why it failed). True when built."""
    try:
        result = build_site(mode_dir, folder)
    except Exception as e:  # the chapters' results were printed and saved already: say what went wrong, go on
        print(f"\nBOOK SITE NOT BUILT: {e.__class__.__name__}: {e}\n(The chapters' results above stand; rebuild the "
              f"site alone with: python tools/build_site.py {mode_dir}{' --solutions' if folder == 'solutions' else ''})")
        return False
    editions = " + ".join(LANGS.get(lang, lang) for lang in result.editions)
    print(f"\nbook site ({editions}; reads offline) built in {result.seconds:.1f} s: open {result.index}")
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode_dir", nargs="?", type=Path, default=ROOT / "build" / "course",
                        help="a run's folder, e.g. build/course (default) or build/smoke")
    parser.add_argument("--solutions", action="store_true", help="the executed solutions/ instead of chapters/")
    parser.add_argument("--ko", type=Path, default=None,
                        help="folder of the executed Korean edition (default: MODE_DIR/ko/chapters)")
    parser.add_argument("--out", type=Path, default=None, help="where the site goes (default: MODE_DIR/site)")
    args = parser.parse_args(argv)
    try:
        result = build_site(args.mode_dir, "solutions" if args.solutions else "chapters", args.out, ko=args.ko)
    except RuntimeError as e:
        print(f"BOOK SITE NOT BUILT: {e}", file=sys.stderr)
        return 1
    print(f"built in {result.seconds:.1f} s ({', '.join(result.editions)}): open {result.index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
