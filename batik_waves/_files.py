"""Writing outputs safely: a temporary name beside the target, then an atomic rename.

An interrupted run never leaves a half-written file under the final name, and an
input file is never overwritten.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import RenderError

__all__ = ["atomic_path", "check_not_input", "write_bytes", "write_text"]


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
