"""Django settings for the harness.

The database is a SQLite file in WAL mode with a busy timeout (the embedded default). It
lives under ``results/db/`` of the working directory, never in the source tree; set
``BENCH_DB_PATH`` to put it elsewhere, or ``BENCH_RESULTS_DIR`` to move all output.
``BENCH_DATABASE`` (JSON) replaces it, which is how ``--db postgres`` works.
"""

import json
import os
import tempfile
from pathlib import Path

RESULTS_DIR = Path(os.environ.get("BENCH_RESULTS_DIR", Path.cwd() / "results")).resolve()
DB_PATH = Path(os.environ.get("BENCH_DB_PATH", RESULTS_DIR / "db" / "bench.sqlite3"))

SECRET_KEY = "django-import-bench-not-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "import_export",
    "sample_app",
    "bench",
]

SQLITE_OPTIONS = {
    # WAL lets readers run beside one writer; the busy timeout makes a second writer wait
    # (in seconds) instead of failing at once with "database is locked".
    "init_command": "PRAGMA journal_mode=WAL;",
    "timeout": 30,
}

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DB_PATH),
        "OPTIONS": SQLITE_OPTIONS,
        # Tests use a file too (not :memory:), so that threads and worker processes can
        # share the test database the way they share a real one.
        "TEST": {
            "NAME": os.environ.get(
                "BENCH_TEST_DB_PATH",
                str(Path(tempfile.gettempdir())
                    / f"django-import-bench-test-{os.getpid()}.sqlite3"),
            )
        },
    }
}

# The harness points Django at PostgreSQL (a throwaway cluster or DATABASE_URL's server)
# by putting the whole DATABASES entry here as JSON before Django starts.
if os.environ.get("BENCH_DATABASE"):
    DATABASES["default"] = json.loads(os.environ["BENCH_DATABASE"])

IMPORT_EXPORT_USE_TRANSACTIONS = True
