"""The matrix's generated datasets: the project's configured resources (profiles) made into
files by the resource generator, with hints, and the generic starting state they expect."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import tablib

from bench.data.spec import DatasetSpec, export
from bench.data.synth import SCENARIOS
from bench.execute.generated import generate_data, profile_name, seed_generated
from bench.execute.project import ProjectProblem
from sample_app.models import Author, Book, Category
from sample_app.resources import BookResource, FlatBookResource

CATEGORY_NAMES = {"Fiction", "Fantasy", "Mystery", "History", "Science"}  # of the hints


@pytest.mark.any_database
def test_profiles_are_the_configured_resources_the_first_by_default():
    assert profile_name("") == "flat"
    assert profile_name("full") == "full"
    with pytest.raises(ProjectProblem, match="'wide' profile.*flat, full"):
        profile_name("wide")


@pytest.mark.any_database
@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("profile, resource", [("flat", FlatBookResource),
                                               ("full", BookResource)])
def test_row_counts_and_columns_are_the_resources(scenario, profile, resource, make_data):
    data = make_data(300, scenario, profile)
    assert len(data.dataset) == len(data.row_kinds) == 300
    assert data.dataset.headers == [f.column_name for f in resource().get_import_fields()]
    assert data.spec.profile == profile


@pytest.mark.any_database
def test_the_same_spec_gives_the_same_bytes_cached_or_not(tmp_path):
    spec = DatasetSpec(200, seed=3, scenario="mixed", profile="full")
    cold = generate_data(spec, cache_dir=tmp_path)
    warm = generate_data(spec, cache_dir=tmp_path)
    uncached = generate_data(spec, cache_dir=False)
    assert export(cold.dataset, "csv") == export(warm.dataset, "csv") == \
        export(uncached.dataset, "csv")
    assert cold.related == warm.related and cold.expected == warm.expected
    other = generate_data(DatasetSpec(200, seed=4, scenario="mixed", profile="full"),
                          cache_dir=False)
    assert export(other.dataset, "csv") != export(cold.dataset, "csv")


@pytest.mark.any_database
def test_the_hints_and_column_names_make_books_realistic(make_data):
    data = make_data(400, "create", "full")
    authors = {o["fields"]["name"] for o in data.related if o["model"] == "sample_app.author"}
    categories = {o["fields"]["name"] for o in data.related
                  if o["model"] == "sample_app.category"}
    assert CATEGORY_NAMES <= categories  # the hints file's names
    assert all(" " in name for name in authors)  # a person's name (Faker), not a code
    assert len(set(data.dataset["isbn"])) == 400
    for row in data.dataset.dict:
        assert row["author"] in authors
        date.fromisoformat(row["published"])
        assert Decimal("1") <= Decimal(row["price"]) <= Decimal("999.99")
        assert 1 <= int(row["pages"]) <= 1000
        assert row["in_print"] in ("0", "1")
        assert row["rating"] in {f"{x / 2:.1f}" for x in range(2, 11)}
        assert not row["categories"] or set(row["categories"].split("|")) <= categories
        assert row["title"] and row["description"]


@pytest.mark.any_database
@pytest.mark.parametrize("fraction", [0.02, 0.05, 0.2])
def test_the_errors_scenario_corrupts_the_requested_fraction(fraction, make_data):
    data = make_data(1000, "errors", invalid_fraction=fraction)
    kinds = data.kind_counts()
    corrupted = 1000 - kinds["new"]
    assert corrupted == round(1000 * fraction)
    assert set(kinds) - {"new"} == {"bad_date", "not_a_number", "unknown_related",
                                    "duplicate_key"}
    # every column that can carry an error does, spread evenly: a bad date, a non-number
    # in each number, an unknown author, a repeated ISBN
    by_column: dict[str, int] = {}
    for entry in data.expected.values():
        if entry["kind"] != "new":
            by_column[entry["column"]] = by_column.get(entry["column"], 0) + 1
    assert set(by_column) == {"published", "price", "pages", "rating", "author", "isbn"}
    assert max(by_column.values()) - min(by_column.values()) <= 1


@pytest.mark.any_database
def test_the_default_invalid_fraction_is_for_errors_only():
    assert DatasetSpec(100, scenario="errors").effective_invalid_fraction == 0.05
    assert DatasetSpec(100, scenario="create").effective_invalid_fraction == 0.0
    with pytest.raises(ValueError, match="errors"):
        DatasetSpec(100, scenario="create", invalid_fraction=0.1)


@pytest.mark.any_database
@pytest.mark.parametrize("kwargs, message", [
    ({"rows": 0}, "positive"),
    ({"rows": 10, "scenario": "delete"}, "unknown scenario"),
    ({"rows": 10, "scenario": "errors", "invalid_fraction": 1.5}, "between 0 and 1"),
])
def test_the_spec_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DatasetSpec(**kwargs)


@pytest.mark.django_db
def test_create_starts_from_the_related_rows_and_no_books(make_data):
    data = make_data(200, "create", "full")
    seed_generated(data)
    assert Author.objects.count() + Category.objects.count() == len(data.related) > 0
    assert Book.objects.count() == 0
    assert Author.objects.order_by("pk").first().pk == data.related[0]["pk"]


@pytest.mark.django_db
def test_update_starts_from_every_book_with_its_old_values(make_data):
    data = make_data(200, "update")
    seed_generated(data)
    books = {b.isbn: b for b in Book.objects.select_related("author")}
    assert len(books) == 200
    for row in data.existing.dict:
        book = books[row["isbn"]]
        assert (book.title, book.price, book.author.name) == \
            (row["title"], Decimal(row["price"]), row["author"])
    assert {r["isbn"] for r in data.dataset.dict} == set(books)
    # every row of the file changes its book
    assert all(tuple(new) != tuple(old) for new, old in
               zip(data.dataset, data.existing, strict=True))


@pytest.mark.django_db
def test_mixed_full_starts_from_the_existing_books_with_their_categories(make_data):
    data = make_data(300, "mixed", "full")
    assert data.kind_counts() == {"new": 100, "changed": 100, "unchanged": 100}
    seed_generated(data)
    assert Book.objects.count() == 200
    for row in data.existing.dict:
        stored = set(Book.objects.get(isbn=row["isbn"]).categories.values_list("name",
                                                                               flat=True))
        assert stored == (set(row["categories"].split("|")) if row["categories"] else set())
    existing = {row[0]: tuple(row) for row in data.existing}
    for number, row in enumerate(data.dataset, 1):
        kind = data.row_kinds[number]
        assert (row[0] in existing) == (kind != "new")
        if kind != "new":
            assert (tuple(row) == existing[row[0]]) == (kind == "unchanged")


@pytest.mark.any_database
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_every_format_loads_back_the_same_rows(fmt, make_data):
    dataset = make_data(50, "update").dataset
    payload = export(dataset, fmt)
    loaded = tablib.Dataset().load(payload if fmt == "xlsx" else payload.decode(), format=fmt)
    assert loaded.headers == dataset.headers
    assert [tuple(str(v) for v in row) for row in loaded] == [tuple(row) for row in dataset]


@pytest.mark.any_database
@pytest.mark.parametrize("table, message", [
    ('resources = { a = "x.Y" }\nseed = "app.seed:seed"', r"unknown option\(s\) seed"),
    ("resources = {}", "resources must name at least one resource"),
])
def test_the_generated_table_names_what_is_wrong(table, message, tmp_path):
    from bench.execute.config import ConfigError, load_config

    path = tmp_path / "pyproject.toml"
    path.write_text(f"[tool.django-import-bench.generated]\n{table}\n")
    with pytest.raises(ConfigError, match=message):
        load_config(path)


@pytest.mark.any_database
def test_the_hints_file_is_found_beside_the_configuration(tmp_path):
    from bench.execute.config import load_config

    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.django-import-bench.generated]\nresources = { a = "x.Y" }\n'
                    'hints = "bench/hints.toml"\n')
    config = load_config(path, start=Path("/"))
    assert config.generated.resources == {"a": "x.Y"}
    assert config.generated.hints == str(tmp_path / "bench" / "hints.toml")
