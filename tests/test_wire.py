"""A chunk's result as a Celery worker returns it (JSON through the result backend) and as
it is rebuilt: the same totals, the same failing rows numbered in the file with the same
exception types, messages and tracebacks, and the same count of rows not kept."""

import json

import pytest

from bench.execute.generated import job_for, seed_generated
from bench.execute.states import empty_tables
from bench.strategies import Settings, get
from bench.strategies.chunking import import_chunk
from bench.strategies.kept import KeptResult, not_kept
from bench.strategies.wire import (
    fact_from_wire,
    fact_to_wire,
    remote_exception,
    result_from_wire,
    result_to_wire,
)
from bench.verify.compare import error_set

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.any_database]


@pytest.mark.parametrize("limit", [1000, 3])
def test_a_kept_result_travels_as_json_and_comes_back_the_same(make_data, limit):
    data = make_data(120, "errors", invalid_fraction=0.1)
    empty_tables()
    seed_generated(data)
    job = job_for("sequential", data, Settings(use_transactions=False))
    result, fact = import_chunk(get("sequential"), job.resource_class, job.dataset,
                                job.settings, index=2, offset=0)
    assert result.error_rows and result.invalid_rows  # both kinds travel
    kept = KeptResult(limit)
    kept.add(1000, len(job.dataset), result)  # as if the chunk began at row 1,001
    original = kept.finished()

    travelled = json.loads(json.dumps({"result": result_to_wire(original),
                                       "fact": fact_to_wire(fact)}))
    back = result_from_wire(travelled["result"])
    assert dict(back.totals) == dict(original.totals)
    assert back.total_rows == original.total_rows
    assert error_set(back) == error_set(original) and error_set(back)
    assert min(n for n, _ in error_set(back) if n) > 1000  # numbered in the file
    assert not_kept(back) == not_kept(original)
    if limit == 3:
        assert not_kept(back)[0] > 0
    for mine, theirs in zip(back.error_rows, original.error_rows, strict=True):
        assert [str(e.error) for e in mine.errors] == [str(e.error) for e in theirs.errors]
        assert [e.traceback for e in mine.errors] == [e.traceback for e in theirs.errors]
    for mine, theirs in zip(back.invalid_rows, original.invalid_rows, strict=True):
        assert mine.error_dict == {k: [str(m) for m in v] for k, v in theirs.error_dict.items()}
    assert fact_from_wire(travelled["fact"]) == fact


def test_a_rebuilt_exception_has_the_name_the_worker_raised():
    error = remote_exception("IntegrityError")("UNIQUE constraint failed")
    assert type(error).__name__ == "IntegrityError" and str(error).startswith("UNIQUE")
    assert remote_exception("IntegrityError") is type(error)
