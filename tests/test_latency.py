"""The latency model delays exactly the statements that are counted, in every thread and
in worker processes."""

import pytest

from bench.execute.generated import seed_generated
from bench.strategies import Settings, get

from .helpers import sample_resource as resource_class_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("name, settings", [
    ("sequential", Settings()),
    ("async-chunked", Settings(async_size=3, thread_sensitive=False)),
    ("async-chunked", Settings(async_size=3, thread_sensitive=True)),
    ("process-chunked", Settings(workers=2)),
])
def test_counted_sleeps_equal_counted_queries(name, settings, one_ms_latency, make_data):
    data = make_data(60, "create")
    seed_generated(data)
    outcome = get(name).run(resource_class_for(data), data.dataset, settings)
    assert outcome.queries > 60
    for chunk in outcome.chunks:
        assert chunk.error is None
        assert chunk.latency_sleeps == chunk.queries > 0
    if name == "process-chunked":
        assert len({c.pid for c in outcome.chunks}) == 2


def test_no_latency_no_sleeps(make_data):
    data = make_data(20, "create")
    seed_generated(data)
    outcome = get("sequential").run(resource_class_for(data), data.dataset, Settings())
    assert outcome.chunks[0].latency_sleeps == 0
