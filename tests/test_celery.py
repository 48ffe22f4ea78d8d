"""``celery-chunked``: chunks of a file as Celery tasks on workers the harness starts, on a
Redis broker it starts, merged into the result ``sequential`` gives, every failing row
numbered in the file, and each chunk's queueing, host and process recorded."""

import os
import signal
import threading
import time
from contextlib import contextmanager

import pytest
import tablib

from bench.db import latency
from bench.distributed import cluster
from bench.distributed.broker import BrokerUnavailable, find_redis_server
from bench.execute.generated import job_for
from bench.execute.runner import run_case as run_job
from bench.strategies import Refused, Settings, get

from .helpers import run_generated as run_case
from .helpers import sample_resource

pytestmark = pytest.mark.django_db(transaction=True)

CHUNKS = Settings(workers=2, inner="tuned", batch_size=50).with_values(chunk_size=37)


@pytest.fixture(scope="module", autouse=True)
def broker_and_workers():
    try:
        find_redis_server()
    except BrokerUnavailable:
        pytest.skip("redis-server is not installed (apt-get install redis-server); "
                    ".ci/run installs it")
    yield
    cluster.stop_all()


@pytest.mark.parametrize("scenario", ["create", "update", "mixed"])
def test_chunks_on_celery_workers_reproduce_sequential(scenario, make_data):
    data = make_data(150, scenario)
    run = run_case("celery-chunked", data, CHUNKS)
    assert run.verification.verified, run.verification.reason
    chunks = run.outcome.chunks
    assert [c.first_row for c in chunks] == [1, 38, 75, 112, 149]
    assert all(c.committed and c.host and c.queued_s is not None and c.queued_s >= 0
               for c in chunks)
    assert 1 <= len({c.pid for c in chunks}) <= 2  # two pool processes took them
    assert run.queries > 0  # the workers' statements are counted


def test_failing_rows_are_numbered_in_the_file(make_data):
    data = make_data(150, "errors", invalid_fraction=0.1)
    # the errors file repeats a key in another chunk: refused, as chunks run at once
    settings = Settings(workers=2, inner="sequential", use_transactions=False
                        ).with_values(chunk_size=37)
    with pytest.raises(Refused, match="different chunks that may run at the same time"):
        get("celery-chunked").check(sample_resource(data), data.dataset, settings)
    twins = {n for n, e in data.expected.items() if e["kind"] == "duplicate_key"}
    rows = [row for n, row in enumerate(data.dataset, 1) if n not in twins]
    dataset = tablib.Dataset(*rows, headers=data.dataset.headers)
    base = run_job(job_for("sequential", data, Settings(use_transactions=False),
                           dataset=dataset))
    run = run_job(job_for("celery-chunked", data, settings, dataset=dataset))
    assert run.verification.verified, run.verification.reason
    mine, theirs = run.outcome.result, base.outcome.result
    assert {r.number for r in mine.invalid_rows} == {r.number for r in theirs.invalid_rows}
    assert {r.number for r in mine.error_rows} == {r.number for r in theirs.error_rows}
    assert max(r.number for r in mine.error_rows) > 37
    assert [str(e.error) for r in mine.error_rows for e in r.errors] == [
        str(e.error) for r in theirs.error_rows for e in r.errors]


def test_what_cannot_travel_is_refused(make_data):
    data = make_data(20, "create")
    celery = get("celery-chunked")
    with pytest.raises(Refused, match="no dry run"):
        celery.check(sample_resource(data), data.dataset, CHUNKS.with_values(dry_run=True))
    local = type("LocalResource", (sample_resource(data),), {})  # defined here, not importable
    with pytest.raises(Refused, match="does not import"):
        celery.check(local, data.dataset, CHUNKS)


@pytest.mark.parametrize("dry_run_first", [True, False])
def test_the_whole_file_as_one_task_reproduces_sequential(dry_run_first, make_data):
    data = make_data(120, "mixed")
    settings = Settings(workers=2, inner="tuned").with_values(dry_run_first=dry_run_first)
    run = run_case("celery-job", data, settings)
    assert run.verification.verified, run.verification.reason
    chunks = run.outcome.chunks
    assert [c.committed for c in chunks] == ([False, True] if dry_run_first else [True])
    assert all(c.rows == 120 and c.first_row == 1 for c in chunks)


def test_a_worker_killed_in_the_middle_of_a_chunk_loses_nothing(make_data, monkeypatch):
    """Two chunks, each on its own pool process, each taking more than a second (4 ms of
    modelled latency a statement); as soon as the workers say a chunk is running, the
    process running it is killed (SIGKILL): its chunk's transaction dies with its
    connection, the broker hands the task to another process, and the database ends as
    sequential's, no row lost or doubled."""
    from bench.distributed.app import client
    from bench.strategies import remote

    data = make_data(150, "create")
    settings = Settings(workers=2, inner="sequential").with_values(chunk_size=75)
    killed = []
    send = remote.import_remotely

    def kill_a_running_chunk(broker):
        deadline = time.monotonic() + 30
        while not killed and time.monotonic() < deadline:
            active = client(broker).control.inspect(timeout=0.2).active() or {}
            running = [t["worker_pid"] for tasks in active.values() for t in tasks
                       if t.get("worker_pid")]
            if running:
                os.kill(running[0], signal.SIGKILL)
                killed.append(running[0])

    def send_then_kill(workers, *args, **kwargs):
        threading.Thread(target=kill_a_running_chunk, args=(workers.broker,),
                         daemon=True).start()
        return send(workers, *args, **kwargs)

    monkeypatch.setattr(remote, "import_remotely", send_then_kill)
    latency.set_ms(4)
    try:
        run = run_case("celery-chunked", data, settings)
    finally:
        latency.set_ms(0)
        os.environ.pop(latency.ENV, None)
    assert killed
    assert run.verification.verified, run.verification.reason
    chunks = run.outcome.chunks
    assert all(c.committed for c in chunks)
    assert any(c.redelivered for c in chunks), [(c.pid, c.redelivered) for c in chunks]
    assert killed[0] not in {c.pid for c in chunks}


def test_a_second_broker_in_the_same_process_is_the_one_tasks_go_to(make_data):
    """Workers and broker stopped (as at the end of a run) and started again: the new
    broker has another address, and nothing of the old one's connections is used."""
    data = make_data(80, "create")
    first = run_case("celery-chunked", data, CHUNKS)
    assert first.verification.verified, first.verification.reason
    before = cluster.broker_url()
    cluster.stop_all()
    again = run_case("celery-chunked", data, CHUNKS)
    assert cluster.broker_url() != before
    assert again.verification.verified, again.verification.reason


@contextmanager
def modelled_latency(ms: float):
    """``ms`` of modelled latency a statement, here and in workers started meanwhile."""
    latency.set_ms(ms)
    try:
        yield
    finally:
        latency.set_ms(0)
        os.environ.pop(latency.ENV, None)


def rows_in_database(data, chunks) -> tuple[set, set]:
    """The import keys the database holds, and those of the rows of ``chunks``."""
    resource = sample_resource(data)()
    [name] = resource.get_import_id_fields()
    field = resource.fields[name]
    column = data.dataset.headers.index(field.column_name)
    expected = {str(data.dataset[c.first_row - 1 + i][column])
                for c in chunks for i in range(c.rows)}
    model = resource._meta.model
    held = {str(v) for v in model.objects.values_list(field.attribute, flat=True)}
    return held, expected


def test_a_broker_gone_mid_run_fails_the_run_and_the_database_holds_what_it_reports(
        make_data, monkeypatch):
    """Ten chunks, one at a time; once two have written their receipts the broker is
    killed. The chunks that did not finish are named by their rows in the run's errors,
    the ones that committed are reported committed, and the database holds exactly their
    rows, no more: a worker that comes to a chunk after the parent settled it finds it
    claimed and rolls back. Whether the chunk running at the kill commits before the
    parent claims it (its report lost with the broker, its receipt not) is a race; either
    way the chunks reported committed are exactly the receipts in the database."""
    from django.db import DatabaseError, connection

    from bench.strategies import receipts, remote

    data = make_data(150, "create")
    settings = Settings(workers=1, inner="sequential").with_values(chunk_size=15)
    send = remote.import_remotely

    def committed_receipts() -> int:
        """Receipts of committed chunks (none where the table is not made yet: PostgreSQL's
        starting state is put back by making the database again)."""
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM {receipts.TABLE} "
                               "WHERE payload IS NOT NULL")
                return cursor.fetchone()[0]
        except DatabaseError:
            return 0
        finally:
            connection.close()

    def kill_the_broker(before: int):
        deadline = time.monotonic() + 60
        while committed_receipts() < before + 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(cluster.started_broker().process.pid, signal.SIGKILL)

    before = []

    def send_then_kill(*args, **kwargs):
        before.append(committed_receipts())
        threading.Thread(target=kill_the_broker, args=(before[-1],), daemon=True).start()
        return send(*args, **kwargs)

    monkeypatch.setattr(remote, "import_remotely", send_then_kill)
    try:
        with modelled_latency(4):
            run = run_case("celery-chunked", data, settings)
    finally:
        cluster.stop_all()
    chunks = run.outcome.chunks
    done = [c for c in chunks if c.committed]
    lost = [c for c in chunks if not c.committed]
    assert len(done) >= 2 and lost, [(c.index, c.committed, c.error) for c in chunks]
    assert all("broker went away" in c.error or "not sent" in c.error for c in lost)
    messages = " ".join(str(e.error) for e in run.outcome.result.base_errors)
    for chunk in lost:
        assert f"rows {chunk.first_row}-{chunk.last_row}" in messages
    assert not run.verification.verified  # the run failed: rows are missing
    # reported committed (by its report or, the report lost, by its receipt) exactly when
    # its receipt is in the database
    assert committed_receipts() - before[0] == len(done), [(c.index, c.receipt) for c in done]
    held, expected = rows_in_database(data, done)
    assert held == expected


def test_a_chunk_over_its_time_limit_is_reported_by_its_rows(make_data):
    """Chunks of 40 rows and of 5, one after the other (on SQLite the second would wait
    for the first's write lock), with 10 ms of modelled latency a statement and a one
    second limit: the first runs over it and is killed, its rows named and none written;
    the second commits."""
    data = make_data(45, "create")
    settings = Settings(workers=1, inner="sequential").with_values(chunk_size=40,
                                                                   time_limit=1.0)
    with modelled_latency(10):
        run = run_case("celery-chunked", data, settings)
    first, second = run.outcome.chunks
    assert not first.committed and "TimeLimitExceeded" in first.error
    assert second.committed
    messages = " ".join(str(e.error) for e in run.outcome.result.base_errors)
    assert "rows 1-40" in messages and "TimeLimitExceeded" in messages
    held, expected = rows_in_database(data, [second])
    assert held == expected


def server_url(database: dict) -> str:
    """A ``DATABASE_URL`` for the server of a Django ``DATABASES`` entry (its ``postgres``
    database: a worker on another machine is told the server, not the run's database)."""
    from urllib.parse import quote

    user = quote(database["USER"] or "", safe="")
    password = f":{quote(database['PASSWORD'], safe='')}" if database.get("PASSWORD") else ""
    host = quote(database["HOST"] or "localhost", safe="")
    return f"postgres://{user}{password}@{host}:{database['PORT'] or 5432}/postgres"


def test_workers_on_another_machine_take_chunks_from_the_shared_queue(make_data, monkeypatch):
    """As on another machine: ``python -m bench worker``, told only the broker's URL and the
    PostgreSQL server's, serves the run's queue beside the run's own worker; chunks go to
    both, and the database ends as sequential's."""
    import subprocess
    import sys

    import psutil
    from django.db import connection

    from bench.distributed.broker import BROKER_ENV, ThrowawayRedis
    from bench.distributed.cluster import QUEUE_ENV

    from .helpers import ROOT, ctrl_c_reaches_it

    if connection.vendor != "postgresql":
        pytest.skip("workers on other machines share a PostgreSQL server")
    data = make_data(150, "create")
    settings = Settings(workers=1, inner="sequential").with_values(chunk_size=15)
    cluster.stop_all()  # this module's workers, on another broker
    with ThrowawayRedis() as broker:
        monkeypatch.setenv(BROKER_ENV, broker)
        monkeypatch.setenv(QUEUE_ENV, f"test-{os.getpid()}")
        other = subprocess.Popen(
            [sys.executable, "-m", "bench", "worker", "--concurrency", "1"], cwd=ROOT,
            env={**os.environ, "DATABASE_URL": server_url(connection.settings_dict)},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True, preexec_fn=ctrl_c_reaches_it)
        try:
            said = other.stdout.readline()
            assert "serving queue" in said, said + (other.stdout.read() if other.poll() else "")
            theirs = {p.pid for p in psutil.Process(other.pid).children(recursive=True)}
            with modelled_latency(4):
                run = run_case("celery-chunked", data, settings)
        finally:
            os.killpg(other.pid, signal.SIGINT)  # Ctrl-C: it stops its workers and ends
            try:
                other.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(other.pid, signal.SIGKILL)
                other.wait()
            cluster.stop_all()
    assert other.returncode == 0
    assert run.verification.verified, run.verification.reason
    pids = {c.pid for c in run.outcome.chunks}
    assert pids & theirs and pids - theirs, (pids, theirs)  # both machines took chunks


def test_a_worker_writes_no_database_the_harness_did_not_make():
    """A worker switches to the database a chunk names only where the harness's marker
    table is (a worker on another machine is told the server, and any database on it could
    be named); its connection stays where it was."""
    from django.db import connection

    from bench.strategies.remote import WrongDatabase, use_database_named

    here = connection.settings_dict["NAME"]
    other = "postgres" if connection.vendor == "postgresql" else "/tmp/elsewhere.sqlite3"
    with pytest.raises(WrongDatabase):
        use_database_named(other)
    assert connection.settings_dict["NAME"] == here
    use_database_named(str(here))  # its own: nothing to switch


@pytest.mark.any_database
@pytest.mark.parametrize("missing", ["CELERY_BROKER_URL", "DATABASE_URL"])
def test_a_worker_without_its_broker_or_server_says_what_to_set(missing, tmp_path):
    from .helpers import bench_cli

    given = {"CELERY_BROKER_URL": "redis://broker-host:6379/0",
             "DATABASE_URL": "postgres://bench@db-host:5432/postgres"}
    given[missing] = ""
    done = bench_cli("worker", tmp_path=tmp_path, check=False, extra_env=given)
    assert done.returncode == 2, done.stderr
    assert "set CELERY_BROKER_URL" in done.stderr and "Traceback" not in done.stderr
