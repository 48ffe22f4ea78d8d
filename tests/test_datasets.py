import os
import subprocess
import sys
from datetime import date
from decimal import Decimal, InvalidOperation

import pytest
import tablib

from bench.data.generate import (
    ERROR_KINDS,
    FLAT_HEADERS,
    FULL_HEADERS,
    SCENARIOS,
    DatasetSpec,
    export,
    generate,
)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_same_arguments_give_identical_bytes(scenario, tmp_path):
    first = export(generate(300, seed=3, scenario=scenario, cache_dir=False), "csv")
    second = export(generate(300, seed=3, scenario=scenario, cache_dir=False), "csv")
    cached_cold = export(generate(300, seed=3, scenario=scenario, cache_dir=tmp_path), "csv")
    cached_warm = export(generate(300, seed=3, scenario=scenario, cache_dir=tmp_path), "csv")
    assert first == second == cached_cold == cached_warm


def test_identical_bytes_in_separate_processes_with_different_hash_seeds(tmp_path):
    code = (
        "import sys; from bench.data.generate import generate, export; "
        "sys.stdout.buffer.write(export(generate(200, seed=11, scenario='mixed', "
        "profile='full', cache_dir=False), 'csv'))"
    )
    outputs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              check=True)
        outputs.append(done.stdout)
    expected = export(generate(200, seed=11, scenario="mixed", profile="full",
                               cache_dir=False), "csv")
    assert outputs[0] == outputs[1] == expected


def test_different_seed_gives_different_data():
    a = generate(200, seed=1, cache_dir=False)
    b = generate(200, seed=2, cache_dir=False)
    assert export(a, "csv") != export(b, "csv")
    assert not set(a["isbn"]) & set(b["isbn"])


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("profile, headers", [("flat", FLAT_HEADERS), ("full", FULL_HEADERS)])
def test_row_counts_and_headers(scenario, profile, headers, make_data):
    data = make_data(500, scenario, profile)
    assert len(data.dataset) == 500
    assert tuple(data.dataset.headers) == headers
    assert len(data.row_kinds) == 500


def test_rows_are_realistic_and_parse(make_data):
    data = make_data(400, "create", "full")
    isbns = data.dataset["isbn"]
    assert len(set(isbns)) == 400
    assert all(len(i) == 13 and i.isdigit() and i.startswith("978") for i in isbns)
    author_names = {a[0] for a in data.authors}
    for row in data.dataset.dict:
        assert row["author"] in author_names
        date.fromisoformat(row["published"])
        assert Decimal(row["price"]) > 0
        assert int(row["pages"]) >= 48
        assert row["in_print"] in ("0", "1")
        assert 1.0 <= float(row["rating"]) <= 5.0
        assert set(row["categories"].split("|")) <= set(data.categories)
        assert row["title"] and row["description"]


@pytest.mark.parametrize("fraction", [0.02, 0.05, 0.2])
def test_errors_scenario_corrupts_the_requested_fraction(fraction, make_data):
    rows = 1000
    data = make_data(rows, "errors", invalid_fraction=fraction)
    kinds = data.kind_counts()
    corrupted = sum(kinds.get(k, 0) for k in ERROR_KINDS)
    assert corrupted == round(rows * fraction)
    assert kinds["new"] == rows - corrupted
    # spread evenly over the kinds
    assert max(kinds[k] for k in ERROR_KINDS) - min(kinds[k] for k in ERROR_KINDS) <= 1


def test_error_rows_carry_the_corruption_they_claim(make_data):
    data = make_data(800, "errors", invalid_fraction=0.1)
    rows = data.dataset.dict
    author_names = {a[0] for a in data.authors}
    seen_isbns = set()
    for number, row in enumerate(rows, 1):
        kind = data.row_kinds[number]
        if kind == "bad_date":
            with pytest.raises(ValueError):
                date.fromisoformat(row["published"])
        elif kind == "bad_price":
            with pytest.raises(InvalidOperation):
                Decimal(row["price"])
        elif kind == "unknown_author":
            assert row["author"] not in author_names
        elif kind == "duplicate_isbn":
            assert row["isbn"] in seen_isbns
        else:
            assert kind == "new"
            assert row["isbn"] not in seen_isbns
        seen_isbns.add(row["isbn"])


def test_default_invalid_fraction_only_for_errors():
    assert DatasetSpec(100, scenario="errors").effective_invalid_fraction == 0.05
    assert DatasetSpec(100, scenario="create").effective_invalid_fraction == 0.0
    with pytest.raises(ValueError, match="errors"):
        DatasetSpec(100, scenario="create", invalid_fraction=0.1)


@pytest.mark.parametrize("kwargs, message", [
    ({"rows": 0}, "positive"),
    ({"rows": 10, "scenario": "delete"}, "unknown scenario"),
    ({"rows": 10, "profile": "wide"}, "unknown profile"),
    ({"rows": 10, "scenario": "errors", "invalid_fraction": 1.5}, "between 0 and 1"),
])
def test_spec_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DatasetSpec(**kwargs)


def test_update_scenario_changes_every_existing_book(make_data):
    data = make_data(300, "update")
    existing = {row[0]: row for row in data.existing}
    assert len(existing) == 300
    title, price = FULL_HEADERS.index("title"), FULL_HEADERS.index("price")
    for row in data.dataset.dict:
        before = existing[row["isbn"]]
        assert row["title"] != before[title]
        assert row["price"] != before[price]


def test_mixed_scenario_has_thirds_of_new_changed_unchanged(make_data):
    data = make_data(300, "mixed", "full")
    assert data.kind_counts() == {"new": 100, "changed": 100, "unchanged": 100}
    existing = {row[0]: row for row in data.existing}
    assert len(existing) == 200
    for number, row in enumerate(data.dataset, 1):
        kind = data.row_kinds[number]
        if kind == "new":
            assert row[0] not in existing
        elif kind == "unchanged":
            assert tuple(row) == existing[row[0]]
        else:
            assert tuple(row) != existing[row[0]]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_every_format_loads_back_the_same_rows(fmt):
    dataset = generate(50, seed=5, scenario="update", cache_dir=False)
    payload = export(dataset, fmt)
    loaded = tablib.Dataset().load(payload if fmt == "xlsx" else payload.decode(), format=fmt)
    assert loaded.headers == dataset.headers
    assert [tuple(str(v) for v in row) for row in loaded] == [tuple(row) for row in dataset]
