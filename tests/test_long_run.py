"""Chapter 07's recorded long run (vae_lib/course/measured/long_run_07.json, written by benchmarks/long_run_07.py):
the loader checks the record and refuses malformed ones; the verdict's numbers come from the record."""
import copy
import fnmatch
import json
import tomllib
from pathlib import Path

import pytest

from vae_lib.course import long_run

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def run():
    return long_run.load()


def test_recorded_run_says_how_it_was_made(run):
    assert "benchmarks/long_run_07.py" in run["command"]
    assert "fashion_mnist" in run["data"] and "60000 training images" in run["data"]
    assert run["hardware"]["cores"] >= 1 and run["hardware"]["cpu"]
    assert run["recipe"]["batch_size"] == 100 and run["recipe"]["learning_rate"] == 5e-4 and run["recipe"]["beta"] == 500
    plain, residual = run["models"]["plain"], run["models"]["residual"]
    assert plain["widths"] == [32, 64, 128] and residual["widths"] == [32, 40, 56]
    assert abs(plain["params"] - residual["params"]) / plain["params"] < 0.05   # the same size
    for m in (plain, residual):   # the test -ELBO improved from the untrained model's
        assert m["evals"][-1]["neg_elbo"] < m["evals"][0]["neg_elbo"]


def test_verdict_is_read_from_the_record(run):
    v = long_run.verdict(run)
    at = {n: {e["step"]: e["neg_elbo"] for e in run["models"][n]["evals"]} for n in long_run.MODELS}
    assert v["plain"] == at["plain"][v["step"]] and v["residual"] == at["residual"][v["step"]]
    assert v["better_per_step"] == ("plain" if v["plain"] < v["residual"] else "residual")
    assert v["plain_at"]["neg_elbo"] <= v["level"] and v["residual_at"]["neg_elbo"] <= v["level"]
    assert v["step_cost_ratio"] == pytest.approx(run["models"]["residual"]["seconds_per_step"]
                                                 / run["models"]["plain"]["seconds_per_step"])
    assert len(long_run.step_seconds(run["models"]["plain"])) == run["models"]["plain"]["steps_done"]


def _broken(run, edit):
    bad = copy.deepcopy(run)
    edit(bad)
    return bad


@pytest.mark.parametrize("edit", [
    lambda r: r.pop("date"),
    lambda r: r["hardware"].pop("cpu"),
    lambda r: r["models"].pop("residual"),
    lambda r: r["models"]["plain"]["train_loss"].pop(),
    lambda r: r["models"]["plain"]["train_loss"].__setitem__(0, float("nan")),
    lambda r: r["models"]["residual"]["evals"].reverse(),
    lambda r: r["models"]["residual"]["evals"].pop(0),
    lambda r: r["models"]["residual"]["chunks"].pop(),
    lambda r: r["models"]["plain"]["evals"][-1].pop("neg_elbo"),
    lambda r: r.__setitem__("complete", not r["complete"]),
], ids=["date", "cpu", "model", "loss-length", "nan-loss", "evals-order", "no-step-0", "chunks-end", "neg-elbo",
        "complete"])
def test_malformed_records_are_refused(run, tmp_path, edit):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_broken(run, edit)))
    with pytest.raises(ValueError, match="malformed"):
        long_run.load(path)
    path.write_text(json.dumps(run))
    assert long_run.load(path)["date"] == run["date"]
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not JSON"):
        long_run.load(path)


def test_record_ships_in_the_wheel():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    rel = long_run.PATH.relative_to(ROOT / "vae_lib" / "course").as_posix()
    assert any(fnmatch.fnmatch(rel, pattern) for pattern in data["vae_lib.course"])
