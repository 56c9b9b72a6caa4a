"""The second fresh set of learner answers (tests/fresh_answers_b.py, written independently of the
checks' mistake lists): every right answer passes, no check raises, every wrong answer is rejected,
and most are told what their mistake is (the rest see a small input, the expected output and theirs).
`python tests/test_checks_fresh_answers_b.py` prints the tally, one line per wrong answer."""
import contextlib
import io
import math
import os
import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

sys.path.insert(0, os.path.dirname(__file__))
from fresh_answers_b import ANSWERS  # noqa: E402

from vae_lib.course import checks  # noqa: E402


def learner_fn(check_name: str, source: str):
    """The function the source defines, run as a notebook cell would (np, jnp, jax, optax, math)."""
    space = {"np": np, "jnp": jnp, "jax": jax, "optax": optax, "math": math}
    exec(compile(source, f"<{check_name}>", "exec"), space)  # noqa: S102 - our own test data
    return space[check_name.removeprefix("check_")]


def label(source: str) -> str:
    return source.splitlines()[0].lstrip("# ")


def grade(check_name: str, source: str) -> tuple[object, str]:
    """(what the check returned, or the exception it raised; what it printed)."""
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), np.errstate(all="ignore"):
            result = getattr(checks, check_name)(learner_fn(check_name, source))
    except Exception as e:  # noqa: BLE001 - counted: a check must never raise
        result = e
    return result, out.getvalue()


def kind_of(result, message: str) -> str:
    """passed / check raised / code raised / named (the message says what the mistake is) /
    shown (a small input, the expected output and the learner's)."""
    if isinstance(result, BaseException):
        return "check raised"
    if result is True:
        return "passed"
    if " raised " in message:
        return "code raised"
    if "for the input" in message and "expected" in message and "got" in message:
        return "shown"
    return "named"


def measure() -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = {k: [] for k in ("named", "shown", "code raised", "check raised",
                                                   "wrong passed", "right rejected")}
    for check_name, source, is_right in ANSWERS:
        result, message = grade(check_name, source)
        kind = kind_of(result, message)
        what = f"{check_name}: {label(source)}"
        if is_right and kind != "passed":
            kinds["right rejected" if kind != "check raised" else kind].append(what + " | " + message.strip())
        elif not is_right:
            kinds["wrong passed" if kind == "passed" else kind].append(what + " | " + message.strip())
    return kinds


RIGHT = [(c, s) for c, s, ok in ANSWERS if ok]
WRONG = [(c, s) for c, s, ok in ANSWERS if not ok]


@pytest.mark.parametrize("check_name, source", RIGHT, ids=[f"{c[6:]}-{label(s)}" for c, s in RIGHT])
def test_right_answers_pass(check_name, source):
    result, message = grade(check_name, source)
    assert result is True and "[correct]" in message, message


@pytest.mark.parametrize("check_name, source", WRONG, ids=[f"{c[6:]}-{label(s)}" for c, s in WRONG])
def test_wrong_answers_are_rejected_and_explained(check_name, source):
    result, message = grade(check_name, source)
    assert result is False and "[wrong]" in message and "[correct]" not in message, message
    assert kind_of(result, message) in ("named", "shown"), message


def test_most_mistakes_of_the_second_set_are_named():
    # measured: 110 of 129 caught named (85%) before the checks were changed for this set, 119 of 130 (92%)
    # after; the goal is 60 % on a set written independently of the tests.
    kinds = measure()
    caught = len(kinds["named"]) + len(kinds["shown"]) + len(kinds["code raised"])
    assert not kinds["right rejected"] and not kinds["check raised"], kinds
    assert len(kinds["named"]) >= 0.60 * caught, kinds


if __name__ == "__main__":
    kinds = measure()
    caught = len(kinds["named"]) + len(kinds["shown"]) + len(kinds["code raised"])
    for kind, items in kinds.items():
        print(f"== {kind}: {len(items)}" + (f" ({100 * len(items) / caught:.0f}% of {caught} caught)"
                                            if kind in ("named", "shown") else ""))
        for item in items:
            print("   ", item if "-v" in sys.argv else item.split(" | ")[0])
