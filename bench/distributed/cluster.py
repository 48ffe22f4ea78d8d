"""A broker and sets of Celery workers kept running across the rounds of a run.

Starting workers takes seconds (Python, Django, the pool's children), so a strategy asks
for them in its untimed ``prepare()`` (:func:`workers_for`) and they stay up until the
process ends (:func:`stop_all`, also run at exit). One broker serves every set: a throwaway
Redis server, or the one ``CELERY_BROKER_URL`` names. With a throwaway broker each set (one
per concurrency and database) takes tasks from a queue of its own, so that a case with two
workers is served by exactly two. A set started under another latency model
(``--db-latency-ms``, which a worker reads from its environment when it starts) is another
set.

With ``CELERY_BROKER_URL`` given, tasks go to one shared queue (:func:`shared_queue`) that
workers on other machines serve too (``python -m bench worker``): the local set is one
more server of it, and only one local set runs at a time.
"""

from __future__ import annotations

import atexit
import json
import os
from dataclasses import dataclass

from .broker import BROKER_ENV, ThrowawayRedis
from .workers import CeleryWorkers

#: The queue of the tasks, when workers on other machines serve them too.
QUEUE_ENV = "BENCH_CELERY_QUEUE"
SHARED_QUEUE = "django-import-bench"


@dataclass
class WorkerSet:
    broker: str
    queue: str
    workers: CeleryWorkers


_redis: ThrowawayRedis | None = None
_broker: str | None = None
_sets: dict[tuple, WorkerSet] = {}


def broker_url() -> str:
    """The broker of this process's workers, started on first use."""
    global _redis, _broker
    if _broker is None:
        given = os.environ.get(BROKER_ENV)
        if given:
            _broker = given
        else:
            _redis = ThrowawayRedis()
            _broker = _redis.start()
    return _broker


def shared_queue() -> str | None:
    """With ``CELERY_BROKER_URL`` given, the queue every worker serves, here and on other
    machines (``BENCH_CELERY_QUEUE``, else :data:`SHARED_QUEUE`); ``None`` otherwise."""
    if not os.environ.get(BROKER_ENV):
        return None
    return os.environ.get(QUEUE_ENV) or SHARED_QUEUE


def started_broker() -> ThrowawayRedis | None:
    """The Redis server this process started, if it started one (a test stops it)."""
    return _redis


def workers_for(concurrency: int, database: dict) -> WorkerSet:
    """Running workers with ``concurrency`` pool processes on ``database`` (a Django
    ``DATABASES`` entry), started the first time they are asked for."""
    from ..db import latency
    from ..db.environment import DATABASE_ENV

    # the latency model reaches a worker through its environment, when it starts
    key = (concurrency, json.dumps(database, sort_keys=True, default=str),
           os.environ.get(latency.ENV, ""))
    found = _sets.get(key)
    if found is not None and all(p.poll() is None for p in found.workers.processes):
        return found
    if found is not None:  # a worker died (a test killed it): start the set again
        found.workers.stop()
    broker = broker_url()
    queue = shared_queue()
    if queue is None:
        queue = f"bench-{os.getpid()}-{len(_sets)}-{concurrency}"
    else:  # one local set serves the shared queue at a time
        while _sets:
            _sets.popitem()[1].workers.stop()
    workers = CeleryWorkers(broker, concurrency=concurrency, queue=queue,
                            env={DATABASE_ENV: json.dumps(database, default=str)})
    workers.start()
    _sets[key] = WorkerSet(broker, queue, workers)
    return _sets[key]


def stop_all() -> None:
    """Stop every worker set, then the broker this process started."""
    global _redis, _broker
    while _sets:
        _, found = _sets.popitem()
        found.workers.stop()
    if _redis is not None:
        _redis.stop()
    _redis = _broker = None


atexit.register(stop_all)
