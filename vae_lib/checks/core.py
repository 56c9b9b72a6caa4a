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

The learner's code runs as written (eagerly, never under `jax.jit`), once per distinct input:
a `print` shows real numbers, and only on the first test case; nothing they keep leaks tracers.
"""
from __future__ import annotations

import contextlib
import hashlib
import inspect
import io
import sys
import traceback
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import jax
import numpy as np


@dataclass
class Mistake:
    """A common wrong answer: `fn` computes it (same signature as the reference); `hint` explains it."""
    name: str
    fn: Callable[..., Any]
    hint: str


@dataclass
class Verdict:
    """The outcome of grading. kind: "correct", "not yet", "error" (the code raised), "mistake" (a
    known mistake of the exercise), "slip" (a generic slip, e.g. the sign), "type" (the output is not
    an array of numbers, or has the wrong shape), "edge" (right except on an edge case), "generic"
    (input / expected / got)."""
    ok: bool
    kind: str
    message: str


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
            return None, f"a tuple of {len(out)} values"
        else:
            parts = [out[0] if isinstance(out, tuple) else out]
        if len(parts) != n_expected:
            return None, f"{len(parts)} values"
        return [one(o) for o in parts], None
    except Exception as e:  # a string, a ragged list, 10**400, an object whose __array__ fails...
        what = type(out).__name__
        reason = str(e).split("\n")[0][:80]
        return None, f"a {what}, which is not an array of numbers ({reason})"


def _close(got: Sequence[np.ndarray], want: Sequence[np.ndarray], rtol: float, atol: float,
           equal_nan: bool = False) -> bool:
    return len(got) == len(want) and all(
        g.shape == w.shape and bool(np.allclose(g, w, rtol=rtol, atol=atol, equal_nan=equal_nan))
        for g, w in zip(got, want))


def _shape_text(shape: tuple) -> str:
    return "a scalar (shape ())" if shape == () else f"shape {shape}"


# ----------------------------------------------------------------------------- showing inputs and outputs
def _show(a, width: int = 24) -> str:
    """A short readable rendering of one argument or output."""
    if _is_key(a):
        return f"jax.random.key({int(np.asarray(jax.random.key_data(a)).ravel()[-1])})"
    if isinstance(a, (list, tuple)) and a and all(isinstance(x, (np.ndarray, jax.Array)) for x in a):
        shapes = {np.shape(x) for x in a}
        return (f"a list of {len(a)} arrays of shape {shapes.pop()}" if len(shapes) == 1
                else f"a list of {len(a)} arrays")
    if callable(a) and not isinstance(a, (np.ndarray, jax.Array)):
        return getattr(a, "__name__", "a function")
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
        return f"array of shape {arr.shape}, values {more or flat}"
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
    return (names + [f"argument {i + 1}" for i in range(len(names), n)])[:n]


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
    return f"\n  first difference at [{where}]: expected {w[idx]:.6g}, got {g[idx]:.6g}"


# ----------------------------------------------------------------------------- slips any exercise can have
def _shape_slip(g: np.ndarray, w: np.ndarray, rtol: float, atol: float) -> str | None:
    """Name a shape slip, when the learner's numbers are the expected ones rearranged or reduced."""
    close = lambda a, b: a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=atol)  # noqa: E731
    if g.size == w.size and g.size > 1 and w.ndim >= 2 and close(g, w.T):
        return "the right numbers, transposed: swap the axes back (or multiply in the other order)."
    if g.size == w.size and close(g.reshape(w.shape), w):
        return ("the right numbers in the wrong shape: check keepdims / an extra axis, or reshape "
                f"to {w.shape}.")
    if w.ndim >= 1 and g.ndim > w.ndim and g.shape[-w.ndim:] == w.shape:
        extra = g.ndim - w.ndim
        return (f"your output has {extra} extra leading ax{'es' if extra > 1 else 'is'}: the answer has "
                f"shape {w.shape}.")
    if g.ndim >= 2 and sorted(g.shape) == sorted(w.shape):
        return "the axes are in another order: check the order in your transpose / reshape / einsum."
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
        return (f"the answer is the diagonal of your ({n}, {n}) output: you combined every row with every "
                "other (e.g. d @ M @ d.T) where each row goes only with itself - e.g. "
                "jnp.sum(d @ M * d, axis=-1).")
    if all(x.size == y.size for x, y in pairs):
        return None   # the same number of values: a reshape or transpose, not a reduction (see _shape_slip)
    for how, red in REDUCTIONS:
        if all(y.ndim == 0 and x.ndim >= 1 for x, y in pairs) and every(lambda x, y: (red(x), y)):
            return (f"the {how} of all your values is the expected number: reduce over every axis "
                    "(the batch too) and return one number.")
        if all(x.ndim == 0 and y.ndim >= 1 for x, y in pairs) and every(lambda x, y: (x, red(y))):
            return (f"your number is the {how} of the expected values: return all of them, "
                    f"{_shape_text(w.shape)} (reduce over fewer axes, or not at all).")
    if all(x.ndim == y.ndim + 1 for x, y in pairs):
        for axis in (a for a in range(g.ndim) if any(x.shape[a] > 1 for x, _ in pairs)):
            for how, red in REDUCTIONS:
                if every(lambda x, y: (red(x, axis=axis), y)):
                    where = _size_source(g.shape[axis], names, args)
                    where = f" ({where} = {g.shape[axis]} values)" if where else ""
                    return (f"your output keeps axis {axis}{where}: the {how} over it (axis={axis}) "
                            "is the answer, so that reduction is missing.")
    return None


def _axis_slip(g: np.ndarray, w: np.ndarray, names: list[str], args: tuple) -> str | None:
    """Name the input axes whose sizes the learner's output and the answer have, when they differ in one
    axis (e.g. one value per code instead of per query: a reduction over the wrong axis)."""
    if g.ndim != w.ndim or sum(a != b for a, b in zip(g.shape, w.shape)) != 1:
        return None
    i = next(k for k, (a, b) in enumerate(zip(g.shape, w.shape)) if a != b)
    got_from, want_from = _size_source(g.shape[i], names, args), _size_source(w.shape[i], names, args)
    if got_from and want_from and got_from != want_from:
        return (f"its axis {i} has {got_from} = {g.shape[i]} values where the answer has {want_from} = "
                f"{w.shape[i]}: a reduction (sum / mean / min) over the wrong axis?")
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
        return "the sign is flipped on every case: check the minus signs."
    ratios = _ratios(pairs)
    if ratios and len(set(np.round(ratios, 4))) == 1 and (len(ratios) > 1 or len(pairs) == 1):
        return f"your output is {ratios[0]:.4g} times the expected one on every case: a factor is missing or extra."
    offsets = np.concatenate([(g - w).ravel() for g, w in pairs])
    if len(offsets) > 1 and np.allclose(offsets, offsets[0], atol=max(atol, 1e-6)):
        return (f"your output is off by the same constant ({offsets[0]:+.4g}) on every case: a constant "
                "term is missing or extra.")
    if strong_only or not ratios or not all(np.sum(np.abs(w) > 1e-6) > 1 for g, w in pairs if np.any(w)):
        return None
    if all(_is_unit(w) for _, w in pairs):
        way = ("points the right way" if all(r > 0 for r in ratios) else "points the other way"
               if all(r < 0 for r in ratios) else "is parallel to the answer")
        return (f"your vector {way} but its length is not 1 (x" + ", x".join(f"{r:.3g}" for r in ratios[:4])
                + "): divide it by its Euclidean length, np.linalg.norm(v).")
    return ("on each case your output is a constant multiple of the expected one (x"
            + ", x".join(f"{r:.3g}" for r in ratios[:4]) + "): a normalising factor that depends on "
            "the size is missing or extra (a mean instead of a sum, or the other way round?).")


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
            return (f"this looks like a known mistake - {m.name} - with one more slip on top: "
                    f"compared with that mistake, {slip}\n  Hint: {m.hint}")
    return None


# ----------------------------------------------------------------------------- the grader
def _where_raised(e: BaseException) -> str:
    frames = traceback.extract_tb(e.__traceback__)
    own = [f for f in frames if not any(s in f.filename for s in ("site-packages", "/vae_lib/checks/", "<frozen"))]
    f = (own or frames or [None])[-1]
    if f is None:
        return ""
    return f"\n  (line {f.lineno}: {f.line.strip()})" if f.line else f"\n  (line {f.lineno})"


def evaluate(name: str, learner_fn: Callable[..., Any] | None, reference_fn: Callable[..., Any],
             cases: Sequence[tuple], mistakes: Sequence[Mistake] = (), *, rtol: float = 1e-4,
             atol: float = 1e-5, edge_cases: Sequence[tuple] = (), edge_hint: str = "") -> Verdict:
    """Grade without printing: the Verdict `grade` prints. Never raises."""
    try:
        return _evaluate(name, as_learner(learner_fn), reference_fn, cases, mistakes, rtol, atol,
                         edge_cases, edge_hint)
    except Exception as e:  # a bug of the checker itself must not stop the notebook
        return Verdict(False, "error", f"[wrong] {name}: could not be checked ({e.__class__.__name__}: {e}).")


def _expected(reference_fn, args) -> list[np.ndarray]:
    """The reference's (or a known mistake's) output as float arrays; a mistake's NaN or inf is expected."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        out = reference_fn(*args)
    return [np.asarray(o, np.float64) for o in (out if isinstance(out, tuple) else (out,))]


def _evaluate(name, learner, reference_fn, cases, mistakes, rtol, atol, edge_cases, edge_hint) -> Verdict:
    if learner is None:
        return Verdict(False, "not yet", f"[not yet] {name}: nothing to check yet.")
    want = [_expected(reference_fn, args) for args in cases]
    got: list[list[np.ndarray]] = []
    for args, w in zip(cases, want):
        out, err = learner.run(*args)
        if isinstance(err, NotImplementedError):
            return Verdict(False, "not yet", f"[not yet] {name}: not written yet - replace the "
                           "`raise NotImplementedError` line with your code.")
        if err is not None:
            return Verdict(False, "error", f"[wrong] {name} raised {err.__class__.__name__}: "
                           f"{str(err).strip()[:300]}{_where_raised(err)}\n  for the input\n"
                           f"{_show_input(reference_fn, args)}")
        if out is None:
            return Verdict(False, "not yet", f"[not yet] {name} returned None - did you forget `return`?")
        arrays, why = _to_arrays(out, len(w))
        if arrays is None:
            first = out[0] if isinstance(out, tuple) and out else None
            extra = ""
            if first is not None and len(w) == 1:
                a, _ = _to_arrays(first, 1)
                if a is not None and _close(a, w, rtol, atol):
                    extra = " Its first value is the right answer: return only that one."
            expected = ", ".join(_shape_text(x.shape) for x in w)
            return Verdict(False, "type", f"[wrong] {name} returned {why}; expected one array of numbers, "
                           f"{expected}.{extra}")
        got.append(arrays)
    bad = [i for i, (g, w) in enumerate(zip(got, want)) if not _close(g, w, rtol, atol)]
    if not bad:
        return _edge_verdict(name, learner, reference_fn, cases, rtol, atol, edge_cases, edge_hint)
    for m in mistakes:
        try:
            if all(_close(g, _expected(m.fn, args), rtol, atol, equal_nan=True) for g, args in zip(got, cases)):
                return Verdict(False, "mistake", f"[wrong] {name}: this looks like a known mistake - {m.name}.\n"
                               f"  Hint: {m.hint}")
        except Exception:
            continue
    i = min(bad, key=lambda j: _size(cases[j]))   # show the smallest input that fails
    shown = _show_input(reference_fn, cases[i])
    names = _arg_names(reference_fn, len(cases[i]))
    for k, (g, w) in enumerate(zip(got[i], want[i])):
        if g.shape != w.shape:
            order = [i] + [c for c in range(len(cases)) if c != i]   # the shown case first: its sizes are named
            slip = (_reduction_slip([(got[c][k], want[c][k]) for c in order], names, cases[i], rtol, atol)
                    or _shape_slip(g, w, rtol, atol) or _axis_slip(g, w, names, cases[i]))
            if slip:
                return Verdict(False, "slip", f"[wrong] {name}: output {_shape_text(g.shape)}, expected "
                               f"{_shape_text(w.shape)} - {slip}")
            return Verdict(False, "type", f"[wrong] {name}: output {_shape_text(g.shape)}, expected "
                           f"{_shape_text(w.shape)}, for the input\n{shown}\n" + _indented("  expected ", _show(w))
                           + "\n" + _indented("  got      ", _show(g)))
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
    nan = "" if np.all(np.isfinite(g)) or not np.all(np.isfinite(w)) else " (NaN or inf where the answer is finite)"
    which = f" (output {j + 1})" if len(want[i]) > 1 else ""
    return Verdict(False, "generic", f"[wrong] {name}: not the expected values{nan}, for the input\n{shown}\n"
                   + _indented(f"  expected{which} ", _show(w)) + "\n" + _indented(f"  got{which}      ", _show(g))
                   + _first_difference(g, w, rtol, atol))


def _edge_verdict(name, learner, reference_fn, cases, rtol, atol, edge_cases, edge_hint) -> Verdict:
    n = len(cases) + len(edge_cases)
    for args in edge_cases:
        w = _expected(reference_fn, args)
        out, err = learner.run(*args)
        arrays = None if err is not None or out is None else _to_arrays(out, len(w))[0]
        if arrays is None or not _close(arrays, w, rtol, atol):
            what = ("an error" if err is not None else "NaN or inf" if arrays is not None and not all(
                np.all(np.isfinite(a)) for a in arrays) else "a different value")
            return Verdict(False, "edge", f"[wrong] {name}: right on ordinary inputs, but gives {what} on an "
                           f"edge case.\n  Hint: {edge_hint}")
    extra = ", edge cases included" if edge_cases else ""
    return Verdict(True, "correct", f"[correct] {name}: matches the reference on all {n} test cases{extra}.")


def say(verdict: Verdict, learner: Learner | None = None, quiet: bool = False) -> bool:
    """Print a verdict (and a note when the learner's prints were shown for one input only)."""
    if not quiet:
        note = ""
        if learner is not None and learner.hidden_prints:
            note = (f"\n  (your function's print output is shown for the first test case only; "
                    f"{learner.hidden_prints} more were hidden)")
            learner.hidden_prints = 0
        print(verdict.message + note)
    return verdict.ok


def grade(name: str, learner_fn: Callable[..., Any] | None, reference_fn: Callable[..., Any],
          cases: Sequence[tuple], mistakes: Sequence[Mistake] = (), *, rtol: float = 1e-4,
          atol: float = 1e-5, quiet: bool = False, edge_cases: Sequence[tuple] = (),
          edge_hint: str = "") -> bool:
    """Run learner_fn and reference_fn on each case (a tuple of positional arguments).

    Prints "correct", "not yet" (NotImplementedError / None), or what is wrong (see the module
    docstring). If every case matches, `edge_cases` are tried too, and `edge_hint` printed when only
    they fail (e.g. overflow on extreme inputs). Returns True only if every case matches. Never raises.
    """
    learner = as_learner(learner_fn)
    return say(evaluate(name, learner, reference_fn, cases, mistakes, rtol=rtol, atol=atol,
                        edge_cases=edge_cases, edge_hint=edge_hint), learner, quiet)
