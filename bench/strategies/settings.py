"""What a strategy can be told: :class:`Settings`, and the :class:`Knob` a strategy declares
for each setting it reads and that is worth varying.

``Settings`` holds every option in one place, documented per option, as django-import-export
keeps every resource option in one ``Meta``. A strategy lists its knobs (``Strategy.knobs``);
everything that varies settings is derived from those declarations: the benchmark matrix and
its case ids, the values ``tune`` sweeps, the atomicity table, and the command-line flags with
their help. A plug-in strategy may declare a knob that is not a ``Settings`` field: its value
travels in ``Settings.extra`` and is read with :meth:`Knob.of`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import MISSING, asdict, dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class Settings:
    """Every option any strategy reads."""

    #: Rows per ``bulk_create``/``bulk_update`` batch (``bulk``, ``tuned``, ``reference``).
    batch_size: int = 1000
    #: Number of chunks the ``async-chunked`` recipe splits the file into.
    async_size: int = 10
    #: asgiref's ``thread_sensitive``: True runs every chunk on one shared thread.
    thread_sensitive: bool = True
    #: Worker processes (``process-chunked``); the file is split into this many chunks.
    workers: int = 2
    #: The single-process strategy each chunk runs (``async-chunked``, ``process-chunked``).
    inner: str = "sequential"
    #: Rows ``streaming`` reads and imports at a time.
    block_size: int = 5000
    #: The single-process strategy ``streaming`` imports each block with.
    block_inner: str = "tuned"
    #: ``streaming``: one transaction for the whole file (rolled back as ``sequential``'s
    #: is) instead of a commit per block.
    single_transaction: bool = False
    #: ``streaming-parallel``: who writes a block: ``workers`` (each its own, at once),
    #: ``parent`` (workers clean, this process writes), ``auto`` (parent on SQLite).
    writer: str = "auto"
    #: ``streaming``: the rows with problems whose errors the result keeps in full; the
    #: rest are counted (memory then stays flat however many rows fail).
    error_limit: int = 1000
    #: ``None`` keeps the library's default (``IMPORT_EXPORT_USE_TRANSACTIONS``, True).
    use_transactions: bool | None = None
    dry_run: bool = False
    #: Chunked strategies only: turn off django-import-export's PostgreSQL sequence reset
    #: after each chunk (upstream issue #2166: a chunk's reset races the other chunks'
    #: inserts and hands out ids already taken) and reset once after all chunks instead.
    defer_sequence_reset: bool = True
    #: SQLite only, ``process-chunked`` only: ``IMMEDIATE`` makes each worker take the write
    #: lock when its transaction begins, so concurrent chunks queue instead of failing with
    #: "database is locked"; ``DEFERRED`` is SQLite's (and Django's) default.
    sqlite_transaction_mode: str = "IMMEDIATE"
    #: Let bulk writes (``bulk``, ``tuned``, ``reference``) run on a model with an
    #: overridden ``save()`` or save signal receivers, which they skip; refused otherwise.
    allow_skip_signals: bool = False
    #: Values of knobs that are not fields of this class (a plug-in strategy's own), as
    #: sorted ``(name, value)`` pairs, so that settings stay hashable and picklable.
    extra: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self):
        for name in ("batch_size", "async_size", "workers", "block_size", "error_limit"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
        if self.writer not in ("auto", "workers", "parent"):
            raise ValueError(f"writer must be auto, workers or parent, not {self.writer!r}")
        if self.sqlite_transaction_mode not in ("IMMEDIATE", "DEFERRED", "EXCLUSIVE"):
            raise ValueError(
                "sqlite_transaction_mode must be IMMEDIATE, DEFERRED or EXCLUSIVE, "
                f"not {self.sqlite_transaction_mode!r}"
            )

    @staticmethod
    def is_field(name: str) -> bool:
        return name in _FIELDS

    def value(self, name: str, default: Any = None) -> Any:
        """The value of a field, or of an extra knob (``default`` when it was never set)."""
        if name in _FIELDS:
            return getattr(self, name)
        return dict(self.extra).get(name, default)

    def with_values(self, **values) -> Settings:
        """A copy with ``values`` set: fields as fields, anything else as an extra knob."""
        own = {k: v for k, v in values.items() if k in _FIELDS}
        extra = dict(self.extra)
        extra.update({k: v for k, v in values.items() if k not in _FIELDS})
        return replace(self, **own, extra=tuple(sorted(extra.items())))

    def as_dict(self, keys=None) -> dict[str, Any]:
        """Every value by name (extra knobs included), or only ``keys``."""
        values = asdict(self)
        values.update(dict(values.pop("extra")))
        return values if keys is None else {k: values[k] for k in keys}


_FIELDS = {f.name for f in fields(Settings)} - {"extra"}


@dataclass(frozen=True)
class Knob:
    """A setting a strategy reads and that a benchmark may vary.

    The declaration is the one place that says how the setting is named in a case id, which
    values ``tune`` tries, which ``run`` measures when the user gives none, how the command
    line spells it and what its help says.
    """

    #: A :class:`Settings` field, or the name of a plug-in's own setting.
    name: str
    #: One sentence for ``--help``.
    help: str
    #: Prefix of the value in a case id (``bs`` + 1000: ``bs1000``); "" shows the value alone.
    tag: str = ""
    #: Values ``tune`` tries when the user gives none; the default is always added.
    sweep: tuple = ()
    #: Values ``run`` measures when the user gives none (default: the default alone).
    run: tuple | None = None
    #: A small value for demonstrations on a few dozen rows (the atomicity table).
    example: Any = None
    #: How the atomicity table names the example, e.g. ``"{} chunks"``; "" names nothing.
    phrase: str = ""
    #: The default of a plug-in's own setting (a ``Settings`` field has its own default).
    default: Any = None
    #: The flag of ``run`` and ``tune``, which take lists (default: ``--`` + the name).
    flag: str | None = None
    #: False: a case id names this knob only when it is not at its default (``inner``).
    shown_at_default: bool = True
    #: The allowed values, for knobs that take a name (computed when asked: registries grow).
    choices: Callable[[], Sequence[str]] | None = None

    def default_value(self) -> Any:
        if self.name in _FIELDS:
            field = next(f for f in fields(Settings) if f.name == self.name)
            return field.default if field.default is not MISSING else None
        return self.default

    def of(self, settings: Settings) -> Any:
        """This knob's value in ``settings``."""
        return settings.value(self.name, self.default_value())

    def run_values(self) -> list:
        return list(self.run) if self.run is not None else [self.default_value()]

    def example_value(self) -> Any:
        return self.default_value() if self.example is None else self.example

    @property
    def kind(self) -> type:
        return type(self.default_value())

    @property
    def many_flag(self) -> str:
        """The flag that takes a comma-separated list (``run``, ``tune``)."""
        return self.flag or "--" + self.name.replace("_", "-")

    @property
    def one_flag(self) -> str:
        """The flag that takes one value (``import``)."""
        return "--" + self.name.replace("_", "-")

    def label(self, value) -> str:
        """How ``value`` appears in a case id."""
        if isinstance(value, bool):
            value = int(value)
        return f"{self.tag}{value}"

    def parse(self, text: str) -> Any:
        """One value from the command line; ``ValueError`` with a message on a bad one."""
        text = text.strip()
        if self.kind is bool:
            words = {"true": True, "1": True, "yes": True, "false": False, "0": False,
                     "no": False}
            if text.lower() not in words:
                raise ValueError(f"expected true or false, got {text!r}")
            return words[text.lower()]
        if self.kind is int:
            try:
                value = int(text.replace("_", "").replace(",", ""))
            except ValueError:
                raise ValueError(f"expected a whole number, got {text!r}") from None
            if value < 1:
                raise ValueError(f"expected a number of at least 1, got {value}")
            return value
        if self.kind is float:
            try:
                return float(text)
            except ValueError:
                raise ValueError(f"expected a number, got {text!r}") from None
        if self.choices is not None and text not in self.choices():
            raise ValueError(f"unknown {text!r}; choose from {', '.join(self.choices())}")
        return text


#: Shared by every strategy that writes in batches.
BATCH_SIZE = Knob(
    "batch_size", "rows per bulk_create/bulk_update batch", tag="bs",
    sweep=(100, 500, 1000, 5000), example=20, flag="--batch-sizes")
