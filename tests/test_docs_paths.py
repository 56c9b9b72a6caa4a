"""Every file, folder and `vae_lib` name that the docs cite exists in the repository."""
import fnmatch
import importlib
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ["README.md", "README.ko.md", "CONTRIBUTING.md", "benchmarks/README.md"]
TOP = r"(?:\.ci|vae_lib|tests|tools|benchmarks|chapters|solutions|translations)"
# a path under one of the repository's folders, e.g. tests/test_data.py, chapters/ko/, translations/ko/NN_name.md
PATH = re.compile(rf"(?<![\w./~<>$-]){TOP}/[\w.*/-]*", re.ASCII)
# a file name on its own, e.g. course.sh, CONTRIBUTING.md, bench_train_step.py
FILE = re.compile(r"(?<![\w./~<>$-])[\w*-]+(?:\.[\w-]+)*\.(?:py|md|toml|yml|sh|ipynb)\b", re.ASCII)
LINK = re.compile(r"\]\(([^)\s]+)\)")
MODULE_NAME = re.compile(r"(?<![\w.])vae_lib(?:\.[A-Za-z_]\w*)+", re.ASCII)


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:   # not a git checkout (e.g. an unpacked copy): every file on disk
        return [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() and ".git" not in p.parts]
    return out.stdout.split()


CHAPTERS = sorted(p.name[:2] for p in (ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


def as_patterns(cited: str) -> list[str]:
    """A cited path as globs: NN stands for every chapter's number, `name` for a chapter's name."""
    cited = cited.replace("name", "*")
    return [cited.replace("NN", nn) for nn in CHAPTERS] if "NN" in cited else [cited]


def path_exists(cited: str, doc_dir: Path) -> bool:
    def found(pattern: str) -> bool:
        return any(any(base.glob(pattern)) if "*" in pattern else (base / pattern).exists() for base in (ROOT, doc_dir))

    return all(found(p) for p in as_patterns(cited.rstrip(".").rstrip("/")))


def cited(doc: str) -> tuple[set[str], set[str], set[str]]:
    text = (ROOT / doc).read_text(encoding="utf-8")
    links = {t.split("#")[0] for t in LINK.findall(text) if not re.match(r"[a-z]+:|#", t)} - {""}
    paths = set(PATH.findall(text))
    files = {f for f in FILE.findall(text) if "/" not in f}
    return links | paths, files, set(MODULE_NAME.findall(text))


@pytest.mark.parametrize("doc", DOCS)
def test_every_cited_path_exists(doc):
    paths, files, _ = cited(doc)
    assert paths, f"{doc}: no path found (is the pattern still right?)"
    doc_dir = (ROOT / doc).parent
    missing = sorted(p for p in paths if not path_exists(p, doc_dir))
    names = {Path(f).name for f in tracked_files()}
    missing += sorted(f for f in files
                      if not all(any(fnmatch.fnmatch(n, p) for n in names) for p in as_patterns(f)))
    assert not missing, f"{doc} cites files that are not in the repository: {missing}"


@pytest.mark.parametrize("doc", DOCS)
def test_every_cited_vae_lib_name_exists(doc):
    _, _, names = cited(doc)
    missing = []
    for name in sorted(names):
        parts = name.split(".")
        for n in range(len(parts), 0, -1):   # the longest importable module, then attributes
            try:
                obj = importlib.import_module(".".join(parts[:n]))
            except ModuleNotFoundError:
                continue
            try:
                for attr in parts[n:]:
                    obj = getattr(obj, attr)
            except AttributeError:
                missing.append(name)
            break
        else:
            missing.append(name)
    assert not missing, f"{doc} names what vae_lib does not have: {missing}"


def test_the_checker_catches_a_missing_file(tmp_path):
    assert path_exists("tests/test_docs_paths.py", tmp_path)
    assert path_exists("translations/ko/NN_name.md", tmp_path)
    assert path_exists("vae_lib/course/checks/chNN.py", tmp_path)
    assert not path_exists("tests/test_checks_chNN.py", tmp_path)   # only 07 and 08 have a file of their own
    assert not path_exists("vae_lib/no_such_module.py", tmp_path)
    doc = tmp_path / "DOC.md"
    doc.write_text("See `DESIGN.md`, [the tests](tests/nothing_here.py), `vae_lib.gaussian.kl`; 한국어 `chapters/ko/`에는.")
    text = doc.read_text(encoding="utf-8")
    assert set(PATH.findall(text)) == {"tests/nothing_here.py", "chapters/ko/"}
    assert FILE.findall(text) == ["DESIGN.md"]
    assert MODULE_NAME.findall(text) == ["vae_lib.gaussian.kl"]
