"""The grading engine behind the exercises: compare a learner's function with the reference.

`grade` never raises: whatever the learner's code does (not written yet, an exception, a wrong
shape or type, NaN, a number too large for a float), it prints one clear verdict and returns True
or False. A wrong answer is explained in the most specific way that fits:

1. a *known mistake* of that exercise (e.g. sigma = exp(log_var)): its output on every test case
   equals the learner's, so the hint names it;
2. a slip any exercise can have, when it holds on every case: the right numbers in the wrong shape or
   transposed, a reduction (sum / mean / min / max) missing, extra or over the wrong axis, the answer on
   the diagonal of an (N, N) output, the sign flipped, off by a constant factor or offset, a unit
   vector of another length; or a known mistake with one such slip on top;
3. otherwise the smallest failing input, the expected output and the learner's, and the first
   element where they differ.

The learner's code runs as written (eagerly, never under `jax.jit`) on the test cases, once per distinct
input: a `print` shows real numbers, and only on the first test case. Once every case matches, it runs
the way the notebook uses it next (`Use`: under `jax.grad` / `jax.jit` where the chapter differentiates
or compiles it, on JAX arrays, reading the attributes the next cell reads); a failure there is a wrong
answer too, named ("NumPy breaks the gradient", "returns a list; the next cell needs an array").
Only that last run can hand the learner's code a tracer, as the notebook's next cell would.
"""
from __future__ import annotations

import contextlib
import hashlib
import inspect
import io
import re
import sys
import traceback
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import jax
import numpy as np

from vae_lib.i18n import tr

_HANGUL = re.compile("[\uac00-\ud7a3]")


class T(str):
    """A learner-facing text written in both languages, T(en, ko). As a str its value is the English text
    (test ids and `in` checks read that); str(), print() and f-strings give the language in use
    (vae_lib.i18n: set_language("ko") or VAE_COURSE_LANG=ko). A Korean text without Hangul is refused,
    so an English text cannot pass for its own translation."""

    def __new__(cls, en: str, ko: str):
        if not (isinstance(en, str) and isinstance(ko, str) and en.strip() and ko.strip()):
            raise TypeError("T(en, ko) needs two non-empty texts")
        if not _HANGUL.search(ko):
            raise ValueError(f"T(en, ko): the Korean text has no Hangul: {ko!r}")
        self = super().__new__(cls, en)
        self.ko = ko
        return self

    @property
    def en(self) -> str:
        return str.__str__(self)

    def __str__(self) -> str:
        return tr(self.en, self.ko)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def format(self, **kwargs) -> "T":
        """Both texts formatted; a T argument gives its English text to the English one, its Korean to the Korean."""
        return T(self.en.format(**{k: v.en if isinstance(v, T) else v for k, v in kwargs.items()}),
                 self.ko.format(**{k: v.ko if isinstance(v, T) else v for k, v in kwargs.items()}))


@dataclass
class Mistake:
    """A common wrong answer: `fn` computes it (same signature as the reference); `hint` explains it."""
    name: T
    fn: Callable[..., Any]
    hint: T

    def __post_init__(self):
        if not (isinstance(self.name, T) and isinstance(self.hint, T)):
            raise TypeError(f"Mistake {self.name!r}: name and hint must be T(en, ko), in both languages")


@dataclass
class Verdict:
    """The outcome of grading. kind: "correct", "not yet", "error" (the code raised), "mistake" (a
    known mistake of the exercise), "slip" (a generic slip, e.g. the sign), "type" (the output is not
    an array of numbers, or has the wrong shape), "edge" (right except on an edge case), "generic"
    (input / expected / got)."""
    ok: bool
    kind: str
    message: str


@dataclass
class Use:
    """How the notebook uses the learner's function in the cells after its check.

    what: that use in words ("the next cell takes jax.grad through it"); run(fn): calls fn that way and
    returns what the next cell gets (it may raise); expect(out): None when the next cell can go on with
    `out`, else what is wrong with it. transform: "grad", "jit" or "" (a plain call), for the hint when
    NumPy meets a traced value."""
    what: T
    run: Callable[[Callable[..., Any]], Any]
    expect: Callable[[Any], str | None] | None = None
    transform: str = ""

    def __post_init__(self):
        if not isinstance(self.what, T):
            raise TypeError(f"Use {self.what!r}: `what` must be T(en, ko), in both languages")


_LAST_CASES: dict[str, list[tuple]] = {}


def test_case(name: str, i: int) -> tuple:
    """The arguments of test case `i` (as numbered in a verdict) of the check `name`, as last graded in
    this process: `args = checks.test_case("morph_codes", 2); morph_codes(*args)` runs that case."""
    cases = _LAST_CASES.get(name)
    if cases is None:
        raise KeyError(tr(f"no check named {name!r} has run yet in this process; run its check cell first",
                          f"{name!r} 검사는 이 프로세스에서 아직 실행되지 않았습니다. 그 검사 셀을 먼저 실행하십시오"))
    return tuple(_copy(a) for a in cases[i])


test_case.__test__ = False   # not a pytest test


# ----------------------------------------------------------------------------- running the learner's code
def _is_key(a) -> bool:
    return isinstance(a, jax.Array) and jax.dtypes.issubdtype(a.dtype, jax.dtypes.prng_key)


def _fingerprint(a) -> Any:
    """A hashable summary of an argument's value (not its identity): equal inputs, equal prints."""
    if isinstance(a, (list, tuple)):
        return (type(a).__name__,) + tuple(_fingerprint(x) for x in a)
    if _is_key(a):
        a = jax.random.key_data(a)
    if isinstance(a, (np.ndarray, np.generic, jax.Array)):
        arr = np.asarray(a)
        return (arr.dtype.str, arr.shape, hashlib.sha1(arr.tobytes()).hexdigest())
    if a is None or isinstance(a, (bool, int, float, str)):
        return (type(a).__name__, a)
    return ("id", id(a))


def _copy(a):
    """A copy of NumPy arrays (also inside lists), so code that edits its inputs in place
    (x -= m) cannot spoil the reference's inputs or the next test case."""
    if isinstance(a, np.ndarray):
        return a.copy()
    if isinstance(a, list):
        return [_copy(x) for x in a]
    return a


class Learner:
    """The learner's function, run eagerly as written, each distinct input once.

    Outputs (or exceptions) are remembered, so grading a case again, or comparing it with each
    known mistake, does not run the learner's code again. What the code prints is shown for the
    first input only; `hidden_prints` counts the inputs whose prints were kept back.
    """

    def __init__(self, fn: Callable[..., Any]):
        self.fn = fn
        self._memo: dict[Any, tuple[Any, BaseException | None]] = {}
        self._printed = False
        self.hidden_prints = 0

    def run(self, *args) -> tuple[Any, BaseException | None]:
        """(output, None) or (None, the exception the learner's code raised)."""
        try:
            key = _fingerprint(args)
            hash(key)
        except Exception:
            return self.run_fresh(*args)
        if key not in self._memo:
            self._memo[key] = self.run_fresh(*args)
        return self._memo[key]

    def run_fresh(self, *args) -> tuple[Any, BaseException | None]:
        """Run without the memory (e.g. to see whether the same key gives the same sample)."""
        printed = io.StringIO()
        out, err = None, None
        try:
            with contextlib.redirect_stdout(printed):
                out = self.fn(*[_copy(a) for a in args])
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # noqa: BLE001 - SystemExit too: learner code never escapes
            err = e
        text = printed.getvalue()
        if text:
            if self._printed:
                self.hidden_prints += 1
            else:
                self._printed = True
                sys.stdout.write(text)
        return out, err

    def __call__(self, *args):
        out, err = self.run(*args)
        if err is not None:
            raise err
        return out


def as_learner(fn: Callable[..., Any] | None) -> Learner | None:
    if fn is None or isinstance(fn, Learner):
        return fn
    return Learner(fn)


# ----------------------------------------------------------------------------- outputs as arrays
def _to_arrays(out, n_expected: int) -> tuple[list[np.ndarray] | None, str | None]:
    """The learner's output as a list of float arrays (one per expected output), or None and why not.
    A list (e.g. from .tolist()) is one array when one output is expected."""
    def one(o):
        if _is_key(o):
            raise TypeError("a PRNG key")
        return np.asarray(o, dtype=np.float64)
    try:
        if isinstance(out, tuple) and n_expected != 1:
            parts = list(out)
        elif isinstance(out, tuple) and len(out) > 1:
            return None, tr(f"a tuple of {len(out)} values", f"값 {len(out)}개의 튜플")
        else:
            parts = [out[0] if isinstance(out, tuple) else out]
        if len(parts) != n_expected:
            return None, tr(f"{len(parts)} values", f"값 {len(parts)}개")
        return [one(o) for o in parts], None
    except Exception as e:  # a string, a ragged list, 10**400, an object whose __array__ fails...
        what = type(out).__name__
        reason = str(e).split("\n")[0][:80]
        return None, tr(f"a {what}, which is not an array of numbers ({reason})",
                        f"숫자 배열이 아닌 {what}(NumPy: `{reason}`)")


def _close(got: Sequence[np.ndarray], want: Sequence[np.ndarray], rtol: float, atol: float,
           equal_nan: bool = False) -> bool:
    return len(got) == len(want) and all(
        g.shape == w.shape and bool(np.allclose(g, w, rtol=rtol, atol=atol, equal_nan=equal_nan))
        for g, w in zip(got, want))


def _shape_text(shape: tuple) -> str:
    return tr("a scalar (shape ())", "스칼라(형태 ())") if shape == () else tr(f"shape {shape}", f"형태 {shape}")


# ----------------------------------------------------------------------------- showing inputs and outputs
def _show(a, width: int = 24) -> str:
    """A short readable rendering of one argument or output."""
    if _is_key(a):
        return f"jax.random.key({int(np.asarray(jax.random.key_data(a)).ravel()[-1])})"
    if isinstance(a, (list, tuple)) and a and all(isinstance(x, (np.ndarray, jax.Array)) for x in a):
        shapes = {np.shape(x) for x in a}
        return (tr(f"a list of {len(a)} arrays of shape {next(iter(shapes))}",
                   f"형태 {next(iter(shapes))}인 배열 {len(a)}개의 리스트") if len(shapes) == 1
                else tr(f"a list of {len(a)} arrays", f"배열 {len(a)}개의 리스트"))
    if callable(a) and not isinstance(a, (np.ndarray, jax.Array)):
        return getattr(a, "__name__", tr("a function", "함수"))
    try:
        arr = np.asarray(a)
        if arr.dtype.kind not in "biuf":
            return repr(a)[:60]
    except Exception:
        return repr(a)[:60]
    if arr.ndim == 0:
        if arr.dtype.kind != "f":
            return str(arr.item())
        text = f"{arr.item():.6g}"
        return text if any(c in text for c in ".enN") else text + ".0"
    if arr.size > width or arr.ndim > 2:   # shape, then the values in order (all of them if few)
        flat = np.array2string(arr.ravel()[:width if arr.size <= width else 6], precision=4,
                               suppress_small=True, separator=", ", max_line_width=10_000)
        more = "" if arr.size <= width else flat[:-1] + ", ...]"
        return tr(f"array of shape {arr.shape}, values {more or flat}", f"형태 {arr.shape}인 배열, 값 {more or flat}")
    return np.array2string(arr, precision=4, suppress_small=True, separator=", ", max_line_width=88)


def _indented(prefix: str, text: str) -> str:
    """prefix + text, the text's later lines aligned under its first."""
    return prefix + text.replace("\n", "\n" + " " * len(prefix))


def _arg_names(fn: Callable, n: int) -> list[str]:
    try:
        names = [p.name for p in inspect.signature(fn).parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except Exception:
        names = []
    return (names + [tr(f"argument {i + 1}", f"인수 {i + 1}") for i in range(len(names), n)])[:n]


def _show_input(reference_fn: Callable, args: tuple) -> str:
    return "\n".join(_indented(f"    {k} = ", _show(a)) for k, a in zip(_arg_names(reference_fn, len(args)), args))


def _size(args) -> int:
    total = 0
    for a in args:
        try:
            total += sum(np.size(x) for x in a) if isinstance(a, list) else int(np.size(a))
        except Exception:
            total += 1
    return total


def _first_difference(g: np.ndarray, w: np.ndarray, rtol: float, atol: float) -> str:
    bad = ~np.isclose(g, w, rtol=rtol, atol=atol)
    if g.size < 2:
        return ""
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    where = ", ".join(str(i) for i in idx)
    return tr(f"\n  first difference at [{where}]: expected {w[idx]:.6g}, got {g[idx]:.6g}",
              f"\n  처음 다른 곳 [{where}]: 기대값 {w[idx]:.6g}, 받은 값 {g[idx]:.6g}")


# ----------------------------------------------------------------------------- slips any exercise can have
def _merged_axes(big: tuple, small: tuple) -> tuple[int, int] | None:
    """(i, j) when `small` is `big` with its axes i .. j-1 (two or more) multiplied into one, else None."""
    for i in range(len(big)):
        for j in range(i + 2, len(big) + 1):
            if big[:i] + (int(np.prod(big[i:j])),) + big[j:] == small:
                return i, j
    return None


def _real_merge(big: tuple, small: tuple) -> bool:
    """A merge of at least two axes longer than 1 (not only a kept or dropped axis of size 1)."""
    ij = _merged_axes(big, small)
    return ij is not None and sum(n > 1 for n in big[ij[0]:ij[1]]) >= 2


def _shape_slip(pairs, rtol: float, atol: float) -> str | None:
    """Name a shape slip, when on every case the learner's numbers are the expected ones rearranged
    (pairs: [(got, expected)] of one output, one per case, the shown case first): transposed, axes merged
    or split (a reshape with -1), an axis of size 1 kept or dropped (keepdims), extra leading axes."""
    shown = pairs[0]
    pairs = [shown] + [(g, w) for g, w in pairs[1:] if g.shape != w.shape]
    g, w = shown
    close = lambda a, b: a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=atol)  # noqa: E731
    every = lambda test: all(test(a, b) for a, b in pairs)  # noqa: E731
    if every(lambda a, b: a.size == b.size and a.size > 1 and b.ndim >= 2 and close(a, b.T)):
        return tr("the right numbers, transposed: swap the axes back (or multiply in the other order).",
                  "숫자는 맞지만 전치되어 있습니다. 축을 되돌리십시오(또는 곱하는 순서를 바꾸십시오).")
    if every(lambda a, b: a.size == b.size and close(a.reshape(b.shape), b)):
        if every(lambda a, b: _merged_axes(b.shape, a.shape) is not None) and any(
                _real_merge(b.shape, a.shape) for a, b in pairs):
            a, b = (g, w) if _merged_axes(w.shape, g.shape) else next(
                (a, b) for a, b in pairs if _real_merge(b.shape, a.shape))
            i, j = _merged_axes(b.shape, a.shape)
            return tr(f"the right numbers in the wrong shape: axes {i} to {j - 1} of the answer (sizes {b.shape[i:j]}) "
                      f"are merged into one axis of {a.shape[i]}: keep them apart (a reshape with -1 merges all that "
                      f"follows; keep the trailing axes, e.g. *x.shape[1:]); the answer has shape {b.shape}.",
                      f"숫자는 맞지만 형태가 틀립니다. 답의 축 {i}부터 {j - 1}까지(크기 {b.shape[i:j]})가 크기 "
                      f"{a.shape[i]}인 축 하나로 합쳐졌습니다. 따로 두십시오(-1을 쓴 reshape는 뒤의 축을 모두 합칩니다. "
                      f"뒤쪽 축을 유지하십시오, 예: *x.shape[1:]). 답의 형태는 {b.shape}입니다.")
        if every(lambda a, b: _merged_axes(a.shape, b.shape) is not None) and any(
                _real_merge(a.shape, b.shape) for a, b in pairs):
            return tr(f"the right numbers in the wrong shape: one axis of the answer is split in two; reshape to {w.shape}.",
                      f"숫자는 맞지만 형태가 틀립니다. 답의 축 하나가 둘로 나뉘었습니다. {w.shape}로 reshape하십시오.")
        squeezed = lambda shape: tuple(n for n in shape if n != 1)  # noqa: E731
        if every(lambda a, b: squeezed(a.shape) == squeezed(b.shape)):
            return tr(f"the right numbers in the wrong shape: an axis of size 1 is "
                      f"{'extra' if g.ndim > w.ndim else 'missing'} (check keepdims / [None] / squeeze); the answer "
                      f"has shape {w.shape}.",
                      f"숫자는 맞지만 형태가 틀립니다. 크기 1인 축이 {'더 있습니다' if g.ndim > w.ndim else '없습니다'}"
                      f"(keepdims / [None] / squeeze를 확인하십시오). 답의 형태는 {w.shape}입니다.")
        return tr(f"the right numbers in the wrong shape: the answer has shape {w.shape}.",
                  f"숫자는 맞지만 형태가 틀립니다. 답의 형태는 {w.shape}입니다.")
    if w.ndim >= 1 and g.ndim > w.ndim and g.shape[-w.ndim:] == w.shape:
        extra = g.ndim - w.ndim
        return tr(f"your output has {extra} extra leading ax{'es' if extra > 1 else 'is'}: the answer has "
                  f"shape {w.shape}.", f"출력 앞쪽에 축이 {extra}개 더 있습니다. 답의 형태는 {w.shape}입니다.")
    if g.ndim >= 2 and sorted(g.shape) == sorted(w.shape):
        return tr("the axes are in another order: check the order in your transpose / reshape / einsum.",
                  "축의 순서가 다릅니다. transpose / reshape / einsum의 순서를 확인하십시오.")
    return None


def _size_source(size: int, names: list[str], args: tuple) -> str | None:
    """Where an axis of that size comes from: the first input axis with it, e.g. "z_mean.shape[1]"."""
    for name, a in zip(names, args):
        shape = np.shape(a) if isinstance(a, (np.ndarray, jax.Array)) and not _is_key(a) else ()
        for j, n in enumerate(shape):
            if n == size:
                return f"{name}.shape[{j}]"
    return None


REDUCTIONS = (("sum", np.sum), ("mean", np.mean), ("min", np.min), ("max", np.max))
_REDUCTION_KO = {"sum": "합", "mean": "평균", "min": "최솟값", "max": "최댓값"}


def _reduction_slip(pairs, names: list[str], args: tuple, rtol: float, atol: float) -> str | None:
    """Name a reduction that is missing, extra or over the wrong axis when it explains EVERY case
    (pairs: [(got, expected)] of one output, one pair per case, the shown case first; names, args: its inputs):
    all values reduced to one number, or one kept axis too many, or the answer on the diagonal."""
    def every(f) -> bool:
        """f(got, expected) -> two arrays that must agree on every case."""
        try:
            return all(np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=rtol, atol=atol)
                       for a, b in (f(g, w) for g, w in pairs))
        except Exception:   # noqa: BLE001 - a reduction that does not apply to some case
            return False
    pairs = [pairs[0]] + [(x, y) for x, y in pairs[1:] if not _close([x], [y], rtol, atol)]   # right ones fit all
    g, w = pairs[0]
    if all(x.ndim == 2 and x.shape[0] == x.shape[1] and y.shape == x.shape[:1] for x, y in pairs) \
            and every(lambda x, y: (np.diagonal(x), y)):
        n = g.shape[0]
        return tr(f"the answer is the diagonal of your ({n}, {n}) output: you combined every row with every "
                  "other (e.g. d @ M @ d.T) where each row goes only with itself - e.g. "
                  "jnp.sum(d @ M * d, axis=-1).",
                  f"답은 출력 ({n}, {n})의 대각입니다. 각 행은 자기 자신하고만 짝지어야 하는데 모든 행을 다른 모든 행과 "
                  "결합했습니다(예: d @ M @ d.T). 예: jnp.sum(d @ M * d, axis=-1).")
    if all(x.size == y.size for x, y in pairs):
        return None   # the same number of values: a reshape or transpose, not a reduction (see _shape_slip)
    for how, red in REDUCTIONS:
        if all(y.ndim == 0 and x.ndim >= 1 for x, y in pairs) and every(lambda x, y: (red(x), y)):
            return tr(f"the {how} of all your values is the expected number: reduce over every axis "
                      "(the batch too) and return one number.",
                      f"출력 값 전체의 {_REDUCTION_KO[how]}이 기대하는 숫자입니다. 모든 축(배치 포함)에 대해 줄여서 숫자 하나를 반환하십시오.")
        if all(x.ndim == 0 and y.ndim >= 1 for x, y in pairs) and every(lambda x, y: (x, red(y))):
            return tr(f"your number is the {how} of the expected values: return all of them, "
                      f"{_shape_text(w.shape)} (reduce over fewer axes, or not at all).",
                      f"출력한 숫자는 기대값들의 {_REDUCTION_KO[how]}입니다. 모두 반환하십시오, {_shape_text(w.shape)}"
                      "(더 적은 축에 대해 줄이거나 줄이지 마십시오).")
    if all(x.ndim == y.ndim + 1 for x, y in pairs):
        for axis in (a for a in range(g.ndim) if any(x.shape[a] > 1 for x, _ in pairs)):
            for how, red in REDUCTIONS:
                if every(lambda x, y: (red(x, axis=axis), y)):
                    where = _size_source(g.shape[axis], names, args)
                    where = tr(f" ({where} = {g.shape[axis]} values)", f"({where} = 값 {g.shape[axis]}개)") if where else ""
                    return tr(f"your output keeps axis {axis}{where}: the {how} over it (axis={axis}) "
                              "is the answer, so that reduction is missing.",
                              f"출력에 축 {axis}{where}가 남아 있습니다. 그 축에 대한 {_REDUCTION_KO[how]}(axis={axis})이 답이므로, "
                              "그 줄이기가 빠졌습니다.")
    return None


def _axis_slip(g: np.ndarray, w: np.ndarray, names: list[str], args: tuple) -> str | None:
    """Name the input axes whose sizes the learner's output and the answer have, when they differ in one
    axis (e.g. one value per code instead of per query: a reduction over the wrong axis)."""
    if g.ndim != w.ndim or sum(a != b for a, b in zip(g.shape, w.shape)) != 1:
        return None
    i = next(k for k, (a, b) in enumerate(zip(g.shape, w.shape)) if a != b)
    got_from, want_from = _size_source(g.shape[i], names, args), _size_source(w.shape[i], names, args)
    if got_from and want_from and got_from != want_from:
        return tr(f"its axis {i} has {got_from} = {g.shape[i]} values where the answer has {want_from} = "
                  f"{w.shape[i]}: a reduction (sum / mean / min) over the wrong axis?",
                  f"출력의 축 {i}에는 값이 {got_from} = {g.shape[i]}개 있는데, 답에는 {want_from} = {w.shape[i]}개 "
                  "있습니다. 잘못된 축에 대해 줄였나요(sum / mean / min)?")
    return None


def _ratios(pairs) -> list[float] | None:
    """got / expected per case when that ratio is one constant within each case, else None. A case whose
    expected and got are both 0 fits any ratio and is passed over (e.g. the KL of a distribution to itself)."""
    ratios = []
    for g, w in pairs:
        big = np.abs(w) > 1e-6
        if not np.allclose(g[~big], 0, atol=1e-6):
            return None
        if not big.any():
            continue
        r = g[big] / w[big]
        if not np.allclose(r, r.ravel()[0], rtol=1e-3):
            return None
        ratios.append(float(r.ravel()[0]))
    return ratios or None


def _is_unit(w: np.ndarray) -> bool:
    return w.ndim == 1 and w.size > 1 and abs(float(np.linalg.norm(w)) - 1) < 1e-3


def _value_slip(pairs, rtol: float, atol: float, strong_only: bool = False) -> str | None:
    """Name a slip that holds on every case (pairs: [(got, expected)] over all cases and outputs): the
    sign, one constant factor, one constant offset; unless strong_only, also a factor that changes from
    case to case (the length of a unit vector, a mean for a sum)."""
    if not pairs or not all(g.shape == w.shape and np.all(np.isfinite(g)) for g, w in pairs):
        return None
    if all(np.allclose(g, -w, rtol=rtol, atol=atol) for g, w in pairs):
        return tr("the sign is flipped on every case: check the minus signs.",
                  "모든 경우에 부호가 반대입니다. 마이너스 부호를 확인하십시오.")
    ratios = _ratios(pairs)
    if ratios and len(set(np.round(ratios, 4))) == 1 and (len(ratios) > 1 or len(pairs) == 1):
        return tr(f"your output is {ratios[0]:.4g} times the expected one on every case: a factor is missing or extra.",
                  f"모든 경우에 출력이 기대값의 {ratios[0]:.4g}배입니다. 계수가 빠졌거나 더 있습니다.")
    offsets = np.concatenate([(g - w).ravel() for g, w in pairs])
    if len(offsets) > 1 and np.allclose(offsets, offsets[0], atol=max(atol, 1e-6)):
        return tr(f"your output is off by the same constant ({offsets[0]:+.4g}) on every case: a constant "
                  "term is missing or extra.",
                  f"모든 경우에 출력이 같은 상수({offsets[0]:+.4g})만큼 다릅니다. 상수항이 빠졌거나 더 있습니다.")
    if strong_only or not ratios or not all(np.sum(np.abs(w) > 1e-6) > 1 for g, w in pairs if np.any(w)):
        return None
    if all(_is_unit(w) for _, w in pairs):
        way = (tr("points the right way", "방향은 맞지만") if all(r > 0 for r in ratios) else
               tr("points the other way", "방향이 반대이고") if all(r < 0 for r in ratios) else
               tr("is parallel to the answer", "답과 평행하지만"))
        factors = ", x".join(f"{r:.3g}" for r in ratios[:4])
        return tr(f"your vector {way} but its length is not 1 (x{factors}): divide it by its Euclidean length, "
                  "np.linalg.norm(v).",
                  f"벡터가 {way} 길이가 1이 아닙니다(x{factors}). 유클리드 길이 np.linalg.norm(v)로 나누십시오.")
    factors = ", x".join(f"{r:.3g}" for r in ratios[:4])
    return tr(f"on each case your output is a constant multiple of the expected one (x{factors}): a normalising "
              "factor that depends on the size is missing or extra (a mean instead of a sum, or the other way round?).",
              f"경우마다 출력이 기대값의 상수배입니다(x{factors}). 크기에 따라 달라지는 정규화 계수가 빠졌거나 "
              "더 있습니다(합 대신 평균, 또는 그 반대인가요?).")


def _mistake_and_slip(got, cases, mistakes, rtol: float, atol: float) -> str | None:
    """A known mistake with one more slip on top (the sign, a constant factor or offset), on every case."""
    for m in mistakes:
        try:
            outs = [_expected(m.fn, args) for args in cases]
        except Exception:  # noqa: BLE001
            continue
        pairs = [(g, o) for gs, os in zip(got, outs) for g, o in zip(gs, os)]
        if not all(np.all(np.isfinite(o)) for _, o in pairs):
            continue
        slip = _value_slip(pairs, rtol, atol, strong_only=True)
        if slip:
            return tr(f"this looks like a known mistake - {m.name} - with one more slip on top: "
                      f"compared with that mistake, {slip}\n  Hint: {m.hint}",
                      f"알려진 실수 - {m.name} - 에 실수가 하나 더 겹친 것 같습니다. 그 실수와 비교하면, {slip}"
                      f"\n  힌트: {m.hint}")
    return None


# ----------------------------------------------------------------------------- the grader
def _where_raised(e: BaseException) -> str:
    frames = traceback.extract_tb(e.__traceback__)
    own = [f for f in frames if not any(s in f.filename for s in ("site-packages", "/vae_lib/course/checks/", "<frozen"))]
    f = (own or frames or [None])[-1]
    if f is None:
        return ""
    return (tr(f"\n  (line {f.lineno}: {f.line.strip()})", f"\n  ({f.lineno}번째 줄: {f.line.strip()})") if f.line
            else tr(f"\n  (line {f.lineno})", f"\n  ({f.lineno}번째 줄)"))


def _exception_hint(e: BaseException, transform: str = "") -> str:
    """What a JAX or NumPy error raised in the learner's code usually means, as a hint ("" if unknown)."""
    text = str(e)
    under = {"grad": tr("the gradient", "그레이디언트"), "jit": "jax.jit"}.get(
        transform, tr("jax.grad and jax.jit", "jax.grad와 jax.jit"))
    if isinstance(e, jax.errors.TracerArrayConversionError):
        return tr(f"NumPy breaks {under}: use jax.numpy inside this function (jnp.exp, jnp.sqrt, ...). A NumPy "
                  "function (np.exp, np.sqrt, np.asarray, ...) got a traced JAX value, which it cannot read.",
                  f"NumPy가 {under}를 깨뜨립니다. 이 함수 안에서는 jax.numpy를 사용하십시오(jnp.exp, jnp.sqrt, ...). "
                  "NumPy 함수(np.exp, np.sqrt, np.asarray, ...)가 추적 중인 JAX 값을 받았는데, 이 값은 읽을 수 없습니다.")
    if isinstance(e, (jax.errors.ConcretizationTypeError, jax.errors.TracerIntegerConversionError)):
        return tr("under jax.grad / jax.jit the values are tracers, not numbers yet: float(), int(), .item() "
                  "or `if x > 0:` on them fails. Keep them as arrays (jnp.where for a choice).",
                  "jax.grad / jax.jit 안에서 값은 아직 숫자가 아니라 트레이서입니다. 여기에 float(), int(), .item(), "
                  "`if x > 0:`을 쓰면 실패합니다. 배열로 유지하십시오(선택에는 jnp.where).")
    if isinstance(e, NameError) and "unbound axis name" in text:
        return tr("jax.lax.pmean / psum work only inside a function mapped over devices (shard_map or "
                  "jax.pmap) that names that axis. Here the devices are axis 0 of an ordinary array: "
                  "average over it, jnp.mean(grads, axis=0).",
                  "jax.lax.pmean / psum은 그 축 이름을 정한, 장치에 매핑된 함수(shard_map 또는 jax.pmap) 안에서만 "
                  "동작합니다. 여기서 장치는 평범한 배열의 축 0입니다. 그 축에 대해 평균하십시오: jnp.mean(grads, axis=0).")
    if isinstance(e, TypeError) and "immutable" in text:
        return tr("JAX arrays cannot be changed in place (x[i] = ...): compute a new array instead "
                  "(x - m, x.at[i].set(v), jnp.where).",
                  "JAX 배열은 제자리에서 바꿀 수 없습니다(x[i] = ...). 대신 새 배열을 계산하십시오"
                  "(x - m, x.at[i].set(v), jnp.where).")
    if isinstance(e, ValueError) and "read-only" in text:
        return tr("np.asarray of a JAX array is read-only, so -=, /= or x[i] = ... on it fail: compute new "
                  "arrays instead (g = g - mean), or copy first with np.array(x).",
                  "JAX 배열에 np.asarray를 쓰면 읽기 전용이라 -=, /=, x[i] = ...가 실패합니다. 대신 새 배열을 "
                  "계산하거나(g = g - mean), 먼저 np.array(x)로 복사하십시오.")
    if isinstance(e, TypeError) and ("length-1 arrays" in text or "0-dimensional arrays" in text
                                     or "convert" in text and "scalar" in text):
        return tr("math.exp / math.sqrt / float() take one number; on arrays use jnp.exp / jnp.sqrt "
                  "(they work elementwise).",
                  "math.exp / math.sqrt / float()는 숫자 하나만 받습니다. 배열에는 jnp.exp / jnp.sqrt를 쓰십시오"
                  "(원소별로 동작합니다).")
    if isinstance(e, AttributeError) and ("'list' object" in text or "'tuple' object" in text):
        return tr("a list has no .shape, .reshape or .mean: build an array (np.stack / jnp.stack / jnp.asarray).",
                  "리스트에는 .shape, .reshape, .mean이 없습니다. 배열을 만드십시오(np.stack / jnp.stack / jnp.asarray).")
    return ""


def _hint_line(hint) -> str:
    """The hint line of a verdict ("" when there is no hint)."""
    return tr(f"\n  Hint: {hint}", f"\n  힌트: {hint}") if hint else ""


def _expected_got(w: np.ndarray, g: np.ndarray, which: str = "") -> str:
    """The expected and the learner's output, one under the other, aligned."""
    want, got = tr(f"  expected{which} ", f"  기대값{which} "), tr(f"  got{which} ", f"  받은 값{which} ")
    width = max(len(want), len(got))
    return _indented(want.ljust(width), _show(w)) + "\n" + _indented(got.ljust(width), _show(g))


def _paste_line(name: str, learner: Learner, i: int) -> str:
    """A line the learner can paste into a cell to run the failing case themselves."""
    fn = getattr(learner.fn, "__name__", "") if learner is not None else ""
    fn = fn if fn.isidentifier() else name
    return tr(f"\n  to run this case yourself: args = checks.test_case(\"{name}\", {i}); {fn}(*args)",
              f"\n  이 경우를 직접 실행하려면: args = checks.test_case(\"{name}\", {i}); {fn}(*args)")


def _type_problem(out, n_expected: int) -> str | None:
    """None when every output the next cell reads is an array (or a plain number), else what it is."""
    parts = list(out) if isinstance(out, tuple) and n_expected != 1 else [out]
    for o in parts:
        if not isinstance(o, (np.ndarray, np.generic, jax.Array, float, int)) or isinstance(o, bool):
            what = type(o).__name__
            return tr(f"your function returns a {what}, and the next cell needs an array (it reads .shape, "
                      f"indexes or reshapes it): return an array, e.g. np.stack(...) / jnp.asarray(...).",
                      f"함수가 {what}을(를) 반환하는데, 다음 셀에는 배열이 필요합니다(.shape를 읽거나, 인덱싱하거나, "
                      f"reshape합니다). 배열을 반환하십시오, 예: np.stack(...) / jnp.asarray(...).")
    return None


def returns_array(out) -> str | None:
    """An `expect` for Use: the output is one array (the next cell reads .shape / .reshape / .mean)."""
    return _type_problem(out, 1)


def close_to(reference: Callable[[], Any], rtol: float = 1e-4, atol: float = 1e-5,
             array: bool = False) -> Callable[[Any], str | None]:
    """An `expect` for Use: the output (an array if `array`) equals reference() within the tolerances."""
    def expect(out):
        if array:
            problem = returns_array(out)
            if problem:
                return problem
        want = np.asarray(reference(), np.float64)
        try:
            got = np.asarray(out, np.float64)
        except Exception as e:   # noqa: BLE001
            return tr(f"its output is a {type(out).__name__}, not an array of numbers ({str(e)[:60]}).",
                      f"출력이 숫자 배열이 아니라 {type(out).__name__}입니다({str(e)[:60]}).")
        if got.shape != want.shape:
            return tr(f"its output has {_shape_text(got.shape)} there, expected {_shape_text(want.shape)}.",
                      f"거기서 출력은 {_shape_text(got.shape)}인데, 기대한 것은 {_shape_text(want.shape)}입니다.")
        if not np.allclose(got, want, rtol=rtol, atol=atol):
            nan = tr(" (NaN or inf)", "(NaN 또는 inf)") if not np.all(np.isfinite(got)) and np.all(np.isfinite(want)) else ""
            bad = np.argwhere(~np.isclose(got, want, rtol=rtol, atol=atol))
            at = ", ".join(str(int(i)) for i in bad[0]) if got.ndim else ""
            where = f" [{at}]" if at else ""
            w, g = (want[tuple(bad[0])], got[tuple(bad[0])]) if got.ndim else (want, got)
            return tr(f"there it gives other values{nan}: first difference{where}: expected {float(w):.6g}, "
                      f"got {float(g):.6g}.",
                      f"거기서는 다른 값이 나옵니다{nan}. 처음 다른 곳{where}: 기대값 {float(w):.6g}, 받은 값 {float(g):.6g}.")
        return None
    return expect


def check_uses(name: str, fn: Callable[..., Any], uses: Sequence[Use]) -> Verdict | None:
    """Run the learner's function the way the notebook uses it next; None when every use works, else
    the verdict that says which use fails and why. Never raises; the function's prints are not shown."""
    fn = fn.fn if isinstance(fn, Learner) else fn
    for use in uses:
        try:
            with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = use.run(fn)
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # noqa: BLE001
            hint = _exception_hint(e, use.transform)
            first = str(e).strip().split("\n")[0][:200]
            return Verdict(False, "next", tr(
                f"[wrong] {name}: right on the test cases, but {use.what}, and there your function raises "
                f"{e.__class__.__name__}: {first}{_where_raised(e)}",
                f"[wrong] {name}: 테스트 경우에서는 맞지만, {use.what}. 거기서 함수가 {e.__class__.__name__}을(를) "
                f"일으킵니다: {first}{_where_raised(e)}") + _hint_line(hint))
        try:
            problem = use.expect(out) if use.expect is not None else None
        except Exception as e:  # noqa: BLE001
            problem = tr(f"its output cannot be used there ({e.__class__.__name__}: {str(e)[:100]}).",
                         f"거기서는 출력을 쓸 수 없습니다({e.__class__.__name__}: {str(e)[:100]}).")
        if problem:
            return Verdict(False, "next", tr(f"[wrong] {name}: right on the test cases, but {use.what}: {problem}",
                                             f"[wrong] {name}: 테스트 경우에서는 맞지만, {use.what}. {problem}"))
    return None


def evaluate(name: str, learner_fn: Callable[..., Any] | None, reference_fn: Callable[..., Any],
             cases: Sequence[tuple], mistakes: Sequence[Mistake] = (), *, rtol: float = 1e-4,
             atol: float = 1e-5, edge_cases: Sequence[tuple] = (), edge_hint: str = "",
             uses: Sequence[Use] = ()) -> Verdict:
    """Grade without printing: the Verdict `grade` prints. Never raises. When every case (and edge case)
    matches, `uses` run the function as the notebook does next; the first that fails decides."""
    try:
        _LAST_CASES[name] = list(cases) + list(edge_cases)
        learner = as_learner(learner_fn)
        verdict = _evaluate(name, learner, reference_fn, cases, mistakes, rtol, atol, edge_cases, edge_hint)
        if verdict.ok and uses:
            verdict = check_uses(name, learner, uses) or verdict
        return verdict
    except Exception as e:  # a bug of the checker itself must not stop the notebook
        return Verdict(False, "error", tr(f"[wrong] {name}: could not be checked ({e.__class__.__name__}: {e}).",
                                          f"[wrong] {name}: 검사할 수 없었습니다({e.__class__.__name__}: {e})."))


def _expected(reference_fn, args) -> list[np.ndarray]:
    """The reference's (or a known mistake's) output as float arrays; a mistake's NaN or inf is expected."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        out = reference_fn(*args)
    return [np.asarray(o, np.float64) for o in (out if isinstance(out, tuple) else (out,))]


def _evaluate(name, learner, reference_fn, cases, mistakes, rtol, atol, edge_cases, edge_hint) -> Verdict:
    if learner is None:
        return Verdict(False, "not yet", tr(f"[not yet] {name}: nothing to check yet.",
                                            f"[not yet] {name}: 아직 검사할 것이 없습니다."))
    want = [_expected(reference_fn, args) for args in cases]
    got: list[list[np.ndarray]] = []
    for args, w in zip(cases, want):
        out, err = learner.run(*args)
        if isinstance(err, NotImplementedError):
            return Verdict(False, "not yet", tr(
                f"[not yet] {name}: not written yet - replace the `raise NotImplementedError` line with your code.",
                f"[not yet] {name}: 아직 작성하지 않았습니다. `raise NotImplementedError` 줄을 코드로 바꾸십시오."))
        if err is not None:
            hint = _exception_hint(err)
            return Verdict(False, "error", tr(
                f"[wrong] {name} raised {err.__class__.__name__}: {str(err).strip()[:300]}{_where_raised(err)}"
                "\n  for the input\n",
                f"[wrong] {name}에서 {err.__class__.__name__}이(가) 일어났습니다: {str(err).strip()[:300]}"
                f"{_where_raised(err)}\n  입력:\n") + _show_input(reference_fn, args)
                + _paste_line(name, learner, len(got)) + _hint_line(hint))
        if out is None:
            return Verdict(False, "not yet", tr(f"[not yet] {name} returned None - did you forget `return`?",
                                                f"[not yet] {name}이(가) None을 반환했습니다. `return`을 잊었나요?"))
        arrays, why = _to_arrays(out, len(w))
        if arrays is None:
            first = out[0] if isinstance(out, tuple) and out else None
            extra = ""
            if first is not None and len(w) == 1:
                a, _ = _to_arrays(first, 1)
                if a is not None and _close(a, w, rtol, atol):
                    extra = tr(" Its first value is the right answer: return only that one.",
                               " 첫 번째 값이 맞는 답입니다. 그 값만 반환하십시오.")
            expected = ", ".join(_shape_text(x.shape) for x in w)
            return Verdict(False, "type", tr(f"[wrong] {name} returned {why}; expected one array of numbers, "
                                             f"{expected}.{extra}",
                                             f"[wrong] {name}이(가) {why}을(를) 반환했습니다. 기대한 것은 숫자 배열 "
                                             f"하나, {expected}입니다.{extra}"))
        got.append(arrays)
    bad = [i for i, (g, w) in enumerate(zip(got, want)) if not _close(g, w, rtol, atol)]
    if not bad:
        return _edge_verdict(name, learner, reference_fn, cases, rtol, atol, edge_cases, edge_hint)
    for m in mistakes:
        try:
            if all(_close(g, _expected(m.fn, args), rtol, atol, equal_nan=True) for g, args in zip(got, cases)):
                return Verdict(False, "mistake", tr(f"[wrong] {name}: this looks like a known mistake - {m.name}.",
                                                    f"[wrong] {name}: 알려진 실수 같습니다 - {m.name}.")
                               + _hint_line(m.hint))
        except Exception:
            continue
    i = min(bad, key=lambda j: _size(cases[j]))   # show the smallest input that fails
    shown = _show_input(reference_fn, cases[i])
    names = _arg_names(reference_fn, len(cases[i]))
    for k, (g, w) in enumerate(zip(got[i], want[i])):
        if g.shape != w.shape:
            order = [i] + [c for c in range(len(cases)) if c != i]   # the shown case first: its sizes are named
            slip = (_reduction_slip([(got[c][k], want[c][k]) for c in order], names, cases[i], rtol, atol)
                    or _shape_slip([(got[c][k], want[c][k]) for c in order], rtol, atol)
                    or _axis_slip(g, w, names, cases[i]))
            if slip:
                return Verdict(False, "slip", tr(
                    f"[wrong] {name}: output {_shape_text(g.shape)}, expected {_shape_text(w.shape)} - {slip}",
                    f"[wrong] {name}: 출력은 {_shape_text(g.shape)}, 기대한 것은 {_shape_text(w.shape)} - {slip}"))
            return Verdict(False, "type", tr(
                f"[wrong] {name}: output {_shape_text(g.shape)}, expected {_shape_text(w.shape)}, for the input\n",
                f"[wrong] {name}: 출력은 {_shape_text(g.shape)}, 기대한 것은 {_shape_text(w.shape)}, 입력:\n")
                + shown + "\n" + _expected_got(w, g) + _paste_line(name, learner, i))
    pairs = [(g, w) for gs, ws in zip(got, want) for g, w in zip(gs, ws)]
    slip = _value_slip(pairs, rtol, atol, strong_only=True)
    if slip:
        return Verdict(False, "slip", f"[wrong] {name}: {slip}")
    combined = _mistake_and_slip(got, cases, mistakes, rtol, atol)
    if combined:
        return Verdict(False, "mistake", f"[wrong] {name}: {combined}")
    slip = _value_slip(pairs, rtol, atol)
    if slip:
        return Verdict(False, "slip", f"[wrong] {name}: {slip}")
    j = next(k for k, (g, w) in enumerate(zip(got[i], want[i])) if not _close([g], [w], rtol, atol))
    g, w = got[i][j], want[i][j]
    nan = "" if np.all(np.isfinite(g)) or not np.all(np.isfinite(w)) else tr(
        " (NaN or inf where the answer is finite)", "(답은 유한한데 NaN 또는 inf)")
    which = tr(f" (output {j + 1})", f"(출력 {j + 1})") if len(want[i]) > 1 else ""
    return Verdict(False, "generic", tr(f"[wrong] {name}: not the expected values{nan}, for the input\n",
                                        f"[wrong] {name}: 기대한 값이 아닙니다{nan}. 입력:\n")
                   + shown + "\n" + _expected_got(w, g, which)
                   + _first_difference(g, w, rtol, atol) + _paste_line(name, learner, i))


def _edge_verdict(name, learner, reference_fn, cases, rtol, atol, edge_cases, edge_hint) -> Verdict:
    n = len(cases) + len(edge_cases)
    for args in edge_cases:
        w = _expected(reference_fn, args)
        out, err = learner.run(*args)
        arrays = None if err is not None or out is None else _to_arrays(out, len(w))[0]
        if arrays is None or not _close(arrays, w, rtol, atol):
            what = (tr("an error", "오류") if err is not None else "NaN / inf" if arrays is not None and not all(
                np.all(np.isfinite(a)) for a in arrays) else tr("a different value", "다른 값"))
            return Verdict(False, "edge", tr(f"[wrong] {name}: right on ordinary inputs, but gives {what} on an "
                                             "edge case.",
                                             f"[wrong] {name}: 보통 입력에서는 맞지만, 극단적인 경우에 {what}이(가) "
                                             "나옵니다.") + _hint_line(edge_hint))
    extra = tr(", edge cases included", "(극단적인 경우 포함)") if edge_cases else ""
    return Verdict(True, "correct", tr(f"[correct] {name}: matches the reference on all {n} test cases{extra}.",
                                       f"[correct] {name}: 테스트 경우 {n}개{extra}에서 모두 참조 답과 일치합니다."))


def say(verdict: Verdict, learner: Learner | None = None, quiet: bool = False) -> bool:
    """Print a verdict (and a note when the learner's prints were shown for one input only)."""
    if not quiet:
        note = ""
        if learner is not None and learner.hidden_prints:
            note = tr(f"\n  (your function's print output is shown for the first test case only; "
                      f"{learner.hidden_prints} more were hidden)",
                      f"\n  (함수의 print 출력은 첫 번째 테스트 경우의 것만 보여 줍니다. {learner.hidden_prints}개는 "
                      "숨겼습니다)")
            learner.hidden_prints = 0
        print(verdict.message + note)
    return verdict.ok


def grade(name: str, learner_fn: Callable[..., Any] | None, reference_fn: Callable[..., Any],
          cases: Sequence[tuple], mistakes: Sequence[Mistake] = (), *, rtol: float = 1e-4,
          atol: float = 1e-5, quiet: bool = False, edge_cases: Sequence[tuple] = (),
          edge_hint: str = "", uses: Sequence[Use] = ()) -> bool:
    """Run learner_fn and reference_fn on each case (a tuple of positional arguments).

    Prints "correct", "not yet" (NotImplementedError / None), or what is wrong (see the module
    docstring). If every case matches, `edge_cases` are tried too, and `edge_hint` printed when only
    they fail (e.g. overflow on extreme inputs); then `uses` run it as the notebook does next (under
    jax.grad, on JAX arrays, reading .shape, ...). Returns True only if all of that works. Never raises.
    """
    learner = as_learner(learner_fn)
    return say(evaluate(name, learner, reference_fn, cases, mistakes, rtol=rtol, atol=atol,
                        edge_cases=edge_cases, edge_hint=edge_hint, uses=uses), learner, quiet)


# ----------------------------------------------------------------------------- the function to use next
USING_YOURS = T("  -> from here on the notebook uses your {name}.",
                "  -> 여기부터 노트북은 여러분의 {name}을(를) 씁니다.")
USING_REFERENCE = T("  -> from here on the notebook uses the library's {where} (same signature) in place of {name}.",
                    "  -> 여기부터 노트북은 {name} 대신 라이브러리의 {where}을(를) 씁니다(같은 시그니처).")


def hand_back(name: str, passed: bool, learner_fn: Callable[..., Any] | None, reference: Callable[..., Any],
              quiet: bool = False) -> Callable[..., Any]:
    """The function the notebook goes on with: `learner_fn` itself when it passed, else `reference` (a
    teaching-layer function with the same signature); one line says which."""
    if not quiet:
        where = f"{reference.__module__}.{reference.__name__}"
        print(USING_YOURS.format(name=name) if passed else USING_REFERENCE.format(name=name, where=where))
    return learner_fn if passed else reference


def returns_function(check: Callable[[Any], bool], reference: Callable[..., Any]) -> Callable[..., Any]:
    """From `check_<name>(fn) -> bool`, the notebook's one-line form `use_<name>(fn) -> the function to use`:
    it prints the check's verdict, then hands back fn when it passed, else `reference` (see `hand_back`).
    A blank exercise (`raise NotImplementedError`) is a 'not yet' and hands back the reference, so the
    cells after it run. `reference` lives in the teaching layer (vae_lib/*.py), never in a grader."""
    name = check.__name__.removeprefix("check_")

    def use(fn: Callable[..., Any] | None) -> Callable[..., Any]:
        try:
            passed = bool(check(fn))
        except Exception:   # noqa: BLE001 - checks never raise; if one did, the notebook must still go on
            passed = False
        return hand_back(name, passed, fn, reference)

    use.__name__ = use.__qualname__ = f"use_{name}"
    use.__doc__ = str(T("Check your `{name}` (prints the verdict) and return the function to use from here on: yours "
                        "when it passed, else {where}.",
                        "여러분의 `{name}`을(를) 검사하고(판정을 출력합니다) 여기부터 쓸 함수를 반환합니다: 통과하면 "
                        "여러분의 함수, 아니면 {where}.").format(name=name, where=f"{reference.__module__}.{reference.__name__}"))
    use.check, use.reference = check, reference
    return use
