"""The recording formats batik_waves reads: one table, the single source of truth.

:data:`FORMATS` lists every format :func:`batik_waves.read_recording` dispatches:
its extensions, who reads it (MNE or batik_waves itself), the reader used, the
packages that reader needs beyond the core, and whether a recording is a folder
(EGI MFF, CTF, MEF3). The README's table of formats is generated from it
(:func:`markdown_table`) and a test keeps the two equal. Job and batch code find and
name recordings with :func:`is_recording`, :func:`find_recordings` and
:func:`recording_stem`, which know the compound extensions (``.fif.gz``,
``.cdt.dpa``), the folder formats and the companion files of a recording (the
``.eeg`` beside a BrainVision ``.vhdr``, Curry's ``.dap`` and ``.rs3``).

Examples
--------
>>> recording_stem("night/subject01_raw.fif.gz")
'subject01_raw'
>>> recording_stem("session.mff/")
'session'
>>> format_of("a.CDT.DPA").name
'Curry 8'
>>> format_of("notes.docx") is None
True
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "Format",
    "companions",
    "extension_of",
    "find_recordings",
    "format_of",
    "is_recording",
    "markdown_table",
    "missing_packages",
    "recording_stem",
]


@dataclass(frozen=True)
class Format:
    """One recording format.

    Attributes
    ----------
    name : str
        For people (README, errors).
    extensions : tuple of str
        Lower-case extensions with their dot; compound ones (``.fif.gz``) included.
    reader : str
        Which reader :mod:`batik_waves.eeg.read` dispatches to (a key of its
        reader table; a test checks every key has one).
    packages : tuple of str
        Importable modules the reader needs beyond the core (all are dependencies
        of batik-waves, so ``pip install batik-waves`` brings them).
    folder : bool
        A recording is a folder (EGI MFF, CTF, MEF3), never descended into.
    by : str
        ``"mne"`` (an ``mne.io`` reader) or ``"batik_waves"`` (read here).
    preload : bool
        The reader cannot read arbitrary partial blocks (MNE's NEDF reader):
        the recording is loaded whole.
    """

    name: str
    extensions: tuple[str, ...]
    reader: str
    packages: tuple[str, ...] = ()
    folder: bool = False
    by: str = "mne"
    preload: bool = False


#: Every format :func:`batik_waves.read_recording` reads, in the README's order.
FORMATS: tuple[Format, ...] = (
    Format("EDF/EDF+ (European Data Format)", (".edf",), "edf"),
    Format("BDF (BioSemi 24-bit)", (".bdf",), "bdf"),
    Format("GDF (General Data Format)", (".gdf",), "mne"),
    Format("BrainVision (header, with its .eeg and .vmrk)", (".vhdr",), "brainvision"),
    Format("BrainVision vAmp (header, with its .eeg and .amrk)", (".ahdr",), "brainvision"),
    Format("Nihon Kohden EEG, or BrainVision data beside its header", (".eeg",), "eeg"),
    Format("EEGLAB (MATLAB v7.3/HDF5 too)", (".set",), "eeglab", ("pymatreader", "h5py")),
    Format("FIF (MNE / Neuromag)", (".fif", ".fif.gz"), "mne"),
    Format(
        "Neuroscan CNT or ANT Neuro CNT (told apart by the header)", (".cnt",), "cnt", ("antio",)
    ),
    Format("EGI MFF (a folder)", (".mff",), "mne", ("mffpy",), folder=True),
    Format("Curry 8", (".cdt", ".cdt.dpa", ".cdt.cef", ".cef"), "mne", ("curryreader",)),
    Format("Curry 7", (".dap", ".rs3"), "mne", ("curryreader",)),
    Format("Curry 7 data or BCI2000", (".dat",), "mne", ("curryreader",)),
    Format("FieldTrip raw data (MATLAB)", (".mat",), "fieldtrip", ("pymatreader",)),
    Format("Neuroelectrics NEDF", (".nedf",), "mne", preload=True),
    Format("Nexstim eXimia", (".nxe",), "mne"),
    Format("Nicolet", (".data",), "nicolet"),
    Format("Blackrock NSx", (".ns3",), "mne"),
    Format("Persyst", (".lay",), "mne"),
    Format("MEF3 (a folder)", (".mefd",), "mne", ("pymef",), folder=True),
    Format("Artemis123 or FIL OPM", (".bin",), "mne"),
    Format("KIT/Yokogawa", (".sqd", ".con"), "mne"),
    Format("CTF (a folder)", (".ds",), "mne", folder=True),
    Format(
        "OpenBCI GUI raw text ('%' header lines; else BOXY)", (".txt",), "openbci", by="batik_waves"
    ),
    Format(
        "muse-lsl CSV, Mind Monitor CSV, or a plain CSV (time column, channels in µV)",
        (".csv",),
        "csv",
        by="batik_waves",
    ),
    Format("XDF (Lab Streaming Layer; the EEG stream)", (".xdf", ".xdfz"), "xdf", by="batik_waves"),
)

#: Extension -> its :class:`Format`.
EXTENSIONS: dict[str, Format] = {ext: f for f in FORMATS for ext in f.extensions}

# Longest first, so ".cdt.dpa" wins over a shorter match.
_BY_LENGTH = tuple(sorted(EXTENSIONS, key=len, reverse=True))

# Files that belong to a recording named by another file with the same stem: the
# companion is not a recording of its own when one of its primaries is beside it.
_COMPANIONS: dict[str, tuple[str, ...]] = {
    ".eeg": (".vhdr", ".ahdr"),
    ".dap": (".dat",),
    ".rs3": (".dat", ".dap"),
    ".cdt.dpa": (".cdt",),
    ".cdt.cef": (".cdt",),
    ".cef": (".cdt",),
}


# Files a primary names or implies beside it, which are part of the same recording.
# (Beyond these, the companions of _COMPANIONS whose primary a file is.)
_SIDE_FILES: dict[str, tuple[str, ...]] = {
    ".vhdr": (".vmrk",),
    ".ahdr": (".amrk",),
    ".set": (".fdt",),
}
# BrainVision headers name their data and marker files, which may have other stems.
_HEADER_FILE = re.compile(r"^\s*(?:DataFile|MarkerFile)\s*=\s*(.+?)\s*$", re.MULTILINE)


def extension_of(path: str | os.PathLike) -> str:
    """The recording extension of *path*, lower case; its last suffix if none is known.

    >>> extension_of("a/b.FIF.gz"), extension_of("rec.vhdr"), extension_of("x.tar.gz")
    ('.fif.gz', '.vhdr', '.gz')
    """
    name = Path(path).name.lower()
    for ext in _BY_LENGTH:
        if name.endswith(ext) and len(name) > len(ext):
            return ext
    return Path(name).suffix


def format_of(path: str | os.PathLike) -> Format | None:
    """The :class:`Format` *path*'s extension names, or None."""
    return EXTENSIONS.get(extension_of(path))


def recording_stem(path: str | os.PathLike) -> str:
    """The recording's name without its extension (compound ones and folders too).

    >>> recording_stem("a/b.cdt.dpa"), recording_stem("rec.edf"), recording_stem("x.tar.gz")
    ('b', 'rec', 'x.tar')
    """
    name = Path(path).name
    ext = extension_of(name)
    if ext in EXTENSIONS:
        return name[: -len(ext)]
    return Path(name).stem


def _companion(path: Path, ext: str) -> bool:
    stem = path.name[: -len(ext)]
    for primary in _COMPANIONS.get(ext, ()):
        for candidate in (stem + primary, stem + primary.upper()):
            if (path.parent / candidate).is_file():
                return True
    return False


def companions(path: str | os.PathLike) -> list[Path]:
    """The other files of the recording *path* names: what a job must never overwrite.

    The companions by extension (the ``.eeg`` and ``.vmrk`` beside a BrainVision
    ``.vhdr``, EEGLAB's ``.fdt``, Curry's ``.dap``/``.rs3``/``.cdt.dpa``), and the data
    and marker files a BrainVision header names, whatever their stems. They need not
    exist; a folder recording's companions are the files inside it.

    >>> [p.name for p in companions("rec.set")]
    ['rec.fdt']
    """
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file())
    ext = extension_of(path)
    stem = path.name[: -len(ext)] if ext else path.name
    out = [
        path.with_name(stem + side)
        for side in _SIDE_FILES.get(ext, ())
        + tuple(c for c, primaries in _COMPANIONS.items() if ext in primaries)
    ]
    if ext in (".vhdr", ".ahdr"):
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                head = f.read(65536)
        except OSError:
            head = ""
        for n in _HEADER_FILE.findall(head):
            name = n.replace("\\", "/").rsplit("/", 1)[-1]  # a Windows path's base name too
            if name not in ("", ".", ".."):
                out.append(path.with_name(name))
    seen: set[Path] = set()
    return [p for p in out if not (p in seen or seen.add(p)) and p != path]


def is_recording(path: str | os.PathLike) -> bool:
    """Whether *path* is a recording :func:`batik_waves.read_recording` would read.

    A file with a known extension (not hidden, not the companion of another file of
    the same recording), or a folder of a folder format (``.mff``, ``.ds``, ``.mefd``).
    """
    path = Path(path)
    if path.name.startswith("."):
        return False
    fmt = format_of(path)
    if fmt is None:
        return False
    if path.is_dir():
        return fmt.folder
    if not path.is_file() or fmt.folder:
        return False
    return not _companion(path, extension_of(path))


def find_recordings(folder: str | os.PathLike) -> list[Path]:
    """Every recording under *folder*, recursively, sorted; folder formats are not entered.

    Hidden files and folders (a leading dot) are skipped, as are companion files
    (the ``.eeg`` of a BrainVision ``.vhdr``).
    """

    def walk(d: Path) -> Iterator[Path]:
        try:
            entries = sorted(d.iterdir())
        except OSError:
            return
        for p in entries:
            if p.name.startswith("."):
                continue
            if is_recording(p):
                yield p
            elif p.is_dir() and not p.is_symlink():
                yield from walk(p)

    return sorted(walk(Path(folder)))


def missing_packages(fmt: Format) -> list[str]:
    """The packages *fmt*'s reader needs that cannot be imported here."""
    return [p for p in fmt.packages if importlib.util.find_spec(p) is None]


def markdown_table() -> str:
    """The README's table of formats (generated here; a test keeps the README equal)."""
    lines = [
        "| format | extensions | read by | needs (installed with batik-waves) |",
        "|---|---|---|---|",
    ]
    for f in FORMATS:
        exts = ", ".join(f"`{e}`" + (" (folder)" if f.folder else "") for e in f.extensions)
        by = "MNE" if f.by == "mne" else "batik_waves"
        needs = ", ".join(f.packages) or "–"
        lines.append(f"| {f.name} | {exts} | {by} | {needs} |")
    return "\n".join(lines)
