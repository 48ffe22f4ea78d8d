"""The harness on older Django releases (``nox -s versions``): the SQLite options Django
5.1 added are applied to each new connection instead."""

import sqlite3
from types import SimpleNamespace

import pytest
from django.db.backends.signals import connection_created

from bench.db import compat

pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


def test_before_django_5_1_the_sqlite_options_move_to_each_new_connection(
        settings, monkeypatch, tmp_path):
    monkeypatch.setattr(compat.django, "VERSION", (4, 2, 27, "final", 0))
    options = {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE",
               "timeout": 30}
    settings.DATABASES = {"bench_old": {"ENGINE": "django.db.backends.sqlite3",
                                        "NAME": str(tmp_path / "db.sqlite3"),
                                        "OPTIONS": options}}
    try:
        apply = compat.adapt_databases()
        # Django 4.2's driver would refuse both as keyword arguments of Connection()
        assert settings.DATABASES["bench_old"]["OPTIONS"] == {"timeout": 30}
        raw = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None)
        began = []
        wrapper = SimpleNamespace(alias="bench_old", connection=raw,
                                  cursor=lambda: SimpleNamespace(execute=began.append))
        apply(sender=None, connection=wrapper)  # as connection_created calls it
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        wrapper._start_transaction_under_autocommit()
        assert began == ["BEGIN IMMEDIATE"]
    finally:
        connection_created.disconnect(dispatch_uid="django-import-bench-sqlite")


def test_from_django_5_1_nothing_changes(settings):
    options = {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 30}
    settings.DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "x",
                                      "OPTIONS": dict(options)}}
    assert compat.adapt_databases() is None
    assert settings.DATABASES["default"]["OPTIONS"] == options


def test_failed_rows_are_read_where_3_3_keeps_them(monkeypatch):
    """3.3 has no ``Result.error_rows``: the rows that carry errors, numbered by place."""
    from import_export.results import Error, Result, RowResult

    from bench.strategies import library

    result = Result()
    for errors in ([], [Error(ValueError("bad"))], []):
        row = RowResult()
        row.errors = errors
        result.rows.append(row)
    monkeypatch.setattr(library, "HAS_ERROR_ROWS", False)
    [failed] = library.error_rows(result)
    assert failed.number == 2 and str(failed.errors[0].error) == "bad"
    with pytest.raises(library.Refused, match="ErrorRow.number, new in django-import-export"):
        library.refuse_without_error_rows("streaming")
