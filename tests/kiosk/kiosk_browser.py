"""Debian's headless Chromium, driven over the DevTools protocol on a pipe.

``--remote-debugging-pipe`` makes Chromium read commands from fd 3 and write
answers to fd 4, NUL-separated JSON: no websocket library and no network port, and
never a downloaded browser. Started with the flags of ../shared/OUTPUTS.md and a
fresh ``--user-data-dir``; it dies with the test (``die_with_parent``) and is stopped
by :meth:`Browser.close`.
"""

from __future__ import annotations

import base64
import fcntl
import io
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

import numpy as np

from batik_waves._procs import popen_kwargs

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--noerrdialogs",
    "--disable-session-crashed-bubble",
    "--disable-pinch",
    "--hide-scrollbars",
    "--mute-audio",
)


class Browser:
    """One headless Chromium with one page of *width* × *height* CSS px."""

    def __init__(self, *, width: int = 960, height: int = 540, timeout: float = 20.0) -> None:
        if CHROMIUM is None:
            raise RuntimeError("no chromium on this machine")
        self.profile = tempfile.mkdtemp(prefix="kiosk-chromium-")
        r_cmd, w_cmd = os.pipe()  # we write commands -> its fd 3
        r_out, w_out = os.pipe()  # its fd 4 -> we read answers
        self._w, self._r = w_cmd, r_out
        args = [
            CHROMIUM,
            *FLAGS,
            "--remote-debugging-pipe",
            f"--user-data-dir={self.profile}",
            f"--window-size={width},{height}",
            "about:blank",
        ]

        def fds():
            # via fds above 10 first: either pipe end may itself be 3 or 4
            a = fcntl.fcntl(r_cmd, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(w_out, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        kw = popen_kwargs()
        before = kw.pop("preexec_fn", None)

        def pre():
            fds()
            if before is not None:
                before()

        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=pre,
            **kw,
        )
        os.close(r_cmd)
        os.close(w_out)
        self._id = 0
        self._buf = b""
        self.timeout = timeout
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=page["targetId"], flatten=True)[
            "sessionId"
        ]
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.width, self.height = width, height

    def call(self, method: str, *, session: bool = False, **params):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        end = time.monotonic() + self.timeout
        while True:
            while b"\0" in self._buf:
                raw, self._buf = self._buf.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self._id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply.get("result", {})
            left = end - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                raise RuntimeError(f"chromium did not answer {method}")
            ready, _, _ = select.select([self._r], [], [], left)
            if ready:
                chunk = os.read(self._r, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed its pipe")
                self._buf += chunk

    def goto(self, url: str) -> None:
        self.call("Page.enable", session=True)
        self.call("Page.navigate", session=True, url=url)

    def evaluate(self, expr: str):
        res = self.call("Runtime.evaluate", session=True, expression=expr, returnByValue=True)
        return res.get("result", {}).get("value")

    def screenshot(self) -> np.ndarray:
        """The page as an (height, width, 3) uint8 array."""
        from PIL import Image

        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        img = Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")
        return np.asarray(img)

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (RuntimeError, OSError):
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._w, self._r):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
