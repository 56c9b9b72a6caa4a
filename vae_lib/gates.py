"""Quality gates: each chapter measures what its figures claim and checks it against a threshold.

    report = gates.check("05", samples_recognised=0.83, sample_classes=10, ...)

prints one line per gate (measured value, what it needs, pass / FAIL) and records them for the
course runner's summary. The thresholds live here, in one table (THRESHOLDS), and the README lists
them. They were set from measurements on the bundled digits in course mode, a margin below what
the trained models reach (the numbers are in the comments). In smoke mode the models are barely
trained, so the gates are measured and shown but not expected to pass.
"""
from __future__ import annotations

import operator

from vae_lib.env import record_result

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
_OPS = {">=": operator.ge, "<=": operator.le}


def check(chapter: str, mode: str | None = None, **measured: float | None) -> dict[str, dict]:
    """Compare each measured value with its threshold, print a table and record it.

    A value of None means "not measurable on this data" (shown as n/a, not a failure).
    A chapter may check its gates in several places (each next to its figure); the course runner
    counts a gate of THRESHOLDS that was never checked as failed. Returns {gate: {"value", "needs",
    "passed"}} for the gates given here.
    """
    from vae_lib.recipes import current_mode

    mode = mode or current_mode()
    table = THRESHOLDS[chapter]
    unknown = set(measured) - set(table)
    if unknown:
        raise ValueError(f"chapter {chapter} has no gate(s) {sorted(unknown)}; its gates: {', '.join(table)}")
    report = {}
    print(f"Quality gates, chapter {chapter} ({mode} mode):")
    for name, (op, threshold, meaning) in table.items():
        if name not in measured:
            continue
        if measured[name] is None:   # not measurable on this data (e.g. no class labels for CelebA faces)
            report[name] = {"value": None, "needs": f"{op} {threshold:g}", "passed": None}
            print(f"  {'n/a':<5}{name:<30}{'-':>8}  (not measurable on this data): {meaning}")
            continue
        value = float(measured[name])
        passed = bool(_OPS[op](value, threshold))
        report[name] = {"value": round(value, 4), "needs": f"{op} {threshold:g}", "passed": passed}
        print(f"  {'pass' if passed else 'FAIL':<5}{name:<30}{value:8.3f}  (needs {op} {threshold:g}): {meaning}")
    failed = [k for k, v in report.items() if v["passed"] is False]
    if failed and mode == "smoke":
        print("  (smoke mode trains only a few steps: the gates are not expected to pass)")
    elif failed:
        print(f"  {len(failed)} gate(s) FAILED: the figures above do not yet show what the text says.")
    record_result(chapter, gates=report, mode=mode, quiet=True)
    return report


def all_passed(report: dict[str, dict]) -> bool:
    """True when no gate failed (gates that could not be measured on this data do not count)."""
    return all(v["passed"] is not False for v in report.values())
