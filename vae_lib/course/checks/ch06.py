"""Checks for chapter 06's exercises: the running-mean attribute vector and morphing."""
from __future__ import annotations

import numpy as np

from vae_lib.course.checks.core import Mistake, T, Use, close_to, grade, returns_function
from vae_lib.latent import attribute_vector, attribute_vector_from_codes, morph_codes

__all__ = ["check_attribute_vector_from_codes", "check_morph_codes", "use_attribute_vector_from_codes",
           "use_morph_codes"]


def _av_cases() -> list[tuple]:
    rng = np.random.default_rng(7)
    u = rng.normal(size=4); u /= np.linalg.norm(u)

    def make(n_batches, size, shift, seed):
        r = np.random.default_rng(seed)
        zs, ls = [], []
        for _ in range(n_batches):
            z = r.normal(size=(size, 4)) + shift * u
            lab = np.where(z @ u > 0.3, 1, -1)
            zs.append(z.astype(np.float32)); ls.append(lab)
        return zs, ls

    a = make(30, 16, 0.0, 1)                                  # stops early (converges)
    b = make(3, 8, 1.0, 2)                                    # runs out of data before converging
    b[1][0] = np.ones(8, int)                                 # first batch: positives only
    c = make(6, 10, -0.5, 3)
    c[1][2] = -np.ones(10, int)                               # a batch without positives
    return [(a[0], a[1], 0.2, 10_000), (b[0], b[1], 1e-6, 10_000), (c[0], c[1], 1e-6, 30),
            _stopping_rule_case(2, 4, 0.15), _stopping_rule_case(38, 3, 0.3), _limit_case()]


def _limit_case() -> tuple:
    """Only the example limit stops (tol tiny): 30 batches of 10 codes, about a quarter with the attribute,
    and max_examples = 25. Counting codes stops after 3 batches, counting only the codes with the attribute
    after 9, the larger class after 4, batches after 25, and no limit after 30: each count gives its own
    vector. Each dimension has its own spread, as a trained encoder's z_mean do."""
    r = np.random.default_rng(25)
    scale = np.array([1.5, 0.8, 0.3, 1.0])
    zs = [(r.normal(size=(10, 4)) * scale + 0.2).astype(np.float32) for _ in range(30)]
    ls = [np.where(z[:, 0] + 0.5 * z[:, 1] > 1.2, 1, -1) for z in zs]
    return zs, ls, 1e-9, 25


def _stopping_rule_case(seed: int, first: int, tol: float) -> tuple:
    """A moderate tolerance with one-class batches (positives only at batch `first`, negatives only two
    batches later) while the means are still settling: stopping there (a missing class counted as
    moved 0, or with its previous movement) gives another vector than the reference, which stops later.
    The seeds and tolerances were picked so that each stopping-rule mistake gives its own vector."""
    r, u = np.random.default_rng(seed), np.ones(4) / 2
    zs, ls = [], []
    for _ in range(12):
        z = r.normal(size=(10, 4)) + 0.5 * u
        zs.append(z.astype(np.float32))
        ls.append(np.where(z @ u > 0.5, 1, -1))
    ls[first], ls[first + 2] = np.ones(10, int), -np.ones(10, int)
    return zs, ls, tol, 10_000


def _mistake_raw(z_batches, label_batches, tol=0.04, max_examples=10_000):
    return attribute_vector(lambda z: z, zip(z_batches, label_batches), tol=tol, max_examples=max_examples,
                            verbose=False).difference


def _mistake_reversed(*args):
    return -attribute_vector_from_codes(*args)


def _mistake_all(z_batches, label_batches, tol=0.04, max_examples=10_000):
    z, lab = np.concatenate(z_batches), np.concatenate(label_batches) > 0
    d = z[lab].mean(0) - z[~lab].mean(0)
    return (d / np.linalg.norm(d)).astype(np.float32)


def _mistake_mean_of_batch_means(z_batches, label_batches, tol=0.04, max_examples=10_000):
    pos = [z[l > 0].mean(0) for z, l in zip(z_batches, label_batches) if np.any(l > 0)]
    neg = [z[l <= 0].mean(0) for z, l in zip(z_batches, label_batches) if np.any(l <= 0)]
    d = np.mean(pos, 0) - np.mean(neg, 0)
    return (d / np.linalg.norm(d)).astype(np.float32)


def _running(z_batches, label_batches, tol=0.04, max_examples=10_000, *, missing="skip", combine=max,
             power=1, seen_rule=lambda seen, limit: seen >= limit, count="codes"):
    """The running-mean algorithm with one slip switched in. missing: what a class absent from a batch
    counts as having moved ("skip": nothing, the reference; "zero": 0; "previous": its last movement);
    combine: how the two movements meet tol; power: 2 compares squared movements; seen_rule: when to stop
    on the example limit; count: what is counted for it ("codes", the reference; "batches"; "with": the codes
    with the attribute only; "either": the larger of the two classes' counts)."""
    dim = np.shape(z_batches[0])[1]
    sums, counts, means, last = [np.zeros(dim), np.zeros(dim)], [0, 0], [None, None], [np.inf, np.inf]
    seen = 0
    for z, labels in zip(z_batches, label_batches):
        z, has = np.asarray(z, np.float64), np.asarray(labels) > 0
        moves = []
        for i, group in enumerate((has, ~has)):
            if not group.any():
                if missing != "skip":
                    moves.append(0.0 if missing == "zero" else last[i])
                continue
            sums[i] = sums[i] + z[group].sum(0)
            counts[i] += int(group.sum())
            new = sums[i] / counts[i]
            last[i] = np.inf if means[i] is None else float(np.linalg.norm(new - means[i])) ** power
            moves.append(last[i])
            means[i] = new
        seen = {"codes": seen + len(z), "batches": seen + 1, "with": counts[0], "either": max(counts)}[count]
        if (len(moves) == 2 and combine(moves) < tol) or seen_rule(seen, max_examples):
            break
    d = means[0] - means[1]
    return d / np.linalg.norm(d)


AV_MISTAKES = [
    Mistake(T("the vector is not normalised", "벡터를 정규화하지 않음"), _mistake_raw,
            T("divide the difference of the means by its length (np.linalg.norm), also when you stop on the limit.",
              "평균의 차이를 그 길이(np.linalg.norm)로 나누십시오. 한도에서 멈출 때도 마찬가지입니다.")),
    Mistake(T("the direction is reversed", "방향이 반대임"), _mistake_reversed,
            T("the vector points from 'without' to 'with': mean_with - mean_without.",
              "벡터는 '없음'에서 '있음'을 향합니다: mean_with - mean_without.")),
    Mistake(T("no stopping rule: every batch is used", "멈춤 규칙 없음: 모든 배치를 사용함"), _mistake_all,
            T("stop when both running means moved less than tol on a batch that holds both classes, "
            "or when max_examples codes have been seen.",
              "두 클래스가 모두 있는 배치에서 두 이동 평균이 모두 tol보다 적게 움직이면, 또는 max_examples개의 코드를 보았으면 멈추십시오.")),
    Mistake(T("the mean of per-batch means instead of a running mean over codes", "코드에 대한 이동 평균 대신 배치 평균들의 평균"), _mistake_mean_of_batch_means,
            T("keep running SUMS and COUNTS per class: batches hold different numbers of each class.",
              "클래스마다 누적 *합*과 *개수*를 유지하십시오. 배치마다 각 클래스의 수가 다릅니다.")),
    Mistake(T("a class missing from a batch counted as 'moved 0'", "배치에 없는 클래스를 '0만큼 움직임'으로 셈"),
            lambda *a: _running(*a, missing="zero"),
            T("a batch without one class says nothing about whether that mean has settled: test the stopping "
            "rule only on batches that hold both classes (skip the absent class, do not count it as 0).",
              "한 클래스가 없는 배치는 그 평균이 자리 잡았는지 알려 주지 않습니다. 멈춤 규칙은 두 클래스가 모두 있는 배치에서만 확인하십시오(없는 클래스는 건너뛰고 0으로 세지 마십시오).")),
    Mistake(T("a class missing from a batch counted with its previous movement", "배치에 없는 클래스를 이전 이동량으로 셈"),
            lambda *a: _running(*a, missing="previous"),
            T("a batch without one class says nothing new about that mean: test the stopping rule only on "
            "batches that hold both classes.",
              "한 클래스가 없는 배치는 그 평균에 대해 새로 알려 주는 것이 없습니다. 멈춤 규칙은 두 클래스가 모두 있는 배치에서만 확인하십시오.")),
    Mistake(T("the SUM of the two movements compared with tol", "두 이동량의 *합*을 tol과 비교함"),
            lambda *a: _running(*a, combine=sum),
            T("stop when EACH mean moved less than tol: max(moves) < tol (the book's code sums them, "
            "against 2 * tol; this exercise uses each).",
              "*각* 평균이 tol보다 적게 움직이면 멈추십시오: max(moves) < tol(책의 코드는 둘을 합해 2 * tol과 비교하지만, 이 연습은 각각을 봅니다).")),
    Mistake(T("stopped when EITHER mean settled (min instead of max)", "평균 *하나*만 자리 잡아도 멈춤(max 대신 min)"),
            lambda *a: _running(*a, combine=min),
            T("both running means must have settled: max(move_with, move_without) < tol.",
              "두 이동 평균이 모두 자리 잡아야 합니다: max(move_with, move_without) < tol.")),
    Mistake(T("the squared movement compared with tol", "이동량의 제곱을 tol과 비교함"),
            lambda *a: _running(*a, power=2),
            T("compare the distance itself, np.linalg.norm(new - old), with tol.", "거리 자체 np.linalg.norm(new - old)를 tol과 비교하십시오.")),
    Mistake(T("max_examples ignored", "max_examples를 무시함"),
            lambda *a: _running(*a, seen_rule=lambda seen, limit: False),
            T("stop as soon as max_examples codes have been seen (seen >= max_examples).",
              "max_examples개의 코드를 보는 즉시 멈추십시오(seen >= max_examples).")),
    Mistake(T("the limit compared with the number of codes WITH the attribute only", "한도를 속성이 *있는* 코드의 수하고만 비교함"),
            lambda *a: _running(*a, count="with"),
            T("max_examples counts every code seen, with and without the attribute: add len(z) for each batch "
            "(the book's code counts only the positives, n_pos >= limit).",
              "max_examples는 속성이 있든 없든 본 코드를 모두 셉니다. 배치마다 len(z)를 더하십시오(책의 코드는 양성만 셉니다, n_pos >= limit).")),
    Mistake(T("the limit compared with the number of batches, not of codes", "한도를 코드가 아니라 배치의 수와 비교함"),
            lambda *a: _running(*a, count="batches"),
            T("max_examples counts codes: add the batch size, seen += len(z), not 1 per batch.",
              "max_examples는 코드를 셉니다. 배치마다 1이 아니라 배치 크기를 더하십시오: seen += len(z).")),
    Mistake(T("the limit compared with the larger class's count, not with all codes", "한도를 모든 코드가 아니라 더 큰 클래스의 수와 비교함"),
            lambda *a: _running(*a, count="either"),
            T("max_examples counts every code seen: seen += len(z) per batch, both classes together.",
              "max_examples는 본 코드를 모두 셉니다. 두 클래스를 합쳐 배치마다 seen += len(z)입니다.")),
    Mistake(T("the example limit tested with > instead of >= (one batch too many)", "예제 한도를 >= 대신 >로 검사함(배치 하나를 더 씀)"),
            lambda *a: _running(*a, seen_rule=lambda seen, limit: seen > limit),
            T("stop once seen >= max_examples.", "seen >= max_examples가 되면 멈추십시오.")),
]


def check_attribute_vector_from_codes(fn) -> bool:
    """fn(z_batches: list of (B, D), label_batches: list of (B,), tol, max_examples) -> (D,) unit vector."""
    return grade("attribute_vector_from_codes", fn, attribute_vector_from_codes, _av_cases(), AV_MISTAKES,
                 rtol=1e-4, atol=1e-5)


def _morph_cases() -> list[tuple]:
    rng = np.random.default_rng(8)
    return [(np.array([0.0, 2.0], np.float32), np.array([1.0, -2.0], np.float32), 3),
            (rng.normal(size=3).astype(np.float32), rng.normal(size=3).astype(np.float32), 5),
            (np.zeros(2, np.float32), np.ones(2, np.float32), 2),
            (rng.normal(size=200).astype(np.float32), rng.normal(size=200).astype(np.float32), 10)]


MORPH_MISTAKES = [
    Mistake(T("the last point (alpha = 1) is missing", "마지막 점(alpha = 1)이 없음"),
            lambda a, b, n: np.stack([(1 - t) * a + t * b for t in np.linspace(0, 1, n, endpoint=False)]),
            T("alpha goes from 0 to 1 INCLUSIVE: np.linspace(0, 1, steps).", "alpha는 0부터 1까지 *양 끝을 포함*합니다: np.linspace(0, 1, steps).")),
    Mistake(T("the path runs from z_b to z_a", "경로가 z_b에서 z_a로 감"),
            lambda a, b, n: np.stack([t * a + (1 - t) * b for t in np.linspace(0, 1, n)]),
            T("at alpha = 0 you should be at z_a: (1 - alpha) * z_a + alpha * z_b.", "alpha = 0에서 z_a에 있어야 합니다: (1 - alpha) * z_a + alpha * z_b.")),
    Mistake(T("(1 - alpha) is missing: z_a + alpha * z_b", "(1 - alpha)가 없음: z_a + alpha * z_b"),
            lambda a, b, n: np.stack([a + t * b for t in np.linspace(0, 1, n)]),
            T("the weights must add up to 1: (1 - alpha) * z_a + alpha * z_b, i.e. z_a + alpha * (z_b - z_a).",
              "가중치의 합이 1이어야 합니다: (1 - alpha) * z_a + alpha * z_b, 즉 z_a + alpha * (z_b - z_a).")),
    Mistake(T("the first point (alpha = 0) is missing", "첫 점(alpha = 0)이 없음"),
            lambda a, b, n: np.stack([(1 - t) * a + t * b for t in np.linspace(0, 1, n + 1)[1:]]),
            T("alpha goes from 0 to 1 INCLUSIVE: np.linspace(0, 1, steps).", "alpha는 0부터 1까지 *양 끝을 포함*합니다: np.linspace(0, 1, steps).")),
    Mistake(T("steps + 1 points (np.linspace(0, 1, steps + 1))", "점이 steps + 1개(np.linspace(0, 1, steps + 1))"),
            lambda a, b, n: np.stack([(1 - t) * a + t * b for t in np.linspace(0, 1, n + 1)]),
            T("`steps` is the number of points, both ends included: np.linspace(0, 1, steps).",
              "`steps`는 양 끝을 포함한 점의 개수입니다: np.linspace(0, 1, steps).")),
    Mistake(T("steps - 1 points", "점이 steps - 1개"),
            lambda a, b, n: np.stack([(1 - t) * a + t * b for t in np.linspace(0, 1, n - 1)]),
            T("`steps` is the number of points, both ends included: np.linspace(0, 1, steps).",
              "`steps`는 양 끝을 포함한 점의 개수입니다: np.linspace(0, 1, steps).")),
    Mistake(T("alpha runs 0, 1, 2, ... (np.arange(steps)) instead of from 0 to 1", "alpha가 0부터 1까지가 아니라 0, 1, 2, ...(np.arange(steps))"),
            lambda a, b, n: np.stack([(1 - t) * a + t * b for t in np.arange(n)]),
            T("alpha must go from 0 to 1: np.linspace(0, 1, steps).", "alpha는 0부터 1까지 가야 합니다: np.linspace(0, 1, steps).")),
    Mistake(T("the step goes the wrong way: z_a + alpha * (z_a - z_b)", "반대 방향으로 감: z_a + alpha * (z_a - z_b)"),
            lambda a, b, n: np.stack([a + t * (a - b) for t in np.linspace(0, 1, n)]),
            T("the direction from z_a to z_b is z_b - z_a.", "z_a에서 z_b로 가는 방향은 z_b - z_a입니다.")),
]


def check_morph_codes(fn) -> bool:
    """fn(z_a (D,), z_b (D,), steps) -> (steps, D), from z_a (alpha = 0) to z_b (alpha = 1)."""
    # the next cell: path = morph_codes(z_pair[0], z_pair[1], 9) with two codes from encode_mean (NumPy);
    # decode(path), path[0], path[-1]
    z_pair = np.random.default_rng(9).normal(size=(2, 32)).astype(np.float32)
    uses = [Use(T("the next cell calls morph_codes(z_pair[0], z_pair[1], 9) on two codes from encode_mean and "
                  "decodes the path",
                  "다음 셀은 encode_mean에서 얻은 코드 두 개로 morph_codes(z_pair[0], z_pair[1], 9)를 호출하고 경로를 "
                  "디코딩합니다"), lambda f: f(z_pair[0], z_pair[1], 9),
                close_to(lambda: morph_codes(z_pair[0], z_pair[1], 9), array=True))]
    return grade("morph_codes", fn, morph_codes, _morph_cases(), MORPH_MISTAKES, uses=uses)


# ----------------------------------------------------------------------------- the notebook's one-line form
use_attribute_vector_from_codes = returns_function(check_attribute_vector_from_codes, attribute_vector_from_codes)
use_morph_codes = returns_function(check_morph_codes, morph_codes)
