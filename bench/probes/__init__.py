"""What is observed while an import runs, in whatever thread or worker process runs it.

- :mod:`.queries`: counting SQL statements;
- :mod:`.memory`: peak resident memory of the process and its workers, sampled;
- :mod:`.flames`: pyinstrument reports of untimed passes, one per chunk where the profiler
  of the whole run cannot see the chunk.

Probes sit below the strategies because the strategies call them inside each chunk; what is
derived from their readings (summaries, charts, the gate) lives in :mod:`bench.results`.
"""
