"""What ``batik-waves live`` shows: a source's state, sensor quality and band shares.

:func:`monitor` is a generator of plain status dicts, one per *interval*; the
command line prints them. It opens the source behind a
:class:`~batik_waves.eeg.sources.Watchdog`, feeds an
:class:`~batik_waves.eeg.stream.EnvelopeStream` and keeps the last few seconds of
samples for the quality checks, all in bounded memory.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from .quality import sensor_quality
from .sources import DEFAULT_SOURCE, Source, Watchdog, clock, open_source
from .stream import EnvelopeStream

__all__ = ["monitor", "status_line"]

#: Seconds of samples the quality checks look at.
QUALITY_WINDOW = 2.0
#: Seconds of envelope samples the band shares average over.
SHARE_WINDOW = 2.0


def monitor(
    spec: str | Source = DEFAULT_SOURCE,
    *,
    seconds: float | None = None,
    interval: float = 1.0,
    limit: float = 2.0,
    poll: float = 0.02,
    **source_kw,
) -> Iterator[dict]:
    """Yield a status dict every *interval* seconds until *seconds* have passed.

    Parameters
    ----------
    spec : str | Source
        A source spec (``"replay:sample"``, ``"lsl:Muse"``, ...) or a Source (not
        open yet; the monitor opens and closes it).
    seconds : float | None
        Stop after this long; None runs until the caller stops iterating (Ctrl-C).
    interval : float
        Seconds between status dicts.
    limit : float
        The watchdog's stall limit (s).
    poll : float
        Seconds between reads of the source.
    **source_kw
        Passed to :func:`~batik_waves.eeg.sources.open_source`.

    Yields
    ------
    dict
        ``time_s`` (since start), ``source``, ``state``, ``newest_age_s``,
        ``restarts``, ``rate_hz``, ``samples`` (received in the interval),
        ``quality`` (sensor -> good/fair/poor), ``bad`` (sensor -> reason),
        ``band_shares`` (band -> share of power, summing to 1), ``device`` (the
        device's own report, if any).
    """
    import mne  # noqa: F401  (the filter design imports it: before the source starts)

    if isinstance(spec, Source):
        src = Watchdog(spec, limit=limit).open()
        label = spec.label
    else:
        src = open_source(spec, watchdog=True, limit=limit, **source_kw)
        label = spec
    stream: EnvelopeStream | None = None
    raw: np.ndarray | None = None
    filled = 0
    shares_buf: list[np.ndarray] = []
    picks = None
    if src.ch_names:
        stream = EnvelopeStream(src.ch_names, src.ch_types, src.rate)
        picks = stream.picks
        raw = np.zeros((len(stream.ch_names), round(QUALITY_WINDOW * src.rate)))
    start = clock()
    next_report = start + interval
    received = 0
    try:
        while seconds is None or clock() - start < seconds:
            chunk = src.read()
            if chunk is not None:
                received += chunk.n_samples
                if stream is None or stream.n_in != len(chunk.ch_names):
                    stream = EnvelopeStream(chunk.ch_names, chunk.ch_types, chunk.rate)
                    raw = np.zeros((len(stream.ch_names), round(QUALITY_WINDOW * chunk.rate)))
                    shares_buf = []
                    filled = 0
                    picks = stream.picks
                eeg = chunk.data[picks]
                m = min(eeg.shape[1], raw.shape[1])
                raw = np.concatenate((raw[:, m:], eeg[:, -m:]), axis=1)
                filled = min(raw.shape[1], filled + m)
                env = stream.push(chunk)
                if env is not None:
                    shares_buf.append(env.power().mean(axis=1))  # (bands, n)
                    keep = round(SHARE_WINDOW * stream.out_rate)
                    total = sum(s.shape[1] for s in shares_buf)
                    while shares_buf and total - shares_buf[0].shape[1] >= keep:
                        total -= shares_buf.pop(0).shape[1]
            now = clock()
            if now >= next_report:
                window = None if raw is None or filled < 2 else raw[:, -filled:]
                yield _status(label, src, stream, window, shares_buf, now - start, received)
                received = 0
                next_report += interval
                if next_report < now:  # a slow consumer: never report in a burst
                    next_report = now + interval
            time.sleep(poll)
    finally:
        src.close()


def _status(label, src, stream, raw, shares_buf, t, received) -> dict:
    out: dict = {
        "time_s": round(t, 2),
        "source": label,
        "state": src.state,
        "newest_age_s": round(min(src.newest_age, 1e6), 3),
        "restarts": src.restarts,
        "rate_hz": src.rate,
        "samples": received,
        "quality": {},
        "bad": {},
        "band_shares": {},
    }
    if src.last_error:
        out["last_error"] = src.last_error
    if stream is not None and raw is not None:
        out["quality"] = sensor_quality(
            raw,
            stream.rate,
            stream.ch_names,
            line_freq=stream.line_freq or (50.0, 60.0),
            device=src.device_quality(),
        )
        out["bad"] = dict(stream.bad)
        if shares_buf:
            p = np.concatenate(shares_buf, axis=1).mean(axis=1)
            tot = float(p.sum())
            if tot > 0:
                out["band_shares"] = {
                    b: round(float(v / tot), 4) for b, v in zip(stream.bands, p, strict=True)
                }
    device = src.device_report()
    if device:
        out["device"] = device
    return out


def status_line(status: dict) -> str:
    """One human-readable line for a status dict from :func:`monitor`.

    >>> status_line({"time_s": 1.0, "state": "streaming", "newest_age_s": 0.01,
    ...   "restarts": 0, "quality": {"TP9": "good"}, "band_shares": {"alpha": 0.5}})
    '   1.0 s  streaming  newest 0.01 s  restarts 0 | TP9 good | alpha 50%'
    """
    head = (
        f"{status['time_s']:6.1f} s  {status['state']}  newest {status['newest_age_s']:.2f} s"
        f"  restarts {status['restarts']}"
    )
    qual = " ".join(f"{k} {v}" for k, v in status.get("quality", {}).items()) or "no data"
    shares = " ".join(f"{k} {v:.0%}" for k, v in status.get("band_shares", {}).items()) or "-"
    return f"{head} | {qual} | {shares}"
