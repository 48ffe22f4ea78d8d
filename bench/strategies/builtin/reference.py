"""``reference``: the yardstick, not an import strategy.

Django's ``bulk_create`` of already-clean model instances, or for files that touch existing
rows one upsert (``bulk_create(update_conflicts=True)`` on the import key). Turning rows
into instances (parsing, foreign keys through a cached widget, telling new from existing)
happens in :meth:`prepare`, outside the timed region: what is timed is the least work any
import must do to write the same rows. Every report states import time as a multiple of it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from import_export.results import Result

from ...probes import sql
from .. import register
from ..contract import ChunkFact, Outcome, Refused, Strategy, now, where
from ..resources import (
    BatchedCachedInstanceLoader,
    derive,
    fast_fields,
    overridden_hooks,
    refuse_many_to_many,
    refuse_skipped_saves,
    unique_key,
)
from ..settings import Settings


@dataclass
class Prepared:
    instances: list
    new: int
    existing: int
    key_attributes: list[str]
    update_fields: list[str]
    skipped: int = 0
    #: ``(row number, row, ValidationError)`` of the rows that do not clean.
    invalid: list = dataclasses.field(default_factory=list)


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
        hooks = overridden_hooks(resource_class)
        if hooks:
            raise Refused(f"reference writes instances itself and cannot run "
                          f"{resource_class.__name__}.{', '.join(hooks)}")
        refuse_skipped_saves(self.name, resource_class, settings)
        model = resource_class._meta.model
        keys = [resource_class.fields[k].attribute for k in
                resource_class().get_import_id_fields()]
        if not unique_key(model, keys):
            raise Refused(f"reference writes updates with one upsert on the import key, and "
                          f"{', '.join(keys)} is not a unique key of {model._meta.label}")

    def prepare(self, resource_class, dataset, settings: Settings, using="default"):
        """Rows turned into instances the way the library turns them: the resource's
        ``before_import_row``, each field's widget (a ``ValueError`` makes the row invalid,
        as it does in the library), unchanged existing rows skipped when the resource
        says ``skip_unchanged``, then ``full_clean()`` when it says
        ``clean_model_instances``. Invalid rows are reported, not written."""
        self.check(resource_class, dataset, settings)
        resource = derive(resource_class, "Reference", {},
                          fast_fields(resource_class))()
        loader = BatchedCachedInstanceLoader(resource, dataset)
        fields = [f for f in resource.get_import_fields() if f.attribute]
        model = resource._meta.model
        meta = resource._meta
        id_columns = [resource.fields[k].column_name for k in resource.get_import_id_fields()]
        instances, existing, seen = [], 0, {}
        invalid, skipped = [], 0
        for number, values in enumerate(dataset, 1):
            row = dict(zip(dataset.headers, values, strict=True))
            resource.before_import_row(row, row_number=number)
            key = tuple(row.get(c) for c in id_columns)
            if key in seen:
                raise Refused(f"reference writes every key once; row {number} repeats the "
                              f"{', '.join(id_columns)} of row {seen[key]}")
            seen[key] = number
            found = loader.get_instance(row)
            instance = found if found is not None else model()
            original = [f.get_value(found) for f in fields] if found is not None else None
            errors = {}
            for field in fields:
                if field.column_name not in row:
                    continue
                try:
                    field.save(instance, row)
                except ValueError as exc:
                    errors[field.attribute] = ValidationError(str(exc))
                except Exception as exc:  # noqa: BLE001 - the library makes it an error row
                    raise Refused(
                        f"reference imports clean rows only; row {number} does not clean: "
                        f"{type(exc).__name__}: {exc}") from None
            if (found is not None and not errors and meta.skip_unchanged
                    and not meta.skip_diff
                    and original == [f.get_value(instance) for f in fields]):
                skipped += 1
                continue
            try:
                resource.validate_instance(instance, errors)
            except ValidationError as exc:
                invalid.append((number, row, exc))
                continue
            existing += found is not None
            instances.append(instance)
        keys = [resource.fields[k].attribute for k in resource.get_import_id_fields()]
        concrete = {f.name for f in model._meta.concrete_fields if not f.primary_key}
        update_fields = [f.attribute for f in fields
                         if f.attribute in concrete and f.attribute not in keys]
        return Prepared(instances, len(instances) - existing, existing, keys, update_fields,
                        skipped, invalid)

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
        result.totals["skip"] = prepared.skipped
        result.totals["invalid"] = len(prepared.invalid)
        for number, row, error in prepared.invalid:
            result.append_invalid_row(number, row, error)
        fact = ChunkFact(index=0, first_row=1, rows=len(dataset), thread_id=thread_id, pid=pid,
                         start=start, end=end, committed=True, queries=sent.statements,
                         db_s=sent.db_s, lock_s=sent.lock_s, totals=dict(result.totals))
        return Outcome(self.name, settings, result, [fact])
