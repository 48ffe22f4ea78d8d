"""What a resource's file holds, column by column, read from the resource itself.

The generator (:mod:`bench.data.synth`) makes files for resources it has never seen, so it
learns each column from what django-import-export and Django already know: the resource's
import fields, each field's widget (its date format, the foreign key's lookup field or
natural key, the many-to-many separator, how booleans are written) and the model field
behind its attribute (type, ``max_length``, ``max_digits``/``decimal_places``, ``choices``,
``null``/``blank``, min/max validators, uniqueness), plus the model's unique groups
(``import_id_fields``, ``unique_together``, unique constraints).

A column it cannot make values for (a ``JSONField``, a file, a declared field without an
attribute, a custom widget over a field it does not know) is kept with the reason, so that
the generator names it instead of filling it with something the import would reject; a
plug-in (``--column NAME=module:function``) supplies its values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Kinds of column the generator makes values for.
KINDS = ("fk", "m2m", "bool", "int", "decimal", "float", "date", "datetime", "time",
         "duration", "uuid", "email", "url", "slug", "ip", "choice", "char", "text")


@dataclass(eq=False)
class Column:
    """One column of the file and what its values must be."""

    name: str
    attribute: str | None
    kind: str | None
    widget: object
    model_field: object = None
    max_length: int | None = None
    max_digits: int | None = None
    decimal_places: int | None = None
    min_value: float | None = None
    max_value: float | None = None
    choices: tuple = ()
    null: bool = False
    blank: bool = False
    #: Unique on its own (``unique=True``, a one-to-one field).
    unique: bool = False
    #: ``fk``/``m2m``: the related model, the field the widget looks rows up by, whether
    #: the value is a natural key (JSON list), and the many-to-many separator.
    target: type | None = None
    lookup: str = "pk"
    natural_key: bool = False
    separator: str = ","
    #: ``date``/``datetime``/``time``: the format the widget reads first.
    date_format: str | None = None
    #: Why no value can be made for this column (``kind`` is then ``None``).
    reason: str | None = None


@dataclass
class Schema:
    """The columns of a resource's file and the groups of them that must be unique."""

    resource_class: type
    model: type
    columns: list[Column]
    #: Column names of ``import_id_fields``.
    key: tuple[str, ...]
    #: Groups of column names whose values together must be unique (the key first).
    unique_groups: list[tuple[str, ...]] = field(default_factory=list)
    #: Whether the resource runs ``full_clean()`` on every instance.
    cleans_instances: bool = False

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def unsupported(self) -> list[Column]:
        return [c for c in self.columns if c.kind is None]


def read_schema(resource_class) -> Schema:
    """The schema of ``resource_class``'s import fields."""
    resource = resource_class()
    model = resource_class._meta.model
    columns = [_column(f, model) for f in resource.get_import_fields()]
    by_attribute = {c.attribute: c.name for c in columns if c.attribute}
    key_fields = [resource.fields[name] for name in resource.get_import_id_fields()
                  if name in resource.fields]
    key = tuple(f.column_name for f in key_fields)
    groups = [key] if key else []
    for group in _unique_groups(model):
        names = tuple(by_attribute[a] for a in group if a in by_attribute)
        if len(names) == len(group) and names not in groups:
            groups.append(names)
    for column in columns:
        if column.unique and (column.name,) not in groups:
            groups.append((column.name,))
    return Schema(resource_class, model, columns, key, groups,
                  bool(getattr(resource_class._meta, "clean_model_instances", False)))


def _unique_groups(model) -> list[tuple[str, ...]]:
    from django.db.models import UniqueConstraint

    groups = [tuple(g) for g in model._meta.unique_together]
    for constraint in model._meta.constraints:
        if isinstance(constraint, UniqueConstraint) and constraint.fields and \
                constraint.condition is None:
            groups.append(tuple(constraint.fields))
    return groups


def _model_field(model, attribute: str | None):
    from django.core.exceptions import FieldDoesNotExist

    if not attribute or "__" in attribute:
        return None
    try:
        return model._meta.get_field(attribute)
    except FieldDoesNotExist:
        return None


def _column(resource_field, model) -> Column:
    from import_export import widgets

    widget = resource_field.widget
    attribute = resource_field.attribute
    column = Column(resource_field.column_name, attribute, None, widget)
    model_field = _model_field(model, attribute)
    column.model_field = model_field
    if model_field is None:
        column.reason = (f"column {column.name!r} has no model field behind it "
                         f"(attribute {attribute!r})")
        return column
    _constraints(column, model_field)
    if isinstance(widget, widgets.ManyToManyWidget):
        column.kind, column.target = "m2m", widget.model
        column.lookup, column.separator = widget.field or "pk", widget.separator or ","
    elif isinstance(widget, widgets.ForeignKeyWidget):
        column.kind, column.target = "fk", widget.model
        column.lookup = widget.field or "pk"
        column.natural_key = bool(getattr(widget, "use_natural_foreign_keys", False))
        if column.natural_key and not hasattr(widget.model, "natural_key"):
            column.kind, column.reason = None, (
                f"column {column.name!r} reads natural keys of {widget.model.__name__}, "
                "which has no natural_key()")
    else:
        column.kind = _kind(model_field, widget)
        if column.kind is None:
            column.reason = (f"column {column.name!r}: no generator for "
                             f"{type(model_field).__name__} read by "
                             f"{type(widget).__name__}")
        elif column.kind in ("date", "datetime", "time"):
            column.date_format = _first_format(widget, column.kind)
    return column


def _constraints(column: Column, model_field) -> None:
    from django.core import validators

    column.max_length = getattr(model_field, "max_length", None)
    column.max_digits = getattr(model_field, "max_digits", None)
    column.decimal_places = getattr(model_field, "decimal_places", None)
    column.null = bool(getattr(model_field, "null", False))
    column.blank = bool(getattr(model_field, "blank", False))
    column.unique = bool(getattr(model_field, "unique", False)) and not \
        getattr(model_field, "primary_key", False)
    column.choices = tuple(value for value, _ in (getattr(model_field, "flatchoices", None)
                                                   or ()))
    for validator in getattr(model_field, "validators", ()):
        if isinstance(validator, validators.MinValueValidator):
            column.min_value = _number(validator.limit_value)
        elif isinstance(validator, validators.MaxValueValidator):
            column.max_value = _number(validator.limit_value)
    if column.min_value is None and "Positive" in type(model_field).__name__:
        column.min_value = 0


def _number(value):
    value = value() if callable(value) else value
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _kind(model_field, widget) -> str | None:
    """The kind of a plain (not relational) column, from the model field; a widget that is
    not one of the library's own for that type is not trusted to read generated text."""
    from django.db import models
    from import_export import widgets

    checks = (
        (models.BooleanField, "bool", (widgets.BooleanWidget,)),
        (models.DateTimeField, "datetime", (widgets.DateTimeWidget,)),
        (models.DateField, "date", (widgets.DateWidget,)),
        (models.TimeField, "time", (widgets.TimeWidget,)),
        (models.DurationField, "duration", (widgets.DurationWidget,)),
        (models.DecimalField, "decimal", (widgets.DecimalWidget,)),
        (models.FloatField, "float", (widgets.FloatWidget,)),
        (models.IntegerField, "int", (widgets.IntegerWidget,)),
        (models.UUIDField, "uuid", (widgets.Widget,)),
        (models.EmailField, "email", (widgets.CharWidget,)),
        (models.URLField, "url", (widgets.CharWidget,)),
        (models.SlugField, "slug", (widgets.CharWidget,)),
        (models.GenericIPAddressField, "ip", (widgets.CharWidget, widgets.Widget)),
        (models.CharField, "char", (widgets.CharWidget,)),
        (models.TextField, "text", (widgets.CharWidget,)),
    )
    for field_type, kind, widget_types in checks:
        if isinstance(model_field, field_type):
            if type(widget) not in (*widget_types, widgets.Widget):
                return None
            if kind == "char" and model_field.choices:
                return "choice"
            if kind == "int" and model_field.choices:
                return "choice"
            return kind
    return None


def _first_format(widget, kind: str) -> str:
    formats = getattr(widget, "formats", None)
    if formats:
        return formats[0]
    return {"date": "%Y-%m-%d", "datetime": "%Y-%m-%d %H:%M:%S", "time": "%H:%M:%S"}[kind]
