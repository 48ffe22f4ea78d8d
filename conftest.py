"""Shared test fixtures. pytest-django reads DJANGO_SETTINGS_MODULE from pyproject.toml."""

import os

import pytest

from bench.data.spec import DatasetSpec
from bench.db import latency


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, which pytest-django makes on the harness's database, carries the
    harness's marker table as every database the harness makes does: a Celery worker
    started by ``python -m bench worker`` writes no database without it."""
    from bench.db.django_setup import mark_as_harness_database

    with django_db_blocker.unblock():
        mark_as_harness_database()


@pytest.fixture(scope="session")
def dataset_cache(tmp_path_factory):
    """One generated-data cache per test session, never the user's results/.cache."""
    return tmp_path_factory.mktemp("dataset-cache")


@pytest.fixture(scope="session")
def make_data(dataset_cache):
    """``make_data(rows, scenario="create", profile="", seed=7, invalid_fraction=None)``: a
    generated dataset of the project (the sample app's ``flat`` profile when none)."""

    def make(rows, scenario="create", profile="", seed=7, invalid_fraction=None):
        from bench.execute.generated import generate_data

        spec = DatasetSpec(rows, seed, scenario, profile, invalid_fraction)
        return generate_data(spec, cache_dir=dataset_cache)

    return make


@pytest.fixture
def one_ms_latency():
    """One millisecond of modelled latency per SQL statement for the test, then none."""
    latency.install()
    latency.set_ms(1)
    yield
    latency.set_ms(0)
    os.environ.pop(latency.ENV, None)
