"""Running cases.

- :mod:`.runner`: the one runner of a verified case (check, baseline, untimed setup, timed
  rounds, verification, flame pass);
- :mod:`.project`: the project under test (which resource a case imports with, which state
  it starts from);
- :mod:`.matrix`: which cases a run measures, derived from the strategies' knobs;
- :mod:`.run` and :mod:`.suite`: a matrix through pytest-benchmark into a run folder;
- :mod:`.tune`, :mod:`.regress`, :mod:`.importing`: what ``tune``, ``regress`` and
  ``import`` run.
"""
