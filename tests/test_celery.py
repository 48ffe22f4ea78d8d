"""``celery-chunked``: chunks of a file as Celery tasks on workers the harness starts, on a
Redis broker it starts, merged into the result ``sequential`` gives, every failing row
numbered in the file, and each chunk's queueing, host and process recorded."""

import pytest
import tablib

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
    import os
    import signal
    import threading
    import time

    from bench.db import latency
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
