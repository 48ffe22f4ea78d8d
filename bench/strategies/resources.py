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
    """A subclass of ``resource_class`` with ``meta_options`` added to its ``Meta``.

    The new ``Meta`` inherits the user's, so an option of their own (read by their code as
    ``self.Meta.<name>``) is still there, and only ``meta_options`` change."""
    parent = resource_class.__dict__.get("Meta") or getattr(resource_class, "Meta", None)
    meta = type("Meta", (parent,) if isinstance(parent, type) else (), dict(meta_options))
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
            "dropped. Import such a file with a strategy that saves row by row (sequential, "
            "async-chunked, process-chunked), or leave the column out of the file."
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
    refuses more than 32,766 parameters in one statement), and which matches every field of
    a composite ``import_id_fields`` (the library's matches the first one only)."""

    def __init__(self, resource, dataset=None):
        BaseInstanceLoader.__init__(self, resource, dataset)
        self.key_fields = [resource.fields[f] for f in resource.get_import_id_fields()]
        self.pk_field = self.key_fields[0]
        self.all_instances = {}
        headers = set((dataset.headers or ()) if dataset else ())
        if not dataset or not all(f.column_name in headers for f in self.key_fields):
            return
        values = list(dict.fromkeys(key_values(self.pk_field, dataset)))
        for batch in in_batches(self.get_queryset(), self.pk_field.attribute, values):
            for instance in batch:
                key = tuple(f.get_value(instance) for f in self.key_fields)
                self.all_instances[key] = instance

    def get_instance(self, row):
        try:
            key = tuple(f.clean(row) for f in self.key_fields)
        except Exception:  # noqa: BLE001 - a key that does not clean matches no instance
            return None
        return self.all_instances.get(key)


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


#: Hooks of a resource that act on instances or results: a strategy that writes instances
#: itself (``reference``) cannot run them, so a resource that overrides one is refused.
INSTANCE_HOOKS = ("after_import_row", "before_save_instance", "after_save_instance",
                  "save_instance", "import_instance", "import_row", "skip_row",
                  "get_or_init_instance", "init_instance", "after_init_instance",
                  "import_field", "save_m2m", "for_delete", "delete_instance")


def overridden_hooks(resource_class, hooks=INSTANCE_HOOKS) -> list[str]:
    """The hooks in ``hooks`` that ``resource_class`` (or a base of the user's) overrides."""
    from import_export.resources import ModelResource, Resource

    library = (ModelResource, Resource)
    found = []
    for name in hooks:
        for klass in resource_class.__mro__:
            if klass in library or klass is object:
                break
            if name in klass.__dict__:
                found.append(name)
                break
    return found


def skipped_saves(model) -> list[str]:
    """What bulk writes would skip for ``model``: an overridden ``save()``, and receivers
    of ``pre_save``/``post_save``."""
    from django.db.models import Model
    from django.db.models.signals import post_save, pre_save

    found = []
    if model.save is not Model.save:
        found.append("an overridden save()")
    for name, signal in (("pre_save", pre_save), ("post_save", post_save)):
        if signal.has_listeners(model):
            found.append(f"{name} receivers")
    return found


def refuse_skipped_saves(strategy_name: str, resource_class, settings) -> None:
    """Refuse a bulk write of a model whose ``save()`` or save signals would be skipped,
    unless the user allowed it (``--allow-skip-signals``)."""
    if settings.allow_skip_signals:
        return
    model = resource_class._meta.model
    skipped = skipped_saves(model)
    if skipped:
        raise Refused(
            f"{strategy_name} writes {model._meta.label} with bulk_create/bulk_update, which "
            f"skip {' and '.join(skipped)}: rows would be written without them. Pass "
            "--allow-skip-signals to run it anyway")


def unique_groups(model) -> list[list[str]]:
    """The field names of every ``unique_together`` and unconditional unique constraint of
    ``model``, in declaration order."""
    from django.db.models import UniqueConstraint

    meta = model._meta
    groups = [list(g) for g in meta.unique_together]
    groups += [list(c.fields) for c in meta.constraints
               if isinstance(c, UniqueConstraint) and c.fields and c.condition is None]
    return groups


def unique_key(model, attributes: list[str]) -> bool:
    """Whether ``attributes`` are exactly a unique field, ``unique_together`` or an
    unconditional unique constraint of ``model`` (what an upsert's conflict target needs)."""
    wanted = set(attributes)
    if len(wanted) == 1:
        (name,) = wanted
        try:
            field = model._meta.get_field(name)
        except Exception:  # noqa: BLE001 - not a model field
            return False
        if field.primary_key or getattr(field, "unique", False):
            return True
    return wanted in [set(group) for group in unique_groups(model)]


def written_fields(resource) -> list[str]:
    """The model fields an import of ``resource`` writes, its import key left out: what an
    upsert updates."""
    model = resource._meta.model
    concrete = {f.name for f in model._meta.concrete_fields if not f.primary_key}
    keys = set(resource.get_import_id_fields())
    return [f.attribute for name, f in resource.fields.items()
            if name not in keys and f.attribute in concrete]
