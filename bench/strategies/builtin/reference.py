"""``reference``: the yardstick, not an import strategy.

Django's ``bulk_create`` of already-clean model instances, or for files that touch existing
rows one upsert (``bulk_create(update_conflicts=True)`` on the import key). Turning rows
into instances (parsing, foreign keys through a cached widget, telling new from existing)
happens in :meth:`prepare`, outside the timed region: what is timed is the least work any
import must do to write the same rows. Every report states import time as a multiple of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from import_export.results import Result

from ...probes import sql
from .. import register
from ..contract import ChunkFact, Outcome, Refused, Strategy, now, where
from ..resources import BatchedCachedInstanceLoader, derive, fast_fields, refuse_many_to_many
from ..settings import Settings


@dataclass
class Prepared:
    instances: list
    new: int
    existing: int
    key_attributes: list[str]
    update_fields: list[str]


@register
class Reference(Strategy):
    name = "reference"
    summary = "bulk_create / upsert of clean instances, parsed before the clock starts"
    # one fixed yardstick: batches of Settings().batch_size, nothing to vary
    supports_dry_run = False
    imports_failing_rows = False
    rank = 5

    def check(self, resource_class, dataset, settings: Settings) -> None:
        refuse_many_to_many(self.name, resource_class, dataset,
                            "writes with bulk_create, which does not save many-to-many fields")
        if settings.dry_run:
            raise Refused("reference writes clean instances; it has no dry run")

    def prepare(self, resource_class, dataset, settings: Settings, using="default"):
        self.check(resource_class, dataset, settings)
        resource = derive(resource_class, "Reference", {},
                          fast_fields(resource_class))()
        loader = BatchedCachedInstanceLoader(resource, dataset)
        fields = list(resource.get_import_fields())
        model = resource._meta.model
        id_columns = [resource.fields[k].column_name for k in resource.get_import_id_fields()]
        instances, existing, seen = [], 0, {}
        for number, values in enumerate(dataset, 1):
            row = dict(zip(dataset.headers, values, strict=True))
            key = tuple(row.get(c) for c in id_columns)
            if key in seen:
                raise Refused(f"reference writes every key once; row {number} repeats the "
                              f"{', '.join(id_columns)} of row {seen[key]}")
            seen[key] = number
            instance = model()
            try:
                for field in fields:
                    if field.column_name in row:
                        field.save(instance, row)
            except Exception as exc:
                raise Refused(
                    f"reference imports clean rows only; row {number} does not clean: "
                    f"{type(exc).__name__}: {exc}"
                ) from None
            existing += loader.get_instance(row) is not None
            instances.append(instance)
        keys = [resource.fields[k].attribute for k in resource.get_import_id_fields()]
        concrete = {f.name for f in model._meta.concrete_fields if not f.primary_key}
        update_fields = [f.attribute for f in fields
                         if f.attribute in concrete and f.attribute not in keys]
        return Prepared(instances, len(instances) - existing, existing, keys, update_fields)

    def run(self, resource_class, dataset, settings: Settings, prepared: Prepared = None,
            using: str = "default") -> Outcome:
        """Write ``prepared`` (consumed: ``bulk_create`` sets the instances' ids)."""
        if prepared is None:
            prepared = self.prepare(resource_class, dataset, settings, using)
        model = resource_class._meta.model
        upsert = {}
        if prepared.existing:
            upsert = {"update_conflicts": True, "unique_fields": prepared.key_attributes,
                      "update_fields": prepared.update_fields}
        thread_id, pid = where()
        start = now()
        with sql.counted() as sent, transaction.atomic(using=using):
            model.objects.using(using).bulk_create(
                prepared.instances, batch_size=settings.batch_size, **upsert
            )
        end = now()
        result = Result()
        result.total_rows = len(dataset)
        result.totals["new"] = prepared.new
        result.totals["update"] = prepared.existing
        fact = ChunkFact(index=0, first_row=1, rows=len(dataset), thread_id=thread_id, pid=pid,
                         start=start, end=end, committed=True, queries=sent.statements,
                         db_s=sent.db_s, lock_s=sent.lock_s)
        return Outcome(self.name, settings, result, [fact])
