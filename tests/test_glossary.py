"""chapters/GLOSSARY.md and the notebooks agree, in both directions.

A gloss is Korean text inside parentheses in a markdown cell, e.g. "encoder (인코더)". Every Korean term a covered
notebook glosses is listed in the glossary, and every term the glossary lists under a chapter is glossed in that
chapter's notebook (where the glossary says it first appears).
"""
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COVERED = ("01", "02", "03", "04", "05", "06", "07", "08")
HANGUL_RUN = re.compile(r"[\uac00-\ud7a3][\uac00-\ud7a3\- ]*[\uac00-\ud7a3]|[\uac00-\ud7a3]")


def korean_glosses(text: str) -> set[str]:
    found = set()
    for inside in re.findall(r"\(([^()]*)\)", text):
        found.update(m.group(0).strip() for m in HANGUL_RUN.finditer(inside))
    return found


def glossary_terms() -> dict[str, set[str]]:
    """Chapter number -> the Korean terms its section of GLOSSARY.md lists (a cell "A / B" lists both)."""
    terms, chapter = {}, None
    for line in (ROOT / "chapters" / "GLOSSARY.md").read_text(encoding="utf-8").splitlines():
        heading = re.match(r"## (\d\d) ", line)
        if heading:
            chapter = heading.group(1)
            terms[chapter] = set()
        elif chapter and line.startswith("|") and not line.startswith("|---"):
            first = line.split("|")[1].strip()
            if first != "한국어":
                terms[chapter].update(t.strip() for t in first.split(" / "))
    return terms


def notebook_glosses(chapter: str) -> set[str]:
    (path,) = sorted((ROOT / "solutions").glob(f"{chapter}_*.ipynb"))
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return korean_glosses("\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown"))


def test_gloss_extraction():
    assert korean_glosses("the encoder (인코더) and (변분 오토인코더, VAE) but not 구멍") == {"인코더", "변분 오토인코더"}


def test_glossary_parsing():
    terms = glossary_terms()
    assert "오토인코더" in terms["01"] and "이동 평균" in terms["06"] and "누적 평균" in terms["06"]
    assert "한국어" not in set().union(*terms.values())


def test_glossed_terms_are_in_the_glossary():
    glossary = (ROOT / "chapters" / "GLOSSARY.md").read_text(encoding="utf-8")
    missing = {ch: sorted(t for t in notebook_glosses(ch) if t not in glossary) for ch in COVERED}
    missing = {ch: terms for ch, terms in missing.items() if terms}
    assert not missing, f"add these terms to chapters/GLOSSARY.md: {missing}"


def test_listed_terms_are_glossed_in_their_chapter():
    unglossed = {ch: sorted(terms - notebook_glosses(ch)) for ch, terms in glossary_terms().items() if ch in COVERED}
    unglossed = {ch: terms for ch, terms in unglossed.items() if terms}
    assert not unglossed, ("GLOSSARY.md lists these terms under a chapter whose notebook does not gloss them "
                           f"(write 'English (한글)' at first use, or move the entry): {unglossed}")


def test_chapter_01_glosses_the_basic_terms_at_first_use():
    glossed = notebook_glosses("01")
    for term in ("오토인코더", "인코더", "디코더", "잠재 공간", "이진 교차 엔트로피", "로짓"):
        assert term in glossed, term
