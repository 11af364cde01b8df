"""Every option a user can give, declared once.

An :class:`Option` holds its name, default, help, command-line flags and its check.
That one declaration drives the jobs' validation (:func:`resolve`), the command
line's flags (:func:`add_arguments`) and the JSON record (:func:`record`), so an
option means the same thing, with the same check and the same message, in every
command that has it. A bad value raises :class:`~batik_waves.errors.ParameterError`
(or its :class:`~batik_waves.errors.MotifError` / :class:`~batik_waves.errors.MappingError`
branches) whichever command it came through, before anything is read.

Checks accept what Python callers pass and the strings the command line passes:

>>> resolve("render", {"seed": "7", "window": "10:70"}).seed
7
>>> resolve("render", {"seed": -1})
Traceback (most recent call last):
...
batik_waves.errors.ParameterError: Invalid value for the 'seed' parameter: expected a whole number of 0 or more, but got -1 instead.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from .._check import allowed_text, check_choice, check_number, invalid
from ..errors import MotifError, ParameterError
from ..mapping.rules import load_mapping
from ..motifs import registry
from ..motifs._params import REPEATS
from ..motifs.palette import palette as make_palette
from ..render.encode import FORMAT_NAMES, parse_fps, parse_timecode

__all__ = [
    "COMMANDS",
    "OPTIONS",
    "Option",
    "Resolved",
    "add_arguments",
    "given",
    "parse_window",
    "record",
    "resolve",
]

#: Default tile side in pixels.
DEFAULT_SIZE = 2048
#: DPI written into PNGs when none is asked for (what textile printers want).
DEFAULT_DPI = 300.0
#: Largest video frame side.
MAX_FRAME_SIDE = 8192


@dataclass(frozen=True)
class Option:
    """One option: its keyword, default, flags, help and check.

    ``check(value)`` returns the value normalised (``"7"`` -> 7) or raises a
    :class:`ParameterError` naming the option, what is allowed and what it got.
    """

    name: str
    default: Any
    help: str
    flags: tuple[str, ...]
    check: Callable[[Any], Any]
    metavar: str | None = None
    flag_only: bool = False  # a store_true switch on the command line
    keyword: str | None = None  # the functions' keyword, when not *name*

    @property
    def kw(self) -> str:
        return self.keyword or self.name

    def value(self, given: Any) -> Any:
        """*given* checked, or the default when None."""
        if given is None:
            return None if self.default is None else self.check(self.default)
        return self.check(given)


# ---------------------------------------------------------------------- checks
def _int_of(value: Any, name: str, **kw: Any) -> int:
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?\d+", text):
            value = int(text)
    return int(check_number(value, name, integer=True, **kw))


def _float_of(value: Any, name: str, **kw: Any) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            pass
    return float(check_number(value, name, **kw))


def _bool(name: str) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        if isinstance(value, bool):
            return value
        raise invalid(name, f"expected True or False, but got {value!r} instead.")

    return check


#: ``-m auto``: the mapping chooses the family from the recording's overall features.
AUTO = "auto"


def check_motifs(value: Any) -> tuple[str, ...]:
    """``"all"``, ``"auto"``, a motif name or a list of names -> the motif names, checked
    (``("auto",)`` stays as it is: the family is chosen once the recording is read)."""
    names = registry.names()
    if isinstance(value, str):
        value = names if value == "all" else (value,)
    value = tuple(value)
    if not value:
        raise invalid("motif", "no motif given.", MotifError)
    for m in value:
        check_choice(m, (*names, "all", AUTO), "motif", MotifError)
    if AUTO in value and len(value) > 1:
        raise invalid("motif", f"'auto' chooses one family; give it alone, not {value!r}.")
    return tuple(dict.fromkeys(names if "all" in value else value))


def check_motif(value: Any) -> str:
    """One motif name (or ``"auto"``), checked."""
    return check_choice(value, (*registry.names(), AUTO), "motif", MotifError)


def check_live_motif(value: Any) -> str:
    """One motif name, checked: a live cloth has no whole recording to choose from."""
    return check_choice(value, registry.names(), "motif", MotifError)


def check_variant(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid("variant", f"expected a variant name, but got {value!r} instead.", MotifError)
    return value


def check_palette(value: Any) -> Any:
    make_palette(value)
    return value


def check_repeat(value: Any) -> str:
    return check_choice(value, REPEATS, "repeat", MotifError)


def check_mapping(value: Any) -> Any:
    return load_mapping(value)


def parse_window(text: Any) -> tuple[float | None, float | None]:
    """``"10:70"`` (seconds; either side may be empty) or a pair -> (start, end).

    >>> parse_window("10:70"), parse_window(":30"), parse_window("12.5:")
    ((10.0, 70.0), (None, 30.0), (12.5, None))
    >>> parse_window("70:10")
    Traceback (most recent call last):
    ...
    batik_waves.errors.ParameterError: Invalid value for the 'window' parameter: END must come after START, but got '70:10' instead.
    """
    if text is None:
        return (None, None)
    shape = f"expected START:END in seconds (like 10:70 or 30:), but got {text!r} instead."
    if isinstance(text, str):
        parts = text.split(":")
        if len(parts) != 2:
            raise invalid("window", shape)
        try:
            lo, hi = (float(p) if p.strip() else None for p in parts)
        except ValueError:
            raise invalid("window", shape) from None
    else:
        try:
            lo, hi = text
            lo = None if lo is None else float(lo)
            hi = None if hi is None else float(hi)
        except (TypeError, ValueError):
            raise invalid("window", shape) from None
    for v in (lo, hi):
        if v is not None and (not math.isfinite(v) or v < 0):
            raise invalid("window", f"seconds must be 0 or more, but got {text!r} instead.")
    if lo is not None and hi is not None and hi <= lo:
        raise invalid("window", f"END must come after START, but got {text!r} instead.")
    return (lo, hi)


def check_frame_size(value: Any) -> tuple[int, int]:
    """``"1920x1080"`` or ``(1920, 1080)`` -> (width, height).

    >>> check_frame_size("1080x1920")
    (1080, 1920)
    """
    err = invalid(
        "size",
        f"expected WIDTHxHEIGHT in pixels (like 1920x1080, 3840x2160 or 1080x1920), each "
        f"from 16 to {MAX_FRAME_SIDE}, but got {value!r} instead.",
    )
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", value)
        if not m:
            raise err
        w, h = int(m.group(1)), int(m.group(2))
    else:
        try:
            w, h = value
        except (TypeError, ValueError):
            raise err from None
        if any(isinstance(v, bool) or not isinstance(v, int) for v in (w, h)):
            try:
                import numpy as np

                if all(isinstance(v, np.integer) for v in (w, h)):
                    w, h = int(w), int(h)
                else:
                    raise err
            except ImportError:  # pragma: no cover - numpy is a dependency
                raise err from None
    if not (16 <= w <= MAX_FRAME_SIDE and 16 <= h <= MAX_FRAME_SIDE):
        raise err
    return int(w), int(h)


def check_fps(value: Any) -> Fraction:
    return parse_fps(value)


def check_format(value: Any) -> str:
    return check_choice(value, FORMAT_NAMES, "format")


def check_timecode(value: Any) -> str:
    if not isinstance(value, str):
        raise invalid(
            "timecode", f"expected HH:MM:SS:FF (like 01:00:00:00), but got {value!r} instead."
        )
    return value.strip()


def check_source(value: Any) -> str:
    """A live source spec, its shape checked (the source is opened later)."""
    from ..eeg.sources import parse_spec

    if not isinstance(value, str):
        raise invalid("source", f"expected a source spec, but got {value!r} instead.")
    parse_spec(value)  # SourceError: an unknown kind, a bad port
    return value.strip()


def check_host(value: Any) -> str:
    """An IP address (or ``localhost``) to listen on."""
    import ipaddress

    text = value.strip() if isinstance(value, str) else value
    if text == "localhost":
        return "127.0.0.1"
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise invalid(
            "host",
            f"expected an IP address such as 127.0.0.1 or 0.0.0.0, but got {value!r} instead.",
        ) from None


# ------------------------------------------------------------------- the table
def _options() -> dict[str, Option]:
    opts = [
        Option(
            "motifs",
            "all",
            "which motifs: all (default), auto (the mapping chooses the family) or a name: "
            + ", ".join(registry.names()),
            ("-m", "--motif"),
            check_motifs,
            metavar="NAME",
            keyword="motif",
        ),
        Option(
            "motif",
            "kawung",
            "which motif: "
            + ", ".join(registry.names())
            + ", or auto (the mapping chooses; default kawung)",
            ("-m", "--motif"),
            check_motif,
            metavar="NAME",
        ),
        Option(
            "live_motif",
            "kawung",
            "which motif: " + ", ".join(registry.names()) + " (default kawung)",
            ("-m", "--motif"),
            check_live_motif,
            metavar="NAME",
            keyword="motif",
        ),
        Option(
            "variant",
            None,
            "a named variant: picis, sen, barong, rusak, ...",
            ("--variant",),
            check_variant,
            metavar="NAME",
        ),
        Option(
            "palette",
            None,
            "colourway name or hex colours ground,ink,fill,... (default: the mapping's choice)",
            ("--palette",),
            check_palette,
            metavar="NAME|#hex,...",
        ),
        Option(
            "size",
            None,
            f"tile side in pixels (default {DEFAULT_SIZE})",
            ("--size",),
            lambda v: _int_of(v, "size", lo=16, hi=20000, unit="pixels"),
            metavar="PX",
        ),
        Option(
            "cm",
            None,
            "tile side in cm at --dpi (e.g. --dpi 300 --cm 20)",
            ("--cm",),
            lambda v: _float_of(v, "cm", lo=0, hi=500, lo_open=True, unit="cm"),
            metavar="CM",
        ),
        Option(
            "dpi",
            None,
            f"print DPI in the PNGs (default {DEFAULT_DPI:g})",
            ("--dpi",),
            lambda v: _float_of(v, "dpi", lo=10, hi=4800),
            metavar="N",
        ),
        Option(
            "repeat",
            None,
            "how tiles are laid: " + ", ".join(REPEATS) + " (default: the motif's own)",
            ("--repeat",),
            check_repeat,
            metavar="KIND",
        ),
        Option(
            "seed",
            0,
            "seed of the maker's hand: crackle, line wobble (default 0)",
            ("--seed",),
            lambda v: _int_of(v, "seed", lo=0),
            metavar="N",
        ),
        Option(
            "mapping",
            None,
            "mapping file or preset: default, calm, vivid, classic",
            ("--mapping",),
            check_mapping,
            metavar="FILE.toml|NAME",
        ),
        Option(
            "window",
            None,
            "only this stretch of the recording (seconds, e.g. 30:90)",
            ("--window",),
            parse_window,
            metavar="START:END",
        ),
        Option(
            "transparent",
            False,
            "leave the ground transparent (for compositing)",
            ("--transparent",),
            _bool("transparent"),
            flag_only=True,
        ),
        Option(
            "format",
            None,
            "override the format chosen by OUT's extension: mp4, prores, qtrle "
            "(QuickTime Animation), webm, png, dnxhr (DNxHR HQ, .mxf or .mov), "
            "dnxhr-444 (DNxHR 444)",
            ("--format",),
            check_format,
            metavar="NAME",
        ),
        Option(
            "fps",
            "30",
            "24, 25, 30, 60, 23.976, 29.97 or 59.94 (kept as exact ratios; default 30)",
            ("--fps",),
            check_fps,
            metavar="RATE",
        ),
        Option(
            "frame_size",
            (1920, 1080),
            "WIDTHxHEIGHT of the frames (default 1920x1080)",
            ("--size",),
            check_frame_size,
            metavar="WxH",
            keyword="size",
        ),
        Option(
            "timecode",
            None,
            "start timecode HH:MM:SS:FF (.mov, .mp4; a PNG sequence records it)",
            ("--timecode",),
            check_timecode,
            metavar="HH:MM:SS:FF",
        ),
        Option(
            "smoothing",
            None,
            "seconds over which the band power is averaged before it moves the cloth: "
            "longer breathes slower (default: the mapping's smooth)",
            ("--smoothing",),
            lambda v: _float_of(v, "smoothing", lo=0, hi=600, unit="seconds"),
            metavar="SECONDS",
        ),
        Option(
            "drift",
            0.0,
            "slow pan of the cloth, tiles per minute (negative: up; default 0)",
            ("--drift",),
            lambda v: _float_of(v, "drift", lo=-600, hi=600, unit="tiles per minute"),
            metavar="TILES_PER_MIN",
        ),
        Option(
            "resume",
            False,
            "continue an interrupted PNG sequence",
            ("--resume",),
            _bool("resume"),
            flag_only=True,
        ),
        Option(
            "workers",
            2,
            "processes drawing the cloth (default 2; 0: draw in this process)",
            ("--workers",),
            lambda v: _int_of(v, "workers", lo=0, hi=64),
            metavar="N",
        ),
        Option(
            "segments",
            None,
            "ProRes and DNxHR: encode N parts side by side, each with its own ffmpeg, "
            "and join them without re-encoding (default 2 on two or more cores)",
            ("--segments",),
            lambda v: _int_of(v, "segments", lo=1, hi=16),
            metavar="N",
        ),
        Option(
            "source",
            "replay:sample",
            "live source: replay:FILE, replay:sample (default), lsl:NAME, lsl:type=EEG, "
            "brainflow:BOARD[:key=value,...], neurosky[:HOST:PORT], osc[:PORT]",
            ("--source",),
            check_source,
            metavar="SPEC",
        ),
        Option(
            "host",
            "127.0.0.1",
            "address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: the "
            "local network, which also shows a QR code of each take-home link)",
            ("--host",),
            check_host,
            metavar="ADDRESS",
        ),
        Option(
            "port",
            8765,
            "port to listen on (default 8765)",
            ("--port",),
            lambda v: _int_of(v, "port", lo=1, hi=65535),
            metavar="N",
        ),
    ]
    return {o.name: o for o in opts}


#: Every option, by name.
OPTIONS: Mapping[str, Option] = MappingProxyType(_options())

#: The options each job takes, in the order of their help.
COMMANDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "render": (
            "motifs",
            "variant",
            "palette",
            "size",
            "cm",
            "dpi",
            "repeat",
            "seed",
            "mapping",
            "window",
            "transparent",
        ),
        "video": (
            "format",
            "fps",
            "frame_size",
            "motif",
            "variant",
            "palette",
            "mapping",
            "seed",
            "window",
            "transparent",
            "timecode",
            "smoothing",
            "drift",
            "resume",
            "workers",
            "segments",
        ),
        "kiosk": ("source", "host", "port", "live_motif", "palette", "mapping"),
    }
)


class Resolved(Mapping[str, Any]):
    """A job's options, checked: attribute and mapping access by option name."""

    def __init__(self, command: str, values: Mapping[str, Any]) -> None:
        self._command = command
        self._values = dict(values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Resolved({self._command!r}, {self._values!r})"

    def replace(self, **changes: Any) -> Resolved:
        return Resolved(self._command, {**self._values, **changes})


def _check_variant(motifs: Sequence[str], variant: str) -> dict[str, str | None]:
    """Which of *motifs* the *variant* belongs to (the others take none)."""
    out: dict[str, str | None] = dict.fromkeys(motifs)
    owners = [m for m in motifs if variant in registry.get(m).params_class().variants()]
    if not owners:
        allowed = [v for m in motifs for v in registry.get(m).params_class().variants()]
        of = f" of {motifs[0]}" if len(motifs) == 1 else ""
        raise MotifError(
            f"Invalid value for the 'variant' parameter{of}. Allowed values are "
            f"{allowed_text(allowed)}, but got {variant!r} instead."
        )
    for m in owners:
        out[m] = variant
    return out


def resolve(command: str, given: Mapping[str, Any]) -> Resolved:
    """Check every option of *command* in *given* (keyword -> value; None or absent:
    the default) and the rules that tie them together; return them resolved.

    Keys are the functions' keywords (``motif``, ``size``...). Unknown keys raise
    :class:`ParameterError`.
    """
    names = COMMANDS[command]
    by_kw = {OPTIONS[n].kw: OPTIONS[n] for n in names}
    unknown = sorted(set(given) - set(by_kw))
    if unknown:
        raise ParameterError(
            f"Unknown option {unknown[0]!r} for {command}. Allowed options are "
            f"{allowed_text(by_kw)}."
        )
    values: dict[str, Any] = {}
    for kw, opt in by_kw.items():
        values[opt.name] = opt.value(given.get(kw))
    if "mapping" in values and values["mapping"] is None:
        values["mapping"] = check_mapping(None)
    if "window" in values and values["window"] is None:
        values["window"] = (None, None)
    # rules that tie options together
    if command == "render":
        motifs = values["motifs"]
        if motifs == (AUTO,) and values["variant"] is not None:
            raise invalid("variant", "a variant belongs to a named motif, not to 'auto'.")
        values["variants"] = (
            _check_variant(motifs, values["variant"])
            if values["variant"] is not None
            else dict.fromkeys(motifs)
        )
        dpi = values["dpi"] if values["dpi"] is not None else DEFAULT_DPI
        values["dpi"] = dpi
        if values["cm"] is not None:
            if given.get("size") is not None:
                raise ParameterError(
                    "Invalid value for the 'cm' parameter: give the tile size in pixels "
                    "(size) or in cm (cm), not both."
                )
            values["size"] = round(values["cm"] / 2.54 * dpi)
            OPTIONS["size"].check(values["size"])
        if values["size"] is None:
            values["size"] = DEFAULT_SIZE
    elif command == "video":
        if values["motif"] == AUTO and values["variant"] is not None:
            raise invalid("variant", "a variant belongs to a named motif, not to 'auto'.")
        if values["variant"] is not None:
            _check_variant((values["motif"],), values["variant"])
        if values["timecode"] is not None:
            values["timecode"] = parse_timecode(values["timecode"], values["fps"])
        if values["smoothing"] is None:
            values["smoothing"] = float(values["mapping"].smooth)
    return Resolved(command, values)


def record(opts: Resolved) -> dict[str, Any]:
    """The options as the JSON record lists them (keywords, JSON-ready)."""
    out: dict[str, Any] = {}
    for name in COMMANDS[opts._command]:
        opt = OPTIONS[name]
        v = opts[name]
        if name == "mapping":
            v = v.source
        elif name == "motifs":
            v = list(v)
        elif name == "window":
            v = list(v)
        elif name == "fps":
            v = f"{v.numerator}/{v.denominator}"
        elif name == "frame_size":
            v = f"{v[0]}x{v[1]}"
        out[opt.kw] = v
    return out


# ------------------------------------------------------------ the command line
def add_arguments(parser: argparse.ArgumentParser, command: str, *, skip: Iterable[str] = ()):
    """Add *command*'s options to *parser* as flags (values stay strings: the same
    checks as the functions' run on them)."""
    skip = set(skip)
    for name in COMMANDS[command]:
        if name in skip:
            continue
        opt = OPTIONS[name]
        dest = opt.kw
        if opt.flag_only:
            parser.add_argument(*opt.flags, dest=dest, action="store_true", help=opt.help)
        else:
            parser.add_argument(
                *opt.flags, dest=dest, default=None, metavar=opt.metavar, help=opt.help
            )


def given(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """The options of *command* the user gave on the command line (keyword -> value)."""
    out = {}
    for name in COMMANDS[command]:
        kw = OPTIONS[name].kw
        v = getattr(args, kw, None)
        if v is not None and v is not False:
            out[kw] = v
    return out
