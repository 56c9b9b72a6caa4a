"""The grading engine behind the exercises: compare a learner's function with the reference.

`grade` never raises: whatever the learner's code does (not written yet, an exception, a wrong
shape, NaN), it prints one clear verdict and returns True or False. When the output matches a
*known mistake* (e.g. sigma = exp(log_var)), the hint names that mistake.
"""
from __future__ import annotations

import contextlib
import io
import traceback
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


def _as_arrays(out) -> list[np.ndarray]:
    if isinstance(out, (tuple, list)):
        return [np.asarray(o, dtype=np.float64) for o in out]
    return [np.asarray(out, dtype=np.float64)]


def _close(a, b, rtol: float, atol: float, equal_nan: bool = False) -> bool:
    a, b = _as_arrays(a), _as_arrays(b)
    return len(a) == len(b) and all(x.shape == y.shape and np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan)
                                    for x, y in zip(a, b))


def _shapes(out) -> str:
    return ", ".join(str(a.shape) for a in _as_arrays(out))


def compiled_or_eager(fn: Callable[..., Any]) -> Callable[..., Any]:
    """fn, run as one compiled XLA program when it can be, else exactly as written.

    Run eagerly, a learner's 10-line JAX function compiles each operation separately the first
    time (about 30 ms each on a 2-core CPU); under `jax.jit` it is one program. Arguments that are
    not arrays (an int, a string, a function) are treated as constants. Anything that does not
    work under jit - NumPy conversions, Python `if` on values, an error, a `print` the learner
    wants to see with real numbers - makes it run eagerly instead, so the learner sees exactly
    what their code does.
    """
    compiled: dict[tuple[int, ...], Callable[..., Any]] = {}

    def call(*args):
        static = tuple(i for i, a in enumerate(args) if not isinstance(a, (np.ndarray, jax.Array)))
        try:
            if static not in compiled:
                compiled[static] = jax.jit(fn, static_argnums=static)
            jitted = compiled[static]
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                out = jitted(*args)
            if not printed.getvalue():
                return out
        except Exception:
            pass
        return fn(*args)
    return call


def grade(name: str, learner_fn: Callable[..., Any] | None, reference_fn: Callable[..., Any],
          cases: Sequence[tuple], mistakes: Sequence[Mistake] = (), *, rtol: float = 1e-4,
          atol: float = 1e-5, quiet: bool = False) -> bool:
    """Run learner_fn and reference_fn on each case (a tuple of positional arguments).

    Prints "correct", "not yet" (NotImplementedError / None), or what is wrong, with a hint for
    a recognised mistake. Returns True only if every case matches the reference.
    """
    say = (lambda *a: None) if quiet else print
    if learner_fn is None:
        say(f"[not yet] {name}: nothing to check yet.")
        return False
    learner_fn = compiled_or_eager(learner_fn)
    for i, args in enumerate(cases):
        expected = reference_fn(*args)
        try:
            got = learner_fn(*args)
        except NotImplementedError:
            say(f"[not yet] {name}: not written yet - replace the `raise NotImplementedError` line with your code.")
            return False
        except Exception as e:  # the learner's code may fail in any way: report it, never crash
            where = traceback.extract_tb(e.__traceback__)[-1]
            say(f"[wrong] {name} raised {e.__class__.__name__}: {e}\n        (line {where.lineno}: {where.line})")
            return False
        if got is None:
            say(f"[not yet] {name} returned None - did you forget `return`?")
            return False
        try:
            ok = _close(got, expected, rtol, atol)
        except (TypeError, ValueError) as e:
            say(f"[wrong] {name}: its output cannot be compared with the reference ({e}).")
            return False
        if ok:
            continue
        for m in mistakes:
            try:
                # NaN matches NaN here, so a mistake such as sqrt(log_var) can be recognised
                if all(_close(learner_fn(*a), m.fn(*a), rtol, atol, equal_nan=True) for a in cases):
                    say(f"[wrong] {name}: this looks like a known mistake - {m.name}.\n  Hint: {m.hint}")
                    return False
            except Exception:
                continue
        g, x = _as_arrays(got), _as_arrays(expected)
        if [a.shape for a in g] != [a.shape for a in x]:
            say(f"[wrong] {name}: output shape {_shapes(got)}, expected {_shapes(expected)} (case {i + 1}).")
        elif any(not np.all(np.isfinite(a)) for a in g):
            say(f"[wrong] {name}: the output has NaN or inf (case {i + 1}) where the reference is finite.")
        else:
            err = max(float(np.max(np.abs(a - b))) for a, b in zip(g, x))
            say(f"[wrong] {name}: differs from the reference on case {i + 1} of {len(cases)} "
                f"(largest difference {err:.3g}).")
        return False
    say(f"[correct] {name}: matches the reference on all {len(cases)} test cases.")
    return True
