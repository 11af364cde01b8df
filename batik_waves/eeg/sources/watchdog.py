"""A watchdog that restarts a source whose newest sample is too old.

Muse links drop after minutes with no error (brainflow #522, muse-lsl #184) and
mne-lsl's acquisition thread disconnects quietly after an exception, so a live
source is only as good as the watchdog around it.
"""

from __future__ import annotations

from ...errors import SourceError
from .base import Source, clock

__all__ = ["Watchdog"]


class Watchdog(Source):
    """Wrap *source*; restart it when its newest sample is older than *limit*.

    Restarts are tried from :meth:`read` (so no thread of its own), no sooner than
    *backoff* seconds after the previous attempt, the wait doubling after each
    attempt that brings no data, up to *max_backoff*. A stream that comes back by
    itself is picked up without a restart.

    Parameters
    ----------
    source : Source
        The source to watch (not yet open, or open).
    limit : float
        Seconds without a new sample before a restart.
    backoff, max_backoff : float
        First and longest wait between restart attempts.

    Attributes
    ----------
    restarts : int
        Restart attempts so far.
    failures : int
        Attempts whose ``open()`` failed (the last error is in ``last_error``).
    """

    def __init__(
        self,
        source: Source,
        *,
        limit: float = 2.0,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
    ) -> None:
        super().__init__()
        if not limit > 0 or not 0 < backoff <= max_backoff:
            raise SourceError(
                f"watchdog needs limit > 0 and 0 < backoff <= max_backoff, got {limit}, "
                f"{backoff}, {max_backoff}"
            )
        self.source = source
        self.limit = float(limit)
        self.stall_after = self.limit
        self.backoff0 = float(backoff)
        self.max_backoff = float(max_backoff)
        self.label = source.label
        self.restarts = 0
        self.failures = 0
        self.last_error: str | None = None
        self._wait = self.backoff0
        self._next_try = 0.0

    def _open(self) -> None:
        self.source.open()  # the first open reports its error to the caller
        self._copy_meta()
        self._wait = self.backoff0
        self._next_try = 0.0

    def _copy_meta(self) -> None:
        self.ch_names = self.source.ch_names
        self.ch_types = self.source.ch_types
        self.rate = self.source.rate

    def _read(self):
        src = self.source
        if src.state != "closed":
            chunk = src.read()
            if chunk is not None:
                self._wait = self.backoff0  # data flows again: the next stall starts afresh
                if chunk.ch_names != self.ch_names or chunk.rate != self.rate:
                    self._copy_meta()
                return chunk.times, chunk.data
        if self._newest is None:
            stale = src.newest_age
        else:
            stale = clock() - self._newest
        if stale > self.limit:
            self._maybe_restart()
        return None

    def _maybe_restart(self) -> None:
        now = clock()
        if now < self._next_try:
            return
        self.restarts += 1
        self.source.close()
        try:
            self.source.open()
        except SourceError as err:
            self.failures += 1
            self.last_error = str(err)
        else:
            self._copy_meta()
        self._next_try = clock() + self._wait
        self._wait = min(self.max_backoff, 2.0 * self._wait)

    def device_quality(self) -> dict[str, str]:
        return self.source.device_quality()

    def device_report(self) -> dict:
        return self.source.device_report()

    def _close(self) -> None:
        self.source.close()
