"""The graders speak Korean (issue 22, part 3): with set_language("ko") every message of vae_lib.course.checks
- the named mistakes' hints, "not yet", the input / expected / got display, the verdict lines - is Korean.

Two nets: (1) grade every known mistake, every wrong answer of tests/fresh_answers_b.py and of the issue-25
set, and the odd cases (nothing written, None, an exception, a list) in Korean, and look for leftover
English sentences in what is printed; (2) scan the source of vae_lib/course/checks for learner-facing strings
that are not written in both languages (T(en, ko) or tr(en, ko)). A Mistake cannot even be built with an
English-only name or hint (T refuses a Korean text without Hangul; Mistake refuses a plain str).

Kept in English on purpose: the tags [correct] / [wrong] / [not yet] at the start of a verdict (tests and
tools/browser_check.py read them), code, math, and the text of an exception the learner's own code raised."""
import ast
import contextlib
import io
import math
import os
import pathlib
import re
import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from vae_lib import i18n
from vae_lib.course import checks
from vae_lib.course.checks import ch05, ch08
from vae_lib.course.checks.core import Mistake, T, Use

sys.path.insert(0, os.path.dirname(__file__))
from fresh_answers_b import ANSWERS  # noqa: E402
from test_checks_teaching import MISTAKE_LISTS  # noqa: E402

HANGUL = re.compile("[\uac00-\ud7a3]")
# English words that appear in a sentence but not in code or math (not "in" / "or": (in, out) is a kernel's axes)
STOPWORDS = ("the your is are and of to with not for this that it be from by was does has have each every but "
             "should must use when then than instead missing right wrong expected got input output shape values "
             "array list function returns needs cell next").split()
ENGLISH = re.compile(r"(?<![\w.'\"])(" + "|".join(STOPWORDS) + r")(?![\w(=.'\"])")


@pytest.fixture
def korean(monkeypatch):
    monkeypatch.setattr(i18n, "_chosen", None)
    i18n.set_language("ko")
    yield
    monkeypatch.setattr(i18n, "_chosen", None)


def leftover_english(message: str) -> list[str]:
    """The lines of a Korean verdict that still hold an English sentence (code, math, tags, the learner's
    own exception text and source line, and the display of arrays are not sentences)."""
    found = []
    for line in message.splitlines():
        line = re.sub(r"\[(correct|wrong|not yet)\]", "", line)
        line = re.sub(r"(일어났습니다|일으킵니다): .*", "", line)        # the learner's exception, as raised
        line = re.sub(r"\(\d+번째 줄: .*\)", "", line)                   # the learner's source line
        line = re.sub(r"`[^`]*`", "", line)                               # code spans
        line = re.sub(r"'[^']*'|\"[^\"]*\"", "", line)                    # quoted strings (names, keys)
        if ENGLISH.search(line):
            found.append(line.strip())
    return found


def graded(check, fn) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), np.errstate(all="ignore"):
        result = check(fn)
    assert result in (True, False)
    return out.getvalue()


def assert_korean(message: str):
    assert message.strip() and HANGUL.search(message), message
    assert not leftover_english(message), leftover_english(message)


EACH_MISTAKE = [(check, m) for check, ms in MISTAKE_LISTS + [(checks.check_split_batch, ch08.SPLIT_MISTAKES),
                                                             (checks.check_average_gradients, ch08.GRADIENT_MISTAKES)]
                for m in ms]


@pytest.mark.parametrize("check, mistake", EACH_MISTAKE, ids=[f"{c.__name__[6:]}-{m.name[:30]}" for c, m in EACH_MISTAKE])
def test_every_known_mistake_is_told_in_korean(korean, check, mistake):
    message = graded(check, mistake.fn)
    assert "[wrong]" in message and mistake.hint.ko in message, message
    assert_korean(message)


def _learner_fn(check_name: str, source: str):
    space = {"np": np, "jnp": jnp, "jax": jax, "optax": optax, "math": math}
    exec(compile(source, f"<{check_name}>", "exec"), space)  # noqa: S102 - our own test data
    return space[check_name.removeprefix("check_")]


WRONG_B = [(c, s) for c, s, ok in ANSWERS if not ok]


@pytest.mark.parametrize("check_name, source", WRONG_B, ids=[f"{c[6:]}-{s.splitlines()[0][9:50]}" for c, s in WRONG_B])
def test_the_second_fresh_set_is_told_in_korean(korean, check_name, source):
    assert_korean(graded(getattr(checks, check_name), _learner_fn(check_name, source)))


def _not_written(*args):
    raise NotImplementedError


def _np_reparameterize(key, z_mean, z_log_var):
    return np.asarray(z_mean) + np.exp(0.5 * np.asarray(z_log_var)) * np.asarray(jax.random.normal(key, z_mean.shape))


def _hard_coded_eps(x, num_groups, eps=1e-6):
    b, h, w, c = x.shape
    g = jnp.reshape(x, (b, h, w, num_groups, c // num_groups))
    mean, var = jnp.mean(g, axis=(1, 2, 4), keepdims=True), jnp.var(g, axis=(1, 2, 4), keepdims=True)
    return jnp.reshape((g - mean) / jnp.sqrt(var + 1e-5), (b, h, w, c))


def _no_return():
    "kl_sign"  # noqa: B018


ODD_CASES = [
    ("nothing yet", checks.check_ae_loss, None),
    ("not written", checks.check_ae_loss, _not_written),
    ("returns None", checks.check_normal_pdf, lambda x, m, s: None),
    ("raises", checks.check_covariance_matrix, lambda s: s.nope),
    ("a string", checks.check_latent_scale_factor, lambda z: "one"),
    ("a tuple", checks.check_reparameterize, lambda k, m, v: (m + jnp.exp(v / 2) * jax.random.normal(k, m.shape), m)),
    ("generic values", checks.check_mvn_log_density, lambda x, m, c: jnp.sum(x, axis=-1) * 0.37 + 1),
    ("a list of arrays shown", checks.check_attribute_vector_from_codes, lambda zb, lb, tol=0.04, n=10_000: np.ones(4) / 2),
    ("shape", checks.check_conv_kernel_torch_to_flax, lambda w: np.asarray(w)[0]),
    ("merged axes", checks.check_split_batch, lambda x, n: x.reshape(n, -1)),
    ("a list for the next cell", checks.check_split_batch, lambda x, n: np.array_split(x, n)),
    ("numpy under grad", checks.check_reparameterize, _np_reparameterize),
    ("numpy under jit", checks.check_kl_to_standard_normal, lambda m, v: -0.5 * np.sum(1 + v - m**2 - np.exp(v), -1)),
    ("pmean", checks.check_average_gradients, lambda g: jax.lax.pmean(g, "devices")),
    ("hard-coded eps", checks.check_group_norm, _hard_coded_eps),
    ("edge case", checks.check_ae_loss, lambda l, x: jnp.mean(-(x * jnp.log(jax.nn.sigmoid(l))
                                                              + (1 - x) * jnp.log(1 - jax.nn.sigmoid(l))))),
    ("sign slip", checks.check_nearest_distance, lambda q, c: -np.sqrt(((q[:, None] - c[None]) ** 2).sum(-1)).min(1)),
    ("reduction slip", checks.check_kl_diagonal_gaussians, lambda a, b, c, d: jnp.sum(checks.ch04.kl_diagonal_gaussians(a, b, c, d))),
    ("debug: no return", checks.check_debug_diagnosis, _no_return),
    ("debug: wrong suspect", checks.check_debug_diagnosis, "no_kl"),
    ("debug: not a suspect", checks.check_debug_diagnosis, "dropout"),
    ("debug: right", checks.check_debug_diagnosis, "kl_sign"),
    ("right", checks.check_morph_codes, lambda a, b, n: np.linspace(a, b, n)),
]


@pytest.mark.parametrize("what, check, fn", ODD_CASES, ids=[w for w, _, _ in ODD_CASES])
def test_every_kind_of_verdict_is_told_in_korean(korean, what, check, fn):
    assert_korean(graded(check, fn))


def test_the_detector_finds_an_english_sentence():
    assert leftover_english("[wrong] ae_loss: 알려진 실수 같습니다 - the sign is flipped.")
    assert not leftover_english("[wrong] ae_loss: 부호가 반대입니다: -0.5 * (1 + log_var - mean**2 - exp(log_var)).")
    assert not leftover_english("[wrong] f에서 TypeError이(가) 일어났습니다: the learner's own error text")


def test_the_same_check_speaks_english_again(monkeypatch):
    monkeypatch.setattr(i18n, "_chosen", None)
    i18n.set_language("ko")
    korean = graded(checks.check_std_from_log_var, lambda lv: jnp.exp(lv))
    i18n.set_language("en")
    english = graded(checks.check_std_from_log_var, lambda lv: jnp.exp(lv))
    monkeypatch.setattr(i18n, "_chosen", None)
    assert "표준편차" in korean and "standard deviation" in english and not HANGUL.search(english)


def test_a_one_language_message_cannot_be_made():
    with pytest.raises(TypeError):
        Mistake("english only", lambda x: x, T("a hint", "힌트"))
    with pytest.raises(TypeError):
        Mistake(T("a name", "이름"), lambda x: x, "english only")
    with pytest.raises(TypeError):
        Use("the next cell calls it", lambda fn: fn(1))
    with pytest.raises(ValueError):
        T("the sign is flipped", "the sign is flipped")   # no Hangul: not a translation
    t = T("the {what} is flipped", "{what}의 부호가 반대입니다")
    assert t.format(what="sign").ko == "sign의 부호가 반대입니다" and t == "the {what} is flipped"


# ----------------------------------------------------------------------------- the static scan
CHECKS_DIR = pathlib.Path(checks.__file__).parent
# strings that are not prose for a learner: errors for the course's authors, never raised by a learner's answer
NOT_FOR_LEARNERS = ("unknown bug", "T(en, ko)", "Mistake ", "has no attribute")


def _prose(text: str) -> bool:
    return len(re.findall(r"(?<![\w.])[a-z]{2,}(?![\w(.])", text)) >= 3 and bool(ENGLISH.search(text))


def _untranslated(path: pathlib.Path) -> list[str]:
    tree = ast.parse(path.read_text())
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("T", "tr", "_t"):
            skip.update(id(n) for n in ast.walk(node))
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Module)) and ast.get_docstring(node) is not None:
            skip.add(id(node.body[0].value))
    found = []
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, (ast.Constant, ast.JoinedStr)):
            continue
        if isinstance(node, ast.JoinedStr):
            skip.update(id(n) for n in ast.walk(node))
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        elif isinstance(node.value, str):
            text = node.value
        else:
            continue
        if _prose(text) and not any(s in text for s in NOT_FOR_LEARNERS):
            found.append(f"{path.name}:{node.lineno}: {text[:70]!r}")
    return found


@pytest.mark.parametrize("path", sorted(CHECKS_DIR.glob("*.py")), ids=lambda p: p.name)
def test_no_learner_facing_string_is_english_only(path):
    assert not _untranslated(path), _untranslated(path)


def test_the_static_scan_finds_an_unwrapped_hint(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('"""A docstring is fine."""\nHINT = "divide by the standard deviation, not the variance"\n'
                   'OK = T("divide by the standard deviation", "표준편차로 나누세요")\n')
    assert [f.split(": ", 1)[1] for f in _untranslated(bad)] == ["'divide by the standard deviation, not the variance'"]
    assert ch05.DEBUG_SUSPECTS["kl_sign"].ko and isinstance(ch05.DEBUG_SUSPECTS["kl_sign"], T)
