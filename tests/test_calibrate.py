"""``calibrate`` end to end on a tiny A/A experiment: replicas of one setting, both round
schedules, the report and ``calibration.json``. Whether interleaving prevents false winners
under drift is shown on simulated drift in ``tests/test_schedule.py`` (no test asserts a
timing); the measured rates are in the README."""

import json
import signal
import subprocess
import sys
import time

import pytest

from bench.execute.calibrate import MARKER, Drift

from .helpers import ROOT, bench_cli, ctrl_c_reaches_it, processes_naming

#: the machine's noise, measured on SQLite
pytestmark = pytest.mark.any_database


def test_an_aa_experiment_reports_false_positives_and_the_noise_floor(tmp_path):
    out = tmp_path / "out"
    done = bench_cli("calibrate", "--strategies", "tuned", "--rows", "40", "--replicas", "3",
                     "--rounds", "4", "--out", str(out), tmp_path=tmp_path)
    report = json.loads((out / "calibration.json").read_text())
    assert set(report) == {"drift", "runs", "interleaved", "blocked"}
    for schedule in ("interleaved", "blocked"):
        figures = report[schedule]
        # sequential (always added, the yardstick of correctness) and tuned: 3 pairs each
        assert figures["pairs"] == 6 and figures["verdicts"] == 2
        assert 0 <= figures["significant"] <= 6
        assert set(figures["round_spread"]) == {"sequential-create-40",
                                                "tuned-bs1000-create-40"}
        assert set(figures["replica_spread"]) == {"wall", "CPU"}
        options = json.loads((out / report["runs"][schedule].split("/")[-1]
                              / "options.json").read_text())
        assert options["replicas"] == 3 and options["schedule"] == schedule
    assert "A/A: the same setting compared with itself" in done.stdout
    assert "false-positive rate" in done.stdout


def test_calibrate_refuses_a_single_replica(tmp_path):
    done = bench_cli("calibrate", "--replicas", "1", tmp_path=tmp_path, check=False)
    assert done.returncode == 2 and "--replicas must be 2 or more" in done.stderr


def _busy_children() -> int:
    return processes_naming(MARKER)


def test_drift_loads_the_machine_for_its_window_only():
    assert Drift.parse("0.2:0.6") == Drift(0.2, 0.6)
    with pytest.raises(ValueError, match="START:SECONDS"):
        Drift.parse("soon")
    before = _busy_children()
    with Drift(0.2, 0.6, processes=2).during():
        time.sleep(0.5)
        assert _busy_children() == before + 2
        time.sleep(0.7)
        assert _busy_children() == before  # the window ended inside the block
    with Drift(0.0, 30, processes=1).during():
        time.sleep(0.3)
        assert _busy_children() == before + 1
    assert _busy_children() == before  # the block ended before the window: stopped


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_drift_is_removed_when_the_run_is_stopped(stop):
    script = ("import time; from bench.execute.calibrate import Drift\n"
              "with Drift(0, 60, processes=1).during():\n"
              "    time.sleep(0.3); print('loaded', flush=True); time.sleep(60)\n")
    before = _busy_children()
    child = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, preexec_fn=ctrl_c_reaches_it)
    assert child.stdout.readline().strip() == "loaded"
    assert _busy_children() == before + 1
    child.send_signal(stop)
    child.wait(timeout=30)
    assert _busy_children() == before
