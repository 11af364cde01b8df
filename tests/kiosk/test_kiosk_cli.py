"""batik-waves kiosk: bad input is one line and exit 2, before any server starts."""

from __future__ import annotations

import socket
import time

import pytest

from batik_waves.cli import main


def _run(capsys, *argv):
    t0 = time.monotonic()
    status = main(["kiosk", *argv])
    out, err = capsys.readouterr()
    return status, out, err, time.monotonic() - t0


def test_port_in_use(capsys, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        status, out, err, took = _run(capsys, "--port", str(port), "--store", str(tmp_path))
    assert status == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("batik-waves: error: cannot listen on")
    assert str(port) in lines[0] and "--port" in lines[0]
    assert took < 5  # the source was never opened


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--source", "mindreader:7"], "unknown source kind 'mindreader'"),
        (["--source", "osc:99999"], "bad port"),
        (["--motif", "kwaung"], "Allowed values are"),
        # a live cloth has no whole recording for the mapping to choose a family from
        (["--motif", "auto"], "but got 'auto' instead"),
        (["--port", "0"], "'port' parameter"),
        (["--port", "http"], "'port' parameter"),
        (["--host", "example.org"], "'host' parameter"),
        (["--palette", "#nothex"], "hex colour"),
    ],
)
def test_bad_input(capsys, tmp_path, argv, words):
    status, out, err, took = _run(capsys, *argv, "--store", str(tmp_path))
    assert status == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("batik-waves: error:"), err
    assert words in lines[0]
    assert took < 5
    assert not any(tmp_path.iterdir())  # nothing started, nothing written


def test_missing_lsl_stream_fails_before_serving(capsys, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    store = tmp_path / "store"
    argv = ["--source", "lsl:no-such-stream-here", "--port", str(port), "--store", str(store)]
    status, out, err, _ = _run(capsys, *argv)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "no LSL stream named 'no-such-stream-here'" in err
    assert not store.exists()
