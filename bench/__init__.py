"""django-import-bench: how fast django-import-export imports, and whether it stays correct."""
