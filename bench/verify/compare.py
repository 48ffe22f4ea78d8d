"""Is the result of a strategy the result of ``sequential``?

:func:`compare` checks a strategy's database fingerprint, merged totals and (row number,
error kind) set against the ``sequential`` run of the same dataset from the same starting
state, and says in one line why they differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from import_export.results import Result

from ..strategies.kept import not_kept
from ..strategies.library import error_rows
from .fingerprint import Fingerprint


def error_set(result: Result) -> set[tuple]:
    """``(row number, kind)`` of every reported problem, numbered in the whole file.

    Invalid rows give one entry per field in error (``invalid:<field>``), error rows one per
    exception type (``error:<Type>``); base errors have no row: ``(None, base:<Type>)``.
    """
    found = set()
    for invalid in result.invalid_rows:
        for name in invalid.error_dict:
            found.add((invalid.number, f"invalid:{name}"))
    for error_row in error_rows(result):
        for error in error_row.errors:
            found.add((error_row.number, f"error:{type(error.error).__name__}"))
    for error in result.base_errors:
        found.add((None, f"base:{type(error.error).__name__}"))
    return found


@dataclass
class Verification:
    verified: bool
    reason: str
    known_differences: list[str] = field(default_factory=list)
    #: What the case was compared with: ``sequential``, ``reference`` (a file too long
    #: for sequential), ``record`` (the generated file's own record, with no baseline).
    baseline: str = "sequential"

    def as_dict(self) -> dict:
        return {"verified": self.verified, "reason": self.reason,
                "known_differences": self.known_differences, "baseline": self.baseline}


def _message(result: Result, number) -> str:
    """The first error message reported at row ``number`` (None: the first base error)."""
    if number is None:
        errors = result.base_errors
    else:
        errors = [e for row in error_rows(result) if row.number == number
                  for e in row.errors]
        if not errors:
            messages = [m for row in result.invalid_rows if row.number == number
                        for ms in row.error_dict.values() for m in ms]
            return f': "{messages[0][:80]}"' if messages else ""
    return f': "{str(errors[0].error)[:80]}"' if errors else ""


def _describe_errors(mine: set, theirs: set, result: Result, baseline: Result) -> str:
    missing, extra = sorted(theirs - mine, key=str), sorted(mine - theirs, key=str)
    parts = []
    if missing:
        first = missing[0]
        parts.append(f"{len(missing)} missing (first: row {first[0]} {first[1]}"
                     f"{_message(baseline, first[0])})")
    if extra:
        first = extra[0]
        parts.append(f"{len(extra)} unexpected (first: row {first[0]} {first[1]}"
                     f"{_message(result, first[0])})")
    return "errors differ: " + "; ".join(parts)


def compare(result: Result, print_: Fingerprint, baseline_result: Result,
            baseline_print: Fingerprint, known_differences: list[str] = (),
            baseline: str = "sequential") -> Verification:
    """Verify a strategy's result and database against the baseline (``sequential``'s, or
    on a file too long for it ``reference``'s, which the tests prove equal to it)."""
    problems = []
    db = print_.differences(baseline_print)
    if db:
        problems.append(f"database differs from {baseline}: " + ", ".join(db))
    totals = {k: v for k, v in result.totals.items() if v != baseline_result.totals.get(k, 0)}
    if totals:
        problems.append("totals differ: " + ", ".join(
            f"{k} {v:,} vs {baseline_result.totals.get(k, 0):,}" for k, v in totals.items()))
    if result.total_rows != baseline_result.total_rows:
        problems.append(f"total_rows {result.total_rows:,} vs {baseline_result.total_rows:,}")
    mine, theirs = error_set(result), error_set(baseline_result)
    skipped, first = not_kept(result)
    if skipped:  # a streamed result keeps the rows with problems up to a limit
        beyond = {n for n, _ in theirs if n is not None and n >= first}
        theirs = {(n, kind) for n, kind in theirs if n is None or n < first}
        if len(beyond) != skipped:
            problems.append(f"{skipped:,} rows with problems counted from row {first:,} "
                            f"(not kept) vs {len(beyond):,}")
    if mine != theirs:
        problems.append(_describe_errors(mine, theirs, result, baseline_result))
    known = list(known_differences)
    if not problems:
        said = "sequential" if baseline == "sequential" else (
            f"{baseline} (the baseline of a file this long; the tests prove it equal to "
            "sequential on shorter files)")
        return Verification(True, f"same database, totals and errors as {said}", known,
                            baseline)
    reason = "; ".join(problems)
    if known:
        reason += " (known difference: " + "; ".join(known) + ")"
    return Verification(False, reason, known, baseline)
