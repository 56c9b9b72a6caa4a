"""Open a chapter in JupyterLab in a real (headless) browser, run all cells, and report what is on screen.

    python tools/browser_check.py                 # chapter 01, screenshots in build/browser/
    python tools/browser_check.py 05 --out /tmp/shots

What it does, so that nothing in the checkout changes:
  * copies the chapter notebook into a temporary course folder (chapters/NN_name.ipynb there; the
    notebook's `../build/cache/...` files land in that folder too) and appends one small probe cell
    that draws a `tqdm.auto` bar, so the widget path is exercised even when the chapter's own
    training cells show no bar in smoke mode;
  * starts JupyterLab on 127.0.0.1 (a free port, a random token, --no-browser, --allow-root as root)
    with private settings, workspace, config and runtime folders, autosave off and the notebook's
    windowing mode 'none' (every cell is rendered, not only the visible ones); the kernel inherits
    VAE_COURSE_QUICK=1, VAE_COURSE_MODE=smoke, VAE_COURSE_OFFLINE=1 and PYTHONPATH=<this checkout>;
  * drives Debian's `chromium` (or $CHROMIUM) through Playwright: waits for a started kernel, clicks
    Run > Run All Cells (again if nothing got queued), waits until no cell is queued or running;
  * reads the page: error outputs, stderr text, "IProgress not found", progress-bar widgets, figures;
  * saves screenshots: the window, the whole notebook (a tall page), the first figure, the first bar.

A Korean notebook (metadata vae_course.lang == "ko", e.g. chapters/ko/01_autoencoder.ipynb) gets a second
probe cell, which draws a figure with a Korean title and prints the font matplotlib draws it with and how
many of its characters that font lacks; the page read-out also collects the headings' text and asks
Chromium (DevTools protocol, CSS.getPlatformFontsForNode) which fonts drew the first Korean heading, so
that the test can tell Hangul from empty boxes (tofu) in the browser and in the figures.

Needs the `playwright` Python package (no browser download: the system's Chromium is used) and
`ipywidgets` in the kernel's environment (tqdm.auto draws its bar as a widget only with it; without
it the page shows "IProgress not found", which the test reports as a failure).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMOKE_ENV = {"VAE_COURSE_QUICK": "1", "VAE_COURSE_MODE": "smoke", "VAE_COURSE_OFFLINE": "1"}
PROBE_MARK = "# browser check: a tqdm.auto progress bar"
PROBE_CELL = (f"{PROBE_MARK} (added to the temporary copy only)\n"
              "from tqdm.auto import tqdm\n"
              "for _ in tqdm(range(5), desc='browser check'):\n"
              "    pass\n")
KO_PROBE_MARK = "# browser check: Korean text in a figure"
KO_PROBE_TITLE = "한글 그림 제목: 재구성과 잠재 공간"
KO_PROBE_CELL = (f"{KO_PROBE_MARK} (added to the temporary copy only)\n"
                 "import matplotlib.pyplot as plt\n"
                 "from matplotlib import font_manager\n"
                 "fig, ax = plt.subplots(figsize=(5, 1.2))\n"
                 f"title = ax.set_title({KO_PROBE_TITLE!r}, fontsize=16)\n"
                 "ax.axis('off')\n"
                 "# matplotlib draws each character with the first font of the family list that has it\n"
                 "fonts = [font_manager.get_font(font_manager.findfont(font_manager.FontProperties(family=[f])))\n"
                 "         for f in title.get_fontproperties().get_family()]\n"
                 "lacking = [c for c in title.get_text()\n"
                 "           if not c.isspace() and not any(ord(c) in f.get_charmap() for f in fonts)]\n"
                 "hangul = next((f.family_name for f in fonts if ord('한') in f.get_charmap()), None)\n"
                 "print(f'browser check font: {hangul}; glyphs missing: {len(lacking)}')\n"
                 "plt.show()\n")
# The line KO_PROBE_CELL prints, read back from the page.
KO_PROBE_LINE = re.compile(r"browser check font: (?P<font>[^;\n]+); glyphs missing: (?P<missing>\d+)")
# matplotlib's warning when a font has no glyph for a character (the character is drawn as an empty box).
MISSING_GLYPH_PATTERN = re.compile(r"Glyph \d+ .*missing from font")
HANGUL = re.compile(r"[\uac00-\ud7a3]")
# What an error looks like in an output area. Tracebacks and stderr share one mime type in
# JupyterLab, so they are told apart by their text.
ERROR_PATTERN = re.compile(r"Traceback \(most recent call last\)|^\w*(Error|Exception)\b|\[wrong\]", re.M)
# Settings that keep the browser from writing into the notebook and render every cell.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "checkForUpdates": False, "fetchNews": "false"},
}
# Page-side read-out of the notebook panel (run after execution).
READ_PAGE_JS = """() => {
  const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
  const cells = [...nb.querySelectorAll('.jp-Cell.jp-CodeCell')];
  const out = {cells: cells.length, prompts: [], stderr: [], errors: [], figures: 0, figures_loaded: 0,
               bars: 0, bars_in_probe: 0, widget_fallback_text: 0, page_text_iprogress: false};
  for (const cell of cells) {
    const source = cell.querySelector('.jp-InputArea-editor')?.textContent || '';
    const isProbe = source.includes('browser check: a tqdm');
    // an empty cell gets no execution count when run: leave it out of the prompts
    if (source.trim()) out.prompts.push((cell.querySelector('.jp-InputPrompt')?.textContent || '').trim());
    for (const o of cell.querySelectorAll('.jp-OutputArea-output')) {
      const mime = o.getAttribute('data-mime-type') || '';
      if (mime === 'application/vnd.jupyter.stderr') out.stderr.push(o.innerText);
      for (const img of o.querySelectorAll('img')) {
        if ((img.getAttribute('src') || '').startsWith('data:image/')) {
          out.figures += 1;
          if (img.complete && img.naturalWidth > 0) out.figures_loaded += 1;
        }
      }
      // ipywidgets draws FloatProgress (tqdm.auto's bar) as .widget-hprogress; count the visible ones
      const bars = [...o.querySelectorAll('.widget-hprogress, .widget-vprogress')]
        .filter(b => b.offsetWidth > 0 && b.offsetHeight > 0).length;
      out.bars += bars;
      if (isProbe) out.bars_in_probe += bars;
      if (/HBox\\(children=|FloatProgress\\(value=|Loading widget/.test(o.innerText)) out.widget_fallback_text += 1;
    }
  }
  out.page_text_iprogress = document.body.innerText.includes('IProgress not found');
  out.headings = [...nb.querySelectorAll('.jp-RenderedMarkdown h1, .jp-RenderedMarkdown h2')]
    .map(h => h.textContent.replace(/¶$/, '').trim());
  out.outputs_text = [...nb.querySelectorAll('.jp-OutputArea-output')].map(o => o.innerText).join('\\n');
  return out;
}"""


# Page-side: is the first code cell's source folded (JupyterLab shows a placeholder bar instead of the editor)?
SETUP_FOLDED_JS = """() => {
  const cell = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell.jp-CodeCell');
  if (!cell) return null;
  const placeholder = cell.querySelector('.jp-InputPlaceholder');
  const editor = cell.querySelector('.jp-InputArea-editor');
  return !!placeholder && placeholder.offsetHeight > 0 && !(editor && editor.offsetHeight > 0);
}"""


@dataclass
class Report:
    notebook: str
    seconds: float = 0.0
    cells: int = 0
    prompts: list = field(default_factory=list)     # input prompts of the non-empty code cells
    errors: list = field(default_factory=list)        # stderr outputs that look like errors
    stderr: list = field(default_factory=list)        # every stderr output's text
    iprogress_warning: bool = False
    bars: int = 0                                     # progress-bar widgets drawn
    bars_in_probe: int = 0                            # ... of which in the appended probe cell
    widget_fallback_text: int = 0                     # widgets shown as text (no widget manager)
    figures: int = 0
    figures_loaded: int = 0
    screenshots: dict = field(default_factory=dict)
    headings: list = field(default_factory=list)      # text of the rendered markdown h1/h2 headings
    missing_glyphs: list = field(default_factory=list)  # matplotlib's "Glyph ... missing from font" warnings
    setup_folded: bool | None = None                  # the first code cell opened folded (source_hidden)
    korean: bool = False                              # a Korean notebook (its probe cell was added)
    figure_font: str | None = None                    # Korean notebook: the font of the probe figure's title ...
    figure_glyphs_missing: int | None = None          # ... and how many of its characters that font lacks
    heading_fonts: list = field(default_factory=list)  # Korean notebook: fonts Chromium drew the first Korean heading with
    settings: dict = field(default_factory=dict)      # what the server reports for LAB_SETTINGS' keys
    log: list = field(default_factory=list)

    @property
    def chapter_bars(self) -> int:
        return self.bars - self.bars_in_probe

    def summary(self) -> str:
        shots = ", ".join(f"{k}: {v}" for k, v in self.screenshots.items())
        return (f"{self.notebook}: {self.seconds:.0f} s, {self.cells} code cells, {len(self.errors)} error outputs, "
                f"{len(self.stderr)} stderr outputs, {self.figures_loaded}/{self.figures} figures loaded, "
                f"{self.bars} progress widgets ({self.chapter_bars} from the chapter's cells), "
                f"IProgress warning: {self.iprogress_warning}, setup cell folded: {self.setup_folded}; screenshots {shots}"
                + (f"; Korean: {sum(bool(HANGUL.search(h)) for h in self.headings)}/{len(self.headings)} headings "
                   f"with Hangul, heading fonts {self.heading_fonts}, figure font {self.figure_font} "
                   f"({self.figure_glyphs_missing} glyphs missing), {len(self.missing_glyphs)} missing-glyph warnings"
                   if self.korean else ""))


def find_chromium() -> str | None:
    """The system's Chromium: $CHROMIUM, else the first of chromium / chromium-browser / google-chrome on PATH."""
    if os.environ.get("CHROMIUM"):
        return shutil.which(os.environ["CHROMIUM"])
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def missing_requirements() -> str | None:
    """Why the browser check cannot run here (None when it can)."""
    import importlib.util

    if importlib.util.find_spec("playwright") is None:
        return "the 'playwright' Python package is not installed (pip install playwright; no browser download needed)"
    if find_chromium() is None:
        return "no Chromium found (apt-get install chromium, or set CHROMIUM=/path/to/chrome)"
    return None  # a missing ipywidgets is a failure (a test dependency), not a reason to skip


def is_korean(notebook: Path) -> bool:
    """A notebook of the Korean edition (tools/sync_chapters.py writes metadata vae_course.lang = 'ko')."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    return nb.get("metadata", {}).get("vae_course", {}).get("lang") == "ko"


def hangul_font_families() -> set[str] | None:
    """Family names of the installed fonts that have Hangul (fontconfig: fc-list ':charset=ac00');
    None when fc-list is missing."""
    if shutil.which("fc-list") is None:
        return None
    done = subprocess.run(["fc-list", ":charset=ac00", "family"], capture_output=True, text=True, check=False)
    return {name.strip() for line in done.stdout.splitlines() for name in line.split(",") if name.strip()}


def _heading_fonts(page) -> list:
    """The platform fonts Chromium drew the first Hangul h1/h2 with: [{familyName, glyphCount, ...}]."""
    index = page.evaluate("""() => [...document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedMarkdown h1, '
        + '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedMarkdown h2')]
        .findIndex(h => /[\\uac00-\\ud7a3]/.test(h.textContent))""")
    if index < 0:
        return []
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        nodes = cdp.send("DOM.querySelectorAll", {
            "nodeId": root, "selector": ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedMarkdown h1, "
                                        ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedMarkdown h2"})["nodeIds"]
        return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": nodes[index]})["fonts"]
    finally:
        cdp.detach()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_copy(notebook: Path, work: Path) -> Path:
    """Copy the notebook to work/course/<its folder>/ with a probe cell appended; returns the copy."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    # without a kernelspec JupyterLab would ask for a kernel in a dialog
    nb.setdefault("metadata", {}).setdefault(
        "kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "browser-check-probe",
                        "metadata": {}, "outputs": [], "source": PROBE_CELL.splitlines(keepends=True)})
    if nb["metadata"].get("vae_course", {}).get("lang") == "ko":
        nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "browser-check-korean-probe",
                            "metadata": {}, "outputs": [], "source": KO_PROBE_CELL.splitlines(keepends=True)})
    target = work / "course" / notebook.parent.name / notebook.name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return target


def start_lab(work: Path, root_dir: Path, log_file: Path) -> tuple[subprocess.Popen, str, str]:
    """Start JupyterLab (private folders, smoke-mode environment); returns (process, base URL, token)."""
    settings, workspaces = work / "lab-settings", work / "lab-workspaces"
    for rel, values in LAB_SETTINGS.items():
        path = settings / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    workspaces.mkdir(parents=True, exist_ok=True)
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # pytest's conftest sets Agg, which would hide every figure
    env.pop("VAE_COURSE_RESULTS", None)  # a browser run adds no line to a course run's results
    env.update(SMOKE_ENV)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.update(JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(workspaces),
               JUPYTER_CONFIG_DIR=str(work / "jupyter-config"), JUPYTER_RUNTIME_DIR=str(work / "jupyter-runtime"),
               PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root_dir}",
           "--ServerApp.terminals_enabled=False"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(log_file, "w", encoding="utf-8")
    proc = subprocess.Popen(cmd, env=env, cwd=root_dir, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {proc.returncode}; log: {log_file}")
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                return proc, base, token
        except OSError:
            time.sleep(0.3)
    stop_lab(proc)
    raise RuntimeError(f"JupyterLab did not answer within 90 s; log: {log_file}")


def stop_lab(proc: subprocess.Popen) -> None:
    """Stop the server and its kernels (the server's own process group)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


def _sessions(base: str, token: str) -> list:
    with urllib.request.urlopen(f"{base}/api/sessions?token={token}", timeout=5) as r:
        return json.load(r)


def lab_settings(base: str, token: str) -> dict:
    """The settings the running JupyterLab uses (composite values) for the keys of LAB_SETTINGS."""
    found = {}
    for rel, values in LAB_SETTINGS.items():
        package, name = rel.removesuffix(".jupyterlab-settings").rsplit("/", 1)
        plugin = f"{package}:{name}"  # e.g. @jupyterlab/docmanager-extension:plugin
        with urllib.request.urlopen(f"{base}/lab/api/settings/{plugin}?token={token}", timeout=5) as r:
            composite = json.load(r)["settings"]
        found.update({f"{plugin}.{k}": composite.get(k) for k in values})
    return found


def _wait(predicate, timeout: float, what: str, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def _queued_or_running(page) -> int:
    return page.evaluate("""() => [...document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')]
        .filter(p => p.textContent.includes('*')).length""")


def _run_all(page, report: Report, tries: int = 4) -> None:
    """Run > Run All Cells through the menu bar; repeat when no cell got queued (kernel not ready yet)."""
    for attempt in range(1, tries + 1):
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        try:
            _wait(lambda: _queued_or_running(page) > 0, 10, "a queued cell")
            report.log.append(f"Run All Cells: cells queued (attempt {attempt})")
            return
        except TimeoutError:
            page.keyboard.press("Escape")
            report.log.append(f"Run All Cells: nothing queued (attempt {attempt}), retrying")
    raise RuntimeError("Run All Cells queued nothing")


def _tall_screenshot(page, path: Path, width: int, max_height: int = 16000) -> None:
    """The whole notebook on one image: make the window as tall as the notebook, then shoot it."""
    height = page.evaluate("""() => {
        const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-viewport')
                   || document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
        return Math.ceil(nb.scrollHeight) + 200; }""")
    old = page.viewport_size
    page.set_viewport_size({"width": width, "height": min(height, max_height)})
    page.evaluate("""() => document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer')
                     .forEach(e => { e.scrollTop = 0; })""")
    page.wait_for_timeout(500)
    page.screenshot(path=str(path))
    page.set_viewport_size(old)
    page.wait_for_timeout(300)


def check_notebook(notebook: Path, out_dir: Path, *, timeout: float = 420, width: int = 1400,
                   keep: Path | None = None) -> Report:
    """Open `notebook` (a copy) in JupyterLab in headless Chromium, run all cells, read the page, screenshot it."""
    from playwright.sync_api import sync_playwright

    notebook = Path(notebook).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    report = Report(notebook=f"{notebook.parent.name}/{notebook.name}", korean=is_korean(notebook))
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="vae-browser-"))
    work.mkdir(parents=True, exist_ok=True)
    copy = prepare_copy(notebook, work)
    rel = copy.relative_to(work / "course").as_posix()
    start = time.monotonic()
    proc, base, token = start_lab(work, work / "course", out_dir / "jupyterlab.log")
    try:
        report.settings = lab_settings(base, token)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=find_chromium(), headless=True,
                                         args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            page = browser.new_page(viewport={"width": width, "height": 1000})
            try:
                page.set_default_timeout(60_000)
                page.goto(f"{base}/lab/tree/{rel}?token={token}&reset")
                page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=90_000)
                report.log.append(f"notebook shown after {time.monotonic() - start:.1f} s")
                # A kernel exists (server side) and the page shows its name and an idle status.
                _wait(lambda: any(s.get("path", "").endswith(rel) and s.get("kernel") for s in _sessions(base, token)),
                      90, "a kernel session")
                page.wait_for_function("""() => {
                    const name = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-KernelName, '
                        + '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar-kernelName');
                    const txt = name ? name.textContent.trim() : '';
                    return txt && !/No Kernel|Kernel$|Starting/i.test(txt);
                }""", timeout=90_000)
                _wait(lambda: all(s["kernel"]["execution_state"] == "idle" for s in _sessions(base, token)
                                  if s.get("path", "").endswith(rel)), 90, "an idle kernel")
                report.log.append(f"kernel ready after {time.monotonic() - start:.1f} s")
                # How the chapter opens: the first code cell (the setup cell) folded, its source not shown
                report.setup_folded = page.evaluate(SETUP_FOLDED_JS)
                path = out_dir / f"{notebook.stem}_top.png"
                page.screenshot(path=str(path))
                report.screenshots["top"] = str(path)
                _run_all(page, report)
                deadline = time.monotonic() + timeout
                quiet_since = None
                while True:  # done: nothing queued or running for 2 s
                    busy = _queued_or_running(page)
                    quiet_since = None if busy else (quiet_since or time.monotonic())
                    if quiet_since and time.monotonic() - quiet_since > 2:
                        break
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"cells still queued or running after {timeout:.0f} s")
                    time.sleep(0.5)
                report.log.append(f"cells done after {time.monotonic() - start:.1f} s")
                # Let widgets (comm messages) and images finish rendering.
                try:
                    page.wait_for_function("""() => [...document.querySelectorAll('.jp-OutputArea-output img')]
                        .every(i => i.complete)""", timeout=15_000)
                    page.wait_for_selector(".jp-OutputArea-output .widget-hprogress", timeout=15_000)
                except Exception:  # reported below from what is on the page
                    pass
                page.wait_for_timeout(1000)
                report.log.append(f"outputs rendered after {time.monotonic() - start:.1f} s")
                data = page.evaluate(READ_PAGE_JS)
                report.cells, report.prompts, report.stderr = data["cells"], data["prompts"], data["stderr"]
                report.errors = [t for t in data["stderr"] if ERROR_PATTERN.search(t)]
                report.iprogress_warning = data["page_text_iprogress"]
                report.bars, report.bars_in_probe = data["bars"], data["bars_in_probe"]
                report.widget_fallback_text = data["widget_fallback_text"]
                report.figures, report.figures_loaded = data["figures"], data["figures_loaded"]
                report.headings = data["headings"]
                report.missing_glyphs = [t for t in data["stderr"] if MISSING_GLYPH_PATTERN.search(t)]
                if report.korean:
                    found = KO_PROBE_LINE.search(data["outputs_text"])
                    if found:
                        report.figure_font, report.figure_glyphs_missing = found["font"], int(found["missing"])
                    report.heading_fonts = _heading_fonts(page)
                # Screenshots: the window at the first figure, each first element, the whole notebook.
                stem = notebook.stem
                fig = page.locator(".jp-OutputArea-output img[src^='data:image/']").first
                if report.figures:
                    fig.scroll_into_view_if_needed()
                    path = out_dir / f"{stem}_figure.png"
                    fig.screenshot(path=str(path))
                    report.screenshots["figure"] = str(path)
                bar = page.locator(".jp-OutputArea-output:has(.widget-hprogress)").first
                if report.bars:
                    bar.scroll_into_view_if_needed()
                    path = out_dir / f"{stem}_progress.png"
                    bar.screenshot(path=str(path))
                    report.screenshots["progress"] = str(path)
                if report.korean and report.figures:  # the probe's figure: a Korean title
                    probe = page.locator(".jp-CodeCell:has-text('browser check: Korean text') "
                                         ".jp-OutputArea-output img[src^='data:image/']").last
                    if probe.count():
                        probe.scroll_into_view_if_needed()
                        path = out_dir / f"{stem}_korean_figure.png"
                        probe.screenshot(path=str(path))
                        report.screenshots["korean_figure"] = str(path)
                if report.korean:  # the first heading (Korean text drawn by the browser)
                    heading = page.locator(".jp-RenderedMarkdown h1").first
                    if heading.count():
                        heading.scroll_into_view_if_needed()
                        path = out_dir / f"{stem}_heading.png"
                        heading.screenshot(path=str(path))
                        report.screenshots["heading"] = str(path)
                if report.figures:
                    fig.scroll_into_view_if_needed()
                path = out_dir / f"{stem}_window.png"
                page.screenshot(path=str(path))
                report.screenshots["window"] = str(path)
                path = out_dir / f"{stem}_full.png"
                _tall_screenshot(page, path, width)
                report.screenshots["full"] = str(path)
                report.log.append(f"screenshots taken after {time.monotonic() - start:.1f} s")
            except Exception as e:  # keep what the window showed, for the failure message
                shot = out_dir / f"{notebook.stem}_failure.png"
                try:
                    page.screenshot(path=str(shot))
                    e.add_note(f"browser window at the failure: {shot}; JupyterLab log: {out_dir / 'jupyterlab.log'}")
                except Exception:
                    pass
                raise
            finally:
                browser.close()
    finally:
        stop_lab(proc)
        report.log.append(f"browser and server closed after {time.monotonic() - start:.1f} s")
        report.seconds = time.monotonic() - start
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return report


def korean_problems(report: Report) -> list[str]:
    """What is wrong with the Korean text of a checked Korean notebook ([] when nothing)."""
    problems = []
    hangul_headings = [h for h in report.headings if HANGUL.search(h)]
    if not report.headings or len(hangul_headings) < len(report.headings) / 2:
        problems.append(f"only {len(hangul_headings)} of {len(report.headings)} headings have Hangul: {report.headings}")
    if report.missing_glyphs:
        problems.append(f"{len(report.missing_glyphs)} figure(s) drew characters their font lacks (empty boxes): "
                        + report.missing_glyphs[0][:300])
    if report.figure_font is None:
        problems.append("the Korean probe cell printed no font line")
    elif report.figure_glyphs_missing:
        problems.append(f"the figure font {report.figure_font} lacks {report.figure_glyphs_missing} characters "
                        f"of {KO_PROBE_TITLE!r}")
    families = hangul_font_families()
    drawn = [f["familyName"] for f in report.heading_fonts if f.get("glyphCount", 0) > 0]
    if not drawn:
        problems.append("Chromium reported no font for the first Korean heading")
    elif families is not None and not set(drawn) & families:
        problems.append(f"the first Korean heading was drawn with {drawn}, none of which has Hangul "
                        f"(fonts with Hangul: {sorted(families) or 'none'})")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapter", nargs="?", default="01", help="chapter number (default 01)")
    parser.add_argument("--solutions", action="store_true", help="open solutions/ instead of chapters/")
    parser.add_argument("--lang", choices=("en", "ko"), default="en", help="ko: the Korean edition (chapters/ko/)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "browser")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one, removed)")
    args = parser.parse_args(argv)
    why = missing_requirements()
    if why:
        print(f"cannot run the browser check: {why}")
        return 2
    folder = ROOT / ("solutions" if args.solutions else "chapters")
    if args.lang == "ko":
        folder = folder / "ko"
    matches = sorted(folder.glob(f"{args.chapter.zfill(2)}_*.ipynb"))
    if not matches:
        print(f"no notebook {args.chapter} in {folder}")
        return 1
    report = check_notebook(matches[0], args.out, keep=args.keep)
    print("\n".join(report.log))
    print(report.summary())
    for text in report.stderr:
        print("stderr output:", text[:500])
    ok = not report.errors and not report.iprogress_warning and report.bars and report.figures_loaded
    if report.korean:
        ok = ok and not korean_problems(report)
        for problem in korean_problems(report):
            print("Korean:", problem)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
