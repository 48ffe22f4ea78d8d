"""The harness's Celery app: its configuration, and Django started in every worker.

The workers run :data:`app` (:mod:`.workers` starts them as ``celery -A
bench.distributed.app worker``); the parent sends tasks by name and reads their results
through a :func:`client` of the broker it started, with the same configuration. Its task modules
are named in ``include`` (:data:`TASK_MODULES`) rather than imported here, so that this
module needs nothing above the database layer and a worker imports them only once Django
runs on the harness's database.

What the configuration is for:

- JSON only, for tasks and results: a worker that accepts pickles refuses to run as root,
  and nothing read from the broker should run code;
- ``task_acks_late`` with ``task_reject_on_worker_lost`` and a prefetch of one: a task is
  acknowledged when it ends, so a worker killed in the middle of a chunk leaves it on the
  broker and another worker runs it again (the chunk's transaction died with the worker's
  connection);
- ``visibility_timeout``: how long the Redis transport waits before it hands a task that a
  worker took but never acknowledged (its whole worker process gone) to another one. It is
  an hour, longer than any chunk should run: the transport hands on a task still running
  when the time is up, and a chunk that runs twice at once wastes a worker (its receipt
  keeps the second from committing: :mod:`bench.strategies.receipts`);
- a short retry for the result backend: a client whose broker went away says so within
  seconds (Celery's default tries for 20), and the sender settles the chunks that did not
  report from their receipts.
"""

from __future__ import annotations

import os

from celery import Celery, signals

#: Set in a worker's environment: the broker (and result backend) it serves.
BROKER_URL_ENV = "BENCH_CELERY_BROKER"
#: Set in a worker's environment: a file to create once the worker takes tasks.
READY_FILE_ENV = "BENCH_CELERY_READY_FILE"
TASK_MODULES = ["bench.strategies.remote"]
#: Seconds before an unacknowledged task goes to another worker (Redis transport).
VISIBILITY_TIMEOUT_S = 3600
#: How a client retries a result backend that stopped answering (about 2 s in all).
BACKEND_RETRY = {"max_retries": 3, "interval_start": 0, "interval_step": 0.5,
                 "interval_max": 1}

#: The configuration of the workers' app and of every client's (the broker aside).
CONFIG = dict(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_S},
    result_backend_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_S,
                                      "retry_policy": BACKEND_RETRY},
    broker_connection_retry_on_startup=True,
    result_expires=3600,
    worker_hijack_root_logger=False,
    worker_redirect_stdouts=False,
)

#: The workers' app: its broker is the one their environment names.
app = Celery("django_import_bench", include=TASK_MODULES, set_as_current=False)
app.conf.update(CONFIG, broker_url=os.environ.get(BROKER_URL_ENV),
                result_backend=os.environ.get(BROKER_URL_ENV))


_clients: dict[str, Celery] = {}


def client(url: str) -> Celery:
    """The app this process sends tasks to ``url`` with (by name) and reads their results
    and the workers' state from: one per broker, because an app keeps the connections it
    made, and a broker started after another was stopped has another address."""
    found = _clients.get(url)
    if found is None:
        found = _clients[url] = Celery("django_import_bench", set_as_current=False)
        found.conf.update(CONFIG, broker_url=url, result_backend=url)
    return found


def forget(url: str) -> None:
    """Drop ``url``'s client once it lost its broker: Celery's result reader does not connect
    again after its retries are spent, so the next use makes a new client."""
    _clients.pop(url, None)


if os.environ.get(BROKER_URL_ENV):
    # a worker: Django on the harness's database before the task modules are imported
    from ..db.django_setup import setup

    setup()


@signals.worker_process_init.connect
def _fresh_connections(**_):
    """A prefork child inherits its parent's memory: it forgets any connection the parent
    opened (closing it would end the parent's session too) and opens its own."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.connection = None


@signals.worker_ready.connect
def _say_ready(**_):
    path = os.environ.get(READY_FILE_ENV)
    if path:
        open(path, "w").close()  # noqa: SIM115 - an empty file is the whole message
