"""Writing outputs safely, and what a record says about them.

- Outputs go to a temporary name beside the target and are renamed into place
  (:func:`atomic_path`, :func:`write_text`): an interrupted run never leaves a
  half-written file under the final name.
- An input file is never overwritten (:func:`check_not_input`).
- Provenance: :func:`sha256` of a source, :func:`versions` of the packages that made
  an output, :func:`json_ready` values for a JSON record.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import platform
import tempfile
from collections.abc import Iterable, Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from .errors import RenderError

__all__ = [
    "atomic_path",
    "check_not_input",
    "json_ready",
    "sha256",
    "versions",
    "write_bytes",
    "write_text",
]

#: The packages whose versions a record lists.
_RECORDED = (
    "batik-waves",
    "numpy",
    "scipy",
    "mne",
    "shapely",
    "cairosvg",
    "cairocffi",
    "matplotlib",
    "pillow",
)


def check_not_input(target: str | os.PathLike, inputs: Iterable[str | os.PathLike]) -> None:
    """Raise :class:`RenderError` if *target* is one of *inputs* (same file on disk)."""
    t = Path(target)
    for src in inputs:
        s = Path(src)
        try:
            same = t.exists() and s.exists() and os.path.samefile(t, s)
        except OSError:
            same = False
        if same or t.resolve() == s.resolve():
            raise RenderError(f"{t}: refusing to overwrite the input recording")


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside *target*; rename it onto *target* on success.

    On any exception the temporary file is removed and *target* is left as it was.
    The temporary name keeps *target*'s suffix (or *suffix*), so tools that choose a
    format from the extension still work.
    """
    target = Path(target)
    parent = target.parent if str(target.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RenderError(f"{parent}: cannot create the output folder: {err.strerror}") from err
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.stem}.",
        suffix=suffix if suffix is not None else target.suffix,
        dir=parent,
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes the file private (0600); outputs get the usual permissions.
        with contextlib.suppress(OSError):
            os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(target: str | os.PathLike, data: bytes) -> Path:
    """Write *data* to *target* atomically and return the path."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 *text* to *target* atomically and return the path."""
    return write_bytes(target, text.encode("utf-8"))


def sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file (or of every file in a folder recording, in name order), hex."""
    h = hashlib.sha256()
    p = Path(path)
    files = sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p]
    for f in files:
        if p.is_dir():
            h.update(str(f.relative_to(p)).encode("utf-8") + b"\0")
        with open(f, "rb") as fh:
            for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def versions() -> dict[str, str]:
    """Python's and the recorded packages' versions."""
    out = {"python": platform.python_version()}
    for dist in _RECORDED:
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out


def json_ready(value: Any) -> Any:
    """*value* with numpy scalars as Python ones, floats rounded to 10 digits and
    non-finite floats as None, recursively."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    item = getattr(value, "item", None)
    if item is not None and type(value).__module__ == "numpy":
        value = item()
    if isinstance(value, float):
        return round(value, 10) if math.isfinite(value) else None
    return value
