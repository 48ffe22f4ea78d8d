"""PostgreSQL: the throwaway cluster, DATABASE_URL, and the hazards of concurrent imports.

The cluster tests start clusters of their own, whatever ``--db`` the suite runs with.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection

from bench.db.postgres import (
    PostgresUnavailable,
    ThrowawayCluster,
    _connect,
    find_bindir,
    postgres_database,
)
from bench.strategies import Settings

from .helpers import ctrl_c_reaches_it
from .helpers import run_generated as run_case

ROOT = Path(__file__).resolve().parents[1]

try:
    find_bindir()
    HAVE_POSTGRES = True
except PostgresUnavailable:
    HAVE_POSTGRES = False
needs_postgres = pytest.mark.skipif(not HAVE_POSTGRES,
                                    reason="PostgreSQL server binaries are not installed")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in \
        Path(f"/proc/{pid}/status").read_text().lower()


def _postmaster(settings) -> int:
    return int((Path(settings["HOST"]) / "data" / "postmaster.pid").read_text().split()[0])


@needs_postgres
def test_cluster_stops_and_leaves_nothing_behind():
    with ThrowawayCluster() as settings:
        folder, pid = Path(settings["HOST"]), _postmaster(settings)
        with _connect(settings) as conn:
            assert conn.execute("select current_database()").fetchone() == ("bench",)
        assert _alive(pid)
    assert not folder.exists()
    assert not _alive(pid)


@needs_postgres
def test_cluster_is_removed_when_the_block_fails():
    with pytest.raises(RuntimeError, match="boom"):
        with ThrowawayCluster() as settings:
            folder, pid = Path(settings["HOST"]), _postmaster(settings)
            raise RuntimeError("boom")
    assert not folder.exists()
    assert not _alive(pid)


@needs_postgres
def test_database_url_gets_a_scratch_database_and_its_own_database_is_untouched(monkeypatch):
    with ThrowawayCluster(database="theirs") as server:
        with _connect(server) as conn:
            conn.execute("create table keep (id int)")
            conn.execute("insert into keep values (42)")
        host = server["HOST"].replace("/", "%2F")
        monkeypatch.setenv("DATABASE_URL", f"postgres://postgres@{host}:{server['PORT']}/theirs")
        with postgres_database() as settings:
            assert settings["NAME"].startswith("bench_") and settings["HOST"] == server["HOST"]
            with _connect(settings) as conn:
                conn.execute("create table scratch (id int)")
        with _connect(server | {"NAME": "postgres"}) as conn:
            names = {r[0] for r in conn.execute("select datname from pg_database")}
        assert "theirs" in names and settings["NAME"] not in names
        with _connect(server) as conn:
            assert conn.execute("select id from keep").fetchall() == [(42,)]


def test_missing_binaries_give_a_clear_message_not_a_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BENCH_DATABASE")}
    env.update(PG_BIN=str(tmp_path / "nowhere"), BENCH_RESULTS_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "bench", "run", "--db", "postgres",
                           "--rows", "10", "--out", str(tmp_path / "out")], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "apt-get install postgresql" in done.stderr
    assert "Traceback" not in done.stderr


@needs_postgres
@pytest.mark.any_database  # it starts a cluster of its own, whatever the pass's database
def test_ctrl_c_stops_the_cluster_and_keeps_partial_results(tmp_path):
    scratch = Path(tempfile.mkdtemp(prefix="bench-tmp-", dir="/tmp"))
    scratch.chmod(0o755)  # the server runs as another user and must reach its folder
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BENCH_DATABASE")}
    env.update(TMPDIR=str(scratch), BENCH_RESULTS_DIR=str(tmp_path))
    process = subprocess.Popen(
        [sys.executable, "-m", "bench", "run", "--db", "postgres", "--rows", "1500",
         "--strategies", "sequential,bulk", "--scenarios", "create,update", "--rounds", "2",
         "--no-flames", "--no-memory", "--out", str(out)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True, preexec_fn=ctrl_c_reaches_it)
    seen = []
    try:
        for line in process.stdout:  # until the first case has been measured
            seen.append(line)
            if "median" in line:
                break
        assert list(scratch.glob("django-import-bench-pg-*")), "".join(seen)
        time.sleep(1)  # inside the second case
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
        output, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    output = "".join(seen) + output
    assert process.returncode != 0, output
    assert not list(scratch.glob("django-import-bench-pg-*")), output
    summary = json.loads((out / "latest" / "summary.json").read_text())
    assert summary["complete"] is False
    assert summary["cases"] and summary["cases"][0]["id"] == "sequential-create-1500"
    assert "did not finish" in (out / "latest" / "report.html").read_text()
    scratch.rmdir()


def _needs_postgresql_connection():
    if connection.vendor != "postgresql":
        pytest.skip("the sequence reset exists on PostgreSQL only (run with --db postgres)")


@pytest.mark.django_db(transaction=True)
def test_overlapping_chunks_race_the_sequence_reset_and_verification_catches_it(make_data):
    """django-import-export resets the id sequence after every import with new rows
    (upstream #2166). When chunks overlap on PostgreSQL, one chunk's reset rewinds the
    sequence under the others' inserts and ids are handed out twice. Ten chunks on six
    threads: the first chunks to finish reset while the rest are still inserting."""
    _needs_postgresql_connection()
    data = make_data(3000, "create")
    settings = Settings(async_size=10, thread_sensitive=False, defer_sequence_reset=False)
    raced = run_case("async-chunked", data, settings)
    assert raced.outcome.max_overlap >= 2
    assert not raced.verification.verified
    # the ids handed out twice: in every run, though not always the first error the reason
    # names (a deadlock between the same racing chunks may come first)
    from bench.verify import error_set

    assert "error:IntegrityError" in {kind for _, kind in error_set(raced.outcome.result)}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name, settings", [
    ("process-chunked", Settings(workers=2)),
    ("async-chunked", Settings(async_size=10, thread_sensitive=False)),
])
def test_deferring_the_sequence_reset_keeps_every_row(name, settings, make_data):
    _needs_postgresql_connection()
    data = make_data(3000, "create")
    deferred = run_case(name, data, settings)
    assert deferred.outcome.max_overlap >= 2
    assert deferred.verification.verified, deferred.verification.reason
