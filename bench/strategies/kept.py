"""What a streamed import keeps of each block's ``Result``: totals, and the rows with
problems, numbered in the whole file, up to a limit.

django-import-export's ``Result`` keeps a ``RowResult`` for every row (with its diff, its
HTML and a copy of the instance: about 1.9 KB a row with the library's defaults), so one
``Result`` for a file of a million rows does not fit where the file itself would. A
streaming strategy imports a block, hands its ``Result`` to :class:`KeptResult` and drops
it. What is kept is what a user acts on: the totals, every base error, and the invalid and
error rows, renumbered as :func:`bench.strategies.merge.merge_results` does, up to
``limit`` rows with problems; later ones are counted (``errors_not_kept``) and the first of
them is named (``first_row_not_kept``), so memory stays flat however many rows fail and the
report still says where to look.

An exception keeps its traceback, and the traceback keeps the frames of the import that
raised it, with their locals: the block's whole Dataset and ``Result``. Each kept error's
traceback is therefore formatted once (``Error.traceback`` is what the admin shows) and
the frames are let go.
"""

from __future__ import annotations

import copy

from import_export.results import Error, Result, RowResult

#: Set on a kept result: rows with problems beyond the limit, and the first of them.
NOT_KEPT = "errors_not_kept"
FIRST_NOT_KEPT = "first_row_not_kept"


def _let_go(exc: BaseException | None) -> None:
    """Drop the frames an exception (and those it was raised from) holds on to."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        exc.__traceback__ = None
        exc = exc.__cause__ or exc.__context__


def _kept_error(error: Error, offset: int) -> Error:
    error.traceback  # noqa: B018 - formatted (and cached) while the frames still exist
    _let_go(error.error)
    new = copy.copy(error)
    if new.number is not None:
        new.number += offset
    return new


class KeptResult:
    """Totals and problems of the blocks of one file, added in file order."""

    def __init__(self, limit: int):
        self.limit = limit
        self.result = Result()
        self.result.total_rows = 0
        self.kept_rows = 0
        self.not_kept = 0
        self.first_not_kept: int | None = None

    def add(self, offset: int, rows: int, part: Result | None) -> None:
        """A block of ``rows`` rows after ``offset`` rows of the file, and its result
        (``None``: the block raised; :attr:`result` gets a base error from the caller)."""
        merged = self.result
        merged.total_rows += rows
        if part is None:
            return
        if part.diff_headers and not merged.diff_headers:
            merged.diff_headers = list(part.diff_headers)
        for key, value in part.totals.items():
            merged.totals[key] = merged.totals.get(key, 0) + value
        for error in part.base_errors:
            merged.base_errors.append(_kept_error(error, 0))
        failing = sorted({r.number for r in part.invalid_rows}
                         | {r.number for r in part.error_rows})
        keep = set()
        for number in failing:
            if self.kept_rows < self.limit:
                keep.add(number)
                self.kept_rows += 1
            else:
                self.not_kept += 1
                if self.first_not_kept is None:
                    self.first_not_kept = number + offset
        for invalid in part.invalid_rows:
            if invalid.number in keep:
                _let_go(invalid.error)
                invalid = copy.copy(invalid)
                invalid.number += offset
                merged.invalid_rows.append(invalid)
        for error_row in part.error_rows:
            if error_row.number in keep:
                error_row = copy.copy(error_row)
                error_row.number += offset
                error_row.errors = [_kept_error(e, offset) for e in error_row.errors]
                row = RowResult()
                row.import_type = RowResult.IMPORT_TYPE_ERROR
                row.errors = error_row.errors
                merged.rows.append(row)
                merged.error_rows.append(error_row)

    def add_kept(self, rows: int, part: Result) -> None:
        """A block's result already kept (numbered in the file, limited) elsewhere: in a
        worker process. Blocks must still come in file order."""
        self.add(0, rows, part)
        skipped, first = not_kept(part)
        if skipped:
            self.not_kept += skipped
            if self.first_not_kept is None or first < self.first_not_kept:
                self.first_not_kept = first

    def finished(self) -> Result:
        """The result, with how many rows with problems were not kept and the first one."""
        setattr(self.result, NOT_KEPT, self.not_kept)
        setattr(self.result, FIRST_NOT_KEPT, self.first_not_kept)
        return self.result


def not_kept(result: Result) -> tuple[int, int | None]:
    """``(rows with problems not kept, the first of them)`` of a kept result; ``(0, None)``
    for any other result."""
    return getattr(result, NOT_KEPT, 0) or 0, getattr(result, FIRST_NOT_KEPT, None)
