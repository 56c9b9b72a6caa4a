"""Open the built book site from disk in headless Chromium with the network off, and report what a reader sees.

    python tools/site_check.py build/course/site            # screenshots in build/site-shots/
    python tools/site_check.py build/smoke/site --out /tmp/shots

What it does: drives the system's Chromium (as tools/browser_check.py: $CHROMIUM or chromium on PATH) through
Playwright in a context that is offline and whose every request other than file:// is aborted and counted. Then:
  * the front page: its figures (loaded = naturalWidth > 0), its formulas;
  * the navigation: the sidebar's links, and a walk from the front page along the "next" links, page by page;
  * every page reached: formulas typeset by MathJax (each `.math` element holds an `mjx-container`; none left as
    TeX), figures loaded;
  * the search page, with a word that is in the chapters: how many results;
  * the language switch, when the site has two editions: where its link leads from a chapter page;
  * screenshots: the front page, a chapter page, one formula, one figure, the search results, the other edition.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.browser_check import find_chromium, missing_requirements  # noqa: E402,F401

READ_PAGE_JS = """() => {
  const main = document.querySelector('article.bd-article, .bd-article') || document.body;
  const maths = [...main.querySelectorAll('.math')];
  const imgs = [...main.querySelectorAll('img')];
  return {
    lang: document.documentElement.lang,
    title: document.title,
    maths: maths.length,
    typeset: maths.filter(m => m.querySelector('mjx-container')).length,
    raw_tex: maths.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 80)),
    images: imgs.length,
    images_loaded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
    next: document.querySelector('a.right-next')?.href || null,
    sidebar: [...document.querySelectorAll('nav.bd-links a.reference.internal')].map(a => a.href),
    switch_links: [...document.querySelectorAll('.lang-switch a.lang-link')].map(a => a.href),
  };
}"""
MATHJAX_DONE_JS = """async () => {
  if (!document.querySelector('.math')) return 'no math';
  for (let i = 0; i < 200 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++)
    await new Promise(r => setTimeout(r, 50));
  if (!(window.MathJax && MathJax.startup)) return 'MathJax did not load';
  await MathJax.startup.promise;
  return 'typeset';
}"""


@dataclass
class SiteReport:
    pages: dict = field(default_factory=dict)          # page path in the site -> what READ_PAGE_JS saw (+ mathjax)
    walk: list = field(default_factory=list)           # page paths reached along the "next" links, in order
    sidebar: list = field(default_factory=list)        # page paths the front page's sidebar links to
    search_query: str = ""
    search_results: int = -1
    switch: dict = field(default_factory=dict)         # page -> the page its language-switch link opened, its lang,
                                                       # and the page that the switch there leads back to
    blocked: list = field(default_factory=list)        # requests that would have left the disk
    console_errors: list = field(default_factory=list)
    screenshots: dict = field(default_factory=dict)

    def summary(self) -> str:
        maths = sum(p["maths"] for p in self.pages.values())
        typeset = sum(p["typeset"] for p in self.pages.values())
        imgs = sum(p["images"] for p in self.pages.values())
        loaded = sum(p["images_loaded"] for p in self.pages.values())
        return (f"{len(self.pages)} pages, {typeset}/{maths} formulas typeset, {loaded}/{imgs} images loaded, "
                f"walk: {' > '.join(self.walk)}, search '{self.search_query}': {self.search_results} results, "
                f"switch: {self.switch}, {len(self.blocked)} network requests blocked")


def _rel(url: str, base: str) -> str:
    """A page's path in the site ('02_name.html', 'ko/02_name.html') from its file:// URL."""
    url = url.split("#")[0].split("?")[0]
    return url[len(base):] if url.startswith(base) else url


def check_site(index: Path, shots: Path, *, search: str = "covariance", width: int = 1280) -> SiteReport:
    """Open index (a built site's front page) from disk, offline; see the module's docstring."""
    from playwright.sync_api import sync_playwright

    index = Path(index).resolve()
    base = index.parent.as_uri() + "/"
    _name = lambda url: _rel(url, base)  # noqa: E731
    shots.mkdir(parents=True, exist_ok=True)
    report = SiteReport(search_query=search)

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            report.blocked.append(r.request.url)
            r.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(), headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            context = browser.new_context(offline=True, viewport={"width": width, "height": 900})
            context.route("**/*", route)
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.on("console", lambda m: m.type == "error" and report.console_errors.append(m.text))

            def visit(url: str) -> dict:
                page.goto(url)
                page.wait_for_load_state("load")
                state = page.evaluate(MATHJAX_DONE_JS)
                seen = page.evaluate(READ_PAGE_JS)
                seen["mathjax"] = state
                report.pages[_name(page.url)] = seen
                return seen

            front = visit(index.as_uri())
            report.sidebar = [_name(u) for u in front["sidebar"]]
            report.screenshots["front"] = str(shots / "front.png")
            page.screenshot(path=report.screenshots["front"], full_page=True)
            fig = page.locator("img.front-figure").first
            if fig.count():
                fig.scroll_into_view_if_needed()
                report.screenshots["figure"] = str(shots / "figure.png")
                fig.screenshot(path=report.screenshots["figure"])

            # the walk along the "next" links, from the front page to the last page
            report.walk = [_name(index.as_uri())]
            seen, shot_chapter = front, False
            while seen["next"] and len(report.walk) < 50:
                seen = visit(seen["next"])
                report.walk.append(_name(page.url))
                if not shot_chapter and seen["typeset"]:
                    shot_chapter = True
                    report.screenshots["chapter"] = str(shots / "chapter.png")
                    page.screenshot(path=report.screenshots["chapter"])
                    formula = page.locator("article div.math mjx-container").first
                    formula.scroll_into_view_if_needed()
                    report.screenshots["formula"] = str(shots / "formula.png")
                    formula.screenshot(path=report.screenshots["formula"])
                    if seen["switch_links"]:
                        target = seen["switch_links"][0]
                        here = _name(page.url)
                        other = visit(target)
                        report.switch[here] = {"opened": _name(page.url), "lang": other["lang"]}
                        report.screenshots["other_edition"] = str(shots / "other_edition.png")
                        page.screenshot(path=report.screenshots["other_edition"])
                        page.locator(".lang-switch a.lang-link").first.click()   # and back, by clicking
                        page.wait_for_load_state("load")
                        report.switch[here]["back"] = _name(page.url)
                        report.switch[here]["back_lang"] = page.evaluate("document.documentElement.lang")
                        seen = visit(page.url)

            page.goto(index.parent.joinpath("search.html").as_uri() + f"?q={search}")
            page.wait_for_function("() => document.querySelector('#search-results p.search-summary, "
                                   "#search-results .search-summary') !== null "
                                   "|| (document.querySelector('#search-results h2')?.textContent || '')"
                                   ".includes('Search Results')", timeout=30_000)
            report.search_results = page.locator("#search-results ul.search > li").count()
            report.screenshots["search"] = str(shots / "search.png")
            page.screenshot(path=report.screenshots["search"])
        finally:
            browser.close()
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", nargs="?", type=Path, default=ROOT / "build" / "course" / "site")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site-shots")
    parser.add_argument("--search", default="covariance")
    args = parser.parse_args(argv)
    why = missing_requirements()
    if why:
        print(f"cannot check the site: {why}")
        return 2
    report = check_site(args.site / "index.html", args.out, search=args.search)
    print(report.summary())
    for name, seen in report.pages.items():
        print(f"  {name}: {seen['typeset']}/{seen['maths']} formulas ({seen['mathjax']}), "
              f"{seen['images_loaded']}/{seen['images']} images, lang {seen['lang']}")
    print("screenshots:", ", ".join(f"{k}: {v}" for k, v in report.screenshots.items()))
    bad = [n for n, s in report.pages.items() if s["raw_tex"] or s["images_loaded"] < s["images"]]
    return 1 if bad or report.blocked else 0


if __name__ == "__main__":
    sys.exit(main())
