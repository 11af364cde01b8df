"""Take-home files: they open, the names are unguessable, the limits hold."""

from __future__ import annotations

import io
import json
import os
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from batik_waves.kiosk.session import attract_tasks
from batik_waves.kiosk.store import FILES, TOKEN, Snapshot, TakeHomeStore, render_take_home


def _snapshot(motif: str) -> Snapshot:
    # real moments of the bundled sample, through the kiosk's own live path, a minute apart
    tasks = attract_tasks(motif, n=6, fps=0.1, start=5.0)
    rows = tuple((10.0 * i, t.params) for i, t in enumerate(tasks))
    return Snapshot(motif, None, tasks[-1].params, rows, tasks[0].palette, 3, 1, 1.7e9, "test")


@pytest.mark.parametrize("motif", ["kawung", "parang"])
def test_take_home_files_open(motif):
    files = render_take_home(_snapshot(motif))
    assert set(files) == set(FILES)
    tile = Image.open(io.BytesIO(files["tile.png"]))
    tile.load()
    assert tile.size[0] >= 512 and tile.size[1] >= 512
    assert np.asarray(tile).std() > 5  # a drawing, not a blank
    cloth = Image.open(io.BytesIO(files["cloth.png"]))
    cloth.load()
    assert cloth.size[1] > cloth.size[0]  # time runs down a long cloth
    assert np.asarray(cloth).std() > 5
    root = ET.fromstring(files["tile.svg"])
    assert root.tag.endswith("svg") and len(list(root.iter())) > 10
    record = json.loads(files["record.json"])
    assert record["motif"] == motif and record["cloth_rows"] == 6
    assert record["seconds"] == 50.0


def _files(n: int) -> dict[str, bytes]:
    return {"tile.png": b"x" * n, "record.json": b"{}"}


def test_store_limits_by_count(tmp_path):
    store = TakeHomeStore(tmp_path, max_visitors=3)
    tokens = [store.add(_files(10)).token for _ in range(5)]
    assert store.tokens() == tokens[2:]  # the oldest went first
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(tokens[2:])
    assert store.get(tokens[0]) is None and store.get(tokens[4]) is not None


def test_store_limits_by_bytes(tmp_path):
    store = TakeHomeStore(tmp_path, max_visitors=100, max_bytes=2500)
    tokens = [store.add(_files(1000)).token for _ in range(4)]
    assert store.bytes <= 2500
    assert store.tokens() == tokens[-2:]
    # reopened, the store finds what is on disk and keeps the limits
    again = TakeHomeStore(tmp_path, max_visitors=1)
    assert again.tokens() == tokens[-1:]


def test_tokens_are_unguessable(tmp_path):
    store = TakeHomeStore(tmp_path)
    tokens = {store.add(_files(1)).token for _ in range(50)}
    assert len(tokens) == 50
    assert all(TOKEN.fullmatch(t) for t in tokens)
    # 18 random bytes: no shared prefix beyond chance
    assert len({t[:6] for t in tokens}) == 50


def test_store_refuses_what_it_does_not_know(tmp_path):
    store = TakeHomeStore(tmp_path)
    entry = store.add(_files(5))
    assert store.read(entry, "tile.png") == b"xxxxx"
    assert store.read(entry, "../tile.png") is None
    for bad in ("..", "../..", "/etc/passwd", "x" * 24, entry.token + "/", ""):
        assert store.get(bad) is None
    # a symlink planted in a take-home folder is not followed
    secret = tmp_path.parent / "secret.txt"
    secret.write_text("secret")
    target = tmp_path / entry.token / "tile.svg"
    os.symlink(secret, target)
    assert store.read(entry, "tile.svg") is None
    with pytest.raises(ValueError, match="unknown take-home files"):
        store.add({"evil.sh": b""})
