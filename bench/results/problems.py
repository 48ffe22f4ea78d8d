"""What went wrong in an import, row by row, in words a user can act on.

django-import-export keeps an exception per error row (``Result.rows[i].errors``), field
messages per invalid row (``Result.invalid_rows``) and whole-import errors
(``Result.base_errors``). An exception does not say which column caused it (an unknown
author is ``Author.DoesNotExist``, a bad price ``decimal.InvalidOperation``), so
:func:`problems` finds the column by cleaning each of the row's values with its field's
widget, the way the resource did.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    #: 1-based data row in the whole file (the header is not a row); None: the whole import.
    row: int | None
    column: str | None
    value: str | None
    message: str
    kind: str  # "error", "invalid" or "base"

    def __str__(self) -> str:
        where = "import" if self.row is None else f"row {self.row:,}"
        if self.column:
            shown = self.value if self.value is None or len(self.value) <= 60 \
                else self.value[:57] + "..."
            where += f", column {self.column} = {shown!r}"
        return f"{where}: {self.message}"


def _message(exc) -> str:
    text = str(exc).strip() or type(exc).__name__
    if text.startswith("[<class 'decimal."):
        text = "not a number"
    return f"{type(exc).__name__}: {text}" if type(exc).__name__ not in text else text


def _culprit(resource, values: dict) -> tuple[str | None, str | None]:
    """The first column whose value its field cannot clean."""
    for field in resource.get_import_fields():
        if field.column_name not in values:
            continue
        try:
            field.clean(values)
        except Exception:  # noqa: BLE001 - any failure points at this column
            value = values[field.column_name]
            return field.column_name, None if value is None else str(value)
    return None, None


def problems(result, resource_class, dataset=None) -> list[Problem]:
    """Every error of a (merged) result, base errors first, then by row.

    ``dataset`` (the whole file) supplies the values of invalid rows, whose result keeps
    values without column names (in the order of ``result.diff_headers``, which name them
    when the file is not in memory: a streamed import).
    """
    resource = resource_class()
    headers = list(dataset.headers) if dataset is not None else []

    def values_of(number, fallback) -> dict:
        if dataset is not None and number and 0 < number <= len(dataset):
            return dict(zip(headers, dataset[number - 1], strict=False))
        if isinstance(fallback, tuple):
            return dict(zip(result.diff_headers or (), fallback, strict=False))
        return dict(fallback) if isinstance(fallback, dict) else {}

    found = [Problem(None, None, None, _message(e.error), "base") for e in result.base_errors]
    for row_result in result.rows:
        for error in row_result.errors:
            values = values_of(error.number, error.row)
            column, value = _culprit(resource, values) if values else (None, None)
            found.append(Problem(error.number, column, value, _message(error.error), "error"))
    for invalid in result.invalid_rows:
        values = values_of(invalid.number, tuple(invalid.values or ()))
        for field, messages in invalid.error_dict.items():
            column = next((f.column_name for f in resource.get_import_fields()
                           if f.attribute == field or f.column_name == field), field)
            value = values.get(column)
            found.append(Problem(invalid.number, column,
                                 None if value is None else str(value),
                                 "; ".join(str(m) for m in messages), "invalid"))
    found.sort(key=lambda p: (p.row is not None, p.row or 0))
    return found
