"""A chunk's result and facts as JSON, and back: what a Celery worker returns through the
result backend.

The broker and backend carry JSON only: a Celery worker that accepts pickles refuses to run
as root, and a result read from another machine should not run code when it is read. What
travels is what :class:`~bench.strategies.kept.KeptResult` keeps of a ``Result``: the
totals, the base errors, and the invalid and error rows (numbered in the whole file, up to
the error limit, with the count of those not kept). Each error's exception travels as its
type's name, its message and its formatted traceback; the one rebuilt here is an instance of
a class of the same name (:func:`remote_exception`), which is what a report shows and what
the verification compares (errors by row and exception type name).
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
from functools import cache

from django.core.exceptions import ValidationError
from import_export.results import Error, InvalidRow, Result, RowResult

from .contract import ChunkFact
from .kept import FIRST_NOT_KEPT, NOT_KEPT, not_kept


class RemoteError(Exception):
    """The base of the exceptions rebuilt from a worker's report."""


@cache
def remote_exception(name: str) -> type[RemoteError]:
    """The class of an exception named ``name`` raised in a worker (one class per name)."""
    return type(name, (RemoteError,), {"__module__": __name__})


def _plain(value):
    """A cell as JSON holds it (a file's cells are text; a hook may have put others)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, decimal.Decimal | datetime.date | datetime.time
                  | datetime.timedelta):
        return str(value)
    return repr(value)


def _row(row) -> dict | list | None:
    if row is None:
        return None
    if isinstance(row, dict):
        return {str(k): _plain(v) for k, v in row.items()}
    return [_plain(v) for v in row]


def _error_out(error: Error) -> dict:
    return {"type": type(error.error).__name__, "message": str(error.error),
            "traceback": error.traceback, "row": _row(error.row), "number": error.number}


def _error_in(data: dict) -> Error:
    error = Error(remote_exception(data["type"])(data["message"]), row=data["row"],
                  number=data["number"])
    error.__dict__["traceback"] = data["traceback"]  # the worker's, as formatted there
    return error


def result_to_wire(result: Result | None) -> dict | None:
    """A kept result (rows numbered in the file) as JSON-ready data."""
    if result is None:
        return None
    skipped, first = not_kept(result)
    return {
        "total_rows": result.total_rows,
        "totals": dict(result.totals),
        "diff_headers": list(result.diff_headers or []),
        "base_errors": [_error_out(e) for e in result.base_errors],
        "invalid_rows": [{"number": r.number, "values": _row(r.values),
                          "errors": {k: [str(m) for m in v] for k, v in r.error_dict.items()}}
                         for r in result.invalid_rows],
        "error_rows": [{"number": r.number, "errors": [_error_out(e) for e in r.errors]}
                       for r in result.error_rows],
        "not_kept": skipped, "first_not_kept": first,
    }


def result_from_wire(data: dict | None) -> Result | None:
    """The ``Result`` :func:`result_to_wire` described: totals and the rows with problems,
    as a kept result has them (no row result for a row without one)."""
    if data is None:
        return None
    result = Result()
    result.total_rows = data["total_rows"]
    result.totals.update(data["totals"])
    result.diff_headers = list(data["diff_headers"])
    result.base_errors = [_error_in(e) for e in data["base_errors"]]
    for invalid in data["invalid_rows"]:
        values = invalid["values"]
        result.invalid_rows.append(InvalidRow(
            invalid["number"], ValidationError(invalid["errors"]),
            tuple(values) if isinstance(values, list) else values))
    for error_row in data["error_rows"]:
        errors = [_error_in(e) for e in error_row["errors"]]
        result.append_error_row(error_row["number"], {}, errors)
        row = RowResult()
        row.import_type = RowResult.IMPORT_TYPE_ERROR
        row.errors = errors
        result.rows.append(row)
    setattr(result, NOT_KEPT, data["not_kept"])
    setattr(result, FIRST_NOT_KEPT, data["first_not_kept"])
    return result


def fact_to_wire(fact: ChunkFact) -> dict:
    return dataclasses.asdict(fact)


def fact_from_wire(data: dict) -> ChunkFact:
    names = {f.name for f in dataclasses.fields(ChunkFact)}
    return ChunkFact(**{k: v for k, v in data.items() if k in names})
