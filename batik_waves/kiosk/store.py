"""Take-home batik: a visitor's tile, their session's cloth and a small record.

Each take-home is a folder named by an unguessable token
(:func:`secrets.token_urlsafe`) holding :data:`FILES`. The store keeps an index in
memory (rebuilt from the folder at start-up) and serves files only by looking a
token up in it; names and tokens from a request never become paths on their own.
It holds at most ``max_visitors`` take-homes and ``max_bytes`` bytes, the oldest
deleted first.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import shutil
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._io import json_ready, write_bytes
from ..errors import ParameterError
from ..motifs import registry
from ..motifs.palette import Palette
from ..render.raster import rasterize
from ..render.svg import to_svg

__all__ = ["FILES", "Entry", "Snapshot", "TakeHomeStore", "render_take_home"]

#: The files of a take-home and their media types.
FILES: dict[str, str] = {
    "tile.png": "image/png",
    "tile.svg": "image/svg+xml",
    "cloth.png": "image/png",
    "record.json": "application/json",
}
#: What a token looks like (``secrets.token_urlsafe(18)``: 144 random bits).
TOKEN = re.compile(r"[A-Za-z0-9_-]{24}")
#: Take-home tile side (px) and cloth size (px, a kain panjang's 1 : 2.4).
TILE = 1024
CLOTH = (640, 1536)


@dataclass(frozen=True)
class Snapshot:
    """What the session knows of the current visitor (see ``Session.snapshot``)."""

    motif: str
    variant: str | None
    params: Any
    rows: tuple[tuple[float, Any], ...]  # (seconds since they sat down, params)
    palette: Palette
    seed: int
    visitor: int
    started: float  # wall clock
    source: str


@dataclass(frozen=True)
class Entry:
    token: str
    created: float
    size: int


def _png(rgba: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgba[..., :3]), "RGB").save(buf, "PNG")
    return buf.getvalue()


def render_take_home(snap: Snapshot) -> dict[str, bytes]:
    """The files of a take-home (name -> bytes)."""
    entry = registry.get(snap.motif)
    tile = entry.tile()(snap.params, tile=(TILE, TILE), rng=snap.seed, palette=snap.palette)
    svg = to_svg(tile)
    cw, ch = tile.cell_size
    tile_png = _png(rasterize(tile, width=round(cw), height=round(ch), scale=1.0))
    rows = snap.rows or ((0.0, snap.params),)

    def params_at(y: float):  # time runs down the cloth: the top is when they sat down
        i = round(min(1.0, max(0.0, float(y))) * (len(rows) - 1))
        return rows[i][1]

    cloth = entry.cloth()(params_at, size=CLOTH, rng=snap.seed, palette=snap.palette)
    cloth_png = _png(rasterize(cloth, width=CLOTH[0], height=CLOTH[1]))
    record = {
        "what": "batik-waves kiosk take-home",
        "motif": snap.motif,
        "variant": snap.variant,
        "palette": snap.palette.name,
        "seed": snap.seed,
        "visitor": snap.visitor,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(snap.started)),
        "seconds": round(rows[-1][0] - rows[0][0], 1),
        "source": snap.source,
        "params": json_ready(_fields(snap.params)),
        "cloth_rows": len(rows),
    }
    return {
        "tile.png": tile_png,
        "tile.svg": svg.encode("utf-8"),
        "cloth.png": cloth_png,
        "record.json": (json.dumps(record, indent=2) + "\n").encode(),
    }


def _fields(params: Any) -> dict:
    from dataclasses import fields, is_dataclass

    if is_dataclass(params):
        return {f.name: getattr(params, f.name) for f in fields(params)}
    return {"params": repr(params)}


class TakeHomeStore:
    """Take-home folders under *root*, bounded by count and bytes (oldest go first).

    Parameters
    ----------
    root : path-like
        A folder of the store's own (created if needed).
    max_visitors : int
        Most take-homes kept.
    max_bytes : int
        Most bytes kept (a take-home is about 1-2 MB).
    """

    def __init__(
        self, root: str | os.PathLike, *, max_visitors: int = 200, max_bytes: int = 500_000_000
    ) -> None:
        if int(max_visitors) < 1 or int(max_bytes) < 1:
            raise ParameterError(
                "Invalid value for the take-home store's limits: expected max_visitors and "
                f"max_bytes of 1 or more, but got {max_visitors!r} and {max_bytes!r} instead."
            )
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.max_visitors = int(max_visitors)
        self.max_bytes = int(max_bytes)
        self._lock = threading.Lock()
        self._index: OrderedDict[str, Entry] = OrderedDict()
        found = []
        for p in self.root.iterdir():
            if TOKEN.fullmatch(p.name) and p.is_dir() and not p.is_symlink():
                size = sum(f.stat().st_size for f in p.iterdir() if f.is_file())
                found.append(Entry(p.name, p.stat().st_mtime, size))
        for e in sorted(found, key=lambda e: e.created):
            self._index[e.token] = e
        with self._lock:
            self._trim()

    def __len__(self) -> int:
        return len(self._index)

    @property
    def bytes(self) -> int:
        return sum(e.size for e in self._index.values())

    def tokens(self) -> list[str]:
        """Tokens, oldest first."""
        with self._lock:
            return list(self._index)

    def save(self, snap: Snapshot) -> Entry:
        """Render and keep a take-home of *snap*; return its entry."""
        files = render_take_home(snap)
        return self.add(files)

    def add(self, files: dict[str, bytes]) -> Entry:
        """Keep *files* (name -> bytes, names from :data:`FILES`) as a new take-home."""
        unknown = set(files) - set(FILES)
        if unknown:
            raise ParameterError(f"unknown take-home files {sorted(unknown)}")
        token = secrets.token_urlsafe(18)
        folder = self.root / token
        folder.mkdir()
        try:
            for name, data in files.items():
                write_bytes(folder / name, data)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        entry = Entry(token, time.time(), sum(len(d) for d in files.values()))
        with self._lock:
            self._index[token] = entry
            self._trim(keep=token)
        return entry

    def _trim(self, keep: str | None = None) -> None:
        total = sum(e.size for e in self._index.values())
        while self._index and (len(self._index) > self.max_visitors or total > self.max_bytes):
            token, entry = next(iter(self._index.items()))
            if token == keep:  # the newest alone exceeds the bytes: keep it anyway
                break
            del self._index[token]
            total -= entry.size
            shutil.rmtree(self.root / token, ignore_errors=True)

    def get(self, token: str) -> Entry | None:
        """The entry of *token*, or None (anything that is not a known token)."""
        if not isinstance(token, str) or not TOKEN.fullmatch(token):
            return None
        with self._lock:
            return self._index.get(token)

    def read(self, entry: Entry, name: str) -> bytes | None:
        """The bytes of file *name* of *entry* (None if gone); symlinks are not followed."""
        if name not in FILES or self.get(entry.token) is None:
            return None
        folder = self.root / entry.token
        try:
            if folder.is_symlink():
                return None
            fd = os.open(folder / name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return None
        with os.fdopen(fd, "rb") as fh:
            return fh.read()
