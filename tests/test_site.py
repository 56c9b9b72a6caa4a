"""The book site (tools/build_site.py): built from executed notebooks, read from disk with the network off.

The fixture writes small synthetic *executed* notebooks (a formula in Markdown, a PNG figure and a LaTeX output,
as a run leaves them) with results.jsonl and runs.json, for an English and a fake Korean edition: no kernel runs.
The browser test opens the built site in headless Chromium (Playwright, offline, every non-file request aborted);
screenshots go to build/site-shots/. See tools/site_check.py (also a command).
"""
import base64
import io
import json
import re
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tools import build_site, run_course, site_check

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "build" / "site-shots"


def _png(color) -> str:
    from PIL import Image, ImageOps
    buf = io.BytesIO()
    ImageOps.colorize(Image.radial_gradient("L").resize((120, 80)), "white", color).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def _executed(path: Path, title: str, text: str, color) -> None:
    plot = new_code_cell("plt.imshow(x)", execution_count=2, outputs=[
        new_output("display_data", data={"image/png": _png(color), "text/plain": "<Figure>"})])
    latex = new_code_cell("sympy.Rational(1, 2)", execution_count=3, outputs=[
        new_output("execute_result", data={"text/latex": r"$\displaystyle \frac{1}{2}$", "text/plain": "1/2"},
                   execution_count=3)])
    # tqdm.auto's bar as an executed notebook holds it: a widget view, and the widget's state in the metadata
    bar = new_code_cell("for _ in tqdm(range(3)): pass", execution_count=4, outputs=[new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2, "version_minor": 0},
        "text/plain": "  0%|          | 0/3 [00:00<?, ?it/s]"})])
    nb = new_notebook(cells=[
        new_markdown_cell(f"# {title}\n\n{text} The density of $z$ is\n\n"
                          "$$\n\\mathcal{N}(z;\\mu,\\sigma^2) = \\frac{1}{\\sqrt{2\\pi\\sigma^2}}"
                          "\\exp\\!\\Big(-\\frac{(z-\\mu)^2}{2\\sigma^2}\\Big).\n$$"),
        new_code_cell("#@title Setup: finds vae_lib { display-mode: \"form\" }\nimport vae_lib", execution_count=1),
        plot, latex, bar,
        new_markdown_cell("## Covariance\n\nThe covariance matrix $\\Sigma$ of a diagonal Gaussian is diagonal."),
    ])
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    state = {"abc": {"model_name": "FloatProgressModel", "model_module": "@jupyter-widgets/controls",
                     "model_module_version": "2.0.0", "state": {"value": 3, "max": 3}}}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": state, "version_major": 2,
                                                                             "version_minor": 0}}
    nbformat.write(nb, path)


def _edition(folder: Path, titles: dict[str, str], text: str) -> None:
    folder.mkdir(parents=True)
    colors = ["teal", "orange", "purple"]
    runs = {}
    for (stem, title), color in zip(titles.items(), colors):
        _executed(folder / f"{stem}.ipynb", title, text, color)
        runs[stem] = {"chapter": stem, "when": "2026-01-02 03:04", "seconds": 12.5, "error": None}
    (folder / "runs.json").write_text(json.dumps(runs), encoding="utf-8")
    (folder / "results.jsonl").write_text(
        json.dumps({"chapter": "01", "data": "digits <offline>", "test_bce": 3.25}) + "\n"
        + json.dumps({"chapter": "01", "gates": {"samples_recognised": {"value": 0.91, "needs": ">= 0.8",
                                                                       "passed": True},
                                                 "hole_fraction": {"value": 0.5, "needs": "<= 0.3",
                                                                   "passed": False}}}) + "\n",
        encoding="utf-8")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """A run's folder as tools/run_course.py leaves it: smoke/chapters and smoke/ko/chapters."""
    mode_dir = tmp_path_factory.mktemp("run") / "smoke"
    _edition(mode_dir / "chapters", {"01_alpha": "01 — The alpha chapter", "02_beta": "02 — The beta chapter"},
             "A normal distribution.")
    _edition(mode_dir / "ko" / "chapters", {"01_alpha": "01 — 알파 장", "02_beta": "02 — 베타 장"}, "정규분포입니다.")
    return mode_dir


@pytest.fixture(scope="module")
def site(run_dir):
    start = time.perf_counter()
    result = build_site.build_site(run_dir, "chapters")
    print(f"\nbook site built in {time.perf_counter() - start:.1f} s ({result.editions})")
    return result


def test_the_site_has_both_editions_every_chapter_the_glossary_and_search(site, run_dir):
    out = run_dir / "site"
    assert site.index == out / "index.html" and site.editions == ["en", "ko"]
    for folder in (out, out / "ko"):
        for name in ("index", "01_alpha", "02_beta", "glossary", "search"):
            assert (folder / f"{name}.html").exists(), folder / f"{name}.html"
        assert (folder / "searchindex.js").exists()
        assert (folder / "_static" / "mathjax" / build_site.MATHJAX_BUNDLE).stat().st_size > 500_000
        assert list((folder / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
    assert "알파" in (out / "ko" / "01_alpha.html").read_text(encoding="utf-8")
    assert "Glossary" in (out / "glossary.html").read_text(encoding="utf-8")


def test_nothing_is_loaded_from_the_network(site, run_dir):
    """No script, style sheet, font or image comes from a URL: MathJax is the site's own copy."""
    remote = re.compile(r"""<(?:script|img|link|iframe)\b[^>]*\b(?:src|href)=["'](?:https?:)?//""", re.I)
    pages = list((run_dir / "site").rglob("*.html"))
    assert len(pages) >= 10
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not remote.search(text), f"{page}: {remote.search(text).group(0)}"
    chapter = (run_dir / "site" / "01_alpha.html").read_text(encoding="utf-8")
    assert 'src="_static/mathjax/tex-chtml-full.js' in chapter
    css = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in (run_dir / "site").rglob("*.css"))
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", css), "a style sheet loads something from a URL"


def test_front_page_chapter_pages_and_gates(site, run_dir):
    front = (run_dir / "site" / "index.html").read_text(encoding="utf-8")
    words = re.sub(r"<[^>]+>", "", front)
    for text in ("The chapters", "Run it yourself", "course.sh run", "course.sh test", "jupyter lab", "Colab",
                 "This run", "smoke", "01 — The alpha chapter", "2026-01-02 03:04", "hole_fraction"):
        assert text in words, text
    figures = re.findall(r'<img alt="A figure from chapter \d\d" class="front-figure" src="([^"]+)"', front)
    assert len(figures) == 2 and all((run_dir / "site" / f).stat().st_size > 100 for f in figures)  # one per chapter
    chapter = (run_dir / "site" / "01_alpha.html").read_text(encoding="utf-8")
    assert "This run: smoke mode, 2026-01-02 03:04, 12.5 s, ok" in chapter
    assert "samples_recognised" in chapter and "0.91" in chapter and "&gt;= 0.8" in chapter and "FAILED" in chapter
    assert "digits &lt;offline&gt;" in chapter
    assert "gates are shown, not required" in chapter      # smoke mode
    assert "<details" in chapter and "Setup: finds vae_lib" in chapter   # the setup cell is folded
    assert "This chapter has no quality gates." in (run_dir / "site" / "02_beta.html").read_text(encoding="utf-8")
    ko = (run_dir / "site" / "ko" / "index.html").read_text(encoding="utf-8")
    assert "직접 실행하기" in ko and "품질 기준" in ko


def test_every_page_links_the_same_page_in_the_other_edition(site, run_dir):
    out = run_dir / "site"
    for page in list(out.glob("*.html")) + list((out / "ko").glob("*.html")):
        hrefs = re.findall(r'class="lang-link"[^>]*href="([^"]+)"', page.read_text(encoding="utf-8"))
        assert len(hrefs) == 1, page
        target = (page.parent / hrefs[0]).resolve()
        assert target.exists(), (page, hrefs[0])
        if page.name != "genindex.html":
            assert target.name == page.name, (page, target)
        assert (target.parent == out / "ko") != (page.parent == out / "ko")


def test_a_chapter_missing_from_the_other_edition_links_its_front_page():
    editions = [build_site.Edition("en", Path("en")), build_site.Edition("ko", Path("ko"))]
    stems = {"en": ["01_a", "02_b"], "ko": ["01_a_ko"]}
    en = build_site._switch_context(editions, "en", stems)
    ko_link = next(e for e in en if e["lang"] == "ko")
    assert ko_link["prefix"] == "ko/" and ko_link["pages"]["01_a"] == "01_a_ko" and "02_b" not in ko_link["pages"]
    back = next(e for e in build_site._switch_context(editions, "ko", stems) if e["lang"] == "en")
    assert back["prefix"] == "../" and back["pages"]["01_a_ko"] == "01_a"
    assert build_site._switch_context(editions[:1], "en", {"en": ["01_a"]}) == []


def test_without_executed_notebooks_it_says_so(tmp_path):
    (tmp_path / "course" / "chapters").mkdir(parents=True)
    with pytest.raises(RuntimeError, match="no executed notebooks"):
        build_site.build_site(tmp_path / "course")
    assert build_site.main([str(tmp_path / "course")]) == 1


@pytest.mark.browser
def test_the_site_reads_offline_in_a_browser(site, run_dir):
    why = site_check.missing_requirements()
    if why:
        pytest.skip(f"browser test skipped: {why}")
    report = site_check.check_site(site.index, SHOTS)
    print(report.summary())
    assert report.blocked == [], f"requests that needed the network: {report.blocked}"
    chapters = ["01_alpha.html", "02_beta.html"]
    assert report.walk[:4] == ["index.html"] + chapters + ["glossary.html"], report.walk
    assert set(chapters + ["glossary.html"]) <= set(report.sidebar), report.sidebar
    for name in chapters:
        seen = report.pages[name]
        assert seen["mathjax"] == "typeset" and seen["maths"] >= 4, seen
        assert seen["typeset"] == seen["maths"] and not seen["raw_tex"], seen["raw_tex"]
        assert seen["images"] >= 1 and seen["images_loaded"] == seen["images"], seen
    front = report.pages["index.html"]
    assert front["images"] == 2 and front["images_loaded"] == 2, front
    assert report.pages["glossary.html"]["typeset"] >= 1   # the glossary's formulas too
    assert report.search_results >= 2, report.search_results
    assert report.switch["01_alpha.html"] == {"opened": "ko/01_alpha.html", "lang": "ko",
                                              "back": "01_alpha.html", "back_lang": "en"}, report.switch
    assert report.pages["ko/01_alpha.html"]["typeset"] == report.pages["ko/01_alpha.html"]["maths"] > 0
    for path in report.screenshots.values():
        assert Path(path).stat().st_size > 1000, path
    assert {"front", "chapter", "formula", "figure", "search", "other_edition"} <= set(report.screenshots)


def _write(path, *sources):
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources]), path)


def test_a_run_builds_the_site_and_a_site_failure_hides_no_chapter(tmp_path, monkeypatch, capsys):
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    _write(chapters / "01_ok.ipynb", "from vae_lib import course\ncourse.record_result('01', data='digits', test_bce=12.5)")
    monkeypatch.setattr(run_course, "ROOT", tmp_path)
    args = ["--out", str(tmp_path / "build"), "--offline", "--mode", "smoke"]
    assert run_course.main(args) == 0
    assert "book site (English; reads offline) built in" in capsys.readouterr().out
    assert "test_bce=12.5" in (tmp_path / "build" / "smoke" / "site" / "index.html").read_text(encoding="utf-8")
    page = (tmp_path / "build" / "smoke" / "site" / "01_ok.html").read_text(encoding="utf-8")
    assert re.search(r"<h1>01_ok<", page), "a notebook without a title cell gets its file name as title"

    def broken(*a, **k):
        raise RuntimeError("Sphinx failed for the English edition")
    monkeypatch.setattr(build_site, "build_site", broken)
    assert run_course.main(args) == 1
    out = capsys.readouterr().out
    assert "BOOK SITE NOT BUILT: RuntimeError: Sphinx failed" in out and "tools/build_site.py" in out
    row = next(line for line in out.splitlines() if line.startswith("01_ok"))
    assert " ok " in row and "test_bce=12.5" in row


def test_a_chapters_html_copy_typesets_its_formulas_offline(run_dir, tmp_path):
    """run_course's HTML copy of a chapter (build/<mode>/chapters/NN_name.html) loads MathJax from a folder beside
    it, not from a CDN: opened from disk with the network off, every formula is typeset."""
    nb = nbformat.read(run_dir / "chapters" / "01_alpha.ipynb", as_version=4)
    page = run_course.write_html(nb, tmp_path / "01_alpha.html")
    text = page.read_text(encoding="utf-8")
    assert f'src="mathjax/{build_site.MATHJAX_BUNDLE}"' in text and "mathjax/2.7" not in text
    assert (tmp_path / "mathjax" / build_site.MATHJAX_BUNDLE).stat().st_size > 500_000
    run_course.write_html(nb, tmp_path / "01_again.html")   # a second chapter reuses the copy
    why = site_check.missing_requirements()
    if why:
        pytest.skip(f"browser test skipped: {why}")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=site_check.find_chromium(), headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            context = browser.new_context(offline=True)
            context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://") else r.abort())
            tab = context.new_page()
            tab.goto(page.as_uri())
            tab.wait_for_load_state("load")
            tab.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
            tab.evaluate("MathJax.startup.promise")   # resolves when the page is typeset
            typeset = tab.evaluate("document.querySelectorAll('mjx-container').length")
            errors = tab.evaluate("document.querySelectorAll('mjx-merror').length")
            raw = tab.evaluate(r"(document.body.innerText.match(/\$\$|\$z\$|\\Sigma/g) || []).length")
        finally:
            browser.close()
    # $z$, the displayed density, $\Sigma$, and sympy's LaTeX output
    assert typeset >= 4 and errors == 0 and raw == 0, (typeset, errors, raw)


def test_without_the_mathjax_package_the_html_copy_is_still_written(run_dir, tmp_path, monkeypatch, capsys):
    def missing():
        raise RuntimeError("the package sphinx-mathjax-offline is not installed")
    monkeypatch.setattr(build_site, "mathjax_dir", missing)
    nb = nbformat.read(run_dir / "chapters" / "01_alpha.ipynb", as_version=4)
    page = run_course.write_html(nb, tmp_path / "01_alpha.html")
    assert "The alpha chapter" in page.read_text(encoding="utf-8") and not (tmp_path / "mathjax").exists()
    assert "typesets its formulas only online" in capsys.readouterr().out
