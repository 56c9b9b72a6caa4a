"""Small pieces shared by the chapter checks (on top of `core.grade`)."""
from __future__ import annotations

import numpy as np


def f64(a) -> np.ndarray:
    return np.asarray(a, np.float64)


def bce(logits, x) -> np.ndarray:
    """Per-value BCE from logits, float64 numpy, in the stable form max(l, 0) - l x + log(1 + e^-|l|)."""
    l, x = f64(logits), f64(x)
    return np.maximum(l, 0) - l * x + np.log1p(np.exp(-np.abs(l)))


def bce_edge_case(batch: int = 2, size: int = 8, seed: int = 102) -> tuple[np.ndarray, np.ndarray]:
    """(logits, images) with two very confident, wrong logits (+40 on a 0 pixel, -40 on a 1 pixel).

    Their BCE is large but finite (40). Chapters 01 and 05 both grade a BCE on it, so they agree on
    what is numerically acceptable: computed from the logits, not from log(sigmoid) or a clipped p."""
    rng = np.random.default_rng(seed)
    l = (2.0 * rng.normal(size=(batch, size, size, 1))).astype(np.float32)
    x = rng.uniform(size=(batch, size, size, 1)).astype(np.float32)
    l[0, 0, 0, 0], x[0, 0, 0, 0] = 40.0, 0.0
    l[-1, 3, 3, 0], x[-1, 3, 3, 0] = -40.0, 1.0
    return l, x


def _t(en: str, ko: str):
    from vae_lib.course.checks.core import T   # core imports nothing from here; the import is late only for symmetry
    return T(en, ko)


BCE_EDGE_HINT = _t("for a very confident logit (e.g. 40) sigmoid rounds to exactly 1.0 in float32, so "
                   "log(1 - sigmoid(logit)) = log(0) = -inf (and clipping p, or adding 1e-7, changes the "
                   "value). Compute BCE from the logits: max(l, 0) - l * x + log(1 + exp(-|l|)), i.e. "
                   "optax.sigmoid_binary_cross_entropy.",
                   "아주 확신하는 로짓(예: 40)에서는 float32의 sigmoid가 정확히 1.0으로 반올림되어 "
                   "log(1 - sigmoid(logit)) = log(0) = -inf가 됩니다(p를 자르거나 1e-7을 더하면 값이 달라집니다). "
                   "BCE를 로짓에서 계산하십시오: max(l, 0) - l * x + log(1 + exp(-|l|)), 즉 "
                   "optax.sigmoid_binary_cross_entropy.")


TERM_CHANGES = [(_t("is missing", "이(가) 없음"), lambda t: 0 * t), (_t("has the wrong sign", "의 부호가 반대임"), lambda t: -t),
                (_t("is doubled", "이(가) 두 배임"), lambda t: 2 * t), (_t("is halved", "이(가) 절반임"), lambda t: t / 2),
                (_t("is squared", "이(가) 제곱됨"), lambda t: t * t)]


def term_slips(terms, total, hint, reference, cases, known=()) -> list:
    """Mistakes that change ONE term of a formula (missing, wrong sign, doubled, halved, squared),
    named after the term, so a slip nobody listed by hand still gets a name.

    terms: [(label (a str of math, or a T), fn(*args) -> the term's value)]; total(values, *args) -> the output; hint: a T(en, ko)
    with {term}. Changes that give the reference's output, a `known` mistake's or an earlier change's on every
    case are left out."""
    from vae_lib.course.checks.core import Mistake, _close, _expected

    made, seen = [], [[_expected(f, c) for c in cases] for f in [reference] + [m.fn for m in known]]
    for i, (label, _) in enumerate(terms):
        for how, change in TERM_CHANGES:
            def fn(*args, i=i, change=change):
                values = [t(*args) for _, t in terms]
                values[i] = change(values[i])
                return total(values, *args)
            outs = [_expected(fn, c) for c in cases]
            if any(all(_close(o, p, 1e-4, 1e-5) for o, p in zip(outs, prev)) for prev in seen):
                continue
            seen.append(outs)
            en, ko = (label.en, label.ko) if hasattr(label, "ko") else (label, label)
            made.append(Mistake(_t(f"the term {en} {how.en}", f"항 {ko}{how.ko}"), fn, hint.format(term=label)))
    return made
