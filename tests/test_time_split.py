"""Where a round's time goes, from exact counters and from the round's own clock: statements
counted on every thread, latency sleeps, lock waits, worker processes, and parts that add up
to the wall time of a strategy that runs one chunk at a time."""

import os
import threading

import pytest

from bench.probes import sql
from bench.probes.timesplit import RoundClock, TimeSplit, _union
from bench.strategies import Settings
from bench.strategies.contract import ChunkFact
from sample_app.models import Author

from .helpers import run_generated

pytestmark = pytest.mark.django_db(transaction=True)


def test_statements_on_threads_of_their_own_are_counted_for_the_process():
    def query():
        from django.db import connection

        Author.objects.exists()
        connection.close()

    before_thread, before_process = sql.thread_tally(), sql.process_tally()
    worker = threading.Thread(target=query)
    worker.start()
    worker.join()
    Author.objects.exists()
    assert (sql.thread_tally() - before_thread).statements == 1
    assert (sql.process_tally() - before_process).statements == 2


def test_a_single_thread_round_adds_up_to_its_wall_time(make_data):
    run = run_generated("sequential", make_data(120, "create"))
    split = run.split
    assert split.latency_s == 0 and split.lock_s < split.db_s
    assert split.db_s + split.lock_s + split.python_s + split.outside_s == pytest.approx(
        split.wall_s, rel=0.02)
    assert split.parallel == pytest.approx(1.0, rel=0.02)
    assert sum(split.shares().values()) == pytest.approx(1.0)
    assert run.queries == run.outcome.queries  # one thread: the chunk is the whole round
    assert 0 < split.cpu_s


def test_modelled_latency_is_its_own_part(make_data, one_ms_latency):
    run = run_generated("sequential", make_data(40, "create"))
    sleeps = run.outcome.chunks[0].latency_sleeps
    assert sleeps == run.queries  # every statement slept once
    assert run.split.latency_s == pytest.approx(sleeps / 1000, rel=0.5)
    assert run.split.latency_s >= sleeps / 1000


def test_workers_report_their_database_time_lock_waits_and_memory(make_data):
    from django.db import connection

    run = run_generated("process-chunked", make_data(200, "create"), Settings(workers=2))
    workers = run.outcome.chunks
    assert len({c.pid for c in workers}) == 2
    # this process sends only the id sequence reset it runs once after every chunk (there
    # is none on SQLite, whose ids need no sequence)
    from django.core.management.color import no_style

    from sample_app.models import Book

    reset = len(connection.ops.sequence_reset_sql(no_style(), [Book]))
    assert run.queries == sum(c.queries for c in workers) + reset
    in_workers = sum(c.db_s for c in workers)
    in_all = run.split.db_s + run.split.lock_s
    assert in_all >= in_workers * (1 - 1e-9)  # plus the reset: milliseconds, PostgreSQL only
    assert in_all == pytest.approx(in_workers, rel=0.01, abs=0.05 * reset)
    if connection.vendor == "sqlite":  # IMMEDIATE: the second worker queues for the lock
        assert run.split.lock_s > 0
    assert run.split.outside_s > 0  # the workers' start-up, outside every chunk
    assert all(c.peak_rss_bytes > 20 * 2**20 for c in workers)  # a Python with Django
    assert run.peak_memory_bytes >= sum(c.peak_rss_bytes for c in workers)


def test_parts_of_overlapping_chunks_add_up_their_busy_time():
    def chunk(start, end, db):  # chunks on two threads of this process
        return ChunkFact(index=0, first_row=1, rows=1, thread_id=int(start * 10),
                         pid=os.getpid(), start=start, end=end, committed=True, db_s=db)

    chunks = [chunk(0.0, 1.0, 0.25), chunk(0.5, 1.5, 0.25)]
    assert _union([(c.start, c.end) for c in chunks]) == 1.5
    clock = RoundClock()
    clock.wall_s, clock.cpu_s, clock.slept_s = 2.0, 2.5, 0.0
    clock.tally = sql.Tally(10, 0.5, 0.0)
    split = clock.split(chunks)
    assert (split.db_s, split.python_s, split.outside_s) == (0.5, 1.5, 0.5)
    assert split.parallel == pytest.approx(1.25)
    assert TimeSplit.from_json(split.to_json()) == split


def test_celery_chunks_waiting_in_their_queue_are_their_own_part():
    """Two tasks sent at 0.0: one starts at once and runs for a second, the other waits
    in the queue for that second and runs the next. The waiting is the queue's part, not
    outside the chunks; what is left outside is the parent's own second."""
    def chunk(start, end, queued):  # chunks in worker processes
        return ChunkFact(index=0, first_row=1, rows=1, thread_id=0, pid=os.getpid() + 1,
                         start=start, end=end, committed=True, queued_s=queued)

    clock = RoundClock()
    clock.wall_s, clock.cpu_s, clock.slept_s = 3.0, 3.0, 0.0
    clock.tally = sql.Tally(0, 0.0, 0.0)
    split = clock.split([chunk(0.0, 1.0, 0.0), chunk(1.0, 2.0, 1.0)])
    assert (split.python_s, split.queue_s, split.outside_s) == (2.0, 1.0, 1.0)
    assert sum(split.shares().values()) == pytest.approx(1.0)
    assert TimeSplit.from_json(split.to_json()) == split


def test_the_peak_is_exact_without_sampling(make_data):
    from bench.probes.memory import PeakMemory

    with PeakMemory() as memory:
        block = b"\x01" * (64 * 2**20)  # every page written: resident
        del block
    # freed before the block ends, and still the peak (a little of it may reuse memory the
    # process already held)
    assert 56 * 2**20 < memory.delta_bytes < 80 * 2**20
    run = run_generated("sequential", make_data(30, "create"))
    assert run.peak_memory_bytes is not None
