"""What every server the harness starts shares: ``with Server() as handle`` starts it, and
stops it whatever happens (a failed start included, so that nothing half-started is left).
Subclasses define :meth:`Started.start` (returns the handle) and :meth:`Started.stop` (safe
to call twice; also registered with ``atexit`` by the subclass where it matters)."""

from __future__ import annotations


class Started:
    def start(self):
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
