"""Small helpers shared by the chapter checks (on top of `core.grade`); none of them ever raises."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from vae_lib.checks.core import Mistake, grade


def protect(fn: Callable | None) -> Callable | None:
    """Call `fn` on copies of numpy arguments, so code that edits its inputs in place (x -= m)
    cannot spoil the next test case."""
    if fn is None:
        return None

    def wrapped(*args):
        return fn(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
    return wrapped


def _outputs(fn: Callable, cases: Sequence[tuple]) -> list[np.ndarray] | None:
    try:
        return [np.asarray(fn(*args), dtype=np.float64) for args in cases]
    except Exception:
        return None


def name_nan_mistake(name: str, learner_fn: Callable | None, cases: Sequence[tuple],
                     mistakes: Sequence[Mistake], say: Callable = print) -> bool:
    """For mistakes whose output has NaN (e.g. sqrt of a negative log-variance), which `grade`
    cannot recognise because NaN never equals NaN: True (and a printed hint) if one matches."""
    if learner_fn is None:
        return False
    got = _outputs(learner_fn, cases)
    if got is None or all(np.all(np.isfinite(g)) for g in got):
        return False
    for m in mistakes:
        want = _outputs(m.fn, cases)
        if want is not None and len(want) == len(got) and all(
                g.shape == w.shape and np.allclose(g, w, rtol=1e-4, atol=1e-5, equal_nan=True)
                for g, w in zip(got, want)):
            say(f"[wrong] {name}: this looks like a known mistake - {m.name}.\n  Hint: {m.hint}")
            return True
    return False


def grade_with_edge_cases(name: str, learner_fn: Callable | None, reference_fn: Callable,
                          cases: Sequence[tuple], edge_cases: Sequence[tuple], edge_hint: str,
                          mistakes: Sequence[Mistake] = (), **tol: Any) -> bool:
    """Grade on ordinary `cases` (naming mistakes); if that passes, also on `edge_cases` and
    print `edge_hint` when only those fail (e.g. numerical overflow on extreme inputs)."""
    if not grade(name, learner_fn, reference_fn, cases, mistakes, quiet=True, **tol):
        return grade(name, learner_fn, reference_fn, cases, mistakes, **tol)
    if not grade(name, learner_fn, reference_fn, edge_cases, quiet=True, **tol):
        say_bad = _outputs(learner_fn, edge_cases)
        what = "NaN or inf" if say_bad is None or any(not np.all(np.isfinite(o)) for o in say_bad) else "a different value"
        print(f"[wrong] {name}: right on ordinary inputs, but gives {what} on an edge case.\n  Hint: {edge_hint}")
        return False
    print(f"[correct] {name}: matches the reference on all {len(cases) + len(edge_cases)} cases, "
          "edge cases included.")
    return True
