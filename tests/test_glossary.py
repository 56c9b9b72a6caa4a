"""Every Korean term glossed in a covered notebook's text is listed in chapters/GLOSSARY.md.

A gloss is Korean text inside parentheses in a markdown cell, e.g. "encoder (인코더)". Add a
chapter to COVERED once its terms are in the glossary.
"""
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COVERED = ("01", "02", "03", "04", "05", "06", "07")
HANGUL_RUN = re.compile(r"[\uac00-\ud7a3][\uac00-\ud7a3\- ]*[\uac00-\ud7a3]|[\uac00-\ud7a3]")


def korean_glosses(text: str) -> set[str]:
    found = set()
    for inside in re.findall(r"\(([^()]*)\)", text):
        found.update(m.group(0).strip() for m in HANGUL_RUN.finditer(inside))
    return found


def test_gloss_extraction():
    assert korean_glosses("the encoder (인코더) and (변분 오토인코더, VAE) but not 구멍") == {"인코더", "변분 오토인코더"}


def test_glossed_terms_are_in_the_glossary():
    glossary = (ROOT / "chapters" / "GLOSSARY.md").read_text(encoding="utf-8")
    missing = {}
    for path in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")):
        if path.name[:2] not in COVERED:
            continue
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        gone = sorted(t for t in korean_glosses(text) if t not in glossary)
        if gone:
            missing[path.name] = gone
    assert not missing, f"add these terms to chapters/GLOSSARY.md: {missing}"
