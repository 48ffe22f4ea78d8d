"""The fast widgets must give the library's answer for every input, errors included."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from import_export.widgets import (
    CachedForeignKeyWidget,
    DateWidget,
    DecimalWidget,
    FloatWidget,
    ForeignKeyWidget,
    IntegerWidget,
)

from bench.data.gcpause import cyclic_gc_paused
from bench.strategies.fast_widgets import faster
from sample_app.models import Author

LIBRARY_WIDGETS = [DateWidget(), DateWidget(format="%d/%m/%Y"), IntegerWidget(),
                   FloatWidget(), DecimalWidget()]

TRICKY = ["", " ", None, "0", "-0", "007", "12.50", "-3.25", "1e3", "1,000", "1.000",
          "12,5", "nan", "inf", "２０", "2024-02-29", "2023-02-29", "2024-2-9", "2024-12-01 ",
          "17/05/2024", "9999999999999999", "12.", ".5", "+5", date(2020, 1, 2), 7, 7.5,
          Decimal("1.10")]


def _outcome(widget, value):
    try:
        result = widget.clean(value)
        return ("ok", repr(result), type(result))  # repr: nan == nan
    except Exception as exc:  # noqa: BLE001 - the type is what is compared
        return ("error", type(exc))


def _same(value):
    for widget in LIBRARY_WIDGETS:
        fast = faster(widget)
        assert type(fast) is not type(widget)
        expected, got = _outcome(widget, value), _outcome(fast, value)
        assert got == expected, (type(widget).__name__, value)


@pytest.mark.parametrize("value", TRICKY)
def test_fast_widgets_match_the_library_on_tricky_values(value):
    _same(value)


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.text(alphabet="0123456789-.,e ", max_size=12),
    st.dates().map(date.isoformat),
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
    st.integers().map(str),
))
def test_fast_widgets_match_the_library_on_generated_values(value):
    _same(value)


@override_settings(USE_THOUSAND_SEPARATOR=True, THOUSAND_SEPARATOR=".",
                   DECIMAL_SEPARATOR=",", USE_I18N=False)
@pytest.mark.parametrize("value", ["1.000", "12.50", "1.234.567", "12,5", "42"])
def test_fast_numbers_defer_to_the_library_under_other_separators(value):
    _same(value)


@pytest.mark.django_db
def test_fast_foreign_key_widget_matches_the_cached_one():
    Author.objects.create(name="Ann Lee")
    Author.objects.create(name="Bo Yu")
    library = CachedForeignKeyWidget(Author, field="name")
    fast = faster(ForeignKeyWidget(Author, field="name"))
    assert isinstance(fast, CachedForeignKeyWidget)
    for value in ["Ann Lee", "Bo Yu", ""]:
        assert fast.clean(value) == library.clean(value)
    with pytest.raises(Author.DoesNotExist):
        fast.clean("Nobody")
    assert faster(IntegerWidget()).clean("5") == 5
    assert faster(type("Custom", (IntegerWidget,), {})()) is None  # subclasses left alone


def test_gc_pause_nests_and_restores():
    import gc
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
