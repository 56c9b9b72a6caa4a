"""Quality gates: each chapter measures what its figures claim and checks it against a threshold.

    report = gates.check("05", samples_recognised=0.83, sample_classes=10, ...)

prints one line per gate (measured value, what it needs, pass / FAIL) and records them for the
course runner's summary. The thresholds live here, in one table (THRESHOLDS), and the README lists
them. They were set from measurements on the bundled digits in course mode, a margin below what
the trained models reach (the numbers are in the comments). In smoke mode the models are barely
trained, so the gates are measured and shown but not expected to pass.
"""
from __future__ import annotations

import json
import operator
from pathlib import Path

from vae_lib.course.env import current_mode, record_result
from vae_lib.i18n import tr

# chapter -> gate -> (comparison, threshold, what it shows)
THRESHOLDS: dict[str, dict[str, tuple[str, float, str]]] = {
    "01": {
        "reconstructions_recognised": (">=", 0.45, "the judge names the right class of most test reconstructions "
                                                   "(a 2-D code limits this)"),
        "latent_knn_accuracy": (">=", 0.50, "classes form regions in the 2-D latent space (10-NN accuracy; chance 0.1)"),
        "hole_fraction": (">=", 0.10, "a sizeable part of the box is far from every training code (the holes)"),
        "box_class_imbalance": (">=", 1.5, "uniform points of the box favour the classes that cover a large area "
                                           "(most frequent class among the decoded points / largest class share "
                                           "in the data)"),
    },
    "05": {
        "samples_recognised": (">=", 0.40, "decoded z ~ N(0, I) are recognised as a confident class"),
        "sample_classes": (">=", 8, "the recognised samples cover (nearly) all classes"),
        "prior_in_holes_ae_over_vae": (">=", 1.5, "z ~ N(0, I) falls into the AE's holes more often than into the "
                                                 "VAE's (ratio of the two shares; a hole: farther than r99 from "
                                                 "every training code)"),
        "z_mean_offset": ("<=", 0.5, "the aggregate of z_mean is centred near 0 (largest |mean| over dimensions)"),
        "z_mean_spread": (">=", 0.5, "... and spread like N(0, I) (smallest std over dimensions)"),
        "reconstructions_recognised": (">=", 0.50, "the judge names the right class of the test reconstructions"),
        "generation_gap_16d": (">=", 0.15, "with a 16-D code, the share of decoded z ~ N(0, I) recognised is larger for "
                                           "the VAE than for the AE by this much"),
    },
    "06": {
        "reconstructions_recognised": (">=", 0.45, "the model reconstructs well enough (the chapter 01 gate)"),
        "attributes_monotonic": (">=", 1.0, "share of the shown attributes whose measured mean rises at every multiple"),
        "morph_endpoints_recognised": (">=", 0.8, "morph endpoints decode to images the judge labels as A's and B's class"),
    },
    "07": {
        "compared_reconstructions_recognised": (">=", 0.35, "both compared models are trained far enough that the judge "
                                                            "names the right class of their test reconstructions "
                                                            "(the smaller of the two shares)"),
        "sd_reconstructions_recognised": (">=", 0.80, "the SD-style autoencoder's reconstructions are recognisable"),
    },
}
# What each gate shows, in Korean (vae_lib.i18n): every gate of THRESHOLDS has one (tests/test_gates.py).
MEANINGS_KO: dict[str, dict[str, str]] = {
    "01": {
        "reconstructions_recognised": "판정기가 테스트 재구성 이미지 대부분의 클래스를 맞힙니다(2차원 코드라서 한계가 있습니다)",
        "latent_knn_accuracy": "2차원 잠재 공간에서 클래스가 영역을 이룹니다(10-NN 정확도, 우연 수준 0.1)",
        "hole_fraction": "상자의 상당 부분이 모든 훈련 코드에서 멉니다(구멍)",
        "box_class_imbalance": "상자의 균등한 점들은 넓은 면적을 차지한 클래스로 디코딩됩니다(디코딩한 점에서 가장 흔한 "
                               "클래스의 비율 / 데이터에서 가장 큰 클래스 비율)",
    },
    "05": {
        "samples_recognised": "N(0, I)에서 뽑은 z를 디코딩하면 판정기가 확신하는 클래스로 인식됩니다",
        "sample_classes": "인식된 샘플이 (거의) 모든 클래스를 덮습니다",
        "prior_in_holes_ae_over_vae": "z ~ N(0, I)가 VAE의 구멍보다 오토인코더의 구멍에 더 자주 떨어집니다(두 비율의 비; "
                                      "구멍: 모든 훈련 코드에서 r99보다 먼 곳)",
        "z_mean_offset": "z_mean 전체의 중심이 0 근처입니다(차원별 |평균|의 최댓값)",
        "z_mean_spread": "... 그리고 N(0, I)처럼 퍼져 있습니다(차원별 표준편차의 최솟값)",
        "reconstructions_recognised": "판정기가 테스트 재구성 이미지의 클래스를 맞힙니다",
        "generation_gap_16d": "16차원 코드에서, 디코딩한 z ~ N(0, I) 가운데 인식되는 비율이 오토인코더보다 VAE가 이만큼 "
                              "큽니다",
    },
    "06": {
        "reconstructions_recognised": "모델이 충분히 잘 재구성합니다(01장의 게이트)",
        "attributes_monotonic": "보여 준 속성 가운데 배수를 올릴 때마다 측정값의 평균이 커지는 속성의 비율",
        "morph_endpoints_recognised": "모핑의 양 끝을 디코딩하면 판정기가 A와 B의 클래스로 봅니다",
    },
    "07": {
        "compared_reconstructions_recognised": "비교한 두 모델 모두 판정기가 테스트 재구성의 클래스를 맞힐 만큼 훈련되었습니다"
                                               "(두 비율 중 작은 쪽)",
        "sd_reconstructions_recognised": "SD 방식 오토인코더의 재구성을 알아볼 수 있습니다",
    },
}
# Where a dataset needs a different claim, its gates are overridden here: (comparison, threshold, what it shows in
# English, in Korean), each with the value measured in course mode that it came from. Keyed by `dataset_key(data)`.
DATASET_THRESHOLDS: dict[str, dict[str, dict[str, tuple[str, float, str, str]]]] = {
    "fashion_mnist": {
        "05": {
            # measured on Fashion-MNIST (course mode): 7 classes. The judge itself is right and confident on fewer
            # real shirts, pullovers and coats (they look alike), so "nearly all" becomes "most".
            "sample_classes": (">=", 6, "the recognised samples cover most classes (shirts, pullovers and coats look "
                                        "alike: the judge is rarely sure of them, even on real images)",
                               "인식된 샘플이 대부분의 클래스를 덮습니다(셔츠, 풀오버, 코트는 서로 닮아서 실제 이미지에서도 "
                               "판정기가 확신하는 일이 드뭅니다)"),
            # measured on Fashion-MNIST (course mode): AE 25 % vs VAE 18 % of z ~ N(0, I) in a hole, ratio 1.37
            "prior_in_holes_ae_over_vae": (">=", 1.2, "z ~ N(0, I) falls into the AE's holes more often than into the "
                                                      "VAE's, in two dimensions (ratio of the two shares; section 3b "
                                                      "shows the large difference, in 16 dimensions)",
                                           "2차원에서 z ~ N(0, I)가 VAE의 구멍보다 오토인코더의 구멍에 더 자주 떨어집니다"
                                           "(두 비율의 비; 큰 차이는 16차원의 3b절이 보여 줍니다)"),
        },
        "07": {
            # measured on Fashion-MNIST (course mode): 0.78 of 100 reconstructions named right; the judge itself names
            # 0.87 of the real test images right (similar tops), so "recognisable" is judged against that ceiling
            "sd_reconstructions_recognised": (">=", 0.7, "the SD-style autoencoder's reconstructions are recognisable "
                                                         "(the judge names 0.87 of the real test images right)",
                                              "SD 방식 오토인코더의 재구성을 알아볼 수 있습니다(판정기는 실제 테스트 "
                                              "이미지의 0.87을 맞힙니다)"),
        },
    },
}
_OPS = {">=": operator.ge, "<=": operator.le}


def dataset_key(data) -> str:
    """Which thresholds apply to `data` (an ImageData, a dataset name, or None): 'fashion_mnist', or 'default'
    (the bundled digits, MNIST, CelebA: the thresholds of THRESHOLDS, measured on the digits)."""
    if data is None:
        return "default"
    if getattr(data, "is_fallback", False):
        return "default"
    name = getattr(data, "name", data)
    return name if name in DATASET_THRESHOLDS else "default"


def thresholds(chapter: str, data=None) -> dict[str, tuple[str, float, str, str]]:
    """chapter's gates for `data`: {gate: (comparison, threshold, meaning in English, in Korean)}."""
    table = {name: (op, t, en, MEANINGS_KO[chapter][name]) for name, (op, t, en) in THRESHOLDS[chapter].items()}
    table.update(DATASET_THRESHOLDS.get(dataset_key(data), {}).get(chapter, {}))
    return table


class GateReport(dict):
    """{gate: {"value", "needs", "passed"}}; shows nothing when it ends a notebook cell (the table was printed)."""

    def _ipython_display_(self) -> None:
        pass


def check(chapter: str, mode: str | None = None, data=None, **measured: float | None) -> dict[str, dict]:
    """Compare each measured value with its threshold, print a table and record it.

    data: the ImageData the chapter's models trained on; it chooses the dataset's thresholds (DATASET_THRESHOLDS,
    e.g. Fashion-MNIST's), None or the bundled digits use THRESHOLDS.
    A value of None means "not measurable on this data" (shown as n/a, not a failure).
    A chapter may check its gates in several places (each next to its figure); the course runner
    counts a gate of THRESHOLDS that was never checked as failed. Returns {gate: {"value", "needs",
    "passed"}} for the gates given here.
    """
    mode = mode or current_mode()
    table = thresholds(chapter, data)
    unknown = set(measured) - set(table)
    if unknown:
        raise ValueError(f"chapter {chapter} has no gate(s) {sorted(unknown)}; its gates: {', '.join(table)}")
    report = GateReport()
    print(tr(f"Quality gates, chapter {chapter} ({mode} mode):", f"품질 게이트, {chapter}장 ({mode} 모드):"))
    for name, (op, threshold, meaning_en, meaning_ko) in table.items():
        meaning = tr(meaning_en, meaning_ko)
        if name not in measured:
            continue
        if measured[name] is None:   # not measurable on this data (e.g. no class labels for CelebA faces)
            report[name] = {"value": None, "needs": f"{op} {threshold:g}", "passed": None}
            print(f"  {'n/a':<5}{name:<30}{'-':>8}  " + tr("(not measurable on this data)", "(이 데이터로는 측정할 수 없음)")
                  + f": {meaning}")
            continue
        value = float(measured[name])
        passed = bool(_OPS[op](value, threshold))
        report[name] = {"value": round(value, 4), "needs": f"{op} {threshold:g}", "passed": passed}
        verdict = tr("pass", "통과") if passed else tr("FAIL", "실패")
        needs = tr(f"(needs {op} {threshold:g})", f"(기준 {op} {threshold:g})")
        print(f"  {verdict:<5}{name:<30}{value:8.3f}  {needs}: {meaning}")
    failed = [k for k, v in report.items() if v["passed"] is False]
    if failed and mode == "smoke":
        print(tr("  (smoke mode trains only a few steps: the gates are not expected to pass)",
                 "  (smoke 모드는 몇 스텝만 훈련하므로 게이트 통과를 기대하지 않습니다)"))
    elif failed:
        print(tr(f"  {len(failed)} gate(s) FAILED: the figures above do not yet show what the text says.",
                 f"  게이트 {len(failed)}개 실패: 위 그림은 아직 본문이 말하는 것을 보여 주지 못합니다."))
    record_result(chapter, gates=report, mode=mode)
    return report


def all_passed(report: dict[str, dict]) -> bool:
    """True when no gate failed (gates that could not be measured on this data do not count)."""
    return all(v["passed"] is not False for v in report.values())


def read_results(results_file: Path) -> dict[str, dict]:
    """chapter -> everything its notebook recorded (record_result / check), merged, from the course runner's
    results file; a gate of THRESHOLDS that a chapter never checked counts as failed."""
    recorded: dict[str, dict] = {}
    if results_file.exists():
        for line in results_file.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            chapter = recorded.setdefault(item.pop("chapter"), {})
            chapter.setdefault("gates", {}).update(item.pop("gates", {}))
            chapter.update(item)
    for chapter, rec in recorded.items():  # a gate that was never checked counts as failed
        for name, (op, threshold, _) in THRESHOLDS.get(chapter, {}).items():
            rec["gates"].setdefault(name, {"value": "not measured", "needs": f"{op} {threshold:g}", "passed": False})
        if not rec["gates"]:
            del rec["gates"]
    return recorded


def failed_gates(recorded: dict[str, dict]) -> dict[str, list[str]]:
    """chapter -> names of its quality gates that failed (or were never measured)."""
    return {ch: bad for ch, rec in recorded.items()
            if (bad := [g for g, v in rec.get("gates", {}).items() if v["passed"] is False])}
