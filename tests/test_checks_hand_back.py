"""Checks hand back the function to use (issue 21, item 3): `f = checks.use_<name>(f)` returns the learner's own
function when it passes, else the teaching layer's reference with the same signature, and says which in one line."""
import ast
import re
import inspect
import json
from pathlib import Path

import numpy as np
import pytest

from vae_lib import i18n
from vae_lib.course import checks

ROOT = Path(__file__).resolve().parents[1]
USES = sorted((name, getattr(checks, name)) for name in dir(checks) if name.startswith("use_"))
IDS = [name for name, _ in USES]


def _solution_defs() -> dict[str, list[str]]:
    """Every top-level `def` of the solution notebooks' code cells: name -> parameter names."""
    defs = {}
    for nb in sorted((ROOT / "solutions").glob("*.ipynb")):
        for cell in json.loads(nb.read_text())["cells"]:
            if cell["cell_type"] != "code":
                continue
            src = "".join(cell["source"])
            try:
                tree = ast.parse("\n".join(l for l in src.splitlines() if not l.lstrip().startswith(("%", "!"))))
            except SyntaxError:
                continue
            for node in tree.body:
                if isinstance(node, ast.FunctionDef):
                    defs[node.name] = [a.arg for a in node.args.args]
    return defs


def _stub(*args, **kwargs):
    raise NotImplementedError


def test_every_checked_function_exercise_has_a_one_line_form():
    names = {n.removeprefix("use_") for n, _ in USES}
    graders = {n.removeprefix("check_") for n in dir(checks) if n.startswith("check_")}
    assert names == graders - {"debug_diagnosis"}   # the diagnosis is a text, not a function to go on with
    assert len(USES) == 18


@pytest.mark.parametrize("name,use", USES, ids=IDS)
def test_reference_lives_in_the_teaching_layer_with_the_exercise_signature(name, use):
    ref = use.reference
    assert ref.__module__.startswith("vae_lib.") and not ref.__module__.startswith("vae_lib.course"), ref.__module__
    assert ref.__name__ != "<lambda>"
    exercise = name.removeprefix("use_")
    params = _solution_defs()[exercise]
    ref_params = list(inspect.signature(ref).parameters.values())
    # the notebook calls these positionally: the same positional parameters in the same order (two names differ,
    # log_var / z_log_var and w / weight), any extra one optional
    assert len(ref_params) >= len(params), (ref_params, params)
    assert all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in ref_params[:len(params)])
    assert all(p.default is not inspect.Parameter.empty for p in ref_params[len(params):])
    renamed = {(p.name, q) for p, q in zip(ref_params, params) if p.name != q}
    assert renamed <= {("z_log_var", "log_var"), ("weight", "w")}, renamed


@pytest.mark.parametrize("name,use", USES, ids=IDS)
def test_pass_hands_back_the_learners_function(name, use, capsys):
    ref = use.reference

    def mine(*args, **kwargs):   # a right answer that is not the reference object itself
        return ref(*args, **kwargs)

    assert use(mine) is mine
    out = capsys.readouterr().out
    assert "[correct]" in out and f"uses your {name.removeprefix('use_')}." in out


@pytest.mark.parametrize("name,use", USES, ids=IDS)
def test_wrong_or_blank_hands_back_the_reference(name, use, capsys):
    ref = use.reference

    def wrong(*args, **kwargs):
        return np.asarray(ref(*args, **kwargs)) * 2.0 + 1.0

    assert use(wrong) is ref
    out = capsys.readouterr().out
    assert "[wrong]" in out and f"the library's {ref.__module__}.{ref.__name__}" in out
    assert use(_stub) is ref
    out = capsys.readouterr().out
    assert "[not yet]" in out and "[correct]" not in out and f"{ref.__module__}.{ref.__name__}" in out
    assert use(None) is ref


def test_the_line_is_one_line_and_bilingual(capsys):
    use = checks.use_std_from_log_var
    try:
        i18n.set_language("ko")
        assert use(_stub) is use.reference
        last = capsys.readouterr().out.strip().splitlines()[-1]
        assert "라이브러리" in last and "vae_lib.gaussian.std_from_log_var" in last
        assert use(use.reference) is use.reference
        assert "여러분의 std_from_log_var" in capsys.readouterr().out.strip().splitlines()[-1]
    finally:
        i18n.set_language("en")
    use(_stub)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].startswith("  -> from here on the notebook uses the library's") and len(lines) == 2


def test_a_check_that_raises_still_hands_back_the_reference(capsys):
    from vae_lib.course.checks.core import returns_function

    def broken_check(fn):
        raise RuntimeError("a bug of the checker")

    broken_check.__name__ = "check_thing"
    ref = checks.use_std_from_log_var.reference
    assert returns_function(broken_check, ref)(lambda x: x) is ref
    assert "vae_lib.gaussian.std_from_log_var" in capsys.readouterr().out


def test_notebooks_use_the_one_line_form():
    """No exercise cell writes its own fallback any more, in English or Korean."""
    for nb in sorted((ROOT / "solutions").glob("*.ipynb")) + sorted((ROOT / "translations" / "ko").glob("*.md")):
        text = nb.read_text()
        assert "if not checks.check_" not in text, nb
        assert not re.search(r"= *checks\.ch0\d\.", text), nb   # no grader internal taken as 'the library's version'
    src = (ROOT / "solutions" / "05_vae_training.ipynb").read_text()
    assert '"vae_loss = checks.use_vae_loss(vae_loss)' in src
