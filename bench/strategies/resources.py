"""Deriving the resource a strategy imports with from the user's resource.

Strategies never patch the user's resource class: they derive a subclass whose ``Meta``
changes only what the strategy must change (django-import-export's metaclass inherits the
parent's ``Meta`` options), and whose declared fields may carry faster widgets.
"""

from __future__ import annotations

import copy

from django.db import connections
from import_export.instance_loaders import BaseInstanceLoader, CachedInstanceLoader
from import_export.widgets import ManyToManyWidget

from .contract import Refused
from .fast_widgets import faster


def derive(resource_class, suffix: str, meta_options: dict, attrs: dict | None = None,
           bases: tuple = ()):
    """A subclass of ``resource_class`` with ``meta_options`` added to its ``Meta``."""
    meta = type("Meta", (), dict(meta_options))
    namespace = {"Meta": meta, "__module__": resource_class.__module__, **(attrs or {})}
    return type(f"{resource_class.__name__}{suffix}", (*bases, resource_class), namespace)


def many_to_many_columns(resource_class, dataset) -> list[str]:
    """Columns of ``dataset`` that ``resource_class`` imports into a many-to-many field."""
    headers = set(dataset.headers or ())
    return [
        f.column_name
        for f in resource_class().get_import_fields()
        if isinstance(f.widget, ManyToManyWidget) and f.column_name in headers
    ]


BULK_MODE = "uses django-import-export's bulk mode, which does not save many-to-many fields"


def refuse_many_to_many(strategy_name: str, resource_class, dataset, why: str = BULK_MODE
                        ) -> None:
    columns = many_to_many_columns(resource_class, dataset)
    if columns:
        raise Refused(
            f"{strategy_name} {why}: column(s) {', '.join(columns)} would be silently "
            "dropped. Use the 'flat' profile, or a strategy that saves many-to-many fields."
        )


def fast_fields(resource_class) -> dict:
    """Declared-field overrides with the fast drop-in of every library widget that has one
    (a plain ``ForeignKeyWidget`` becomes a cached one)."""
    overrides = {}
    for name, field in resource_class.fields.items():
        widget = faster(field.widget)
        if widget is not None:
            field = copy.copy(field)
            field.widget = widget
            overrides[name] = field
    return overrides


def lookup_batch_size(using: str) -> int:
    limit = connections[using].features.max_query_params
    return min(limit - 10, 10_000) if limit else 10_000


def key_values(field, dataset) -> list:
    """The cleaned import-key value of every row."""
    return [field.clean({field.column_name: v}) for v in dataset[field.column_name]]


def in_batches(queryset, attribute: str, values: list):
    """``queryset.filter(<attribute>__in=...)`` over ``values``, a batch of them at a time."""
    step = lookup_batch_size(queryset.db)
    for start in range(0, len(values), step):
        yield queryset.filter(**{f"{attribute}__in": values[start:start + step]})


class BatchedCachedInstanceLoader(CachedInstanceLoader):
    """``CachedInstanceLoader`` whose one ``IN (...)`` query is split into batches (SQLite
    refuses more than 32,766 parameters in one statement)."""

    def __init__(self, resource, dataset=None):
        BaseInstanceLoader.__init__(self, resource, dataset)
        self.pk_field = resource.fields[resource.get_import_id_fields()[0]]
        self.all_instances = {}
        if not dataset or self.pk_field.column_name not in (dataset.headers or ()):
            return
        values = key_values(self.pk_field, dataset)
        for batch in in_batches(self.get_queryset(), self.pk_field.attribute, values):
            for instance in batch:
                self.all_instances[self.pk_field.get_value(instance)] = instance


def any_key_exists(resource_class, dataset, using: str) -> bool:
    """Whether any of the file's import keys is already in the database."""
    resource = resource_class()
    key_fields = [resource.fields[name] for name in resource.get_import_id_fields()]
    if len(key_fields) != 1 or key_fields[0].column_name not in (dataset.headers or ()):
        return True  # cannot tell cheaply: assume updates
    field = key_fields[0]
    queryset = resource.get_queryset().using(using)
    return any(b.exists() for b in in_batches(queryset, field.attribute,
                                                key_values(field, dataset)))
