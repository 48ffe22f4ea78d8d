"""Files for any resource (``bench.data.synth``): read from the resource, imported without a
surprise, every scenario doing what it says, every injected error reported where recorded."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from import_export import fields

from bench.data.schema import read_schema
from bench.data.synth import SynthError, SynthSpec, synthesize, unique_code
from bench.verify.expected import expectation_problem
from sample_app.models import Book
from sample_app.resources import BookResource, FlatBookResource

from .helpers import ROOT

BOOKS = "sample_app.resources.BookResource"


@pytest.mark.any_database
def test_the_schema_is_read_from_the_resource_its_widgets_and_model_fields():
    schema = read_schema(BookResource)
    assert schema.key == ("isbn",)
    columns = {c.name: c for c in schema.columns}
    assert columns["isbn"].kind == "char" and columns["isbn"].max_length == 13
    assert columns["isbn"].unique
    assert (columns["author"].kind, columns["author"].lookup) == ("fk", "name")
    assert (columns["categories"].kind, columns["categories"].separator) == ("m2m", "|")
    assert (columns["price"].max_digits, columns["price"].decimal_places) == (8, 2)
    assert columns["pages"].kind == "int" and columns["pages"].min_value == 0
    assert columns["published"].date_format == "%Y-%m-%d"
    assert [c.kind for c in schema.columns if c.name in ("in_print", "rating")] == \
        ["bool", "float"]


def _load(data, tmp_path):
    """The state a generated file expects: its related rows, then its existing rows."""
    paths = data.write(tmp_path / data.spec.scenario)
    call_command("loaddata", str(paths["related"]), verbosity=0)
    if len(data.existing):
        result = BookResource().import_data(data.existing, use_transactions=True)
        assert not result.has_errors() and not result.has_validation_errors()
    return paths


@pytest.mark.django_db(transaction=True)
def test_a_create_file_imports_every_row_as_new(tmp_path):
    data = synthesize(SynthSpec(BOOKS, 300, scenario="create"))
    _load(data, tmp_path)
    result = BookResource().import_data(data.dataset, use_transactions=True)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["new"] == 300 and Book.objects.count() == 300
    # related rows came from the generator's fixture, and the file uses them
    assert Book.objects.filter(categories__isnull=False).distinct().count() > 100
    assert len({b.author_id for b in Book.objects.all()}) > 10


@pytest.mark.django_db(transaction=True)
def test_update_and_mixed_change_what_they_say(tmp_path):
    update = synthesize(SynthSpec(BOOKS, 240, scenario="update"))
    _load(update, tmp_path)
    result = BookResource().import_data(update.dataset, use_transactions=True)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["update"] == 240 and Book.objects.count() == 240
    call_command("flush", verbosity=0, interactive=False)

    class Skipping(BookResource):
        class Meta(BookResource.Meta):
            skip_unchanged = True

    mixed = synthesize(SynthSpec(BOOKS, 240, scenario="mixed"))
    _load(mixed, tmp_path)
    result = Skipping().import_data(mixed.dataset, use_transactions=True)
    kinds = mixed.kind_counts()
    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == \
        (kinds["new"], kinds["changed"], kinds["unchanged"]) == (80, 80, 80)


@pytest.mark.django_db(transaction=True)
def test_every_injected_error_is_reported_on_its_row_and_column(tmp_path):
    data = synthesize(SynthSpec(FlatBookResource.__module__ + ".FlatBookResource", 400,
                                scenario="errors", invalid_fraction=0.1))
    _load(data, tmp_path)
    result = FlatBookResource().import_data(data.dataset, use_transactions=False)
    injected = {n: e for n, e in data.expected.items() if e["kind"] != "new"}
    assert len(injected) == 40
    assert {e["kind"] for e in injected.values()} == {
        "bad_date", "not_a_number", "unknown_related", "duplicate_key"}
    invalid = {n for n, e in injected.items() if e["reported"] == "invalid"}
    errors = {n for n, e in injected.items() if e["reported"] == "error"}
    assert {r.number for r in result.invalid_rows} == invalid
    assert {r.number for r in result.error_rows} == errors
    for row in result.invalid_rows:  # the column the error was put in
        assert set(row.error_dict) == {injected[row.number]["field"]}
    assert result.totals["update"] == sum(e["kind"] == "duplicate_key"
                                          for e in injected.values())
    assert expectation_problem(result, data.expected) is None
    # the check fails a result that does not report what was injected
    first_invalid, first_error = min(invalid), min(errors)
    moved = {**data.expected, first_invalid: {"kind": "new"},
             first_error: {**data.expected[first_error], "reported": "invalid"}}
    problem = expectation_problem(result, moved)
    assert f"1 invalid row(s) that were not injected (first: row {first_invalid})" in problem
    assert f"injected invalid row(s) not reported as such (first: row {first_error})" in problem
    assert f"error row(s) that were not injected (first: row {first_error})" in problem


@pytest.mark.any_database
def test_a_column_it_cannot_fill_is_named_with_the_plug_in_that_would(tmp_path):
    class WithExtra(FlatBookResource):
        extra = fields.Field(column_name="extra")  # no attribute: nothing says what it holds

        class Meta(FlatBookResource.Meta):
            fields = (*FlatBookResource.Meta.fields, "extra")

    with pytest.raises(SynthError, match=r"'extra'.*--column extra=module:function"):
        synthesize(SynthSpec("x.WithExtra", 10), WithExtra)
    plugged = SynthSpec("x.WithExtra", 10, plugins=(("extra", "tests.test_synth:extra"),))
    data = synthesize(plugged, WithExtra)
    assert data.dataset["extra"] == [f"extra-{i}" for i in range(10)]


def extra(rng, index):
    return f"extra-{index}"


@pytest.mark.any_database
def test_a_unique_column_too_short_for_the_rows_is_named():
    assert unique_code("isbn", 42, 13) == "ISB-0000042"
    assert unique_code("isbn", 42, 5) == "42"
    with pytest.raises(SynthError, match="'isbn' holds at most 3 characters"):
        unique_code("isbn", 5000, 3)


@pytest.mark.any_database
def test_the_same_arguments_give_the_same_bytes_in_any_process(tmp_path):
    code = ("import sys, django; django.setup(); from bench.data.synth import SynthSpec, "
            "synthesize; d = synthesize(SynthSpec('sample_app.resources.BookResource', 500, "
            "scenario='errors')); sys.stdout.write(d.dataset.export('csv'))")
    outputs = []
    for hashseed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed,
               "DJANGO_SETTINGS_MODULE": "sample_app.settings"}
        outputs.append(subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                                      check=True, capture_output=True).stdout)
    assert outputs[0] == outputs[1]
    here = synthesize(SynthSpec(BOOKS, 500, scenario="errors")).dataset.export("csv")
    assert here.encode() == outputs[0]
    other = synthesize(SynthSpec(BOOKS, 500, scenario="errors", seed=8)).dataset
    assert other.export("csv").encode() != outputs[0]


@pytest.mark.any_database
def test_the_expectations_are_written_beside_the_file(tmp_path):
    data = synthesize(SynthSpec(BOOKS, 50, scenario="errors", invalid_fraction=0.2))
    paths = data.write(tmp_path)
    expected = json.loads(paths["expected"].read_text())
    assert sum(e["kind"] != "new" for e in expected.values()) == 10
    related = json.loads(paths["related"].read_text())
    assert {o["model"] for o in related} == {"sample_app.author", "sample_app.category"}


@pytest.mark.any_database
def test_generated_files_of_varied_models_import_cleanly_for_many_seeds():
    """The property, over seeds (and so over row counts and values), on models unlike the
    sample app's (``tests/synthapp``: every field type the generator reads, validators,
    choices, a composite key, a unique constraint, a one-to-one key, a many-to-many, a
    custom date format, ``full_clean()``, a foreign key to its own model): clean files
    import without one error and do what their scenario says; an errors file reports
    exactly what was injected."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.synthapp.settings",
           "PYTHONPATH": str(ROOT)}
    seeds = [str(s) for s in range(1, 9)]
    done = subprocess.run([sys.executable, "tests/synthapp/check.py", *seeds], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    files = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(files) == len(seeds) * 4 * 4
    for file in files:
        assert file["problems"] == [], file
        kinds, totals = file["kinds"], file.get("totals")
        if file["scenario"] == "create":
            assert totals["new"] == file["rows"]
        elif file["scenario"] == "update":
            assert totals["update"] == file["rows"]
        elif file["scenario"] == "mixed":
            assert totals["new"] == kinds.get("new", 0)
            assert totals["update"] == kinds.get("changed", 0) + kinds.get("unchanged", 0)
    injected = {k for f in files if f["scenario"] == "errors" for k in f["kinds"]}
    assert {"bad_date", "not_a_number", "unknown_related", "duplicate_key"} <= injected


@pytest.mark.any_database
def test_hints_give_realism_where_the_names_do_not(tmp_path):
    from bench.data.synth import load_hints

    hints_file = tmp_path / "hints.toml"
    hints_file.write_text('[hints]\ntitle = ["A Tale", "B Tale"]\n'
                          '"sample_app.category.name" = ["Fiction", "History", "Science"]\n'
                          '"sample_app.author.name" = "name"\n')
    hints = load_hints(hints_file)
    data = synthesize(SynthSpec(BOOKS, 200, hints=hints))
    assert set(data.dataset["title"]) == {"A Tale", "B Tale"}
    related = {}
    for obj in data.related:
        related.setdefault(obj["model"], []).append(obj["fields"]["name"])
    # unique names: the values, then the values with a counter
    assert related["sample_app.category"][:4] == ["Fiction", "History", "Science",
                                                   "Fiction 2"]
    assert not any(n.startswith("NAM-") for n in related["sample_app.author"])
    plain = synthesize(SynthSpec(BOOKS, 200))
    assert plain.dataset["title"] != data.dataset["title"]
    with pytest.raises(SynthError, match="'not_a_provider' is not a Faker provider"):
        synthesize(SynthSpec(BOOKS, 5, hints=(("title", "not_a_provider"),)))
    with pytest.raises(SynthError, match="hints name subtitle"):
        synthesize(SynthSpec(BOOKS, 5, hints=(("subtitle", "name"),)))
    with pytest.raises(SynthError, match="give a list of values for a int column"):
        synthesize(SynthSpec(BOOKS, 5, hints=(("pages", "name"),)))
    (tmp_path / "bad.toml").write_text("[hints]\ntitle = 3\n")
    with pytest.raises(SynthError, match="title must be a Faker provider name"):
        load_hints(tmp_path / "bad.toml")


@pytest.mark.any_database
def test_related_rows_a_fixture_holds_are_used_instead_of_new_ones(tmp_path):
    fixture = tmp_path / "authors.json"
    fixture.write_text(json.dumps([
        {"model": "sample_app.author", "pk": 3, "fields": {"name": "Ursula K. Le Guin"}},
        {"model": "sample_app.author", "pk": 4, "fields": {"name": "Italo Calvino"}}]))
    data = synthesize(SynthSpec(BOOKS, 60, fixtures=(str(fixture),)))
    assert set(data.dataset["author"]) == {"Ursula K. Le Guin", "Italo Calvino"}
    assert {o["model"] for o in data.related} == {"sample_app.category"}
    # without the fixture the generator makes the authors itself
    plain = synthesize(SynthSpec(BOOKS, 60))
    assert {o["model"] for o in plain.related} == {"sample_app.author", "sample_app.category"}
