"""``python -m bench worker``: Celery workers on this machine for a run on another one."""

from __future__ import annotations

import os

from .command import Command
from .common_args import add_project, positive_int


class Worker(Command):
    name = "worker"
    help = "serve the Celery chunks of runs on another machine (celery-chunked, celery-job)"
    description = (
        "Start Celery workers here that take the tasks of celery-chunked and celery-job from "
        "the broker CELERY_BROKER_URL names, on the queue BENCH_CELERY_QUEUE names (default: "
        "django-import-bench), and import them into the run's database on the PostgreSQL "
        "server DATABASE_URL names. They only ever write the scratch databases a run makes "
        "there (bench_...), whatever database the URL names. The machine that runs the "
        "benchmark sets the same three variables (python -m bench run --db postgres "
        "--strategies celery-chunked ...); its own workers (--workers) serve the queue too. "
        "This machine needs the project (its settings module and resources, as on the "
        "benchmark's machine) and the harness installed. Runs until Ctrl-C or SIGTERM.")

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument("--concurrency", type=positive_int, default=os.cpu_count() or 1,
                            help="pool processes, each importing one chunk at a time "
                            "(default: this machine's cores)")
        add_project(parser, file=False)

    @classmethod
    def run(cls, args) -> int:
        import json

        from ..db.environment import DATABASE_ENV
        from ..db.postgres import PostgresUnavailable, settings_from_url, terminate_gracefully
        from ..distributed.broker import BROKER_ENV
        from ..distributed.cluster import shared_queue
        from ..distributed.workers import CeleryWorkers, WorkersFailed
        from ..execute.config import load_config
        from ..execute.project import activate

        broker, server = os.environ.get(BROKER_ENV), os.environ.get("DATABASE_URL")
        if not broker or not server:
            return cls.fail("set CELERY_BROKER_URL (the run's broker) and DATABASE_URL (its "
                            "PostgreSQL server) as on the machine that runs the benchmark")
        try:
            database = settings_from_url(server)
        except PostgresUnavailable as exc:
            return cls.fail(str(exc))
        activate(load_config(args.config), args.settings)
        queue = shared_queue()
        workers = CeleryWorkers(broker, concurrency=args.concurrency, queue=queue,
                                env={DATABASE_ENV: json.dumps(database, default=str)})
        with terminate_gracefully():
            try:
                workers.start()
                print(f"{args.concurrency} worker process(es) serving queue {queue!r} on "
                      f"{broker.split('@')[-1]}; Ctrl-C stops them", flush=True)
                for process in workers.processes:
                    process.wait()
                return cls.fail(f"the workers stopped:\n{workers.log()[-2000:]}")
            except WorkersFailed as exc:
                return cls.fail(str(exc))
            except KeyboardInterrupt:
                return 0
            finally:
                workers.stop()
