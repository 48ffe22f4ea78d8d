"""Version history: runs of several releases side by side, the steps between consecutive
releases, and the upgrade check that guards a pull request."""

import json

import pytest

from bench.cli import main
from bench.results import history
from bench.results.record import CaseRecord


def _run(root, library, django, cases):
    """A run folder as ``bench run`` leaves it, for one combination: ``cases`` maps a
    variant to ``(seconds, reference seconds, statements per row)``."""
    run_dir = root / f"{library}-django{django}" / "20260101T000000Z-0000"
    run_dir.mkdir(parents=True)
    (root / f"{library}-django{django}" / "latest").symlink_to(run_dir.name)
    versions = {"django": django, "django_import_export": library}
    lines = []
    for scenario in ("create",):
        ref = next(iter(cases.values()))[1]
        records = [CaseRecord(id=f"reference-{scenario}-1000", strategy="reference",
                              scenario=scenario, rows=1000, times=[ref], queries=10,
                              verified=True, versions=versions)]
        for variant, (seconds, _, per_row) in cases.items():
            records.append(CaseRecord(
                id=f"{variant}-{scenario}-1000", strategy=variant.split("-")[0],
                scenario=scenario, rows=1000, times=[seconds], queries=int(per_row * 1000),
                verified=True, versions=versions, flame=f"flames/{variant}.html"))
        lines += [json.dumps(r.to_json()) for r in records]
    (run_dir / "cases.jsonl").write_text("\n".join(lines) + "\n")
    (run_dir / "complete").touch()
    return run_dir


@pytest.fixture
def runs(tmp_path):
    root = tmp_path / "versions"
    # sequential: 1.0 s at 4.3 and 1.5 s at 4.4 against the same reference (1.5x: a step);
    # bulk: 2.0 -> 2.1 statements a row (+5%: noise); tuned: 3 -> 1 statements (a step)
    _run(root, "4.3.14", "5.2.19", {"sequential": (1.0, 0.1, 5.0), "bulk": (0.5, 0.1, 2.0),
                                    "tuned": (0.3, 0.1, 3.0)})
    _run(root, "4.4.3", "5.2.19", {"sequential": (1.5, 0.1, 5.0), "bulk": (0.5, 0.1, 2.1),
                                   "tuned": (0.3, 0.1, 1.0)})
    _run(root, "4.0.10", "5.2.19", {"sequential": (1.0, 0.1, 5.0)})
    return root


def test_columns_come_in_release_order_and_steps_are_found(runs):
    cols = history.columns(runs)
    assert [c.library for c in cols] == ["4.0.10", "4.3.14", "4.4.3"]
    found = {(s.variant, s.before.library, s.after.library): s for s in history.steps(cols)}
    assert set(found) == {("sequential", "4.3.14", "4.4.3"), ("tuned", "4.3.14", "4.4.3")}
    assert found[("sequential", "4.3.14", "4.4.3")].time_ratio == pytest.approx(1.5)
    assert found[("tuned", "4.3.14", "4.4.3")].query_change == pytest.approx(-2 / 3)
    before, after = found[("sequential", "4.3.14", "4.4.3")].flames()
    assert before.name == after.name == "sequential.html" and before != after


def test_the_upgrade_check_fails_on_a_regression_only(runs, capsys):
    assert main(["history", str(runs), "--from", "4.3", "--to", "4.4"]) == 1
    out = capsys.readouterr().out
    assert ("sequential create: 10.00 / 5.00 -> 15.00 / 5.00 (x ref / queries per row, "
            "1.50x the time): REGRESSED") in out
    assert "tuned create" in out and "a case regressed" in out
    # backwards the slower release is the start: tuned's statements grow, sequential speeds up
    assert main(["history", str(runs), "--from", "4.4.3", "--to", "4.3.14"]) == 1
    # two releases that differ by noise only
    assert main(["history", str(runs), "--from", "4.0", "--to", "4.3"]) == 0
    written = (runs / "history.md").read_text()
    assert "| sequential | create | 10.00 / 5.00 | 10.00 / 5.00 | 15.00 / 5.00 |" in written
    assert (runs / "history.png").stat().st_size > 10_000


def test_asking_for_a_release_that_did_not_run_is_a_usage_error(runs, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["history", str(runs), "--from", "3.3", "--to", "4.4"])
    assert exit_.value.code == 2 and "no Django release ran both 3.3 and 4.4" in \
        capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["history", str(tmp_path / "nothing")])


def test_release_order_is_numeric():
    assert sorted(["4.10.0", "4.4.3", "4.4.3+local", "3.3.9"], key=history.release_key) == [
        "3.3.9", "4.4.3", "4.4.3+local", "4.10.0"]
