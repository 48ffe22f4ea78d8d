"""Reading a user's file (CSV, XLSX or JSON) into a ``tablib.Dataset``, with errors that
say what is wrong and where.

CSV is read with Python's ``csv`` module in strict mode rather than tablib's loader, so that
broken quoting is an error naming the line instead of rows silently glued together. The
file must be UTF-8 (a byte-order mark is accepted and dropped). Cells up to
:data:`MAX_CELL_BYTES` are accepted. The header must hold every column the resource needs
(:func:`check_columns`); extra columns are reported and ignored, as django-import-export
ignores them.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import tablib

FORMATS = ("csv", "xlsx", "json")
MAX_CELL_BYTES = 16 * 2**20


class InputError(Exception):
    """The file cannot be imported as it is; the message says why and where."""


def detect_format(path: Path, given: str | None = None) -> str:
    if given:
        return given
    suffix = path.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise InputError(f"{path}: cannot tell the format from the name; give --format "
                     f"({', '.join(FORMATS)})")


def load(path: Path, fmt: str | None = None) -> tablib.Dataset:
    """The file as a Dataset (header row first). Raises :class:`InputError`."""
    fmt = detect_format(path, fmt)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    if not raw.strip():
        raise InputError(f"{path}: the file is empty; expected a header row and data rows")
    loader = {"csv": _csv, "xlsx": _xlsx, "json": _json}[fmt]
    dataset = loader(path, raw)
    check_header(path, dataset.headers)
    if not len(dataset):
        raise InputError(f"{path}: the file has a header but no data rows")
    return dataset


def check_header(path: Path, headers) -> None:
    """Raise :class:`InputError` for a missing header row or an empty header cell."""
    if not headers:
        raise InputError(f"{path}: no header row")
    blank = [i + 1 for i, h in enumerate(headers) if not str(h or "").strip()]
    if blank:
        raise InputError(f"{path}: header cell(s) {', '.join(map(str, blank))} are empty")


def _csv(path: Path, raw: bytes) -> tablib.Dataset:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise InputError(
            f"{path}: line {line}: byte 0x{raw[exc.start]:02x} is not UTF-8 "
            f"({exc.reason}); save the file as UTF-8") from None
    csv.field_size_limit(MAX_CELL_BYTES)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(f"{path}: line {reader.line_num}: {exc} (is a quote left open?)"
                         ) from None
    header, data = rows[0], rows[1:]
    width = len(header)
    for number, row in enumerate(data, start=1):
        if not row:
            raise InputError(f"{path}: row {number} (line {number + 1}) is blank")
        if len(row) != width:
            raise InputError(f"{path}: row {number} (line {number + 1}) has {len(row)} "
                             f"cells, the header has {width}")
    dataset = tablib.Dataset(headers=header)
    for row in data:
        dataset.append(row)
    return dataset


def _xlsx(path: Path, raw: bytes) -> tablib.Dataset:
    try:
        return tablib.Dataset().load(io.BytesIO(raw), format="xlsx")
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a bad file
        raise InputError(f"{path}: not a readable XLSX workbook ({type(exc).__name__}: "
                         f"{exc})") from None


def _json(path: Path, raw: bytes) -> tablib.Dataset:
    try:
        rows = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: byte {exc.start} is not UTF-8; save the file as UTF-8"
                         ) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InputError(f"{path}: expected a JSON list of objects, one per row")
    if not rows:
        raise InputError(f"{path}: the list is empty; expected one object per row")
    headers = list(dict.fromkeys(k for r in rows for k in r))
    dataset = tablib.Dataset(headers=headers)
    for row in rows:
        dataset.append([row.get(h) for h in headers])
    return dataset


def check_columns(dataset: tablib.Dataset, resource_class, path: Path) -> list[str]:
    """Raise :class:`InputError` when a column the model requires is missing; return the
    columns the resource will ignore."""
    resource = resource_class()
    headers = [str(h).strip() for h in dataset.headers]
    fields = resource.get_import_fields()
    required = [f.column_name for f in fields if _required(resource, f)]
    missing = [c for c in required if c not in headers]
    if missing:
        hint = ""
        if len(headers) == 1 and any(sep in headers[0] for sep in ";\t|"):
            sep = next(s for s in ";\t|" if s in headers[0])
            hint = f" The header looks separated by {sep!r}: the file must be comma-separated."
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}; the header has "
                         f"{', '.join(headers) or 'nothing'}.{hint}")
    known = {f.column_name for f in fields}
    return [h for h in headers if h not in known]


def _required(resource, field) -> bool:
    """Whether the model cannot be saved without this column."""
    model = resource._meta.model
    if field.attribute is None:
        return False
    try:
        model_field = model._meta.get_field(field.attribute.split("__")[0])
    except Exception:  # noqa: BLE001 - not a model field (a dehydrate-only column)
        return False
    if model_field.many_to_many or model_field.auto_created:
        return False
    return not (model_field.null or model_field.blank or model_field.has_default())
