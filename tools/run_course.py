"""Run the whole course headless: execute every chapter notebook, save executed copies and HTML,
and print a summary table (chapter, seconds, data used, key metric).

    python tools/run_course.py                 # quick mode (small data, few steps)
    python tools/run_course.py --full          # the book's settings
    python tools/run_course.py --solutions     # run the solved notebooks instead
    python tools/run_course.py 03 05           # only these chapters

Output: build/<quick|full>/<chapters|solutions>/NN_name.ipynb and .html, results.jsonl.
A failing notebook is saved with its error and reported; the others still run.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # where chapters/ and solutions/ are
LIB_ROOT = ROOT  # put on the kernel's PYTHONPATH so notebooks import this checkout's vae_lib


def execute_notebook(path: Path, out_dir: Path | None = None, *, quick: bool = True, offline: bool = False,
                     results: Path | None = None, timeout: int = 1800) -> tuple[float, str | None]:
    """Execute one notebook in a fresh kernel (cwd = its folder). Returns (seconds, error or None).

    The executed notebook (and an HTML copy) go to out_dir when given, also when it fails.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    env_backup = dict(os.environ)
    os.environ["VAE_COURSE_QUICK"] = "1" if quick else "0"
    os.environ["PYTHONPATH"] = os.pathsep.join([str(LIB_ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    if offline:
        os.environ["VAE_COURSE_OFFLINE"] = "1"
    if results is not None:
        os.environ["VAE_COURSE_RESULTS"] = str(results)
    # log_level=ERROR: no "Kernel is running over TCP without encryption" warning per chapter
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            extra_arguments=["--IPKernelApp.log_level=ERROR"],
                            resources={"metadata": {"path": str(path.parent)}})
    error = None
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as e:
        error = str(e).strip().splitlines()[-1] if str(e).strip() else repr(e)
    except Exception as e:  # kernel died, timeout, ...
        error = f"{e.__class__.__name__}: {e}"
    finally:
        seconds = time.perf_counter() - start
        os.environ.clear()
        os.environ.update(env_backup)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out_dir / path.name)
        from nbconvert import HTMLExporter
        html, _ = HTMLExporter().from_notebook_node(nb)
        (out_dir / path.with_suffix(".html").name).write_text(html, encoding="utf-8")
    return seconds, error


def summarise(rows: list[dict], results_file: Path) -> str:
    recorded: dict[str, dict] = {}
    if results_file.exists():
        for line in results_file.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            recorded.setdefault(item.pop("chapter"), {}).update(item)
    lines = [f"{'chapter':<28} {'seconds':>8}  {'status':<7} {'data used':<48} key metric", "-" * 118]
    for r in rows:
        rec = recorded.get(r["chapter"][:2], {})
        data = str(rec.pop("data", "-"))[:48]
        metric = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in rec.items()) or "-"
        status = "ok" if r["error"] is None else "FAILED"
        lines.append(f"{r['chapter']:<28} {r['seconds']:>8.1f}  {status:<7} {data:<48} {metric}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="*", help="chapter numbers to run, e.g. 01 05 (default: all)")
    parser.add_argument("--full", action="store_true", help="full mode: the book's data sizes and epochs")
    parser.add_argument("--solutions", action="store_true", help="run solutions/ instead of chapters/")
    parser.add_argument("--offline", action="store_true", help="do not try to download; use the bundled data")
    parser.add_argument("--out", type=Path, default=ROOT / "build")
    args = parser.parse_args(argv)
    folder = "solutions" if args.solutions else "chapters"
    notebooks = sorted((ROOT / folder).glob("[0-9][0-9]_*.ipynb"))
    if args.only:
        notebooks = [p for p in notebooks if p.name[:2] in {o.zfill(2) for o in args.only}]
    if not notebooks:
        print(f"No notebooks found in {ROOT / folder}")
        return 1
    out_dir = args.out / ("full" if args.full else "quick") / folder
    out_dir.mkdir(parents=True, exist_ok=True)
    results = out_dir / "results.jsonl"
    results.unlink(missing_ok=True)
    rows = []
    for nb in notebooks:
        print(f"running {folder}/{nb.name} ({'full' if args.full else 'quick'} mode) ...", flush=True)
        seconds, error = execute_notebook(nb, out_dir, quick=not args.full, offline=args.offline, results=results)
        rows.append({"chapter": nb.stem, "seconds": seconds, "error": error})
        print(f"  {'ok' if error is None else 'FAILED: ' + error} ({seconds:.1f} s)", flush=True)
    print()
    print(summarise(rows, results))
    print(f"\nExecuted notebooks and HTML copies: {out_dir}")
    failed = [r["chapter"] for r in rows if r["error"]]
    if failed:
        print(f"FAILED: {', '.join(failed)} (open the executed notebook to see the error)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
