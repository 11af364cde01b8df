"""batik-waves kiosk: bad input is one line and exit 2, before any server starts."""

from __future__ import annotations

import socket

import pytest
from utils import free_port

from batik_waves.cli import main


def _run(capsys, monkeypatch, *argv):
    """Run ``kiosk argv``; return (status, stdout, stderr, whether a source opened)."""
    from batik_waves.kiosk.session import Session

    opened = []
    real = Session.open_source

    def spy(self):
        opened.append(self.spec)
        return real(self)

    monkeypatch.setattr(Session, "open_source", spy)
    status = main(["kiosk", *argv])
    out, err = capsys.readouterr()
    return status, out, err, bool(opened)


def test_port_in_use(capsys, monkeypatch, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        status, out, err, opened = _run(
            capsys, monkeypatch, "--port", str(port), "--store", str(tmp_path)
        )
    assert status == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("batik-waves: error: cannot listen on")
    assert str(port) in lines[0] and "--port" in lines[0]
    assert not opened  # refused before the source was opened


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
def test_bad_input(capsys, monkeypatch, tmp_path, argv, words):
    status, out, err, opened = _run(capsys, monkeypatch, *argv, "--store", str(tmp_path))
    assert status == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("batik-waves: error:"), err
    assert words in lines[0]
    assert not opened
    assert not any(tmp_path.iterdir())  # nothing started, nothing written


def test_missing_lsl_stream_fails_before_serving(capsys, monkeypatch, tmp_path):
    port = free_port()
    store = tmp_path / "store"
    argv = ["--source", "lsl:no-such-stream-here", "--port", str(port), "--store", str(store)]
    status, out, err, opened = _run(capsys, monkeypatch, *argv)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "no LSL stream named 'no-such-stream-here'" in err
    assert opened  # it looked for the stream before serving, and found none
    assert not store.exists()
