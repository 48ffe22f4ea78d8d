"""Receipts: the row a remote chunk writes in the transaction that writes its rows, which
settles what a chunk whose report was lost did, and keeps a chunk from committing twice."""

import uuid

import pytest
from django.db import IntegrityError, connection

from bench.execute.generated import seed_generated
from bench.strategies import Settings, get, receipts
from bench.strategies.chunking import import_chunk

from .helpers import sample_resource

pytestmark = pytest.mark.django_db(transaction=True)


def payload(result):
    return {"result": {"totals": dict(result.totals)}, "host": "here", "pid": 1}


def rows_of(data) -> int:
    return sample_resource(data)._meta.model.objects.count()


def test_the_first_claim_on_a_chunk_holds():
    receipts.ensure("default")
    receipts.ensure("default")  # once or twice: the same table
    run = uuid.uuid4().hex
    receipts.write("default", run, 0, {"result": "committed"})
    assert receipts.settle("default", run, [0, 1]) == {0: {"result": "committed"}, 1: None}
    with pytest.raises(IntegrityError):  # the parent's claim: the chunk can never commit
        receipts.write("default", run, 1, {"result": "late"})
    assert receipts.read("default", run, 1) is None
    assert receipts.read("default", run, 2) is receipts.UNCLAIMED
    assert receipts.settle("default", run, [0, 1]) == {0: {"result": "committed"}, 1: None}


def test_a_chunk_writes_its_receipt_with_its_rows(make_data):
    data = make_data(30, "create")
    seed_generated(data)
    receipts.ensure("default")
    run, settings = uuid.uuid4().hex, Settings()
    resource = receipts.receipted(sample_resource(data), settings, run, 0, payload)
    _, fact = import_chunk(get("sequential"), resource, data.dataset, settings)
    assert fact.committed and rows_of(data) == 30
    assert receipts.read("default", run, 0) == {"result": {"totals": fact.totals},
                                                "host": "here", "pid": 1}


def test_a_chunk_claimed_before_it_commits_rolls_back(make_data):
    data = make_data(30, "create")
    seed_generated(data)
    receipts.ensure("default")
    run, settings = uuid.uuid4().hex, Settings()
    receipts.settle("default", run, [0])
    resource = receipts.receipted(sample_resource(data), settings, run, 0, payload)
    result, fact = import_chunk(get("sequential"), resource, data.dataset, settings)
    assert not fact.committed and rows_of(data) == 0
    assert [type(e.error).__name__ for e in result.base_errors] == ["IntegrityError"]


@pytest.mark.parametrize("use_transactions", [True, False])
def test_a_rolled_back_chunk_writes_no_receipt(use_transactions, make_data):
    data = make_data(40, "errors", invalid_fraction=0.1)
    seed_generated(data)
    receipts.ensure("default")
    run, settings = uuid.uuid4().hex, Settings(use_transactions=use_transactions)
    resource = receipts.receipted(sample_resource(data), settings, run, 0, payload)
    result, fact = import_chunk(get("sequential"), resource, data.dataset, settings)
    assert result.has_errors()
    stored = receipts.read("default", run, 0)
    if use_transactions:  # rolled back, receipt and all
        assert not fact.committed and stored is receipts.UNCLAIMED and rows_of(data) == 0
    else:  # rows commit one by one: the receipt says the chunk's writes stay
        assert fact.committed and stored["result"]["totals"] == fact.totals


def test_a_task_delivered_again_after_its_commit_imports_nothing_twice(make_data):
    """The task run twice with one job (a worker died between its commit and its
    acknowledgement, and the broker handed the task on): the second run finds the
    first's receipt, returns it, and the rows are not doubled."""
    from bench.strategies import remote

    data = make_data(30, "create")
    seed_generated(data)
    receipts.ensure("default")
    job = remote.chunk_job(uuid.uuid4().hex, str(connection.settings_dict["NAME"]),
                           "sequential", sample_resource(data),
                           data.dataset, Settings(), 0, 0)
    first = remote.import_chunk_task.apply(args=(job,)).get()
    again = remote.import_chunk_task.apply(args=(job,)).get()
    assert first["fact"]["committed"] and rows_of(data) == 30
    assert again["receipt"]["result"] == first["result"]
