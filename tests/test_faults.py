"""Faults: a worker killed mid-import, and SQLite's single writer under concurrent chunks.
Whatever happens, the user is told which rows or chunks failed and nothing is lost without
a word: every row not in the database is named as an error or lies in a chunk reported as
not committed. (Ctrl-C during a PostgreSQL run: tests/test_postgres.py.)"""

import sqlite3

import pytest

from bench.data.spec import export
from bench.execute.importing import import_dataset
from bench.strategies import Settings
from sample_app.resources import FlatBookResource

from .helpers import bench_cli, books_in_database, kept_isbns
from .injected import KillWorkerAtIsbn

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 120


@pytest.fixture(scope="module")
def clean(make_data):
    return make_data(ROWS)


@pytest.mark.timeout(180)
def test_a_killed_worker_is_reported_by_chunk_and_does_not_hang(clean, monkeypatch):
    kill_row = 90  # in the second chunk (rows 61-120)
    monkeypatch.setenv("BENCH_KILL_AT_ISBN", clean.dataset[kill_row - 1][0])
    report = import_dataset(clean.dataset, KillWorkerAtIsbn, "process-chunked",
                            Settings(workers=2), clean, verify=False)
    failed = report.outcome.failed_chunks
    assert failed, "the dead worker's chunk must be reported"
    assert any(c.first_row == 61 and "worker process died" in c.error for c in failed)
    assert any("rows 61-120" in p.message for p in report.problems), report.problems
    assert report.failed
    # documented: a dead worker breaks the pool; chunks that had not finished are lost and
    # rolled back, chunks that had finished are kept, and the outcome says which is which
    assert books_in_database() == kept_isbns(report, clean.dataset)
    assert len(books_in_database()) == sum(c.rows for c in report.outcome.chunks if c.committed)


@pytest.mark.timeout(180)
def test_command_line_reports_the_killed_worker_and_exits_non_zero(clean, tmp_path):
    path = tmp_path / "books.csv"
    path.write_bytes(export(clean.dataset, "csv"))
    db_file = tmp_path / "import.sqlite3"
    done = bench_cli("import", str(path), "--strategy", "process-chunked", "--no-verify",
                     "--db-file", str(db_file), tmp_path=tmp_path, check=False,
                     extra_env={"BENCH_RESOURCE_HOOK": "tests.injected:kill_worker",
                                "BENCH_INJECT_STRATEGY": "process-chunked",
                                "BENCH_KILL_AT_ISBN": clean.dataset[89][0]})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "chunk 1 (rows 61-120) failed: worker process died" in done.stdout
    assert "Traceback" not in done.stderr
    books = sqlite3.connect(db_file).execute("select count(*) from sample_app_book")
    kept = books.fetchone()[0]
    assert kept in (0, 60)  # chunk 0 kept if it finished before the pool broke
    assert f"{kept} books in the database" in done.stdout


@pytest.mark.parametrize("strategy, settings", [
    ("async-chunked", Settings(async_size=6, thread_sensitive=False)),
    ("process-chunked", Settings(workers=2, sqlite_transaction_mode="DEFERRED")),
    ("process-chunked", Settings(workers=2)),  # IMMEDIATE: writers queue
])
def test_concurrent_writers_on_sqlite_never_lose_a_row_silently(strategy, settings, clean,
                                                                 django_db_setup):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's single writer only")
    report = import_dataset(clean.dataset, FlatBookResource, strategy, settings, clean)
    kept = books_in_database()
    assert kept == kept_isbns(report, clean.dataset)
    lost_rows = {number for number in range(1, ROWS + 1)
                 if clean.dataset[number - 1][0] not in kept}
    named = {p.row for p in report.problems if p.row}
    uncommitted = {n for c in report.outcome.chunks if not c.committed
                   for n in range(c.first_row, c.last_row + 1)}
    assert lost_rows <= named | uncommitted
    if lost_rows:  # then the import says it failed, and why
        assert report.failed
        assert any("locked" in p.message for p in report.problems)
    if settings.sqlite_transaction_mode == "IMMEDIATE" and strategy == "process-chunked":
        assert not lost_rows and report.verification.verified
