"""Correct before fast: whether a strategy left the database and reported the result that
``sequential`` does (:mod:`.fingerprint`, :mod:`.compare`)."""

from .compare import Verification, compare, error_set
from .fingerprint import Fingerprint, fingerprint

__all__ = ["Fingerprint", "Verification", "compare", "error_set", "fingerprint"]
