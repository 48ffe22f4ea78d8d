"""What a run produced, and everything derived from it.

- :mod:`.record`: :class:`~.record.CaseRecord`, the one definition of what a case records;
- :mod:`.summary`: the run's cases related to their yardsticks, ``summary.json``/``.md``;
- :mod:`.recommend` and :mod:`.scaling`: which setting to choose, how time grows with rows;
- :mod:`.charts`, :mod:`.html`, :mod:`.console`: the renderers (PNG, ``report.html``,
  the terminal);
- :mod:`.gate`: the regression gate's baseline file and comparison;
- :mod:`.problems`: an import's errors by row and column, in words a user can act on.

Nothing here runs an import; everything here can be rebuilt from a run folder.
"""
