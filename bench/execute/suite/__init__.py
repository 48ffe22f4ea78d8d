"""The benchmark matrix as a pytest-benchmark suite; ``python -m bench run`` runs it."""
