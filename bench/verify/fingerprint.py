"""A fingerprint of the database after an import, for any project's models: the row count
of every table compared and an order-independent digest of its rows.

A row is written down without anything that depends on the order rows were inserted in or
on chance, so that two imports of the same file that leave the same data give the same
fingerprint:

- an automatic primary key is left out, and a foreign key (or one-to-one, or a
  many-to-many table's link) is written as what identifies the row it points at: the
  target's first unique field, else its ``unique_together``/unique constraint fields, else
  its ``natural_key()``, else its whole row (without its own id);
- values the import does not decide are left out and named (:attr:`Fingerprint.left_out`):
  ``auto_now``/``auto_now_add`` fields and fields with a callable default
  (``timezone.now``, ``uuid4``, a random string), unless the caller says the import writes
  them (``decided``: the resource's own import fields).

Which tables are compared is the caller's (:func:`tables_for` gives the resource's model
and its many-to-many tables; the runner adds every other table that ``sequential`` changed).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..strategies.resources import unique_groups

#: The marker table of the harness and Django's migration bookkeeping are never compared.
_SKIPPED_APPS = {"bench"}


@dataclass(frozen=True)
class Fingerprint:
    counts: dict[str, int]
    digests: dict[str, str]
    #: Fields left out of the comparison, by table: ``["created_at (callable default)"]``.
    left_out: dict[str, list[str]] = field(default_factory=dict)

    def differences(self, other: Fingerprint) -> list[str]:
        """What differs from ``other`` (the baseline), as short phrases, over the tables
        ``other`` holds."""
        found = []
        for table, count in other.counts.items():
            mine = self.counts.get(table)
            if mine is None:
                found.append(f"{table} not compared")
            elif mine != count:
                found.append(f"{table} rows {mine:,} vs {count:,}")
            elif self.digests.get(table) != other.digests[table]:
                found.append(f"{table} values differ")
        return found

    def only(self, tables) -> Fingerprint:
        """This fingerprint over ``tables`` alone."""
        tables = [t for t in tables if t in self.counts]
        return Fingerprint({t: self.counts[t] for t in tables},
                           {t: self.digests[t] for t in tables},
                           {t: v for t, v in self.left_out.items() if t in tables})

    def changed_tables(self, other: Fingerprint) -> list[str]:
        """Tables whose rows differ between this fingerprint and ``other``."""
        return [t for t in self.counts if t in other.counts and (
            self.counts[t] != other.counts[t] or self.digests[t] != other.digests[t])]

    def left_out_phrases(self) -> list[str]:
        return [f"{table}.{name}" for table, names in self.left_out.items() for name in names]


def table_name(model) -> str:
    """The name a table goes by in fingerprints and reports: ``app_label.model``."""
    return model._meta.label_lower


def all_models() -> list:
    """Every concrete model of the project, many-to-many tables included."""
    from django.apps import apps

    return [m for m in apps.get_models(include_auto_created=True)
            if not m._meta.proxy and m._meta.managed and m._meta.app_label not in _SKIPPED_APPS]


def tables_for(model) -> list:
    """The model and the tables of its many-to-many fields."""
    found = [model]
    for m2m in model._meta.many_to_many:
        through = m2m.remote_field.through
        if through not in found:
            found.append(through)
    return found


def models_named(names: Iterable[str]) -> list:
    from django.apps import apps

    return [apps.get_model(name) for name in names]


def undecided_reason(model_field) -> str | None:
    """Why a field's value is not the import's to decide, or ``None``."""
    if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
        return "auto_now" if getattr(model_field, "auto_now", False) else "auto_now_add"
    if model_field.has_default() and callable(model_field.default):
        name = getattr(model_field.default, "__name__", type(model_field.default).__name__)
        return f"callable default {name}"
    return None


def _is_auto_key(model_field) -> bool:
    from django.db.models import AutoField, BigAutoField, SmallAutoField

    return isinstance(model_field, AutoField | BigAutoField | SmallAutoField)


class _Rows:
    """Row texts and identities of the models of one fingerprint, computed once each."""

    def __init__(self, using: str, decided: dict[str, set[str]]):
        self.using = using
        self.decided = decided
        self.left_out: dict[str, list[str]] = {}
        self._identity: dict[str, dict] = {}
        self._visiting: set[str] = set()

    def compared_fields(self, model) -> list:
        """The concrete fields a row is written with; records those left out."""
        name = table_name(model)
        decided = self.decided.get(name, set())
        compared, left_out = [], []
        for f in model._meta.concrete_fields:
            if f.primary_key and _is_auto_key(f):
                continue
            reason = None if f.name in decided or f.attname in decided else undecided_reason(f)
            if reason:
                left_out.append(f"{f.name} ({reason})")
            else:
                compared.append(f)
        if left_out:
            self.left_out[name] = left_out
        return compared

    def texts(self, model) -> dict:
        """``{pk: row text}`` of every row of ``model``."""
        fields_ = self.compared_fields(model)
        columns = [f.attname for f in fields_]
        pk = model._meta.pk.attname
        relations = {f.attname: f.related_model for f in fields_ if f.is_relation}
        out = {}
        rows = model._default_manager.using(self.using).values_list(pk, *columns)
        for values in rows.iterator(chunk_size=2000):
            parts = []
            for column, value in zip(columns, values[1:], strict=True):
                if column in relations and value is not None:
                    value = self.identity(relations[column], value)
                parts.append(_text(value))
            out[values[0]] = "\x1f".join(parts)
        return out

    def identity(self, model, pk) -> str:
        """What identifies row ``pk`` of ``model`` without its database id."""
        name = table_name(model)
        known = self._identity.get(name)
        if known is None:
            known = self._identity[name] = self._identities(model)
        return known.get(pk, f"<missing {name} {pk}>")

    def _identities(self, model) -> dict:
        name = table_name(model)
        meta = model._meta
        if not _is_auto_key(meta.pk) and undecided_reason(meta.pk) is None:
            return {pk: _text(pk) for pk in
                    model._default_manager.using(self.using).values_list("pk", flat=True)}
        unique = _unique_fields(model)
        if unique:
            fields_ = [meta.get_field(n) for n in unique]
            if not any(f.is_relation for f in fields_):
                rows = model._default_manager.using(self.using).values_list("pk", *unique)
                return {r[0]: "\x1d".join(_text(v) for v in r[1:]) for r in rows}
        if hasattr(model, "natural_key"):
            return {obj.pk: "\x1d".join(_text(v) for v in obj.natural_key())
                    for obj in model._default_manager.using(self.using).all()}
        if name in self._visiting:  # a cycle of foreign keys: the id is all there is
            return {}
        self._visiting.add(name)
        try:
            return {pk: f"({text})" for pk, text in self.texts(model).items()}
        finally:
            self._visiting.discard(name)


def _unique_fields(model) -> list[str]:
    """The first unique field of ``model`` decided by data, else the fields of its first
    ``unique_together`` or unconditional unique constraint; ``[]`` when none."""
    for f in model._meta.concrete_fields:
        if f.unique and not f.primary_key and undecided_reason(f) is None:
            return [f.name]
    groups = unique_groups(model)
    return groups[0] if groups else []


def fingerprint(using: str = "default", models: Iterable | None = None,
                decided: dict[str, set[str]] | None = None,
                read: dict[str, dict] | None = None) -> Fingerprint:
    """The fingerprint of ``models`` (default: every model of the project). ``decided``:
    field names, by table, that the import writes even though they have a callable default.
    ``read``: :func:`row_texts` of some tables, by table, just read with the same
    ``decided`` (not read twice: a million rows take about 9 s)."""
    rows = _Rows(using, decided or {})
    read = read or {}
    counts, digests = {}, {}
    for model in (all_models() if models is None else models):
        name = table_name(model)
        if name in read:
            rows.compared_fields(model)  # what is left out, as when read here
            texts = sorted(read[name].values())
        else:
            texts = sorted(rows.texts(model).values())
        digest = hashlib.sha256()
        for text in texts:
            digest.update(text.encode("utf-8"))
            digest.update(b"\x1e")
        counts[name] = len(texts)
        digests[name] = digest.hexdigest()
    return Fingerprint(counts, digests, dict(rows.left_out))


def row_texts(model, using: str = "default", decided: set[str] = frozenset()) -> dict:
    """``{pk: row text}`` of one model, written as in its fingerprint (the accounting check
    compares them before and after an import)."""
    return _Rows(using, {table_name(model): set(decided)}).texts(model)


def _text(value) -> str:
    if isinstance(value, float):
        return repr(value)
    return "" if value is None else str(value)
