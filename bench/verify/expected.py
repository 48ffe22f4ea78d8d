"""Does the result report the rows a generated file was made to fail, and only those?

The generator (:mod:`bench.data.synth`) records each row it corrupts with how the library
reports it: an *invalid* row (a widget's ``ValueError``, a ``full_clean()`` the resource asks
for) on the field it corrupted, an *error* row (an unknown related row, a number the decimal
widget cannot read), or an *update* of the earlier row with the same key. Every case of such
a file, ``sequential`` included, is checked against that record, independently of the
baseline.
"""

from __future__ import annotations

from import_export.results import Result

from ..strategies.kept import not_kept
from ..strategies.library import error_rows


def expectation_problem(result: Result, expected: dict[int, dict]) -> str | None:
    """One line saying how ``result`` departs from ``expected`` (``None``: it does not)."""
    injected = {n: e for n, e in expected.items() if e.get("reported")}
    if not injected:
        return _state_problem(result, expected)
    skipped, first = not_kept(result)
    problems = []
    if skipped:  # a streamed result keeps the rows with problems up to a limit
        beyond = {n for n, e in injected.items() if n >= first
                  and e["reported"] in ("invalid", "error")}
        injected = {n: e for n, e in injected.items() if n < first}
        if len(beyond) != skipped:
            problems.append(f"{skipped:,} rows with problems counted from row {first:,}, "
                            f"where {len(beyond):,} were injected")
    want_invalid = {n: e.get("field") for n, e in injected.items() if e["reported"] == "invalid"}
    want_error = {n for n, e in injected.items() if e["reported"] == "error"}
    invalid = {row.number: set(row.error_dict) for row in result.invalid_rows}
    errors = {row.number for row in error_rows(result)}
    for name, want, got in (("invalid", set(want_invalid), set(invalid)),
                            ("error", want_error, errors)):
        missing, extra = sorted(want - got), sorted(got - want)
        if missing:
            problems.append(f"{len(missing)} injected {name} row(s) not reported as such "
                            f"(first: row {missing[0]})")
        if extra:
            problems.append(f"{len(extra)} {name} row(s) that were not injected (first: "
                            f"row {extra[0]})")
    wrong_field = sorted(n for n, f in want_invalid.items()
                         if n in invalid and f and invalid[n] != {f})
    if wrong_field:
        n = wrong_field[0]
        problems.append(f"{len(wrong_field)} invalid row(s) name another field than the one "
                        f"injected (first: row {n}: {sorted(invalid[n])}, not "
                        f"{want_invalid[n]!r})")
    if not problems:
        return None
    return "the result does not report the injected errors: " + "; ".join(problems)


def _state_problem(result: Result, expected: dict[int, dict]) -> str | None:
    """A clean file must import without a failed row, creating exactly the rows made new
    and finding the others: a row count that differs means the starting state is not the
    one the file was made for."""
    failed = sorted({row.number for row in error_rows(result)} |
                    {row.number for row in result.invalid_rows})
    if failed or result.base_errors:
        where = f"first: row {failed[0]}" if failed else "an error without a row"
        return (f"{len(failed):,} row(s) of a clean generated file failed ({where})"
                if failed else f"a clean generated file failed ({where})")
    new = sum(1 for e in expected.values() if e.get("kind") == "new")
    found = sum(1 for e in expected.values() if e.get("kind") in ("changed", "unchanged"))
    totals = result.totals
    got_new = totals.get("new", 0)
    got_found = totals.get("update", 0) + totals.get("skip", 0)
    if (got_new, got_found) == (new, found):
        return None
    return (f"the file was made with {new:,} new and {found:,} existing rows, and the result "
            f"has {got_new:,} new and {got_found:,} updated or skipped: the starting state is "
            "not the one the file expects")
