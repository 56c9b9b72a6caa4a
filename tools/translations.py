"""Reading a chapter's translation file and checking it against the English notebook (used by sync_chapters.py).

A translation file (`translations/ko/NN_name.md`, format in CONTRIBUTING.md "Translating") has one entry per
cell of the English notebook `solutions/NN_name.ipynb`, except the setup cell:

    <!-- ko-cell id=9ff50ced type=markdown en=3fa0c1d2e4b5 -->
    # 01 · 오토인코더
    ...

    <!-- ko-cell id=60914e44 type=code en=0a1b2c3d4e5f -->
    ````python
    ...the English code, with Korean comments and learner-facing strings...
    ````

`en` is `cell_hash` of the English cell's source when it was translated: when the English cell changes, the
entry is stale. A Korean code cell must be the English code but for comments and string literals
(`code_differences`).
"""
from __future__ import annotations

import ast
import hashlib
import io
import re
import string
import tokenize
from dataclasses import dataclass

MARKER = re.compile(r"^<!-- ko-cell id=(?P<id>[^\s>]+) type=(?P<type>markdown|code) en=(?P<en>[0-9a-f]{12}) -->[ \t]*$")
MARKER_LIKE = re.compile(r"^\s*<!--\s*ko-cell\b")
FENCE_OPEN = re.compile(r"^````python[ \t]*$")
FENCE_CLOSE = re.compile(r"^````[ \t]*$")
CODE_MARKER = re.compile(r"^[ \t]*### (?:BEGIN|END) SOLUTION.*$", re.M)
TEXT_MARKER = re.compile(r"<!-- (?:BEGIN|END) SOLUTION -->")


def source_of(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def cell_hash(source: str) -> str:
    """The first 12 hex digits of sha256 of a cell's source (UTF-8): the `en=` of its translation."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]


def marker_line(cell: dict) -> str:
    """The translation marker of an English cell, with its current hash."""
    return f"<!-- ko-cell id={cell['id']} type={cell['cell_type']} en={cell_hash(source_of(cell))} -->"


def entry_text(cell: dict, body: str | None = None) -> str:
    """A whole entry (marker and body) for `cell`; the body defaults to the English source (to be translated)."""
    body = source_of(cell) if body is None else body
    if cell["cell_type"] == "code":
        body = f"````python\n{body}\n````"
    return f"{marker_line(cell)}\n{body}\n"


@dataclass
class Entry:
    id: str
    type: str
    en: str
    body: str
    line: int   # the marker's line number (1-based)


def _strip_blank_lines(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def parse_translation(text: str) -> tuple[dict[str, Entry], list[tuple[str, str]]]:
    """Entries by cell id, and the problems found as (where, reason), where = a cell id or 'line N'."""
    entries: dict[str, Entry] = {}
    problems: list[tuple[str, str]] = []
    lines = text.splitlines()
    starts = []
    for n, line in enumerate(lines):
        if MARKER.match(line):
            starts.append(n)
        elif MARKER_LIKE.match(line):
            problems.append((f"line {n + 1}", f"malformed marker {line.strip()!r} (expected "
                                              "'<!-- ko-cell id=ID type=markdown|code en=12HEX -->')"))
    preamble = "\n".join(lines[:starts[0]] if starts else lines)
    if re.sub(r"<!--.*?-->", "", preamble, flags=re.S).strip():
        problems.append(("line 1", "text before the first '<!-- ko-cell' marker (it belongs to no cell)"))
    for k, start in enumerate(starts):
        m = MARKER.match(lines[start])
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        body = _strip_blank_lines(lines[start + 1:end])
        cid = m["id"]
        if m["type"] == "code":
            if len(body) < 2 or not FENCE_OPEN.match(body[0]) or not FENCE_CLOSE.match(body[-1]):
                problems.append((cid, f"line {start + 1}: a code entry's body must be wrapped in ````python ... ````"))
                continue
            body = body[1:-1]
        if cid in entries:
            problems.append((cid, f"line {start + 1}: a second entry for this cell (first at line {entries[cid].line})"))
            continue
        entries[cid] = Entry(cid, m["type"], m["en"], "\n".join(body), start + 1)
    return entries, problems


# ---- comparing a Korean code cell with the English one ------------------------------------------------------

def _fstring_fields(literal: str) -> list[str]:
    """The {expression!conversion:format_spec} fields of one string literal (none unless it is an f-string)."""
    try:
        node = ast.parse(literal.strip(), mode="eval").body
    except SyntaxError:
        return [f"<unparsable literal {literal!r}>"]
    fields = []
    for part in ast.walk(node):
        if isinstance(part, ast.FormattedValue):
            conversion = "" if part.conversion == -1 else "!" + chr(part.conversion)
            spec = "" if part.format_spec is None else ":" + "".join(
                v.value if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}"
                for v in part.format_spec.values)
            fields.append(f"{{{ast.unparse(part.value)}{conversion}{spec}}}")
    return fields


PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]")


def _format_fields(literals: list[str], how: str) -> list[str]:
    """The placeholders of a string run used as a format: str.format's {fields} ('format') or %-specs ('%')."""
    try:
        text = "".join(ast.literal_eval(lit.strip()) for lit in literals)
    except (ValueError, SyntaxError, TypeError):
        return []
    if how == "%":
        return [f"%-spec {m}" for m in PERCENT_SPEC.findall(text)]
    try:
        return [f"{{{name}{'!' + conv if conv else ''}{':' + spec if spec else ''}}} (.format)"
                for _, name, spec, conv in string.Formatter().parse(text) if name is not None]
    except ValueError as e:
        return [f"<not a format string: {e}>"]


def _signature(src: str) -> list[tuple]:
    """`src`'s tokens without comments and non-logical line breaks, each run of adjacent string literals as one
    ('STRING', sorted fields) item: what a translation may not change. The fields: the f-strings' {expressions}
    and, for a run followed by `.format` or `%`, its placeholders."""
    lines = src.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    pos = lambda rc: offsets[rc[0] - 1] + rc[1]  # noqa: E731  (row, col) -> index into src

    tokens = list(tokenize.generate_tokens(io.StringIO(src).readline))
    items: list[tuple] = []   # (kind, text) or ("STRING", [literals])
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        kind = tokenize.tok_name[tok.type]
        literal = None
        if kind == "STRING":
            literal = tok.string
        elif kind == "FSTRING_START":   # Python >= 3.12 splits f-strings into tokens: take the whole literal
            depth, j = 0, i
            while True:
                name = tokenize.tok_name[tokens[j].type]
                depth += {"FSTRING_START": 1, "FSTRING_END": -1}.get(name, 0)
                if depth == 0:
                    break
                j += 1
            literal = src[pos(tok.start):pos(tokens[j].end)]
            i = j
        if literal is not None:
            if items and items[-1][0] == "STRING":
                items[-1][1].append(literal)
            else:
                items.append(("STRING", [literal]))
        elif kind not in ("COMMENT", "NL", "ENDMARKER"):
            items.append((kind, "" if kind in ("NEWLINE", "DEDENT") else tok.string))
        i += 1
    out = []
    for n, (kind, value) in enumerate(items):
        if kind != "STRING":
            out.append((kind, value))
            continue
        fields = [f for lit in value for f in _fstring_fields(lit)]
        after = [v for _, v in items[n + 1:n + 3]]
        if after == [".", "format"]:
            fields += _format_fields(value, "format")
        elif after[:1] == ["%"]:
            fields += _format_fields(value, "%")
        out.append(("STRING", tuple(sorted(fields))))
    while out and out[-1][0] in ("NEWLINE", "DEDENT"):
        out.pop()
    return out


def _machine_strings(src: str) -> list[str]:
    """String constants that code reads: subscripts (d["key"]), dict keys and comparison operands, in order."""
    found = []
    for node in ast.walk(ast.parse(src)):
        parts = []
        if isinstance(node, ast.Subscript):
            parts = [node.slice]
        elif isinstance(node, ast.Dict):
            parts = [k for k in node.keys if k is not None]
        elif isinstance(node, ast.Compare):
            parts = [node.left, *node.comparators]
        found += [repr(p.value) for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str)]
    return found


def _describe(a: list[tuple], b: list[tuple], lines_a: str, lines_b: str) -> str:
    """Where the two signatures first differ, in words."""
    for n, (x, y) in enumerate(zip(a, b)):
        if x != y:
            break
    else:
        n = min(len(a), len(b))
    show = lambda item: "end of cell" if item is None else (  # noqa: E731
        "a string" + (f" with fields {', '.join(item[1])}" if item[1] else "") if item[0] == "STRING" else repr(item[1]))
    x = a[n] if n < len(a) else None
    y = b[n] if n < len(b) else None
    context = " ".join(str(t[1]) if t[0] != "STRING" else '"..."' for t in a[max(0, n - 6):n] if t[0] not in ("NEWLINE", "INDENT", "DEDENT"))
    return f"code differs from the English cell after `{context}`: English has {show(x)}, Korean has {show(y)}"


def code_differences(en: str, ko: str) -> list[str]:
    """Why the Korean code cell `ko` is not the English `en` up to comments and string literals ([] when it is).

    Compared: the token streams with comments and line breaks inside brackets removed and each run of adjacent
    string literals masked, except the f-string {expressions} (as a set: word order may change); the string
    constants code reads (subscripts, dict keys, comparisons) exactly; and the ### BEGIN/END SOLUTION lines.
    """
    try:
        sig_en = _signature(en)
    except (tokenize.TokenError, SyntaxError) as e:   # not Python: only the very same text will do
        return [] if en == ko else [f"the English cell does not tokenize ({e}); the Korean one must equal it"]
    try:
        sig_ko = _signature(ko)
    except (tokenize.TokenError, SyntaxError) as e:
        return [f"the Korean code does not tokenize: {e}"]
    problems = []
    if sig_en != sig_ko:
        problems.append(_describe(sig_en, sig_ko, en, ko))
    else:
        try:
            mach_en, mach_ko = _machine_strings(en), _machine_strings(ko)
        except SyntaxError:
            mach_en = mach_ko = []
        changed = [f"{a} -> {b}" for a, b in zip(mach_en, mach_ko) if a != b]
        if changed:
            problems.append("a string that code reads (key, subscript or comparison) was changed: " + "; ".join(changed))
    if CODE_MARKER.findall(en) != CODE_MARKER.findall(ko):
        problems.append("the ### BEGIN SOLUTION / ### END SOLUTION lines differ from the English cell's")
    return problems


def markdown_differences(en: str, ko: str) -> list[str]:
    """A translated markdown cell keeps the <!-- BEGIN/END SOLUTION --> markers of the English one."""
    if TEXT_MARKER.findall(en) != TEXT_MARKER.findall(ko):
        return ["the <!-- BEGIN SOLUTION --> / <!-- END SOLUTION --> markers differ from the English cell's"]
    return []
