"""``sequential``: stock ``import_data`` with the library's defaults. The baseline."""

from __future__ import annotations

from .. import register
from ..bases import SingleProcess


@register
class Sequential(SingleProcess):
    name = "sequential"
    summary = "import_data with the library's defaults, one row at a time"
    rank = 0
