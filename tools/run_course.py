"""Run the whole course headless: execute every chapter notebook, save executed copies and HTML,
and print a summary table (chapter, seconds, data used, quality gates, key metric).

    python tools/run_course.py                 # course mode: trained until the chapters' quality gates pass
    python tools/run_course.py --mode book     # the book's settings (--full means the same)
    python tools/run_course.py --mode smoke    # the tests' mode: every cell runs, models barely train
    python tools/run_course.py --solutions     # run the solved notebooks instead
    python tools/run_course.py 03 05           # only these chapters
    python tools/run_course.py --lang ko       # the Korean edition: chapters/ko (solutions/ko with --solutions)

Output: build/<mode>/<chapters|solutions>/NN_name.ipynb and .html, results.jsonl, runs.json and index.html
(a small browsable site: the chapter list with links, the summary table with the gate values, date and mode),
and the book: build/<mode>/site/index.html (tools/build_site.py; reads offline, math and figures included).
The Korean edition (--lang ko) goes to build/<mode>/ko/<chapters|solutions>/ and reuses the English edition's models
in build/cache; the book site then has both editions.
Running some chapters again replaces only their rows: the site keeps the chapters run before, each with its date.
A failing notebook is saved with its error and reported; the others still run. The exit code is 1
when a notebook fails, (course and book mode) when a chapter's quality gate fails, or when the book site fails to
build (said in its own line; the chapters' results stand).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

LIB_ROOT = Path(__file__).resolve().parents[1]  # this checkout: on the kernel's PYTHONPATH, so notebooks import its vae_lib
if str(LIB_ROOT) not in sys.path:
    sys.path.insert(0, str(LIB_ROOT))
from vae_lib.course.gates import failed_gates, read_results  # noqa: E402,F401  (importing them starts no JAX computation)

ROOT = LIB_ROOT  # where chapters/ and solutions/ are (the tests point it elsewhere)


def execute_notebook(path: Path, out_dir: Path | None = None, *, mode: str = "smoke", offline: bool = False,
                     results: Path | None = None, timeout: int = 1800,
                     fallback: bool | None = None, lang: str = "en") -> tuple[float, str | None]:
    """Execute one notebook in a fresh kernel (cwd = its folder) in `mode` (smoke | course | book), with
    VAE_COURSE_LANG=`lang` (the language of vae_lib's messages: en | ko).

    Returns (seconds, error or None). offline: never download (real data on disk is still used);
    fallback: True uses the bundled digits, False real data where it can be had, None inherits VAE_COURSE_FALLBACK.

    The executed notebook (and an HTML copy) go to out_dir when given, also when it fails.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    # the kernel's environment (this process's own is left alone): vae_lib.course.env.current_mode() reads the mode
    env = {**os.environ, "VAE_COURSE_MODE": mode, "VAE_COURSE_LANG": lang,
           "PYTHONPATH": os.pathsep.join([str(LIB_ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    env.pop("VAE_COURSE_QUICK", None)
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    if offline:
        env["VAE_COURSE_OFFLINE"] = "1"
    if fallback is not None:
        env["VAE_COURSE_FALLBACK"] = "1" if fallback else "0"
    if results is not None:
        env["VAE_COURSE_RESULTS"] = str(results)
    # log_level=ERROR: no "Kernel is running over TCP without encryption" warning per chapter
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            extra_arguments=["--IPKernelApp.log_level=ERROR"],
                            resources={"metadata": {"path": str(path.parent)}})
    error = None
    start = time.perf_counter()
    try:
        client.execute(env=env)
    except CellExecutionError as e:
        error = str(e).strip().splitlines()[-1] if str(e).strip() else repr(e)
    except Exception as e:  # kernel died, timeout, ...
        error = f"{e.__class__.__name__}: {e}"
    finally:
        seconds = time.perf_counter() - start
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out_dir / path.name)
        write_html(nb, out_dir / path.with_suffix(".html").name)
    return seconds, error


# nbconvert's page loads MathJax 2 from a CDN: offline (a classroom, the tests) the formulas stay raw $...$. The page
# instead loads the MathJax 3 copy that the book site ships too, from a folder beside it, configured for the same
# delimiters ($...$ inline, $$...$$ displayed).
MATHJAX_CONFIG = """<script>
window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']],
                        processEscapes: true, processEnvironments: true, tags: 'ams'}};
</script>
<script defer src="{src}"></script>
"""


def write_html(nb, target: Path) -> Path:
    """An HTML copy of the executed notebook nb at target, whose formulas render offline: MathJax is copied
    once into target's folder (mathjax/) and the page loads it from there."""
    import re

    from nbconvert import HTMLExporter

    from tools.build_site import MATHJAX_BUNDLE, copy_mathjax

    html, _ = HTMLExporter().from_notebook_node(nb)
    try:
        copy_mathjax(target.parent / "mathjax")
    except RuntimeError as e:   # sphinx-mathjax-offline missing: the page keeps nbconvert's MathJax (online only)
        print(f"note: {target.name} typesets its formulas only online ({e})")
    else:
        block = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
        html, n = block.subn(lambda _: MATHJAX_CONFIG.replace("{src}", f"mathjax/{MATHJAX_BUNDLE}"), html, count=1)
        if n != 1:
            raise RuntimeError("nbconvert's HTML has no MathJax block to replace: its template changed")
    target.write_text(html, encoding="utf-8")
    return target


def summarise(rows: list[dict], results_file: Path, mode: str = "course") -> str:
    recorded = read_results(results_file)
    lines = [f"{'chapter':<24} {'seconds':>7}  {'status':<7} {'gates':<6} {'data used':<40} key metric", "-" * 118]
    for r in rows:
        rec = dict(recorded.get(r["chapter"][:2], {}))
        data = str(rec.pop("data", "-"))[:40]
        gates = rec.pop("gates", None)
        rec.pop("mode", None)
        applicable = [v for v in (gates or {}).values() if v["passed"] is not None]
        passed = "-" if gates is None else f"{sum(v['passed'] for v in applicable)}/{len(applicable)}"
        metric = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in rec.items()) or "-"
        status = "ok" if r["error"] is None else "FAILED"
        lines.append(f"{r['chapter']:<24} {r['seconds']:>7.1f}  {status:<7} {passed:<6} {data:<40} {metric}")
    ran = {r["chapter"][:2] for r in rows}
    for chapter, rec in recorded.items():
        if chapter not in ran:
            continue
        for name, v in rec.get("gates", {}).items():
            if v["passed"] is False and mode != "smoke":
                lines.append(f"  gate FAILED in {chapter}: {name} = {v['value']} (needs {v['needs']})")
    return "\n".join(lines)


def _gate_item(name: str, v: dict) -> str:
    import html
    value = f"{v['value']:.4g}" if isinstance(v["value"], float) else str(v["value"])
    verdict, css = {True: ("passed", "pass"), False: ("FAILED", "fail"), None: ("n/a", "na")}[v["passed"]]
    return (f'<li class="{css}">{html.escape(name)} = {html.escape(value)} '
            f'(needs {html.escape(str(v.get("needs", "-")))}): {verdict}</li>')


def drop_results(results_file: Path, chapters: set[str]) -> None:
    """Remove the records of these chapters ("05", ...) from results.jsonl: they are about to run again."""
    if results_file.exists():
        lines = results_file.read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if json.loads(line).get("chapter") not in chapters]
        results_file.write_text("".join(line + "\n" for line in kept), encoding="utf-8")


def update_runs(runs_file: Path, rows: list[dict]) -> list[dict]:
    """Merge this run's rows into runs.json (chapter -> its latest row, with the time it ran); all rows, sorted."""
    runs = json.loads(runs_file.read_text(encoding="utf-8")) if runs_file.exists() else {}
    runs.update({r["chapter"]: r for r in rows})
    runs_file.write_text(json.dumps(runs, indent=1), encoding="utf-8")
    return [runs[name] for name in sorted(runs)]


def write_index(out_dir: Path, rows: list[dict], results_file: Path, mode: str, folder: str) -> Path:
    """Write out_dir/index.html: links to each executed chapter's HTML, when it ran, its seconds, status, data and
    quality gates (value, what it needs, passed) from results.jsonl, and the mode."""
    import datetime
    import html
    recorded = read_results(results_file)
    esc = lambda v: html.escape(str(v))  # noqa: E731
    body = []
    for r in rows:
        rec = dict(recorded.get(r["chapter"][:2], {}))
        gates = rec.pop("gates", {}) or {}
        data = rec.pop("data", "-")
        rec.pop("mode", None)
        applicable = [v for v in gates.values() if v["passed"] is not None]
        passed = sum(1 for v in applicable if v["passed"])
        gate_items = "".join(_gate_item(name, v) for name, v in gates.items())
        metric = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in rec.items()) or "-"
        status = "ok" if r["error"] is None else f"FAILED: {r['error']}"
        body.append(
            f"<tr><td><a href=\"{esc(r['chapter'])}.html\">{esc(r['chapter'])}</a></td><td>{esc(r.get('when', '-'))}</td>"
            f"<td class=\"num\">{r['seconds']:.1f}</td><td class=\"{'ok' if r['error'] is None else 'fail'}\">{esc(status)}</td>"
            f"<td>{esc(data)}</td><td>{f'{passed}/{len(applicable)} passed' if gates else '-'}"
            f"{f'<ul>{gate_items}</ul>' if gate_items else ''}</td><td>{esc(metric)}</td></tr>")
    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>VAE course: {esc(folder)}, {esc(mode)} mode</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:70em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.3em .6em;vertical-align:top}} .num{{text-align:right}}
.ok,.pass{{color:#070}} .fail{{color:#b00;font-weight:bold}} .na{{color:#777}} ul{{margin:0;padding-left:1.2em}}</style>
</head><body>
<h1>Variational Autoencoders, hands on: executed {esc(folder)}</h1>
<p>Written on {esc(when)}; every chapter below ran in <b>{esc(mode)}</b> mode, at the time in its row. Each link opens
the executed notebook (outputs and figures) as HTML; the .ipynb files lie next to it.</p>
<table><tr><th>chapter</th><th>ran at</th><th>seconds</th><th>status</th><th>data used</th><th>quality gates</th><th>key metric</th></tr>
{chr(10).join(body)}
</table></body></html>
"""
    index = out_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="*", help="chapter numbers to run, e.g. 01 05 (default: all)")
    parser.add_argument("--mode", choices=("smoke", "course", "book"), default="course",
                        help="course (default): trained until the quality gates pass; book: the book's settings; "
                             "smoke: the tests' few steps")
    parser.add_argument("--full", action="store_true", help="the same as --mode book")
    parser.add_argument("--solutions", action="store_true", help="run solutions/ instead of chapters/")
    parser.add_argument("--offline", action="store_true",
                        help="never download: real data on disk (e.g. Debian's dataset-fashion-mnist) or the bundled digits")
    parser.add_argument("--fallback", action="store_true",
                        help="use the bundled digits even when the real dataset is on disk")
    parser.add_argument("--lang", choices=("en", "ko"), default="en",
                        help="ko: the Korean edition (chapters/ko or solutions/ko; output in build/<mode>/ko/); "
                             "it shares the English edition's model cache (build/cache)")
    parser.add_argument("--out", type=Path, default=ROOT / "build")
    args = parser.parse_args(argv)
    mode = "book" if args.full else args.mode
    folder = "solutions" if args.solutions else "chapters"
    source = folder if args.lang == "en" else f"{folder}/{args.lang}"   # the Korean edition: chapters/ko, solutions/ko
    notebooks = sorted((ROOT / source).glob("[0-9][0-9]_*.ipynb"))
    if args.only:
        notebooks = [p for p in notebooks if p.name[:2] in {o.zfill(2) for o in args.only}]
    if not notebooks:
        print(f"No notebooks found in {ROOT / source}" + ("" if args.lang == "en" else
              f" (they are made from translations/{args.lang}/ by `python tools/sync_chapters.py`)"))
        return 1
    # absolute: the kernels run in the notebooks' folder; the Korean edition: build/<mode>/ko/<folder>
    out_dir = args.out.resolve() / mode / (folder if args.lang == "en" else f"{args.lang}/{folder}")
    out_dir.mkdir(parents=True, exist_ok=True)
    results = out_dir / "results.jsonl"
    drop_results(results, {nb.name[:2] for nb in notebooks})
    rows = []
    start = time.perf_counter()
    for nb in notebooks:
        print(f"running {source}/{nb.name} ({mode} mode) ...", flush=True)
        when = time.strftime("%Y-%m-%d %H:%M")
        seconds, error = execute_notebook(nb, out_dir, mode=mode, offline=args.offline, results=results,
                                          fallback=args.fallback, lang=args.lang)
        rows.append({"chapter": nb.stem, "when": when, "seconds": seconds, "error": error})
        print(f"  {'ok' if error is None else 'FAILED: ' + error} ({seconds:.1f} s)", flush=True)
    total = time.perf_counter() - start
    print()
    print(summarise(rows, results, mode))
    index = write_index(out_dir, update_runs(out_dir / "runs.json", rows), results, mode, source)
    minutes, seconds = divmod(round(total), 60)
    print(f"\nwhole run: {minutes} min {seconds} s. Executed notebooks and HTML copies: {out_dir}; open {index}")
    from tools.build_site import build_after_run  # the book site (tools/build_site.py), from the executed notebooks
    site_built = build_after_run(args.out / mode, folder)
    failed = [r["chapter"] for r in rows if r["error"]]
    if failed:
        print(f"FAILED: {', '.join(failed)} (open the executed notebook to see the error)")
    ran = {r["chapter"][:2] for r in rows}
    gates = {ch: bad for ch, bad in failed_gates(read_results(results)).items() if ch in ran} if mode != "smoke" else {}
    if gates:
        print(f"QUALITY GATES FAILED in chapter(s) {', '.join(gates)}: see the lines above.")
    return 1 if failed or gates or not site_built else 0


if __name__ == "__main__":
    sys.exit(main())
