"""Seeded, realistic book datasets for import benchmarks.

Faker makes realistic values but only ~14k rows/s, so it is used once per seed to build
value *pools* (author names, titles, descriptions, ...). Rows are then composed from the
pools with a seeded :class:`random.Random`, which is fast and gives the same values on every
machine for the same seed and Faker version.

Every :class:`DatasetSpec` describes one import and the database state it expects:

``create``
    Authors and categories are pre-created (reference data); the book table is empty and
    every row is a new book.
``update``
    Every book is already in the database; every row changes its price and title (and some
    change author, pages, rating, in_print, categories).
``mixed``
    A third of the rows are new, a third change an existing book, a third repeat an
    existing book unchanged (so ``skip_unchanged`` matters).
``errors``
    Like ``create``, but ``invalid_fraction`` of the rows are corrupted with one of
    :data:`ERROR_KINDS`, spread evenly. A ``duplicate_isbn`` row repeats the ISBN of an
    earlier row: django-import-export imports it as an update of that row (last row wins),
    which chunked and bulk strategies must reproduce.

Generated data is cached under ``results/.cache/`` keyed by every argument, the generator
version and the Faker version.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import tablib

from .cachefiles import read_csv, save_folder, write_csv
from .gcpause import cyclic_gc_paused

#: Bump when the generated values change, so that cached files are not reused.
GENERATOR_VERSION = 1

SCENARIOS = ("create", "update", "mixed", "errors")
PROFILES = ("flat", "full")
ERROR_KINDS = ("bad_date", "bad_price", "unknown_author", "duplicate_isbn")
FORMATS = ("csv", "xlsx", "json")

#: ``invalid_fraction`` of the ``errors`` scenario when none is given.
DEFAULT_INVALID_FRACTION = 0.05
#: Rows of a dataset when none are asked for (``generate``, and ``run``'s matrix).
DEFAULT_ROWS = 5000

FLAT_HEADERS = (
    "isbn",
    "title",
    "author",
    "published",
    "price",
    "pages",
    "in_print",
    "description",
    "rating",
)
FULL_HEADERS = FLAT_HEADERS[:3] + ("categories",) + FLAT_HEADERS[3:]

#: Separator of category names in the ``categories`` column (matches the resource's widget).
CATEGORY_SEPARATOR = "|"

CATEGORY_NAMES = (
    "Fiction", "Science Fiction", "Fantasy", "Mystery", "Thriller", "Romance", "Horror",
    "Historical Fiction", "Biography", "Memoir", "History", "Science", "Mathematics",
    "Philosophy", "Psychology", "Economics", "Politics", "Travel", "Cooking", "Art",
    "Music", "Poetry", "Drama", "Children", "Young Adult", "Graphic Novels", "Religion",
    "Self-Help", "Business", "Technology",
)  # fmt: skip

_FIRST_DATE = date(1950, 1, 1)
_DATE_SPAN_DAYS = (date(2025, 12, 31) - _FIRST_DATE).days


@dataclass(frozen=True)
class DatasetSpec:
    """Everything that determines a generated dataset (and the cache key)."""

    rows: int
    seed: int = 7
    scenario: str = "create"
    profile: str = "flat"
    invalid_fraction: float | None = None

    def __post_init__(self):
        if not isinstance(self.rows, int) or self.rows < 1:
            raise ValueError(f"rows must be a positive whole number, not {self.rows!r}")
        if self.scenario not in SCENARIOS:
            raise ValueError(
                f"unknown scenario {self.scenario!r}; choose one of {', '.join(SCENARIOS)}"
            )
        if self.profile not in PROFILES:
            raise ValueError(
                f"unknown profile {self.profile!r}; choose one of {', '.join(PROFILES)}"
            )
        fraction = self.effective_invalid_fraction
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"invalid_fraction must be between 0 and 1, not {fraction}")
        if fraction and self.scenario != "errors":
            raise ValueError("invalid_fraction applies to the 'errors' scenario only")

    @property
    def effective_invalid_fraction(self) -> float:
        if self.invalid_fraction is not None:
            return float(self.invalid_fraction)
        return DEFAULT_INVALID_FRACTION if self.scenario == "errors" else 0.0

    @property
    def headers(self) -> tuple[str, ...]:
        return FULL_HEADERS if self.profile == "full" else FLAT_HEADERS

    def cache_key(self) -> str:
        from faker import VERSION as faker_version

        parts = {
            "generator": GENERATOR_VERSION,
            "faker": faker_version,
            **asdict(self),
            "invalid_fraction": self.effective_invalid_fraction,
        }
        digest = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]
        return f"{self.scenario}-{self.profile}-{self.rows}-s{self.seed}-{digest}"


@dataclass
class GeneratedData:
    """A dataset plus the database state it expects before it is imported."""

    spec: DatasetSpec
    #: The file to import, every value a string as it would come from a CSV.
    dataset: tablib.Dataset
    #: Authors to create before the import: ``(name, email, country)``.
    authors: list[tuple[str, str, str]]
    #: Category names to create before the import.
    categories: list[str]
    #: Books that must exist before the import, as rows with ``FULL_HEADERS``.
    existing: list[tuple[str, ...]]
    #: What each dataset row is meant to be: ``new``, ``changed``, ``unchanged`` or one of
    #: :data:`ERROR_KINDS`, by 1-based row number (the numbering django-import-export uses).
    row_kinds: dict[int, str] = field(default_factory=dict)

    def kind_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for kind in self.row_kinds.values():
            counts[kind] = counts.get(kind, 0) + 1
        return counts


@dataclass
class _Pools:
    authors: list[tuple[str, str, str]]
    titles: list[str]
    descriptions: list[str]
    dates: list[str]


def _author_count(rows: int) -> int:
    return max(50, min(5000, rows // 10))


def _build_pools(spec: DatasetSpec) -> _Pools:
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(spec.seed)
    authors = []
    for _ in range(_author_count(spec.rows)):
        name = fake.unique.name()
        authors.append((name, fake.email(), fake.country()))
    titles = [fake.sentence(nb_words=4).rstrip(".") for _ in range(3000)]
    descriptions = [fake.paragraph(nb_sentences=3) for _ in range(1500)]
    dates = [(_FIRST_DATE + timedelta(days=d)).isoformat() for d in range(_DATE_SPAN_DAYS)]
    return _Pools(authors, titles, descriptions, dates)


def _isbn13(body: int) -> str:
    digits = f"978{body:09d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


def _price(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


class _Composer:
    """Composes rows (always with ``FULL_HEADERS``) from pools with one seeded RNG."""

    def __init__(self, pools: _Pools, rng: random.Random):
        self.pools = pools
        self.rng = rng
        self.author_names = [a[0] for a in pools.authors]

    def categories(self) -> str:
        picked = self.rng.sample(CATEGORY_NAMES, self.rng.randint(1, 3))
        return CATEGORY_SEPARATOR.join(sorted(picked))

    def book(self, isbn: str) -> tuple[str, ...]:
        rng, pools = self.rng, self.pools
        return (
            isbn,
            rng.choice(pools.titles),
            rng.choice(self.author_names),
            self.categories(),
            rng.choice(pools.dates),
            _price(rng.randint(199, 9999)),
            str(rng.randint(48, 1200)),
            "1" if rng.random() < 0.8 else "0",
            rng.choice(pools.descriptions),
            f"{rng.randint(10, 50) / 10:.1f}",
        )

    def changed(self, row: tuple[str, ...]) -> tuple[str, ...]:
        """The same book with new values; title and price always differ."""
        rng, pools = self.rng, self.pools
        isbn, title, author, categories, published, price, pages, in_print, desc, rating = row
        new_title = rng.choice(pools.titles)
        if new_title == title:
            new_title = f"{title} (Revised Edition)"
        cents = int(price.replace(".", "")) + rng.randint(1, 500)
        return (
            isbn,
            new_title,
            rng.choice(self.author_names) if rng.random() < 0.3 else author,
            self.categories() if rng.random() < 0.3 else categories,
            published,
            _price(cents),
            str(int(pages) + rng.randint(1, 40)) if rng.random() < 0.5 else pages,
            ("0" if in_print == "1" else "1") if rng.random() < 0.2 else in_print,
            desc,
            f"{rng.randint(10, 50) / 10:.1f}" if rng.random() < 0.5 else rating,
        )


def _project(rows: list[tuple[str, ...]], headers: tuple[str, ...]) -> list[tuple[str, ...]]:
    if headers == FULL_HEADERS:
        return rows
    category_index = FULL_HEADERS.index("categories")
    return [row[:category_index] + row[category_index + 1 :] for row in rows]


def _corrupt(rows: list[tuple[str, ...]], spec: DatasetSpec, rng: random.Random) -> dict[int, str]:
    """Corrupt ``invalid_fraction`` of ``rows`` in place; return {row number: kind}."""
    n = len(rows)
    count = round(n * spec.effective_invalid_fraction)
    if not count:
        return {}
    indexes = rng.sample(range(n), count)
    corrupted = set(indexes)
    first_clean = next((i for i in range(n) if i not in corrupted), n)
    kinds: dict[int, str] = {}
    col = {name: i for i, name in enumerate(FULL_HEADERS)}
    for position, index in enumerate(indexes):
        kind = ERROR_KINDS[position % len(ERROR_KINDS)]
        if kind == "duplicate_isbn" and first_clean >= index:
            kind = "bad_date"  # no clean earlier row to duplicate
        row = list(rows[index])
        if kind == "bad_date":
            row[col["published"]] = f"{rng.randint(1950, 2025)}-02-{rng.randint(30, 31)}"
        elif kind == "bad_price":
            row[col["price"]] = rng.choice(("twelve", "n/a", "12,99 EUR", "free"))
        elif kind == "unknown_author":
            row[col["author"]] = f"Unknown Author {index + 1}"
        else:
            earlier = rng.randrange(index)
            while earlier in corrupted:
                earlier = rng.randrange(index)
            row[col["isbn"]] = rows[earlier][col["isbn"]]
        rows[index] = tuple(row)
        kinds[index + 1] = kind
    return kinds


def _compose(spec: DatasetSpec) -> GeneratedData:
    pools = _build_pools(spec)
    rng = random.Random(f"django-import-bench:{spec.seed}:{spec.rows}:{spec.scenario}")
    composer = _Composer(pools, rng)
    n = spec.rows
    isbns = [_isbn13(body) for body in rng.sample(range(10**9), n)]
    base = [composer.book(isbn) for isbn in isbns]

    existing: list[tuple[str, ...]] = []
    row_kinds: dict[int, str] = {}
    if spec.scenario == "create":
        rows = base
        row_kinds = {i: "new" for i in range(1, n + 1)}
    elif spec.scenario == "errors":
        rows = list(base)
        row_kinds = {i: "new" for i in range(1, n + 1)}
        row_kinds.update(_corrupt(rows, spec, rng))
    elif spec.scenario == "update":
        existing = base
        rows = [composer.changed(row) for row in base]
        row_kinds = {i: "changed" for i in range(1, n + 1)}
    else:  # mixed: exact thirds, in a seeded order
        kinds = [("new", "changed", "unchanged")[i % 3] for i in range(n)]
        rng.shuffle(kinds)
        rows = []
        for i, (kind, row) in enumerate(zip(kinds, base, strict=True), 1):
            row_kinds[i] = kind
            if kind == "new":
                rows.append(row)
                continue
            existing.append(row)
            rows.append(composer.changed(row) if kind == "changed" else row)

    dataset = tablib.Dataset(*_project(rows, spec.headers), headers=list(spec.headers))
    return GeneratedData(
        spec=spec,
        dataset=dataset,
        authors=pools.authors,
        categories=list(CATEGORY_NAMES),
        existing=existing,
        row_kinds=row_kinds,
    )


def default_cache_dir() -> Path:
    from ..db.environment import results_dir

    return results_dir() / ".cache"


def _save(data: GeneratedData, folder: Path) -> None:
    def write(tmp: Path) -> None:
        write_csv(tmp / "dataset.csv", data.dataset.headers, data.dataset)
        write_csv(tmp / "existing.csv", FULL_HEADERS, data.existing)
        meta = {
            "authors": data.authors,
            "categories": data.categories,
            "row_kinds": {str(k): v for k, v in data.row_kinds.items()},
        }
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")

    save_folder(folder, write)


def _load(spec: DatasetSpec, folder: Path) -> GeneratedData:
    headers, rows = read_csv(folder / "dataset.csv")
    _, existing = read_csv(folder / "existing.csv")
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    return GeneratedData(
        spec=spec,
        dataset=tablib.Dataset(*rows, headers=headers),
        authors=[tuple(a) for a in meta["authors"]],
        categories=meta["categories"],
        existing=existing,
        row_kinds={int(k): v for k, v in meta["row_kinds"].items()},
    )


def generate_data(spec: DatasetSpec, cache_dir: Path | None | bool = None) -> GeneratedData:
    """The dataset and expected database state for ``spec``, from the cache when present.

    ``cache_dir=False`` disables the cache; ``None`` uses :func:`default_cache_dir`.
    """
    with cyclic_gc_paused():
        if cache_dir is False:
            return _compose(spec)
        folder = Path(cache_dir or default_cache_dir()) / spec.cache_key()
        if (folder / "meta.json").exists():
            return _load(spec, folder)
        data = _compose(spec)
        _save(data, folder)
        return data


def generate(
    rows: int,
    seed: int = 7,
    scenario: str = "create",
    profile: str = "flat",
    invalid_fraction: float | None = None,
    *,
    cache_dir: Path | None | bool = None,
) -> tablib.Dataset:
    """A seeded ``tablib.Dataset``: the same arguments give byte-identical CSV every time."""
    spec = DatasetSpec(rows, seed, scenario, profile, invalid_fraction)
    return generate_data(spec, cache_dir).dataset


def export(dataset: tablib.Dataset, fmt: str) -> bytes:
    """The dataset in ``fmt`` (csv, xlsx or json) as bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out = dataset.export(fmt)
    return out.encode("utf-8") if isinstance(out, str) else out

