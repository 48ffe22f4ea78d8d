"""Faster drop-ins for django-import-export's widgets, with the library's results.

Each widget takes a fast path only for the plainest input (``2024-05-17``, ``42``,
``12.50``) where its answer is provably the library's, and otherwise calls the library's own
``clean``, so odd values, empty values and errors behave exactly as before.

Why: with bulk writes and cached lookups, cleaning values is most of what is left of an
import's time. ``DateWidget`` runs ``datetime.strptime`` (with a locale look-up) for every
value, and every number widget runs Django's ``sanitize_separators``, which resolves the
active language's separators for every value.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils.formats import get_format
from import_export.widgets import (
    DateWidget,
    DecimalWidget,
    FloatWidget,
    ForeignKeyWidget,
    IntegerWidget,
    Widget,
)

from .library import VERSION, CachedForeignKeyWidget

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z")
#: At most 15 digits before the point: far below Python's int/str conversion limit.
_PLAIN_INTEGER = re.compile(r"-?\d{1,15}\Z")
_PLAIN_DECIMAL = re.compile(r"-?\d{1,15}(\.\d{1,15})?\Z")


class FastDateWidget(DateWidget):
    """``YYYY-MM-DD`` without ``strptime`` when that is the widget's first format."""

    def clean(self, value, row=None, **kwargs):
        if type(value) is str and self.formats and self.formats[0] == "%Y-%m-%d":
            match = _ISO_DATE.match(value)
            if match:
                try:
                    return date(int(match[1]), int(match[2]), int(match[3]))
                except ValueError:
                    pass  # e.g. February 30th: the library raises its own error
        return super().clean(value, row, **kwargs)


class _PlainNumbers:
    """Whether ``sanitize_separators`` leaves plain digit strings as they are.

    True when the decimal separator is ``.`` and no digit or ``.`` is a thousands
    separator that would be stripped. Resolved once per widget: the active language does not
    change during an import.
    """

    def _plain_is_identity(self) -> bool:
        known = self.__dict__.get("_identity")
        if known is None:
            thousands = get_format("THOUSAND_SEPARATOR") if settings.USE_THOUSAND_SEPARATOR \
                else ""
            known = get_format("DECIMAL_SEPARATOR") == "." and not (
                thousands and set(thousands) & set(".0123456789"))
            self._identity = known
        return known


class FastIntegerWidget(_PlainNumbers, IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        if type(value) is str and _PLAIN_INTEGER.match(value) and self._plain_is_identity():
            return int(value)
        return super().clean(value, row, **kwargs)


class FastFloatWidget(_PlainNumbers, FloatWidget):
    def clean(self, value, row=None, **kwargs):
        if type(value) is str and _PLAIN_DECIMAL.match(value) and self._plain_is_identity():
            return float(value)
        return super().clean(value, row, **kwargs)


class FastDecimalWidget(_PlainNumbers, DecimalWidget):
    def clean(self, value, row=None, **kwargs):
        if type(value) is str and _PLAIN_DECIMAL.match(value) and self._plain_is_identity():
            return Decimal(value)
        return super().clean(value, row, **kwargs)


if CachedForeignKeyWidget is not None:
    class FastCachedForeignKeyWidget(CachedForeignKeyWidget):
        """``CachedForeignKeyWidget`` with its cache keyed by plain tuples.

        In django-import-export 4.4.3 the cache wrapper builds a new ``namedtuple`` class on
        every lookup: about 55 us per row, a sixth of ``tuned``'s time on 20,000 new books.
        Lookups, string coercion and errors are the same as the library's.
        """

        def get_instance_by_lookup_fields(self, value, row, **kwargs):
            lookup = self.get_lookup_kwargs(value, row, **kwargs)
            names = tuple(sorted(lookup))
            indexes = self.__dict__.setdefault("_indexes", {})
            index = indexes.get(names)
            if index is None:
                index = indexes[names] = {}
                for instance in self.get_queryset(value, row, **kwargs):
                    key = tuple(str(getattr(instance, n)) for n in names)
                    index.setdefault(key, []).append(instance)
            found = index.get(tuple(str(lookup[n]) for n in names), ())
            if len(found) == 1:
                return found[0]
            name = self.model._meta.object_name
            if not found:
                raise self.model.DoesNotExist(f"{name} matching query does not exist.")
            raise self.model.MultipleObjectsReturned(
                f"get() returned more than one {name} -- it returned {len(found)}!")


def faster(widget: Widget) -> Widget | None:
    """A fast drop-in for ``widget`` when its type is exactly a library widget, else None.

    Subclasses are left alone: they may override what the fast path skips.
    """
    fast = FASTER.get(type(widget))
    if fast is None:
        return None
    clone = fast.__new__(fast)
    clone.__dict__.update(widget.__dict__)  # the same options, as the library set them
    return clone


FASTER = {
    DateWidget: FastDateWidget,
    IntegerWidget: FastIntegerWidget,
    FloatWidget: FastFloatWidget,
    DecimalWidget: FastDecimalWidget,
}
if CachedForeignKeyWidget is not None:
    FASTER[ForeignKeyWidget] = FASTER[CachedForeignKeyWidget] = FastCachedForeignKeyWidget


def cached_lookups_missing(resource_class) -> str | None:
    """Why foreign keys cannot be looked up once per related model here (this
    django-import-export has no ``CachedForeignKeyWidget``), when the resource has any."""
    if CachedForeignKeyWidget is not None:
        return None
    names = [name for name, field in resource_class.fields.items()
             if type(field.widget) is ForeignKeyWidget]
    if not names:
        return None
    return (f"CachedForeignKeyWidget (for {', '.join(names)}) is new in django-import-export "
            f"4.4; this is {VERSION}")
