"""Seeded synthetic files for any resource, in every scenario.

From a resource's :class:`~bench.data.schema.Schema` the generator makes a file of
``rows`` rows and the database state the file expects:

- **values**: Faker where the column's name says what it holds (an email, a city, a
  company, a title, a phone number, ...), valid typed values otherwise (within
  ``max_length``, ``max_digits``/``decimal_places``, min/max validators, ``choices``),
  written the way the column's widget reads them (its date format, ``1``/``0`` booleans,
  the many-to-many separator, a natural key as a JSON list). Faker is slow (thousands of
  values a second), so it fills small pools once per seed and rows are composed from the
  pools with one seeded :class:`random.Random`: the same arguments and Faker version give
  the same bytes in any process.
- **uniqueness**: in every unique group (the import key, ``unique_together``, unique
  constraints, ``unique`` fields) one column takes a value made from the row's number, so
  no two rows collide.
- **related rows**: every foreign key and many-to-many column takes rows the generator
  creates in the starting state (a fixture of its own, with ids far above any a project
  holds), a one-to-one or unique foreign key a row of its own.
- **scenarios**: ``create`` (no key exists), ``update`` (every key exists, other values),
  ``mixed`` (a third each new, changed and unchanged), ``errors`` (``create`` with a
  fraction of rows carrying one value the import rejects: a bad date, a non-number, an
  unknown related row, a too-long string where the resource runs ``full_clean()``, or a
  repeated key, which the library imports as an update of the earlier row). Each injected
  row is recorded with its column and how the library reports it (``invalid``, ``error``
  or ``update``) in :attr:`Synthesized.expected`.

A column it cannot make values for stops the generator with a message naming it and the
plug-in that would (``--column NAME=module:function``, called as ``function(rng, index)``
and returning the cell's text).
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import tablib

from .cachefiles import read_csv, save_folder, write_csv
from .gcpause import cyclic_gc_paused
from .schema import Column, Schema, read_schema

#: Bump when generated values change, so that cached files are not reused.
SYNTH_VERSION = 5
SCENARIOS = ("create", "update", "mixed", "errors")
DEFAULT_INVALID_FRACTION = 0.05
#: Ids of the related rows the generator creates start here (above any a project holds).
FIRST_ID = 1_000_001
#: Faker values drawn per pool.
POOL_SIZE = 600

_EPOCH = date(2000, 1, 1)
_DAYS = (date(2025, 12, 31) - _EPOCH).days


class SynthError(Exception):
    """The resource has a column the generator cannot fill; the message names it and the
    plug-in that would."""


@dataclass(frozen=True)
class SynthSpec:
    """Everything a generated file depends on (and the cache key)."""

    resource: str
    rows: int
    seed: int = 7
    scenario: str = "create"
    invalid_fraction: float | None = None
    #: ``(column, "module:function")`` plug-ins for columns the generator cannot fill.
    plugins: tuple[tuple[str, str], ...] = ()
    #: ``(key, hint)``: where realism needs it, a Faker provider (``"name"``) or a tuple of
    #: values for a column of the file (key: its name) or a field of a related model the
    #: generator creates rows of (key: ``app_label.model.field``). See :func:`load_hints`.
    hints: tuple[tuple[str, object], ...] = ()
    #: JSON fixture files the import's state loads first: a foreign key or many-to-many
    #: column whose related model has rows there takes those rows instead of new ones.
    fixtures: tuple[str, ...] = ()

    def __post_init__(self):
        if not isinstance(self.rows, int) or self.rows < 1:
            raise ValueError(f"rows must be a positive whole number, not {self.rows!r}")
        if self.scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {self.scenario!r}; choose one of "
                             f"{', '.join(SCENARIOS)}")
        if self.invalid_fraction is not None and self.scenario != "errors":
            raise ValueError("invalid_fraction applies to the 'errors' scenario only")

    def hint(self, key: str):
        return dict(self.hints).get(key)

    @property
    def fraction(self) -> float:
        if self.scenario != "errors":
            return 0.0
        return DEFAULT_INVALID_FRACTION if self.invalid_fraction is None else \
            float(self.invalid_fraction)

    def cache_key(self, schema: Schema) -> str:
        from faker import VERSION as faker_version

        shape = [(c.name, c.kind, c.max_length, c.max_digits, c.decimal_places,
                  c.min_value, c.max_value, list(map(str, c.choices)), c.unique, c.lookup,
                  c.natural_key, c.separator, c.date_format) for c in schema.columns]
        related = {c.name: [c.target._meta.label,
                            [(f.name, type(f).__name__, getattr(f, "max_length", None))
                             for f in c.target._meta.concrete_fields]]
                   for c in schema.columns if c.target is not None}
        contents = [hashlib.sha256(Path(f).read_bytes()).hexdigest() for f in self.fixtures
                    if Path(f).is_file()]
        parts = {"version": SYNTH_VERSION, "faker": faker_version, **asdict(self),
                 "fixture_contents": contents,
                 "fraction": self.fraction, "shape": shape, "groups": schema.unique_groups,
                 "cleans": schema.cleans_instances, "key": schema.key, "related": related}
        digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()
                                ).hexdigest()[:16]
        name = self.resource.rsplit(".", 1)[-1]
        return f"{name}-{self.scenario}-{self.rows}-s{self.seed}-{digest}"


def kind_counts(expected: dict[int, dict]) -> dict[str, int]:
    """How many rows of each kind a file's record (:attr:`Synthesized.expected`) holds."""
    counts: dict[str, int] = {}
    for entry in expected.values():
        counts[entry["kind"]] = counts.get(entry["kind"], 0) + 1
    return counts


@dataclass
class Synthesized:
    """A generated file and the state it expects."""

    spec: SynthSpec
    dataset: tablib.Dataset
    #: Rows that exist before the import (``update``, ``mixed``), same columns.
    existing: tablib.Dataset
    #: Related rows to create first, as Django fixture objects.
    related: list[dict] = field(default_factory=list)
    #: What each row is: ``{"kind": "new"|"changed"|"unchanged"}``, or for an injected
    #: error ``{"kind", "column", "field", "reported"}`` (``field``: the attribute the
    #: library names an invalid row's error by; ``reported``: ``invalid``, ``error`` or
    #: ``update``), by 1-based row number.
    expected: dict[int, dict] = field(default_factory=dict)

    def kind_counts(self) -> dict[str, int]:
        return kind_counts(self.expected)

    def write(self, folder: Path) -> dict[str, Path]:
        """``data.csv``, ``existing.csv``, ``related.json`` (a fixture) and
        ``expected.json`` in ``folder``; their paths by name."""
        folder.mkdir(parents=True, exist_ok=True)
        return self.write_parts(_paths(folder))

    def write_beside(self, file: Path) -> dict[str, Path]:
        """The state and expectations beside a file written elsewhere (in any format):
        ``<stem>.related.json``, ``<stem>.existing.csv``, ``<stem>.expected.json``."""
        stem = file.with_suffix("")
        paths = {part: stem.parent / f"{stem.name}.{part}{suffix}" for part, suffix in
                 (("related", ".json"), ("existing", ".csv"), ("expected", ".json"))}
        return self.write_parts(paths)

    def write_parts(self, paths: dict[str, Path]) -> dict[str, Path]:
        if "data" in paths:
            write_csv(paths["data"], self.dataset.headers, self.dataset)
        write_csv(paths["existing"], self.existing.headers, self.existing)
        paths["related"].write_text(json.dumps(self.related, indent=1) + "\n")
        paths["expected"].write_text(json.dumps(
            {str(k): v for k, v in self.expected.items()}, indent=1, sort_keys=True) + "\n")
        return paths


# -- values ---------------------------------------------------------------------------

#: Faker providers by a word of the column's name, first match wins.
HINTS = (
    (("email",), "email"),
    (("first",), "first_name"),
    (("last", "surname"), "last_name"),
    (("city", "town"), "city"),
    (("country",), "country"),
    (("address", "street"), "street_address"),
    (("phone", "mobile", "fax", "tel"), "phone_number"),
    (("company", "supplier", "vendor", "manufacturer", "brand"), "company"),
    (("url", "website", "homepage", "link"), "url"),
    (("zip", "postcode", "postal"), "postcode"),
    (("username", "login", "user"), "user_name"),
    (("title", "headline", "subject"), "title"),
    (("description", "notes", "note", "comment", "body", "text", "summary", "bio",
      "details"), "paragraph"),
    (("color", "colour"), "color_name"),
    (("currency",), "currency_code"),
    (("state", "province", "region"), "state_abbr"),
    (("job", "occupation"), "job"),
    (("name",), "name"),
)
#: Ranges of numbers by a word of the column's name, within the field's own limits.
NUMBER_RANGES = (
    (("price", "cost", "amount", "fee", "total", "salary"), (1, 999.99)),
    (("quantity", "qty", "stock", "count", "pages", "units"), (1, 1000)),
    (("age",), (18, 90)),
    (("year",), (1950, 2025)),
    (("percent", "percentage", "discount"), (0, 100)),
)


def number_range(column_name: str) -> tuple[float, float] | None:
    words = set(column_name.lower().replace("-", "_").split("_"))
    for tokens, bounds in NUMBER_RANGES:
        if words & set(tokens):
            return bounds
    return None


#: Models whose ``name`` is a person's.
PERSON_MODELS = ("author", "person", "customer", "user", "employee", "contact", "member",
                 "artist", "student", "teacher", "patient", "client")


def hint_for(column_name: str, model_name: str) -> str | None:
    words = set(column_name.lower().replace("-", "_").split("_"))
    for tokens, provider in HINTS:
        if words & set(tokens):
            if provider == "name" and model_name.lower() not in PERSON_MODELS:
                return "catch_phrase"
            return provider
    return None


class Pools:
    """Faker values, drawn once per seed and provider."""

    def __init__(self, seed: int):
        from faker import Faker

        self.seed = seed
        self._faker = Faker("en_US")
        self._pools: dict[str, list[str]] = {}

    def get(self, provider: str) -> list[str]:
        pool = self._pools.get(provider)
        if pool is None:
            fake = self._faker
            # each provider from its own seed: adding a column does not change the others
            fake.seed_instance(f"{self.seed}:{provider}")
            if provider == "title":
                make = lambda: fake.sentence(nb_words=4).rstrip(".")  # noqa: E731
            elif provider == "paragraph":
                make = lambda: fake.paragraph(nb_sentences=2)  # noqa: E731
            else:
                make = getattr(fake, provider, None)
                if not callable(make):
                    raise SynthError(f"{provider!r} is not a Faker provider (see "
                                     "https://faker.readthedocs.io/en/master/providers.html)")
            pool = self._pools[provider] = [str(make()) for _ in range(POOL_SIZE)]
        return pool


class ColumnMaker:
    """The values of one column: ``value(rng, index)`` for row ``index``."""

    def __init__(self, column: Column, model_name: str, pools: Pools, unique: bool,
                 related: dict[str, list[str]], plugin=None, hint=None):
        self.column = column
        self.unique = unique
        self.plugin = plugin
        self.related = related.get(column.name, [])
        c = column
        self.pool: list[str] = []
        #: Values a hint gives for the column (any kind but a relation).
        self.values: list[str] = []
        provider = hint_for(c.name, model_name) if c.kind in (
            "char", "text") else None
        if provider == "country" and c.max_length and c.max_length <= 3:
            provider = "country_code" if c.max_length >= 2 else None
        if isinstance(hint, str):
            if c.kind not in ("char", "text"):
                raise SynthError(f"column {c.name!r}: a Faker provider hint ({hint!r}) fills "
                                 f"text columns; give a list of values for a {c.kind} column")
            provider = hint
        elif hint is not None:
            self.values = [str(v) for v in hint]
        #: Distinct realistic values a unique column numbers its rows through.
        self.distinct: list[str] = []
        if self.values and c.kind in ("char", "text"):
            self.pool = self.values
            self.distinct = list(dict.fromkeys(self.values))
        elif provider:
            limit = c.max_length
            self.pool = [v[:limit] if limit else v for v in pools.get(provider)]
            self.distinct = list(dict.fromkeys(self.pool))
        elif c.kind == "text":
            self.pool = pools.get("paragraph")
        elif c.kind == "char":
            self.pool = [w[:c.max_length] if c.max_length else w
                         for w in pools.get("word")]
        named = number_range(c.name)
        if c.kind == "int":
            high = c.max_value if c.max_value is not None and c.max_value < 1e9 else None
            low = c.min_value if c.min_value is not None and c.min_value > -1e6 else None
            if low is None:
                low = 0 if high is None or high >= 0 else high - 10_000
            if high is None:
                high = max(low, 0) + 10_000
            if named and low <= named[0] <= high:  # a realistic range inside the limits
                low, high = named[0], min(high, max(int(named[1]), named[0]))
            self.low, self.high = int(low), int(high)
        if c.kind in ("decimal", "float"):
            places = c.decimal_places if c.decimal_places is not None else 2
            whole = (c.max_digits - places) if c.max_digits else 6
            step = 1 / 10 ** places
            top = min(10 ** min(whole, 6) - step, 99_999)  # 0.9999 when no whole digit
            low = c.min_value if c.min_value is not None else min(1, top)
            high = c.max_value if c.max_value is not None else top
            if named and low <= named[0] <= high:
                low, high = named[0], min(high, max(named[1], named[0]))
            self.places, self.low, self.high = places, max(low, step), high

    def value(self, rng: random.Random, index: int) -> str:
        c = self.column
        if self.plugin is not None:
            return str(self.plugin(rng, index))
        if c.kind == "fk":
            if self.unique:
                return self.related[index]
            return rng.choice(self.related)
        if c.kind == "m2m":
            picked = rng.sample(self.related, min(len(self.related), rng.randint(0, 3)))
            return c.separator.join(sorted(picked))
        if self.unique:
            return self._unique(index)
        if self.values:
            return rng.choice(self.values)
        kind = c.kind
        if kind in ("char", "text"):
            return rng.choice(self.pool)
        if kind == "choice":
            return str(rng.choice(c.choices))
        if kind == "bool":
            return "1" if rng.random() < 0.8 else "0"
        if kind == "int":
            return str(rng.randint(self.low, self.high))
        if kind in ("decimal", "float"):
            scale = 10 ** self.places
            n = rng.randint(int(self.low * scale), int(self.high * scale))
            return f"{n / scale:.{self.places}f}"
        if kind == "date":
            return (_EPOCH + timedelta(days=rng.randrange(_DAYS))).strftime(c.date_format)
        if kind == "datetime":
            moment = datetime.combine(_EPOCH, time()) + timedelta(
                seconds=rng.randrange(_DAYS * 86_400))
            return moment.strftime(c.date_format)
        if kind == "time":
            return time(rng.randrange(24), rng.randrange(60), rng.randrange(60)).strftime(
                c.date_format)
        if kind == "duration":
            return str(timedelta(seconds=rng.randrange(86_400 * 3)))
        if kind == "uuid":
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if kind == "email":
            return f"{rng.choice(_WORDS)}.{rng.randrange(10**6)}@example.com"
        if kind == "url":
            return f"https://www.example.com/{rng.choice(_WORDS)}/{rng.randrange(10**6)}"
        if kind == "slug":
            return f"{rng.choice(_WORDS)}-{rng.randrange(10**6)}"[: c.max_length or 50]
        if kind == "ip":
            return ".".join(str(rng.randrange(1, 255)) for _ in range(4))
        raise AssertionError(kind)

    def _unique(self, index: int) -> str:
        """A value no other row has: made from the row's number."""
        c = self.column
        n = index + 1
        if c.kind in ("int",):
            value = max(self.low, 1) + index
            if value > self.high and c.max_value is not None:
                raise SynthError(f"column {c.name!r} is unique and at most {c.max_value:g}: "
                                 f"too few values for {n:,} rows")
            return str(value)
        if c.kind in ("decimal", "float"):
            if c.max_digits and len(str(n)) > c.max_digits - self.places:
                raise SynthError(f"column {c.name!r} is unique with {c.max_digits} digits: "
                                 f"too few values for {n:,} rows")
            return f"{n:.{self.places}f}"
        if c.kind == "email":
            return f"user{n}@example.com"
        if c.kind == "url":
            return f"https://www.example.com/item/{n}"
        if c.kind == "uuid":
            return str(uuid.UUID(int=n, version=4))
        if c.kind == "date":
            return (_EPOCH + timedelta(days=index)).strftime(c.date_format)
        if c.kind in ("char", "text", "slug"):
            if self.distinct:  # "Jane Doe", ..., then "Jane Doe 2", ...
                rounds, at = divmod(index, len(self.distinct))
                value = self.distinct[at] + (f" {rounds + 1}" if rounds else "")
                if not c.max_length or len(value) <= c.max_length:
                    return value
            return unique_code(c.name, n, c.max_length)
        raise SynthError(f"column {c.name!r} must be unique, and the generator cannot make "
                         f"unique {c.kind} values; plug one in with --column "
                         f"{c.name}=module:function")


_WORDS = ("alpha", "bravo", "delta", "echo", "kilo", "lima", "nova", "orbit", "pixel",
          "quartz", "river", "sierra", "tango", "vector", "willow", "zephyr")


def unique_code(name: str, n: int, max_length: int | None) -> str:
    """``SKU-0000042``: a prefix from the column's name and the number, within
    ``max_length``."""
    digits = max(7, len(str(n)))
    prefix = "".join(ch for ch in name.upper() if ch.isalnum())[:3] or "ID"
    code = f"{prefix}-{n:0{digits}d}"
    if max_length and len(code) > max_length:
        code = str(n)
        if len(code) > max_length:
            raise SynthError(f"column {name!r} holds at most {max_length} characters: "
                             f"too few for {n:,} unique values")
    return code


# -- related rows ---------------------------------------------------------------------


def _target_fields(target) -> list:
    """The fields of a related model a new row must have a value for."""
    out = []
    for f in target._meta.concrete_fields:
        if f.primary_key or f.has_default() or f.null or getattr(f, "auto_now", False) \
                or getattr(f, "auto_now_add", False):
            continue
        out.append(f)
    return out


def fixture_rows(paths) -> dict[str, list[tuple[object, dict]]]:
    """``(pk, fields)`` of every object in the JSON fixtures, by model label
    (``app_label.model``); other formats are not read (their models get rows of the
    generator's own)."""
    found: dict[str, list[tuple[object, dict]]] = {}
    for path in paths:
        path = Path(path)
        if path.suffix != ".json" or not path.is_file():
            continue
        try:
            objects = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for obj in objects if isinstance(objects, list) else []:
            if isinstance(obj, dict) and "model" in obj:
                found.setdefault(obj["model"].lower(), []).append(
                    (obj.get("pk"), dict(obj.get("fields") or {})))
    return found


def _lookup_values(column: Column, rows: list[tuple[object, dict]]) -> list[str]:
    """The text the column's widget reads to find each of ``rows`` (fixture objects of
    its related model); empty when the fixture does not say (then rows are made)."""
    target = column.target
    out = []
    for pk, fields in rows:
        if column.natural_key:
            try:
                plain = {k: v for k, v in fields.items()
                         if not target._meta.get_field(k).is_relation}
                out.append(json.dumps(list(target(**plain).natural_key())))
            except Exception:  # noqa: BLE001 - natural_key() needs what the fixture lacks
                return []
        elif column.lookup == "pk":
            if pk is None:
                return []
            out.append(str(pk))
        elif column.lookup in fields:
            out.append(str(fields[column.lookup]))
        else:
            return []
    return out


def _related_rows(column: Column, count: int, start: int, first_pk: int,
                  rng: random.Random, pools: Pools, hints: dict | None = None
                  ) -> tuple[list[dict], list[str]]:
    """``count`` rows of the column's related model as fixture objects, with ids from
    ``first_pk`` and unique values numbered from ``start``, and the text the column's
    widget reads to find each."""
    from django.db import models

    from .schema import _constraints

    target = column.target
    label = target._meta.label_lower
    objects, values = [], []
    lookup = column.lookup if column.lookup != "pk" else None
    if not isinstance(target._meta.pk, models.IntegerField | models.AutoField):
        raise SynthError(
            f"column {column.name!r}: {target.__name__}'s primary key is a "
            f"{type(target._meta.pk).__name__}; the generator numbers the rows it creates "
            f"(ids from {FIRST_ID:,}): load them with a fixture (--fixture) and plug the "
            f"column in with --column {column.name}=module:function")
    if lookup and "__" in lookup:
        raise SynthError(
            f"column {column.name!r} looks {target.__name__} up through {lookup!r}, which "
            f"the generator does not follow: plug it in with --column "
            f"{column.name}=module:function")
    needed = {f.name: f for f in _target_fields(target)}
    for f in target._meta.concrete_fields:
        if f.unique and not f.primary_key:
            needed.setdefault(f.name, f)
    if lookup:
        needed.setdefault(lookup, target._meta.get_field(lookup))
    makers = {}
    for name, f in needed.items():
        if f.is_relation:
            raise SynthError(
                f"column {column.name!r}: rows of {target.__name__} need a {f.name} "
                f"({f.related_model.__name__}), which the generator does not make; load "
                f"them with a fixture (--fixture) and plug the column in with --column "
                f"{column.name}=module:function")
        probe = Column(name, name, _plain_kind(f), None)
        _constraints(probe, f)
        if probe.kind is None:
            raise SynthError(f"column {column.name!r}: {target.__name__}.{name} is a "
                             f"{type(f).__name__}, which the generator cannot fill")
        if probe.kind in ("date", "datetime", "time"):
            probe.date_format = {"date": "%Y-%m-%d", "datetime": "%Y-%m-%dT%H:%M:%S",
                                 "time": "%H:%M:%S"}[probe.kind]
        makers[name] = ColumnMaker(probe, target.__name__, pools,
                                   unique=bool(f.unique) or name == lookup, related={},
                                   hint=(hints or {}).get(f"{label}.{name}"))
    for i in range(count):
        index = start + i
        fields = {name: maker.value(rng, index) for name, maker in makers.items()}
        pk = first_pk + i
        objects.append({"model": label, "pk": pk, "fields": fields})
        if column.natural_key:
            instance = target(**fields)
            values.append(json.dumps(list(instance.natural_key())))
        elif lookup:
            values.append(fields[lookup])
        else:
            values.append(str(pk))
    return objects, values


def _plain_kind(model_field) -> str | None:
    from import_export import widgets

    from .schema import _kind

    return _kind(model_field, widgets.Widget())


def load_hints(path: Path) -> tuple[tuple[str, object], ...]:
    """Hints from a TOML file: a ``[hints]`` table of ``key = "provider"`` or
    ``key = ["value", ...]``, keys naming a column of the file or ``app_label.model.field``
    of a related model::

        [hints]
        title = "catch_phrase"
        "sample_app.category.name" = ["Fiction", "History", "Science"]
    """
    import tomllib

    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SynthError(f"hints {path}: {exc}") from None
    hints = data.get("hints")
    if not isinstance(hints, dict):
        raise SynthError(f"hints {path}: no [hints] table")
    out = []
    for key, value in sorted(hints.items()):
        if isinstance(value, list) and value:
            out.append((key, tuple(str(v) for v in value)))
        elif isinstance(value, str):
            out.append((key, value))
        else:
            raise SynthError(f"hints {path}: {key} must be a Faker provider name or a "
                             "non-empty list of values")
    return tuple(out)


# -- composing ------------------------------------------------------------------------


def _imported(path: str):
    """The object at ``package.module.Name`` or ``package.module:name``."""
    from importlib import import_module

    module, sep, name = path.partition(":")
    if not sep:
        module, _, name = path.rpartition(".")
    return getattr(import_module(module), name)


def _resource(path: str):
    try:
        return _imported(path)
    except (ImportError, AttributeError, ValueError) as exc:
        raise SynthError(f"resource {path!r} cannot be imported: {exc}") from None


def _plugins(spec: SynthSpec) -> dict:
    out = {}
    for column, path in spec.plugins:
        try:
            out[column] = _imported(path)
        except (ImportError, AttributeError, ValueError) as exc:
            raise SynthError(f"--column {column}={path}: cannot import it: {exc}") from None
    return out


def synthesize(spec: SynthSpec, resource_class=None) -> Synthesized:
    """The file and state of ``spec`` (uncached: see :func:`synthesized`)."""
    if resource_class is None:
        resource_class = _resource(spec.resource)
    return _synthesize(spec, read_schema(resource_class))


def _synthesize(spec: SynthSpec, schema: Schema) -> Synthesized:
    plugins = _plugins(spec)
    unknown = sorted(set(plugins) - {c.name for c in schema.columns})
    if unknown:
        raise SynthError(f"--column names {', '.join(unknown)}, which the resource does not "
                         f"import (its columns: {', '.join(c.name for c in schema.columns)})")
    names = {c.name for c in schema.columns}
    stray = sorted(k for k, _ in spec.hints if k not in names and k.count(".") != 2)
    if stray:
        raise SynthError(f"hints name {', '.join(stray)}, which the resource does not import "
                         f"(its columns: {', '.join(sorted(names))}; a related model's field "
                         "is app_label.model.field)")
    missing = [c for c in schema.unsupported if c.name not in plugins]
    if missing:
        raise SynthError("; ".join(
            f"{c.reason}: plug a generator in with --column {c.name}=module:function"
            for c in missing))
    with cyclic_gc_paused():
        return _Composer(spec, schema, plugins).compose()


class _Composer:
    def __init__(self, spec: SynthSpec, schema: Schema, plugins: dict):
        self.spec, self.schema, self.plugins = spec, schema, plugins
        self.rng = random.Random(f"django-import-bench:synth:{spec.seed}:{spec.rows}:"
                                 f"{spec.scenario}")
        pools = Pools(spec.seed)
        self.unique = self._unique_columns()
        self.related: list[dict] = []
        values: dict[str, list[str]] = {}
        # unique values of each related model are numbered from 0, and on from where the
        # last column to that model stopped; rows of the resource's own model (a foreign
        # key to itself) after the file's rows, whose unique values they must not take
        numbered: dict[type, int] = {schema.model: spec.rows}
        next_pk = FIRST_ID
        known = fixture_rows(spec.fixtures)
        for column in schema.columns:
            if column.kind in ("fk", "m2m") and column.name not in plugins:
                one_each = column.name in self.unique
                existing = [] if one_each else _lookup_values(
                    column, known.get(column.target._meta.label_lower, []))
                if existing:  # rows the state already has
                    values[column.name] = existing
                    continue
                count = spec.rows if one_each else max(20, min(2000, spec.rows // 20))
                start = numbered.get(column.target, 0)
                objects, found = _related_rows(column, count, start, next_pk, self.rng,
                                               pools, dict(spec.hints))
                numbered[column.target] = start + count
                next_pk += count
                self.related += objects
                values[column.name] = found
        self.makers = [ColumnMaker(c, schema.model.__name__, pools, c.name in self.unique,
                                   values, plugins.get(c.name), spec.hint(c.name))
                       for c in schema.columns]
        # non-key columns that a changed row may change
        self.changeable = [i for i, c in enumerate(schema.columns)
                           if c.name not in self.unique and c.name not in schema.key]

    def _unique_columns(self) -> set[str]:
        """One column of every unique group takes values made from the row's number."""
        preference = ("char", "int", "email", "uuid", "slug", "url", "fk", "decimal",
                      "date", "text")
        chosen: set[str] = set()
        for group in self.schema.unique_groups:
            if chosen & set(group):
                continue
            columns = [self.schema.column(n) for n in group]
            ranked = sorted(columns, key=lambda c: preference.index(c.kind)
                            if c.kind in preference else len(preference))
            chosen.add(ranked[0].name)  # a unique column is a group of its own
        return chosen

    def row(self, index: int) -> list[str]:
        rng = self.rng
        return [maker.value(rng, index) for maker in self.makers]

    def changed(self, row: list[str], index: int) -> list[str]:
        """The same key with one to three other values changed (at least one, where any
        column can change)."""
        rng = self.rng
        new = list(row)
        wanted = rng.randint(1, 3)
        order = rng.sample(self.changeable, len(self.changeable))
        for position in order:
            value = self._different(position, row[position], index)
            if value is not None:
                new[position] = value
                wanted -= 1
                if not wanted:
                    break
        return new

    def _different(self, position: int, old: str, index: int) -> str | None:
        """Another value of the column than ``old`` (``None`` if none turns up)."""
        maker = self.makers[position]
        if maker.column.kind == "bool":
            return "0" if old == "1" else "1"
        for _ in range(20):
            value = maker.value(self.rng, index)
            if value != old:
                return value
        return None

    def compose(self) -> Synthesized:
        spec, n = self.spec, self.spec.rows
        base = [self.row(i) for i in range(n)]
        existing: list[list[str]] = []
        expected: dict[int, dict] = {}
        if spec.scenario in ("create", "errors"):
            rows = base
            expected = {i: {"kind": "new"} for i in range(1, n + 1)}
            if spec.scenario == "errors":
                expected.update(self._corrupt(rows))
        elif spec.scenario == "update":
            existing = base
            rows = [self.changed(r, i) for i, r in enumerate(base)]
            expected = {i: {"kind": "changed"} for i in range(1, n + 1)}
        else:  # mixed: exact thirds, in a seeded order
            kinds = [("new", "changed", "unchanged")[i % 3] for i in range(n)]
            self.rng.shuffle(kinds)
            rows = []
            for i, (kind, row) in enumerate(zip(kinds, base, strict=True)):
                expected[i + 1] = {"kind": kind}
                if kind == "new":
                    rows.append(row)
                    continue
                existing.append(row)
                rows.append(self.changed(row, i) if kind == "changed" else row)
        headers = [c.name for c in self.schema.columns]
        return Synthesized(spec, tablib.Dataset(*map(tuple, rows), headers=headers),
                           tablib.Dataset(*map(tuple, existing), headers=headers),
                           self.related, expected)

    # -- errors -----------------------------------------------------------------------

    def _injections(self) -> list[tuple[int, str, str, str]]:
        """``(column position, kind, bad text, how it is reported)`` the file can carry."""
        out = []
        for position, c in enumerate(self.schema.columns):
            if c.name in self.plugins:
                continue
            if c.kind in ("date", "datetime"):
                out.append((position, "bad_date", "2021-02-30", None))
            elif c.kind in ("int", "decimal", "float"):
                out.append((position, "not_a_number", "n/a", None))
            elif c.kind == "fk":
                out.append((position, "unknown_related", _unknown(c), "error"))
            elif c.kind in ("char",) and c.max_length and self.schema.cleans_instances \
                    and c.name not in self.unique:
                out.append((position, "too_long", "x" * (c.max_length + 5), "invalid"))
        found = []
        for position, kind, bad, reported in out:
            column = self.schema.columns[position]
            if reported is None:  # the widget says (a foreign key's lookup is an error)
                reported = _reported(column, bad)
                if reported and column.name in self.schema.key:
                    # a key is cleaned where the row's instance is looked up, outside the
                    # fields' import: whatever its widget raises makes an error row
                    reported = "error"
            if reported is not None:
                found.append((position, kind, bad, reported))
        return found

    def _corrupt(self, rows: list[list[str]]) -> dict[int, dict]:
        n = len(rows)
        count = round(n * self.spec.fraction)
        injections = self._injections()
        if self.schema.key:
            injections.append((-1, "duplicate_key", "", "update"))
        if not count or not injections:
            return {}
        rng = self.rng
        indexes = rng.sample(range(n), count)
        corrupted = set(indexes)
        first_clean = next((i for i in range(n) if i not in corrupted), n)
        key_positions = [i for i, c in enumerate(self.schema.columns)
                         if c.name in self.schema.key]
        out: dict[int, dict] = {}
        for turn, index in enumerate(sorted(indexes)):
            position, kind, bad, reported = injections[turn % len(injections)]
            if kind == "duplicate_key":
                if first_clean >= index:
                    position, kind, bad, reported = injections[0] if injections[0][0] >= 0 \
                        else (None, None, None, None)
                    if kind is None:
                        continue
                else:
                    earlier = rng.randrange(index)
                    while earlier in corrupted:
                        earlier = rng.randrange(index)
                    for p in key_positions:
                        rows[index][p] = rows[earlier][p]
                    out[index + 1] = {"kind": kind, "column": ",".join(self.schema.key),
                                      "reported": reported, "twin": earlier + 1}
                    continue
            rows[index][position] = bad
            column = self.schema.columns[position]
            out[index + 1] = {"kind": kind, "column": column.name,
                              "field": column.attribute, "reported": reported}
        return out


def _unknown(column: Column) -> str:
    """Text naming a related row that does not exist, of the lookup field's type (a word
    where a number is looked up would be a ``ValueError``: an invalid row, not an unknown
    related row)."""
    from django.db import models

    if column.natural_key:
        return json.dumps(["UNKNOWN-0"])
    field = column.target._meta.pk if column.lookup == "pk" else \
        column.target._meta.get_field(column.lookup)
    if isinstance(field, models.IntegerField | models.AutoField | models.DecimalField |
                  models.FloatField):
        return "999999999"
    return "UNKNOWN-0"


def _reported(column: Column, bad: str) -> str | None:
    """How the library reports ``bad`` in ``column``: a ``ValueError`` from the widget is a
    validation error (an *invalid* row), anything else an *error* row; ``None`` when the
    widget accepts it."""
    try:
        column.widget.clean(bad, row={})
    except ValueError:
        return "invalid"
    except Exception:  # noqa: BLE001 - whatever the widget raises makes an error row
        return "error"
    return None


# -- cache ----------------------------------------------------------------------------


def synthesized(spec: SynthSpec, cache_dir: Path | None = None) -> tuple[Synthesized,
                                                                          dict[str, Path]]:
    """The generated file and state of ``spec`` and their paths, from the cache when there
    (``results/.cache/synth/<key>/``)."""
    schema = read_schema(_resource(spec.resource))
    folder = _folder(spec, cache_dir)
    if (folder / "expected.json").exists():
        return _load(spec, folder), _paths(folder)
    data = _synthesize(spec, schema)
    save_folder(folder, data.write)
    return data, _paths(folder)


def synthesized_paths(spec: SynthSpec, cache_dir: Path | None = None) -> dict[str, Path]:
    """The paths of ``spec``'s cached file and state, generated first when not cached; read
    nothing back (a caller reads what it needs, a file of a million rows a block at a
    time)."""
    folder = _folder(spec, cache_dir)
    if not (folder / "expected.json").exists():
        data = _synthesize(spec, read_schema(_resource(spec.resource)))
        save_folder(folder, data.write)
    return _paths(folder)


def _folder(spec: SynthSpec, cache_dir: Path | None) -> Path:
    if cache_dir is None:
        from ..db.environment import results_dir

        cache_dir = results_dir() / ".cache" / "synth"
    return Path(cache_dir) / spec.cache_key(read_schema(_resource(spec.resource)))


def _dataset(path: Path) -> tablib.Dataset:
    headers, rows = read_csv(path)
    return tablib.Dataset(*rows, headers=headers)


def _paths(folder: Path) -> dict[str, Path]:
    return {"data": folder / "data.csv", "existing": folder / "existing.csv",
            "related": folder / "related.json", "expected": folder / "expected.json"}


def _load(spec: SynthSpec, folder: Path) -> Synthesized:
    paths = _paths(folder)
    expected = json.loads(paths["expected"].read_text())
    return Synthesized(spec, _dataset(paths["data"]), _dataset(paths["existing"]),
                       json.loads(paths["related"].read_text()),
                       {int(k): v for k, v in expected.items()})
