from __future__ import annotations

import os
import stat

import pytest

from batik_waves._io import atomic_path, check_not_input, write_text
from batik_waves.errors import RenderError


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.svg"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.svg"]


def test_outputs_get_ordinary_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_text(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_input_is_never_a_target(tmp_path):
    rec = tmp_path / "rec.edf"
    rec.write_bytes(b"data")
    with pytest.raises(RenderError, match="overwrite the input"):
        check_not_input(tmp_path / "." / "rec.edf", [rec])
