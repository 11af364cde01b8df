"""Reading EEG recordings of any common format into an MNE Raw, in volts.

:func:`read_recording` chooses a reader by the file's extension, from the one table
of formats in :mod:`batik_waves.eeg.formats`. Formats MNE reads are read lazily by MNE
(memory stays bounded for huge files), except those whose reader cannot read partial
blocks (NEDF); formats MNE lacks (OpenBCI GUI raw text, muse-lsl and Mind Monitor CSV, a
plain CSV, XDF) are read here into an :class:`mne.io.RawArray` with channel types,
volts, sample rate, measurement date and marker annotations.

Non-EEG channels (ECG, EOG, EMG, stimulus/status/marker, accelerometer, AUX, ear
references such as ``A2-A1``) are typed as such, so the rest of the pipeline can
leave them out by picking ``eeg``.

Bad input of any kind raises :class:`~batik_waves.errors.RecordingError` with a
one-line message ``"<path>: <reason>"``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import math
import os
import re
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ..errors import BatikWavesError, BatikWavesWarning, RecordingError, warn
from .formats import EXTENSIONS, extension_of, format_of, missing_packages

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "infer_channel_types",
    "read_recording",
    "read_samples",
    "source_name",
]

#: Every extension :func:`read_recording` accepts, with the format's name (from
#: :data:`batik_waves.eeg.formats.FORMATS`, the one table of formats).
SUPPORTED_EXTENSIONS: dict[str, str] = dict(sorted((e, f.name) for e, f in EXTENSIONS.items()))

# MNE warnings that say nothing about the recording's content.
_NOISE = ("does not conform to MNE naming conventions",)

# Rates that consumer and lab amplifiers use; an estimate within 1 % snaps to one.
_NOMINAL_RATES = (
    100.0,
    125.0,
    128.0,
    160.0,
    200.0,
    220.0,
    250.0,
    256.0,
    500.0,
    512.0,
    1000.0,
    1024.0,
    2000.0,
    2048.0,
    4096.0,
)


# ------------------------------------------------------------------ public API
def read_recording(path: str | os.PathLike, *, preload: bool = False):
    """Read an EEG recording into an MNE Raw object (volts).

    Parameters
    ----------
    path : str | os.PathLike
        The recording. The extension chooses the reader; see
        :data:`SUPPORTED_EXTENSIONS`.
    preload : bool
        Load the data into memory now. By default formats MNE reads stay on disk
        and are read block by block when asked (memory stays bounded for hours-long
        files); CSV, OpenBCI text and XDF are always loaded.

    Returns
    -------
    raw : mne.io.BaseRaw
        The recording, with non-EEG channels typed (``ecg``, ``eog``, ``emg``,
        ``stim``, ``misc``) and markers as annotations.

    Raises
    ------
    RecordingError
        ``"<path>: <reason>"`` for a missing path, a folder, an empty, truncated or
        garbage file, an unknown extension, or a file without EEG channels.
    """
    path = Path(path).expanduser()
    ext = extension_of(path)
    fmt = format_of(path)
    if not path.exists():
        raise RecordingError(f"{path}: no such file")
    if path.is_dir():
        if fmt is None or not fmt.folder:
            raise RecordingError(f"{path}: is a folder, not a recording file")
    else:
        if fmt is not None and fmt.folder:
            raise RecordingError(f"{path}: {fmt.name.split(' (')[0]} is a folder, not a file")
        try:
            size = path.stat().st_size
        except OSError as err:  # pragma: no cover - races, permissions
            raise RecordingError(f"{path}: cannot be read: {err.strerror}") from err
        if size == 0:
            raise RecordingError(f"{path}: the file is empty")
        if not os.access(path, os.R_OK):
            raise RecordingError(f"{path}: permission denied")
    if fmt is None:
        listed = ", ".join(SUPPORTED_EXTENSIONS)
        what = f"unknown extension {ext!r}" if ext else "no file extension"
        raise RecordingError(f"{path}: {what}; supported extensions are {listed}")
    missing = missing_packages(fmt)
    if missing:
        names = " and ".join(missing)
        raise RecordingError(
            f"{path}: reading {fmt.name.split(' (')[0]} needs {names} (dependencies of "
            f"batik-waves: pip install {' '.join(missing)})"
        )

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            raw = _READERS[fmt.reader](path, preload or fmt.preload)
            raw._batik_waves_source = str(path)  # errors name what the user gave
            _check_readable(raw)
        except RecordingError:
            raise
        except MemoryError:
            raise
        except Exception as err:  # the reader boundary: MNE raises all kinds
            raise RecordingError(f"{path}: {_describe_failure(ext, err)}") from err
    for w in caught:
        text = str(w.message)
        if issubclass(w.category, DeprecationWarning) or any(n in text for n in _NOISE):
            continue
        if issubclass(w.category, BatikWavesWarning):  # ours already name the file
            warn(text, stacklevel=2)
        else:
            warn(f"{path}: {_one_line(text)}", stacklevel=2)

    if raw.n_times == 0:
        raise RecordingError(f"{path}: the recording holds no samples")
    types = raw.get_channel_types()
    if "eeg" not in types:
        found = ", ".join(f"{n} ({t})" for n, t in zip(raw.ch_names, types, strict=True))
        raise RecordingError(f"{path}: no EEG channels (found {_shorten(found)})")
    return raw


def infer_channel_types(names: Sequence[str]) -> list[str]:
    """Guess each channel's MNE type from its name; ``eeg`` when nothing else fits.

    MNE's EDF convention comes first: a leading type word (``EEG``, ``ECG``,
    ``EOG``, ``EMG``, ``RESP``, ``TEMP``, ``SaO2``, ``BIO``, ``MISC``, ``STIM``)
    names the type. Then the common labels of clinical, sleep and consumer
    recordings: pulse oximetry (SaO2, SpO2, Pleth: ``bio``), breathing (Resp,
    Airflow, Thor, Abdo: ``resp``), temperature, DC inputs, body position, light,
    snore, events and triggers, accelerometer and AUX, ear references.

    Examples
    --------
    >>> infer_channel_types(["EEG Fp1", "ECG ECG", "EEG A2-A1", "Status", "LEOG", "EXG3"])
    ['eeg', 'ecg', 'misc', 'stim', 'eog', 'misc']
    >>> infer_channel_types(["Accel Channel 0", "Right AUX", "EMG chin", "O1.."])
    ['misc', 'misc', 'emg', 'eeg']
    >>> infer_channel_types(["SaO2 X9", "SpO2", "POL DC02", "Resp chest", "Temp", "Position"])
    ['bio', 'bio', 'misc', 'resp', 'temperature', 'misc']
    """
    return [_type_from_name(n) for n in names]


# ----------------------------------------------------------- channel typing
# MNE's EDF reader (infer_types=True): the first word of the label is the type.
_PREFIX_TYPES = {
    "ECG": "ecg",
    "EKG": "ecg",
    "EOG": "eog",
    "EMG": "emg",
    "BIO": "bio",
    "SAO2": "bio",
    "RESP": "resp",
    "TEMP": "temperature",
    "MISC": "misc",
    "STIM": "stim",
}
_STIM_TOKENS = {"STATUS", "STI", "STIM", "TRIGGER", "TRIG", "MARKER", "MARKERS", "EVENT", "EVENTS"}
_TOKEN_TYPES = {
    **dict.fromkeys(("SAO2", "SPO2", "PLETH", "PULSE", "HR", "PPG", "OXI", "OXIMETRY"), "bio"),
    **dict.fromkeys(
        ("RESP", "RESPIRATION", "AIRFLOW", "FLOW", "THOR", "THORAX", "ABD", "ABDO", "ABDOMEN"),
        "resp",
    ),
    **dict.fromkeys(("TEMP", "TEMPERATURE"), "temperature"),
    **dict.fromkeys(
        (
            "ACC",
            "ACCEL",
            "ACCELEROMETER",
            "GYRO",
            "AUX",
            "PHOTIC",
            "BATTERY",
            "LIGHT",
            "LUX",
            "POSITION",
            "SNORE",
            "HSI",
            "IBI",
            "BURSTS",
            "SUPPR",
            "ANNOTATIONS",
        ),
        "misc",
    ),
}
_EAR_RE = re.compile(r"^(A1|A2|M1|M2)(-(A1|A2|M1|M2|REF|LE|AVG))?$")
_DC_RE = re.compile(r"^DC\d*$")


def _type_from_name(name: str) -> str:
    upper = name.upper().strip().strip(".")
    tokens = [t for t in re.split(r"[^A-Z0-9]+", upper) if t]
    bare = re.sub(r"^EEG[\s_:-]*", "", upper)
    if len(tokens) > 1 and tokens[0] in _PREFIX_TYPES and not upper.startswith("EEG"):
        return _PREFIX_TYPES[tokens[0]]
    for t in tokens:
        if t.startswith(("ECG", "EKG")) or t.endswith(("ECG", "EKG")):
            return "ecg"
    for t in tokens:
        if "EOG" in t:
            return "eog"
    for t in tokens:
        if t.startswith("EMG") or t.endswith("EMG"):
            return "emg"
    if any(t in _STIM_TOKENS for t in tokens) or re.match(r"^STI\s?\d", upper):
        return "stim"
    for t in tokens:
        if t in _TOKEN_TYPES:
            return _TOKEN_TYPES[t]
    if any(t.startswith(("ACCEL", "GYRO", "AUX")) or _DC_RE.match(t) for t in tokens):
        return "misc"
    if re.fullmatch(r"EXG\d+", bare) or _EAR_RE.match(bare.replace(" ", "")):
        return "misc"
    return "eeg"


def _retype_mne(raw) -> None:
    """Type channels MNE left as ``eeg`` from their names (ECG, EOG, ears, ...)."""
    types = raw.get_channel_types()
    mapping = {}
    for name, kind in zip(raw.ch_names, types, strict=True):
        if kind == "eeg":
            guess = _type_from_name(name)
            if guess != "eeg":
                mapping[name] = guess
    if mapping:
        raw.set_channel_types(mapping, on_unit_change="ignore", verbose="error")


# ------------------------------------------------------------ after reading
def source_name(raw) -> str:
    """What the user named for *raw*: the path given to :func:`read_recording`.

    MNE's own ``raw.filenames`` name the data file (a BrainVision ``.eeg``, an MFF's
    ``signal1.bin``); messages must name what the user typed.
    """
    given = getattr(raw, "_batik_waves_source", None)
    if given:
        return str(given)
    names = [f for f in getattr(raw, "filenames", ()) if f]
    return str(names[0]) if names else "recording"


def read_samples(raw, *, picks=None, start: int = 0, stop: int | None = None) -> np.ndarray:
    """``raw.get_data(picks, start, stop)``; a reader library's failure becomes RecordingError.

    Readers open a file lazily and fail, if at all, when samples are read (MNE's
    NEDF reader on a block it does not expect, a file damaged past its header).
    Any such exception becomes one line naming the recording.
    """
    with reading(raw):
        return raw.get_data(picks=picks, start=start, stop=stop)


@contextlib.contextmanager
def reading(raw):
    """Turn exceptions raised while *raw*'s samples are read into :class:`RecordingError`.

    What a reader library prints meanwhile (mffpy does, on every read) is swallowed:
    the library never prints, and ``bands --json`` must stay JSON.
    """
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    except (BatikWavesError, MemoryError):
        raise
    except Exception as err:  # the reader boundary: libraries raise all kinds
        detail = _one_line(str(err))
        if not detail or isinstance(err, AssertionError):
            detail = f"malformed content ({type(err).__name__})"
        raise RecordingError(
            f"{source_name(raw)}: cannot read the samples: {_shorten(_printable(detail))}"
        ) from err


# ------------------------------------------------------------------ dispatch
def _read_txt(path: Path, preload: bool):
    if _first_line(path).lstrip().startswith("%"):
        return _read_openbci(path)
    try:
        return _mne(path, preload)  # BOXY .txt
    except Exception as err:
        raise RecordingError(
            f"{path}: not an OpenBCI GUI raw text file (no '%' header lines) "
            "nor a readable BOXY file"
        ) from err


def _read_xdf_file(path: Path, preload: bool):
    _check_xdf_magic(path, extension_of(path))
    return _read_xdf(path)


def _read_edf(path: Path, preload: bool):
    _check_edf_size(path, 2)
    return _mne(path, preload)


def _read_bdf(path: Path, preload: bool):
    _check_edf_size(path, 3)
    return _mne(path, preload)


def _read_brainvision(path: Path, preload: bool):
    _check_brainvision(path)
    return _mne(path, preload)


def _read_eeg(path: Path, preload: bool):
    """A ``.eeg``: BrainVision data when its header is beside it, else Nihon Kohden."""
    header = _brainvision_header_for(path)
    if header is None:
        return _mne(path, preload)
    _check_brainvision(header, label=path)
    return _mne(header, preload)


def _read_eeglab(path: Path, preload: bool):
    """EEGLAB ``.set``; the samples may sit in a ``.fdt`` beside it, which must be there."""
    try:
        return _mne(path, preload)
    except FileNotFoundError as err:
        tried = re.findall(r"[^\s,]+\.fdt", str(err))
        if not tried:
            raise
        names = " or ".join(dict.fromkeys(Path(t).name for t in tried))
        raise RecordingError(
            f"{path}: its data file is missing: EEGLAB keeps the samples beside the .set in {names}"
        ) from err


def _read_fieldtrip(path: Path, preload: bool):
    import mne

    return _mne(path, preload, lambda p, **_: mne.io.read_raw_fieldtrip(p, info=None))


def _read_nicolet(path: Path, preload: bool):
    import mne

    return _mne(path, preload, mne.io.read_raw_nicolet, ch_type="eeg")


def _read_cnt(path: Path, preload: bool):
    """ANT Neuro (RIFF/RF64) or Neuroscan (a version string) CNT, told by the header.

    MNE's generic reader tries Neuroscan, then ANT; ANT's library can take the
    process down on a Neuroscan file, so the header chooses, and ANT's reader
    never sees anything but a RIFF or RF64 file.
    """
    import mne

    with open(path, "rb") as f:
        head = f.read(12)
    if head[:4] in (b"RIFF", b"RF64"):
        return _mne(path, preload, mne.io.read_raw_ant)
    if not head.startswith(b"Version"):
        raise RecordingError(
            f"{path}: neither a Neuroscan CNT (its header starts with 'Version') nor an "
            "ANT Neuro CNT (RIFF or RF64)"
        )
    return _read_neuroscan(path, preload)


# Neuroscan sample widths MNE offers, in the order tried when the header leaves it open.
_CNT_FORMATS = ("int16", "int32")


def _read_neuroscan(path: Path, preload: bool):
    """Neuroscan CNT: MNE's ``data_format="auto"``, else the width whose signal is EEG.

    When the header's sample count is 0, MNE cannot tell 16- from 32-bit samples.
    Both may open; read with the wrong width the samples are garbage of volts
    (pairs of 16-bit words as one number, or halves of 32-bit ones), so the width
    whose channels have the smallest typical spread is the right one.
    """
    import mne

    try:
        return _mne(path, preload, mne.io.read_raw_cnt, data_format="auto")
    except Exception as err:
        first = err
    candidates = []
    for data_format in _CNT_FORMATS:
        try:
            raw = _mne(path, False, mne.io.read_raw_cnt, data_format=data_format)
            picks = mne.pick_types(raw.info, eeg=True)
            stop = min(raw.n_times, int(10 * raw.info["sfreq"]) + 1)
            x = raw.get_data(picks=picks[:64] if len(picks) else None, stop=stop)
            spread = float(np.median(np.std(x, axis=1)))
        except Exception:
            continue
        if np.isfinite(spread):
            candidates.append((spread, data_format))
    if not candidates:
        raise first
    data_format = min(candidates)[1]
    return _mne(path, preload, mne.io.read_raw_cnt, data_format=data_format)


def _read_generic(path: Path, preload: bool):
    return _mne(path, preload)


def _mne(path: Path, preload: bool, reader=None, **kwargs):
    """An ``mne.io`` reader (default ``read_raw``), quiet, channels typed from names."""
    import mne

    reader = mne.io.read_raw if reader is None else reader
    # Some MNE readers print progress (NSx); the library never prints.
    with contextlib.redirect_stdout(io.StringIO()):
        raw = reader(path, preload=preload, verbose="warning", **kwargs)
    _retype_mne(raw)
    return raw


#: Format.reader -> the function reading it, ``(path, preload) -> Raw``.
_READERS = {
    "edf": _read_edf,
    "bdf": _read_bdf,
    "brainvision": _read_brainvision,
    "eeg": _read_eeg,
    "cnt": _read_cnt,
    "eeglab": _read_eeglab,
    "fieldtrip": _read_fieldtrip,
    "nicolet": _read_nicolet,
    "mne": _read_generic,
    "openbci": _read_txt,
    "csv": lambda path, preload: _read_csv(path),
    "xdf": _read_xdf_file,
}


def _check_xdf_magic(path: Path, ext: str) -> None:
    """pyxdf leaks an open file on a non-XDF file: check the magic bytes first."""
    import gzip

    opener = gzip.open if ext == ".xdfz" else open
    try:
        with opener(path, "rb") as f:
            magic = f.read(4)
    except (OSError, EOFError) as err:
        raise RecordingError(f"{path}: not a gzipped XDF file ({err})") from err
    if magic != b"XDF:":
        raise RecordingError(f"{path}: not an XDF file (it does not start with 'XDF:')")


def _check_readable(raw) -> None:
    """Touch the first and the last sample: a truncated file fails here, not later."""
    n = raw.n_times
    if n == 0:
        return
    with contextlib.redirect_stdout(io.StringIO()):  # mffpy prints on every read
        raw.get_data(picks=[0], start=0, stop=1)
        raw.get_data(picks=[0], start=n - 1, stop=n)


def _brainvision_header_for(path: Path) -> Path | None:
    for suffix in (".vhdr", ".VHDR", ".ahdr"):
        candidate = path.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def _check_brainvision(path: Path, *, label: Path | None = None) -> None:
    """The header names a data file that is there and holds whole samples (as MNE reads it).

    A vAmp header (``.ahdr``) lists one channel fewer than its ``.eeg`` holds: MNE
    adds that channel while reading and drops it, so the check counts it too.
    Errors name *label* (what the user gave) or the header.
    """
    label = path if label is None else label
    text = path.read_bytes()[:65536].decode("utf-8", errors="replace")
    if "Brain Vision" not in text and "BrainVision" not in text:
        raise RecordingError(f"{label}: not a BrainVision header (no 'Brain Vision' line)")
    m = re.search(r"^\s*DataFile\s*=\s*(.+?)\s*$", text, flags=re.MULTILINE)
    if m is None:
        raise RecordingError(f"{label}: the BrainVision header names no DataFile")
    data = path.parent / m.group(1)
    if not data.is_file():
        raise RecordingError(f"{label}: its data file {data.name} is missing")
    size = data.stat().st_size
    if size == 0:
        raise RecordingError(f"{label}: its data file {data.name} is empty")
    n_ch = re.search(r"^\s*NumberOfChannels\s*=\s*(\d+)", text, flags=re.MULTILINE)
    fmt = re.search(r"^\s*BinaryFormat\s*=\s*(\w+)", text, flags=re.MULTILINE)
    width = {"INT_16": 2, "UINT_16": 2, "INT_32": 4, "IEEE_FLOAT_32": 4}.get(
        fmt.group(1).upper() if fmt else "", 0
    )
    if n_ch and width and "DataFormat=ASCII" not in text.replace(" ", ""):
        channels = int(n_ch.group(1)) + (extension_of(path) == ".ahdr")
        frame = channels * width
        if frame and size % frame:
            raise RecordingError(
                f"{label}: its data file {data.name} is truncated ({size} bytes is not a "
                f"whole number of {frame}-byte samples)"
            )


def _check_edf_size(path: Path, bytes_per_sample: int) -> None:
    """EDF/BDF: the file must hold as many data records as its header promises."""
    with open(path, "rb") as f:
        head = f.read(256)
        if len(head) < 256:
            raise RecordingError(f"{path}: truncated header ({len(head)} of 256 bytes)")
        try:
            n_records = int(head[236:244].decode("ascii").strip())
            n_signals = int(head[252:256].decode("ascii").strip())
        except ValueError as err:
            raise RecordingError(f"{path}: not an EDF/BDF header (bad record counts)") from err
        if n_signals <= 0:
            raise RecordingError(f"{path}: the header declares no signals")
        header_bytes = 256 * (n_signals + 1)
        f.seek(256 + n_signals * 216)
        raw_counts = f.read(8 * n_signals)
    if len(raw_counts) < 8 * n_signals:
        raise RecordingError(f"{path}: truncated header")
    try:
        per_record = sum(
            int(raw_counts[8 * k : 8 * k + 8].decode("ascii").strip()) for k in range(n_signals)
        )
    except ValueError as err:
        raise RecordingError(f"{path}: not an EDF/BDF header (bad samples per record)") from err
    if n_records < 0:  # -1: still being recorded; MNE works it out from the size
        return
    expected = header_bytes + n_records * per_record * bytes_per_sample
    size = path.stat().st_size
    if size < expected:
        whole = max(0, (size - header_bytes) // max(1, per_record * bytes_per_sample))
        raise RecordingError(
            f"{path}: truncated: the header promises {n_records} data records but the "
            f"file holds {whole} ({size} of {expected} bytes)"
        )


def _describe_failure(ext: str, err: Exception) -> str:
    what = SUPPORTED_EXTENSIONS.get(ext, ext).split(" (")[0]
    detail = _printable(_one_line(str(err)))
    if not detail or isinstance(err, AssertionError):
        detail = f"malformed content ({type(err).__name__})"
    if isinstance(err, UnicodeDecodeError):
        detail = "not text (undecodable bytes)"
    return f"not a readable {what} file: {_shorten(detail)}"


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in text)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _shorten(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first_line(path: Path) -> str:
    with open(path, "rb") as f:
        head = f.read(4096)
    return head.decode("utf-8", errors="replace").splitlines()[0] if head else ""


# ----------------------------------------------------------- building a Raw
def _build_raw(
    path: Path,
    data: np.ndarray,
    names: Sequence[str],
    types: Sequence[str],
    sfreq: float,
    *,
    meas_date: datetime | None = None,
    markers: Sequence[tuple[float, str]] = (),
    description: str = "",
):
    """A RawArray from (channels, samples) data already in SI units."""
    import mne

    names = _unique(names)
    if not np.isfinite(sfreq) or sfreq <= 0:
        raise RecordingError(f"{path}: cannot tell the sample rate ({sfreq!r} Hz)")
    info = mne.create_info(list(names), float(sfreq), list(types), verbose="error")
    raw = mne.io.RawArray(np.ascontiguousarray(data, dtype=np.float64), info, verbose="error")
    if meas_date is not None:
        raw.set_meas_date(meas_date)
    if description:
        raw.info["description"] = description
    if markers:
        onsets = [t for t, _ in markers]
        descs = [d for _, d in markers]
        raw.set_annotations(
            mne.Annotations(onsets, [0.0] * len(onsets), descs, orig_time=raw.info["meas_date"])
        )
    return raw


def _unique(names: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        n = n.strip() or "ch"
        if n in seen:
            seen[n] += 1
            n = f"{n}-{seen[n]}"
        seen.setdefault(n, 0)
        out.append(n)
    return out


def _rate_from_times(path: Path, times: np.ndarray, *, unit: float = 1.0) -> float:
    """Mean sample rate of a time column (in units of *unit* seconds), snapped."""
    t = np.asarray(times, dtype=float) * unit
    t = t[np.isfinite(t)]
    if t.size < 2:
        raise RecordingError(f"{path}: too few samples to tell the sample rate from the times")
    span = t[-1] - t[0]
    if not span > 0:
        raise RecordingError(f"{path}: the time column does not increase")
    dt = np.diff(t)
    # Chunked streams (Muse over LSL) jitter by a few ms, even backwards; a real
    # step back is a concatenation or a clock reset.
    if dt.min() < -0.5:
        raise RecordingError(
            f"{path}: the time column goes backwards at row {int(dt.argmin()) + 2}"
        )
    rate = (t.size - 1) / span
    for nominal in _NOMINAL_RATES:
        if abs(rate - nominal) <= 0.01 * nominal:
            rate = nominal
            break
    gaps = int(np.count_nonzero(dt > max(0.25, 10.0 / rate)))
    if gaps:
        warn(
            f"{path}: {gaps} gap(s) in the time column; samples are taken as "
            f"consecutive at {rate:g} Hz",
            stacklevel=4,
        )
    return float(rate)


def _epoch_date(seconds: float) -> datetime | None:
    """A measurement date from a Unix time in seconds, if it looks like one."""
    if not math.isfinite(seconds) or not (9.5e8 < seconds < 4.1e9):  # 2000..2100
        return None
    return datetime.fromtimestamp(seconds, tz=UTC)


# ------------------------------------------------------------- text tables
def _sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", "\t", ";")}
    return max(counts, key=counts.__getitem__) if max(counts.values()) else ","


def _to_float(cell: str) -> float:
    cell = cell.strip()
    if not cell:
        return math.nan
    try:
        return float(cell)
    except ValueError:
        return math.nan


class _Rows(Sequence):
    """The data rows of a delimited text file, parsed on demand (compact for long files)."""

    def __init__(self, lines: list[str], delim: str) -> None:
        self.lines = lines
        self.delim = delim

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return _Rows(self.lines[k], self.delim)
        return next(csv.reader([self.lines[k]], delimiter=self.delim))

    def __iter__(self):
        return csv.reader(self.lines, delimiter=self.delim)

    def numeric(self, indices: Sequence[int]) -> np.ndarray:
        """Float array (len(indices), n_rows); NaN where a cell is blank or not a number."""
        if not indices or not self.lines:
            return np.full((len(indices), len(self.lines)), np.nan)
        try:  # NumPy's C parser: fast, and no list of lists for a million rows
            values = np.loadtxt(
                self.lines,
                delimiter=self.delim,
                usecols=list(indices),
                ndmin=2,
                comments=None,
                quotechar='"',
                dtype=float,
            )
            return np.ascontiguousarray(values.T)
        except ValueError:
            pass
        out = np.full((len(indices), len(self.lines)), np.nan)
        for j, row in enumerate(self):
            n = len(row)
            for k, i in enumerate(indices):
                if i < n:
                    out[k, j] = _to_float(row[i])
        return out


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # Windows exports (µ as 0xB5)


def _read_table(path: Path, *, comment: str | None = None):
    """(comment lines, header or None, data rows, ended with a newline) of a text table."""
    raw_bytes = path.read_bytes()
    if b"\x00" in raw_bytes[:65536]:
        raise RecordingError(f"{path}: not a text file (binary content)")
    text = _decode(path, raw_bytes)
    del raw_bytes
    ended = text.endswith(("\n", "\r"))
    lines = text.splitlines()
    del text
    comments = []
    i = 0
    while i < len(lines) and (not lines[i].strip() or (comment and lines[i].startswith(comment))):
        if lines[i].strip():
            comments.append(lines[i])
        i += 1
    first_line = i
    body = [line for line in lines[i:] if line.strip()]
    del lines
    if not body:
        raise RecordingError(f"{path}: no rows of data")
    delim = _sniff_delimiter(body[0])
    first = next(csv.reader([body[0]], delimiter=delim))
    numeric = sum(not math.isnan(_to_float(c)) for c in first)
    header = None
    if numeric < max(1, len(first) // 2):
        header = [c.strip() for c in first]
        body = body[1:]
    width = len(first)
    rows = _Rows(body, delim)
    for k, line in enumerate(body):
        if line.count(delim) + 1 < width and len(rows[k]) < width:
            row_no = k + first_line + 1 + (header is not None)
            last = k == len(body) - 1
            where = "the last row" if last else f"row {row_no}"
            raise RecordingError(
                f"{path}: {where} has {len(rows[k])} of {width} fields: the file looks truncated"
                + (" (delete that row to use the rest)" if last else "")
            )
    return comments, header, rows, ended or not body


def _check_ended(path: Path, ended: bool, what: str) -> None:
    """Recorders (OpenBCI GUI, muse-lsl, Mind Monitor) end every row with a newline."""
    if not ended:
        raise RecordingError(
            f"{path}: the file ends inside its last row: the {what} looks truncated "
            "(delete that row to use the rest)"
        )


def _columns(path: Path, rows: _Rows, indices: Sequence[int]) -> np.ndarray:
    """Float array (len(indices), n_rows) of the given columns, NaN where blank."""
    return rows.numeric(indices)


def _require_numbers(path: Path, values: np.ndarray, what: str) -> None:
    if values.size == 0 or not np.isfinite(values).any():
        raise RecordingError(f"{path}: no numbers in the {what} columns")


# ------------------------------------------------------------------ OpenBCI
def _read_openbci(path: Path):
    comments, header, rows, ended = _read_table(path, comment="%")
    _check_ended(path, ended, "OpenBCI file")
    meta = {}
    for line in comments:
        if "=" in line:
            key, value = line.lstrip("%").split("=", 1)
            meta[key.strip().lower()] = value.strip()
    rate_text = meta.get("sample rate", "")
    m = re.match(r"([0-9.]+)", rate_text)
    if header is None:
        n_ch = int(meta.get("number of channels", "8"))
        width = max(len(r) for r in rows) if rows else 0
        header = ["Sample Index"] + [f"EXG Channel {i}" for i in range(n_ch)]
        header += [f"Accel Channel {i}" for i in range(3)]
        header += [f"Other {i}" for i in range(width - len(header))]
    if not rows:
        raise RecordingError(f"{path}: no rows of data after the header")
    lower = [h.lower() for h in header]
    exg = [i for i, h in enumerate(lower) if h.startswith(("exg channel", "eeg channel"))]
    if not exg:
        raise RecordingError(f"{path}: no 'EXG Channel' columns in the OpenBCI header")
    accel = [i for i, h in enumerate(lower) if h.startswith("accel")]
    analog = [i for i, h in enumerate(lower) if h.startswith("analog")]
    marker = [i for i, h in enumerate(lower) if h.startswith("marker")]
    stamp = [i for i, h in enumerate(lower) if h == "timestamp"]

    eeg = _columns(path, rows, exg)
    _require_numbers(path, eeg, "EXG")
    if m:
        sfreq = float(m.group(1))
    elif stamp:
        sfreq = _rate_from_times(path, _columns(path, rows, stamp)[0], unit=1e-3)
    else:
        raise RecordingError(f"{path}: the OpenBCI header gives no sample rate")

    data = [eeg * 1e-6]
    names = [header[i] for i in exg]
    types = ["eeg"] * len(exg)
    for group in (accel, analog):
        if group:
            values = _columns(path, rows, group)
            keep = [k for k in range(len(group)) if np.nanmax(values[k]) != np.nanmin(values[k])]
            if group is accel:
                keep = list(range(len(group)))  # accelerometer kept even when still
            if keep:
                data.append(values[keep])
                names += [header[group[k]] for k in keep]
                types += ["misc"] * len(keep)
    markers: list[tuple[float, str]] = []
    if marker:
        values = np.nan_to_num(_columns(path, rows, marker[:1]))
        data.append(values)
        names.append(header[marker[0]])
        types.append("stim")
        markers = _markers_from_channel(values[0], sfreq)
    meas_date = None
    if stamp:
        first = _columns(path, rows[:1], stamp)[0, 0]
        meas_date = _epoch_date(first / 1e3)
    board = meta.get("board", "")
    return _build_raw(
        path,
        np.vstack(data),
        names,
        types,
        sfreq,
        meas_date=meas_date,
        markers=markers,
        description=f"OpenBCI GUI raw text {board}".strip(),
    )


def _markers_from_channel(values: np.ndarray, sfreq: float) -> list[tuple[float, str]]:
    """(onset s, description) at each sample where a marker channel turns non-zero."""
    v = np.nan_to_num(np.asarray(values, dtype=float))
    prev = np.concatenate([[0.0], v[:-1]])
    idx = np.flatnonzero((v != 0) & (v != prev))
    return [(i / sfreq, _marker_text(v[i])) for i in idx]


def _marker_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# ---------------------------------------------------------------------- CSV
def _read_csv(path: Path):
    _comments, header, rows, ended = _read_table(path, comment="#")
    if header is None:
        header = ["time"] + [f"ch{i}" for i in range(1, max(len(r) for r in rows))]
    lower = [h.lower() for h in header]
    if any(h.startswith("raw_") for h in lower):
        _check_ended(path, ended, "Mind Monitor CSV")
        return _read_mind_monitor(path, header, rows)
    if (
        lower
        and lower[0] in ("timestamps", "timestamp")
        and any(h in ("tp9", "af7", "af8", "tp10") for h in lower)
    ):
        _check_ended(path, ended, "muse-lsl CSV")
        return _read_muse_lsl(path, header, rows)
    return _read_plain_csv(path, header, rows)


def _read_muse_lsl(path: Path, header: list[str], rows: _Rows):
    lower = [h.lower() for h in header]
    chans = [i for i in range(1, len(header)) if not lower[i].startswith("marker")]
    marker = [i for i in range(1, len(header)) if lower[i].startswith("marker")]
    table = _columns(path, rows, [0, *chans, *marker])  # one pass over the text
    times = table[0]
    values = table[1 : 1 + len(chans)]
    _require_numbers(path, values, "EEG")
    sfreq = _rate_from_times(path, times)
    names = [header[i] for i in chans]
    types = ["misc" if "aux" in lower[i] else _type_from_name(header[i]) for i in chans]
    data = [values * 1e-6]
    markers: list[tuple[float, str]] = []
    for k, i in enumerate(marker):
        mv = np.nan_to_num(table[1 + len(chans) + k : 2 + len(chans) + k])
        data.append(mv)
        names.append(header[i])
        types.append("stim")
        markers += _markers_from_channel(mv[0], sfreq)
    markers.sort()
    return _build_raw(
        path,
        np.vstack(data),
        names,
        types,
        sfreq,
        meas_date=_epoch_date(float(times[0])),
        markers=markers,
        description="muse-lsl CSV",
    )


def _parse_datetime(text: str) -> datetime | None:
    text = text.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _read_mind_monitor(path: Path, header: list[str], rows: _Rows):
    lower = [h.lower() for h in header]
    raw_cols = [i for i, h in enumerate(lower) if h.startswith("raw_")]
    extra = [
        i
        for i, h in enumerate(lower)
        if h.startswith(("aux_", "accelerometer_", "gyro_", "hsi_", "headbandon"))
    ]
    t_col = lower.index("timestamp") if "timestamp" in lower else None
    el_col = lower.index("elements") if "elements" in lower else None

    values = _columns(path, rows, raw_cols)
    _require_numbers(path, values, "RAW_")
    sample_rows = np.isfinite(values).any(axis=0)
    stamps = []
    if t_col is not None:
        for r in rows:
            stamps.append(_parse_datetime(r[t_col]) if t_col < len(r) else None)
    if t_col is None or any(s is None for s in stamps):
        raise RecordingError(f"{path}: Mind Monitor CSV without readable TimeStamp values")
    secs = np.array([s.timestamp() for s in stamps])
    t_samples = secs[sample_rows]
    sfreq = _rate_from_times(path, t_samples)
    if sfreq < 100.0:
        raise RecordingError(
            f"{path}: raw EEG at only {sfreq:.3g} samples per second: record with Mind "
            "Monitor's 'Recording Interval' set to 'Constant' to keep the raw signal"
        )
    t0 = t_samples[0]

    data = [values[:, sample_rows] * 1e-6]
    names = [header[i][4:] for i in raw_cols]
    types = ["eeg"] * len(raw_cols)
    if extra:
        data.append(_columns(path, rows, extra)[:, sample_rows])
        names += [header[i] for i in extra]
        types += ["misc"] * len(extra)
    markers = []
    if el_col is not None:
        for r, s in zip(rows, secs, strict=True):
            if el_col < len(r) and r[el_col].strip():
                markers.append((max(0.0, float(s - t0)), r[el_col].strip()))
    return _build_raw(
        path,
        np.vstack(data),
        names,
        types,
        sfreq,
        meas_date=stamps[int(np.flatnonzero(sample_rows)[0])],
        markers=markers,
        description="Mind Monitor CSV",
    )


_UNIT_RE = re.compile(r"^(.*?)\s*[\(\[]\s*([^\)\]]*?)\s*[\)\]]\s*$")
_VOLT_UNITS = {
    "uv": 1e-6,
    "µv": 1e-6,
    "μv": 1e-6,
    "microvolts": 1e-6,
    "mv": 1e-3,
    "v": 1.0,
    "nv": 1e-9,
}
_TIME_UNITS = {"s": 1.0, "sec": 1.0, "seconds": 1.0, "ms": 1e-3, "msec": 1e-3, "milliseconds": 1e-3}


def _split_unit(name: str) -> tuple[str, str]:
    """``"Fz (uV)"`` -> ``("Fz", "uv")``; no unit -> ``(name, "")``."""
    m = _UNIT_RE.match(name)
    return (m.group(1).strip() or name, m.group(2).strip().lower()) if m else (name.strip(), "")


def _read_plain_csv(path: Path, header: list[str], rows: _Rows):
    if len(header) < 2:
        raise RecordingError(f"{path}: a CSV needs a time column and at least one channel column")
    if not rows:
        raise RecordingError(f"{path}: no rows of data after the header")
    t_name, t_unit = _split_unit(header[0])
    if t_unit:
        if t_unit not in _TIME_UNITS:
            raise RecordingError(
                f"{path}: unknown time unit {t_unit!r} in {header[0]!r} (use s or ms)"
            )
        unit = _TIME_UNITS[t_unit]
    else:
        ms = re.search(r"(^|[^a-z])ms([^a-z]|$)|millisec", t_name.lower())
        unit = 1e-3 if ms else 1.0
    table = _columns(path, rows, list(range(len(header))))  # one pass over the text
    times, values = table[0], table[1:]
    if not np.isfinite(times).any() and not np.isfinite(values).any():
        raise RecordingError(f"{path}: no numbers in the CSV")
    _require_numbers(path, values, "channel")
    if not np.isfinite(times).all():
        raise RecordingError(
            f"{path}: the first column ({header[0]!r}) must be the time of each sample"
        )
    sfreq = _rate_from_times(path, times, unit=unit)
    names, units = zip(*(_split_unit(h) for h in header[1:]), strict=True)
    types = infer_channel_types(names)
    scale = []
    for name, u, t in zip(names, units, types, strict=True):
        if u and u in _VOLT_UNITS:
            scale.append(_VOLT_UNITS[u])
        elif t in ("stim", "misc"):
            scale.append(1.0)
        elif u:
            raise RecordingError(
                f"{path}: unknown unit {u!r} for channel {name!r} (use uV, mV or V)"
            )
        else:
            scale.append(1e-6)  # CSV exports are µV unless they say otherwise
    markers = []
    for k, t in enumerate(types):
        if t == "stim":
            values[k] = np.nan_to_num(values[k])
            markers += _markers_from_channel(values[k], sfreq)
    markers.sort()
    return _build_raw(
        path,
        values * np.array(scale)[:, None],
        names,
        types,
        sfreq,
        meas_date=_epoch_date(float(times[0]) * unit),
        markers=markers,
        description="plain CSV",
    )


# ---------------------------------------------------------------------- XDF
_XDF_TYPES = {
    "eeg": "eeg",
    "ecg": "ecg",
    "eog": "eog",
    "emg": "emg",
    "misc": "misc",
    "aux": "misc",
    "acc": "misc",
    "accel": "misc",
    "gyro": "misc",
    "stim": "stim",
    "trigger": "stim",
    "marker": "stim",
    "markers": "stim",
    "resp": "resp",
}
_XDF_UNITS = {
    "microvolts": 1e-6,
    "microvolt": 1e-6,
    "uv": 1e-6,
    "µv": 1e-6,
    "μv": 1e-6,
    "millivolts": 1e-3,
    "mv": 1e-3,
    "volts": 1.0,
    "volt": 1.0,
    "v": 1.0,
    "nanovolts": 1e-9,
    "nv": 1e-9,
}


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.messages.append(record.getMessage())


def _first(d, key, default=None):
    try:
        value = d[key]
    except (KeyError, TypeError):
        return default
    if isinstance(value, list):
        return value[0] if value else default
    return value


def _read_xdf(path: Path):
    import pyxdf

    # pyxdf logs (to stderr) what it skips in a damaged file: collect, then judge.
    logger = logging.getLogger("pyxdf")
    handler = _Collect()
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        streams, header = pyxdf.load_xdf(str(path), verbose=False)
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    damage = [m for m in handler.messages if "corrupt" in m.lower()]
    if damage:
        raise RecordingError(f"{path}: truncated or corrupt XDF file ({_shorten(damage[0], 120)})")
    if not streams:
        raise RecordingError(f"{path}: the XDF file holds no streams")

    def is_numeric(s) -> bool:
        return _first(s["info"], "channel_format", "") != "string"

    def rate(s) -> float:
        return float(_first(s["info"], "nominal_srate", 0) or 0)

    eeg = [
        s
        for s in streams
        if str(_first(s["info"], "type", "")).lower() == "eeg" and is_numeric(s) and rate(s) > 0
    ]
    if not eeg:
        kinds = ", ".join(
            f"{_first(s['info'], 'name', '?')} ({_first(s['info'], 'type', '?')})" for s in streams
        )
        raise RecordingError(f"{path}: no EEG stream in the XDF file (streams: {kinds})")
    stream = max(eeg, key=lambda s: len(s["time_stamps"]))
    info = stream["info"]
    sfreq = rate(stream)
    ts = np.asarray(stream["time_stamps"], dtype=float)
    x = np.asarray(stream["time_series"], dtype=float)
    if ts.size < 2 or x.ndim != 2:
        raise RecordingError(f"{path}: the XDF EEG stream holds no samples")
    order = np.argsort(ts, kind="stable")
    ts, x = ts[order], x[order]
    n_ch = x.shape[1]

    labels, types, scales = [], [], []
    chans = []
    desc = _first(info, "desc")
    if desc:
        chs = _first(desc, "channels")
        if chs:
            chans = chs.get("channel", []) if hasattr(chs, "get") else []
    for k in range(n_ch):
        ch = chans[k] if k < len(chans) else {}
        label = str(_first(ch, "label", "") or f"ch{k + 1}")
        kind = str(_first(ch, "type", "") or "").lower()
        mne_type = _XDF_TYPES.get(kind) or _type_from_name(label)
        unit = str(_first(ch, "unit", "") or "").lower()
        if mne_type in ("stim", "misc"):
            scale = _XDF_UNITS.get(unit, 1.0)
        else:
            scale = _XDF_UNITS.get(unit, 1e-6)  # LSL EEG streams are µV by convention
        labels.append(label)
        types.append(mne_type)
        scales.append(scale)

    # Resample the irregular time stamps onto the nominal grid.
    t0 = ts[0]
    n_out = int(np.floor((ts[-1] - t0) * sfreq + 1e-6)) + 1
    grid = t0 + np.arange(n_out) / sfreq
    data = np.empty((n_ch, n_out))
    for k in range(n_ch):
        data[k] = np.interp(grid, ts, x[:, k]) * scales[k]

    markers = []
    for s in streams:
        if s is stream:
            continue
        kind = str(_first(s["info"], "type", "")).lower()
        if rate(s) == 0 and kind in ("markers", "marker", "events", "stim", ""):
            for t, value in zip(s["time_stamps"], s["time_series"], strict=False):
                text = value[0] if isinstance(value, list | tuple | np.ndarray) else value
                if t0 <= t <= grid[-1]:
                    markers.append((float(t - t0), str(text)))
    meas_date = None
    stamp = _first(_first(header, "info", {}), "datetime")
    if stamp:
        try:
            meas_date = datetime.fromisoformat(str(stamp)).astimezone(UTC)
        except ValueError:
            meas_date = None
    name = _first(info, "name", "")
    return _build_raw(
        path,
        data,
        labels,
        types,
        sfreq,
        meas_date=meas_date,
        markers=sorted(markers),
        description=f"XDF stream {name}".strip(),
    )
