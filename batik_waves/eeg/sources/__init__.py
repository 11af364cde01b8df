"""Live sources: one interface for replayed recordings, LSL, BrainFlow, NeuroSky and OSC.

:func:`open_source` turns a spec string into a :class:`Source`:

=================================  ==============================================
``replay:FILE``, ``replay:sample``  a recording played as a real LSL stream (mne-lsl
                                    ``PlayerLSL``, looping), read back through LSL
``lsl:NAME``, ``lsl:type=EEG``      any LSL stream (muse-lsl, BlueMuse, OpenBCI GUI)
``brainflow:BOARD[:k=v,...]``       a BrainFlow board (``synthetic`` needs no hardware)
``neurosky[:HOST:PORT]``            the ThinkGear Connector (default 127.0.0.1:13854)
``osc[:PORT]``                      Mind Monitor's OSC stream (default UDP 5000)
=================================  ==============================================

The default spec is ``replay:sample``, so everything runs with no headset.
"""

from __future__ import annotations

from ...errors import SourceError
from .base import STATES, Chunk, Source, clock
from .watchdog import Watchdog

__all__ = [
    "DEFAULT_SOURCE",
    "KINDS",
    "STATES",
    "Chunk",
    "Source",
    "Watchdog",
    "clock",
    "open_source",
    "parse_spec",
]

#: The source every command uses when none is given.
DEFAULT_SOURCE = "replay:sample"
#: Source kinds and the shape of their spec.
KINDS: dict[str, str] = {
    "replay": "replay:FILE or replay:sample",
    "lsl": "lsl:NAME or lsl:type=EEG",
    "brainflow": "brainflow:BOARD[:key=value,...]",
    "neurosky": "neurosky[:HOST:PORT]",
    "osc": "osc[:PORT]",
}
_LSL_KEYS = {"name": "name", "type": "stype", "stype": "stype", "source_id": "source_id"}


def _key_values(text: str, spec: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in filter(None, (s.strip() for s in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SourceError(
                f"bad key=value {item!r} in source {spec!r}: expected e.g. "
                "'brainflow:cyton:serial_port=/dev/ttyUSB0'"
            )
        out[key.strip()] = value.strip()
    return out


def _port(text: str, spec: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise SourceError(f"bad port {text!r} in source {spec!r}: expected a number 1-65535")
    return port


def parse_spec(spec: str) -> tuple[str, dict]:
    """Split a source spec into its kind and the keyword arguments of its class.

    Examples
    --------
    >>> parse_spec("lsl:type=EEG")
    ('lsl', {'stype': 'EEG'})
    >>> parse_spec("brainflow:cyton:serial_port=/dev/ttyUSB0")
    ('brainflow', {'board': 'cyton', 'serial_port': '/dev/ttyUSB0'})
    >>> parse_spec("neurosky"), parse_spec("osc:5001")
    (('neurosky', {}), ('osc', {'port': 5001}))
    """
    if not isinstance(spec, str) or not spec.strip():
        raise SourceError(f"empty source spec: try {DEFAULT_SOURCE!r}")
    spec = spec.strip()
    kind, _, rest = spec.partition(":")
    kind = kind.lower()
    if kind not in KINDS:
        shapes = "; ".join(KINDS.values())
        raise SourceError(f"unknown source kind {kind!r} in {spec!r}: use one of {shapes}")
    if kind == "replay":
        if not rest:
            raise SourceError(f"source {spec!r} names no file: use {KINDS['replay']}")
        return kind, {"path": rest}
    if kind == "lsl":
        if not rest:
            raise SourceError(f"source {spec!r} names no stream: use {KINDS['lsl']}")
        if "=" not in rest:
            return kind, {"name": rest}
        kw = _key_values(rest, spec)
        unknown = [k for k in kw if k not in _LSL_KEYS]
        if unknown:
            raise SourceError(
                f"bad key {unknown[0]!r} in source {spec!r}: an LSL stream is chosen by "
                "name=, type= or source_id="
            )
        return kind, {_LSL_KEYS[k]: v for k, v in kw.items()}
    if kind == "brainflow":
        board, _, params = rest.partition(":")
        if not board:
            raise SourceError(f"source {spec!r} names no board: use {KINDS['brainflow']}")
        return kind, {"board": board, **_key_values(params, spec)}
    if kind == "neurosky":
        if not rest:
            return kind, {}
        host, sep, port = rest.rpartition(":")
        if not sep or not host:
            raise SourceError(f"bad address {rest!r} in source {spec!r}: use {KINDS['neurosky']}")
        return kind, {"host": host, "port": _port(port, spec)}
    # osc
    return kind, ({"port": _port(rest, spec)} if rest else {})


def open_source(spec: str = DEFAULT_SOURCE, *, watchdog: bool = False, **kw) -> Source:
    """Open the live source *spec* (see the module docstring) and return it.

    Parameters
    ----------
    spec : str
        ``replay:sample``, ``lsl:Muse``, ``brainflow:synthetic``, ``neurosky``, ...
    watchdog : bool
        Wrap the source in a :class:`Watchdog` (restarts it when it stalls).
    **kw
        Passed to the source's class (``timeout=`` for LSL and NeuroSky, ``host=``
        for OSC, ...) or, with *watchdog*, ``limit=`` and ``backoff=`` to it.

    Raises
    ------
    SourceError
        A bad spec, a missing stream or device, a port in use, a missing extra.
    """
    kind, args = parse_spec(spec)
    wd = {k: kw.pop(k) for k in ("limit", "backoff", "max_backoff") if k in kw}
    args.update(kw)
    if kind in ("replay", "lsl"):
        from .lsl import LSLSource, ReplaySource

        cls = ReplaySource if kind == "replay" else LSLSource
    elif kind == "brainflow":
        from .brainflow import BrainFlowSource as cls
    elif kind == "neurosky":
        from .neurosky import NeuroSkySource as cls
    else:
        from .osc import OSCSource as cls
    try:
        src = cls(**args)
    except TypeError as err:
        raise SourceError(f"bad option for source {spec!r}: {err}") from None
    if watchdog:
        src = Watchdog(src, **wd)
    return src.open()
