"""Starting states: made once, copied, restored before every round, checked identical.

A :class:`StartingState` says how to put the database in the state an import starts from
(``seed(using)``: fixtures, a state file, generated rows) and names it with a key. The first
time a state is entered it is made from the migrated, empty database and copied
(:mod:`bench.db.snapshot`), with a fingerprint of every table; every later time the copy is
restored instead of seeding again, and the fingerprint is taken again and must be the same,
so no round starts from a state that drifted. How long each took is kept, so a report can
say what restoring saves over seeding.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from time import perf_counter

from ..db import snapshot
from ..results.record import StateTimes
from ..verify import Fingerprint, fingerprint

#: The key of the migrated, empty database every state is made from.
EMPTY = ("empty",)


@dataclass(frozen=True)
class StartingState:
    """What the database holds before an import: how to put it there (``seed(using)``,
    never timed) and a key naming it."""

    key: Hashable
    seed: Callable[[str], None]
    #: The state's name in reports (default: the key).
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or str(self.key)


class StateDrifted(RuntimeError):
    """A restored state is not the state that was saved."""


class States:
    """The states of one database, by key."""

    def __init__(self, using: str = "default", check: bool = True):
        self.using = using
        self.check = check
        #: Seconds of every state entered, by key, in the order first entered.
        self.times: dict[Hashable, StateTimes] = {}
        self._saved: dict[Hashable, Fingerprint] = {}

    def forget(self) -> None:
        """The database was recreated: every copy is gone."""
        snapshot.discard(self.using)
        self._saved.clear()

    def before(self, key: Hashable) -> Fingerprint | None:
        """The fingerprint of every table in state ``key`` (``None`` if never entered)."""
        return self._saved.get(key)

    def enter(self, state: StartingState) -> Fingerprint:
        """Put the database in ``state``; its fingerprint."""
        from django.db import connections

        if connections[self.using].in_atomic_block:
            return self._reseed(state)
        started = perf_counter()
        saved = self._saved.get(state.key)
        if saved is not None and snapshot.has(state.key, self.using):
            snapshot.restore(state.key, self.using)
            if self.check:
                now = fingerprint(self.using)
                drift = now.differences(saved)
                if drift:
                    raise StateDrifted(f"the restored starting state differs from the one "
                                       f"saved: {', '.join(drift)}")
            self._times(state).restored.append(perf_counter() - started)
            return saved
        if snapshot.has(EMPTY, self.using):
            snapshot.restore(EMPTY, self.using)
        else:
            snapshot.take(EMPTY, self.using)
        state.seed(self.using)
        printed = fingerprint(self.using)
        snapshot.take(state.key, self.using)
        self._saved[state.key] = printed
        self._times(state).made.append(perf_counter() - started)
        return printed

    def _reseed(self, state: StartingState) -> Fingerprint:
        """Inside a transaction (a test that rolls back at its end) a copy cannot be taken
        or restored: every table is emptied and the state made again."""
        started = perf_counter()
        empty_tables(self.using)
        state.seed(self.using)
        printed = fingerprint(self.using)
        self._saved[state.key] = printed
        self._times(state).made.append(perf_counter() - started)
        return printed

    def _times(self, state: StartingState) -> StateTimes:
        found = self.times.get(state.key)
        if found is None:
            found = self.times[state.key] = StateTimes(state.name)
        return found

def empty_tables(using: str = "default") -> None:
    """Delete every row of every table of the project and restart the id sequences (so
    every seeding gives the rows the same ids), then let the apps make what they make after
    a migration (content types, permissions), as Django's ``flush`` does: the migrated,
    empty database again (rows a data migration inserted are not made again)."""
    from django.core.management.color import no_style
    from django.core.management.sql import emit_post_migrate_signal
    from django.db import connections, transaction

    from ..verify.fingerprint import all_models

    connection = connections[using]
    tables = [m._meta.db_table for m in all_models()]
    # foreign key checks a transaction deferred are made now: PostgreSQL refuses to
    # TRUNCATE a table with checks pending
    connection.check_constraints()
    # in one transaction: SQLite checks the (deferred) foreign keys at its end, when every
    # table is empty
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for sql in connection.ops.sql_flush(no_style(), tables, reset_sequences=True,
                                            allow_cascade=True):
            cursor.execute(sql)
    emit_post_migrate_signal(verbosity=0, interactive=False, db=using)


_by_database: dict[str, States] = {}


def states(using: str = "default") -> States:
    """The states of the database ``using`` in this process."""
    found = _by_database.get(using)
    if found is None:
        found = _by_database[using] = States(using)
    return found


def forget_all() -> None:
    """Every database was recreated (``fresh_database``)."""
    for store in _by_database.values():
        store.forget()
    _by_database.clear()
