"""Version history: runs of several releases side by side, the steps between consecutive
releases, and the upgrade check that guards a pull request."""

import json

import pytest

from bench.cli import main
from bench.results import history
from bench.results.record import CaseRecord


def _run(root, library, django, cases):
    """A run folder as ``bench run`` leaves it, for one combination: ``cases`` maps a
    variant to ``(seconds, reference seconds, statements per row[, Python peak MB])``."""
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
        for variant, (seconds, _, per_row, *memory) in cases.items():
            records.append(CaseRecord(
                id=f"{variant}-{scenario}-1000", strategy=variant.split("-")[0],
                scenario=scenario, rows=1000, times=[seconds], queries=int(per_row * 1000),
                verified=True, versions=versions, flame=f"flames/{variant}.html",
                peak_python_mb=memory[0] if memory else None,
                memory_rows=1000 if memory else None))
        lines += [json.dumps(r.to_json()) for r in records]
    (run_dir / "cases.jsonl").write_text("\n".join(lines) + "\n")
    (run_dir / "complete").touch()
    return run_dir


@pytest.fixture
def runs(tmp_path):
    root = tmp_path / "versions"
    # sequential: 1.0 s at 4.3 and 1.5 s at 4.4 against the same reference (1.5x: a step);
    # bulk: 2.0 -> 2.1 statements a row (+5%: noise) but 3.0 -> 4.5 MB of Python peak (a
    # step); tuned: 3 -> 1 statements (a step), 2.0 -> 2.2 MB (noise); sequential at 4.0:
    # 0.2 MB against 0.3 at 4.3 (1.5x, but 0.1 MB: no step)
    _run(root, "4.3.14", "5.2.19", {"sequential": (1.0, 0.1, 5.0, 0.3),
                                    "bulk": (0.5, 0.1, 2.0, 3.0),
                                    "tuned": (0.3, 0.1, 3.0, 2.0)})
    _run(root, "4.4.3", "5.2.19", {"sequential": (1.5, 0.1, 5.0, 0.31),
                                   "bulk": (0.5, 0.1, 2.1, 4.5),
                                   "tuned": (0.3, 0.1, 1.0, 2.2)})
    _run(root, "4.0.10", "5.2.19", {"sequential": (1.0, 0.1, 5.0, 0.2)})
    # Django 5.2 -> 6.1 under 4.4.3: sequential 5 -> 6 statements a row (a step), bulk noise
    _run(root, "4.4.3", "6.1.3", {"sequential": (1.5, 0.1, 6.0, 0.31),
                                  "bulk": (0.5, 0.1, 2.1, 4.5)})
    return root


def test_columns_come_in_release_order_and_steps_are_found(runs):
    cols = history.columns(runs)
    assert [c.label for c in cols] == ["4.0.10 / Django 5.2", "4.3.14 / Django 5.2",
                                       "4.4.3 / Django 5.2", "4.4.3 / Django 6.1"]
    assert cols[0].yardstick_s == pytest.approx(0.1)  # its reference case's median
    found = {(s.variant, s.before.label, s.after.label): s for s in history.steps(cols)}
    old, new, newer = "4.3.14 / Django 5.2", "4.4.3 / Django 5.2", "4.4.3 / Django 6.1"
    assert set(found) == {("sequential", old, new), ("tuned", old, new), ("bulk", old, new),
                          ("sequential", new, newer)}  # the last: a Django release's step
    django_step = found[("sequential", new, newer)]
    assert django_step.query_change == pytest.approx(0.2) and django_step.time_ratio is None
    assert django_step.describe() == (
        "sequential create: 4.4.3 / Django 5.2 -> 4.4.3 / Django 6.1: queries/row 5.00 -> "
        "6.00 (+20%)")
    assert found[("sequential", old, new)].time_ratio == pytest.approx(1.5)
    assert found[("sequential", old, new)].memory_ratio is None
    assert found[("tuned", old, new)].query_change == pytest.approx(-2 / 3)
    bulk = found[("bulk", old, new)]
    assert bulk.memory_ratio == pytest.approx(1.5) and bulk.query_change is None
    assert "Python peak 3.00 -> 4.50 MB (1.50x)" in bulk.describe()
    before, after = found[("sequential", old, new)].flames()
    assert before.name == after.name == "sequential.html" and before != after


def test_the_upgrade_check_fails_on_a_regression_only(runs, capsys):
    assert main(["history", str(runs), "--from", "4.3", "--to", "4.4"]) == 1
    out = capsys.readouterr().out
    assert ("sequential create: 10.00 / 5.00 / 0.30 -> 15.00 / 5.00 / 0.31 (x ref / queries "
            "per row / Python MB, 1.50x the time): REGRESSED") in out
    assert ("bulk create: 5.00 / 2.00 / 3.00 -> 5.00 / 2.10 / 4.50 (x ref / queries per row / "
            "Python MB, 1.00x the time): REGRESSED") in out
    assert "tuned create" in out and "a case regressed" in out
    # backwards the slower release is the start: tuned's statements grow, sequential speeds up
    assert main(["history", str(runs), "--from", "4.4.3", "--to", "4.3.14"]) == 1
    # two releases that differ by noise only (and by 0.1 MB of Python peak, 1.5x)
    assert main(["history", str(runs), "--from", "4.0", "--to", "4.3"]) == 0
    written = (runs / "history.md").read_text()
    assert ("| sequential | create | 10.00 / 5.00 / 0.20 | 10.00 / 5.00 / 0.30 | "
            "15.00 / 5.00 / 0.31 |") in written
    saved = json.loads((runs / "history.json").read_text())
    assert saved["combinations"][-1]["cases"]["bulk create"]["python_mb"] == 4.5
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


def _column(library, reference_s, update_s):
    """A run whose ``update`` group has no reference that wrote rows (every row skipped,
    or reference refused), beside a ``create`` group that has one."""
    col = history.Column(library, "5.2.19", "3.11", history.Path("."))
    col.cases[("reference", "create")] = CaseRecord(
        id="reference-create-1000", strategy="reference", scenario="create", rows=1000,
        times=[reference_s], queries=10, verified=True, x_reference=1.0)
    col.cases[("sequential", "update")] = CaseRecord(
        id="sequential-update-1000", strategy="sequential", scenario="update", rows=1000,
        times=[update_s], queries=5000, verified=True)
    col.yardstick_s = reference_s
    return col


def test_a_group_without_reference_is_timed_against_the_runs_other_references():
    key = ("sequential", "update")
    old = _column("4.3.14", 0.1, 1.0)
    # the whole machine twice as slow in the second run: no step
    assert history.compare(old, _column("4.4.3", 0.2, 2.0), key) is None
    step = history.compare(old, _column("4.4.3", 0.2, 3.0), key)
    assert step.time_ratio == pytest.approx(1.5)
    assert "time 10.00 -> 15.00 x the run's other reference cases (1.50x)" in step.describe()
    assert history._cell(old, key) == "10.00* / 5.00"
    # no reference anywhere in a run: time is not compared, statements still are
    bare = _column("4.4.3", 0.2, 3.0)
    bare.yardstick_s = None
    assert history.compare(old, bare, key) is None
