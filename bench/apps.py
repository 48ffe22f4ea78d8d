from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The harness as a Django app, so that every process that starts Django (the parent,
    and each worker process) counts and times every SQL statement, and installs the latency
    model when it is asked for."""

    name = "bench"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .db import latency
        from .probes import sql

        sql.install()
        latency.install_from_environment()
