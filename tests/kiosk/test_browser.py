"""End to end: the kiosk on a real LSL stream, the page in Debian's headless Chromium.

Everything is judged from screenshot pixels: the cloth fills the screen, it moves,
and the state mark's colour (kiosk.css) says what the source is doing.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
from kiosk_browser import CHROMIUM, Browser
from kiosk_util import kiosk_fixture, player_fixture  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="Debian's chromium is not installed (apt-get install -y chromium; .ci/run "
        "does it): the browser tests need a real browser and never download one",
    ),
]

W, H = 960, 540
#: kiosk.css: the state mark, 14 px at 16 px from the bottom-left corner
MARK = (16 + 7, H - 16 - 7)
COLOURS = {
    "live": (0xC9, 0xA2, 0x27),
    "calibrating": (0x3C, 0x6E, 0x9E),
    "attract": (0xE8, 0xE0, 0xD0),
}
BACKGROUND = (0x1D, 0x14, 0x0D)


def _state_from_pixels(img: np.ndarray) -> str:
    x, y = MARK
    px = img[y - 2 : y + 3, x - 2 : x + 3].reshape(-1, 3).mean(axis=0)
    return min(COLOURS, key=lambda s: np.abs(px - COLOURS[s]).sum())


def _fills_the_screen(img: np.ndarray) -> None:
    cloth = img[: H - 60].astype(float)  # above the status line and the button
    bg = np.abs(cloth - BACKGROUND).sum(axis=2) < 12
    assert bg.mean() < 0.02, f"{bg.mean():.1%} of the screen shows the bare page"
    for rows in np.array_split(cloth, 4, axis=0):
        for cell in np.array_split(rows, 6, axis=1):
            assert cell.std() > 6, "a flat patch: the cloth does not cover the screen"


def _wait(cond, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = cond()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _shot(browser: Browser, name: str, folder) -> np.ndarray:
    img = browser.screenshot()
    from PIL import Image

    Image.fromarray(img).save(folder / f"{name}.png")
    return img


def test_page_follows_the_source(kiosk, player, tmp_path):
    k = kiosk(f"lsl:{player.name}", calibration=4.0, new_visitor=2.5, attract_frames=16)
    out = tmp_path
    keep = os.environ.get("KIOSK_SCREENSHOTS")  # to look at them
    if keep:
        from pathlib import Path

        out = Path(keep)
        out.mkdir(parents=True, exist_ok=True)
    with Browser(width=W, height=H) as b:
        b.goto(k.url + "/")
        k.wait_state(("live",), 30)
        _wait(lambda: b.evaluate("document.body.className") == "live", 10, "the page to show live")
        time.sleep(1.0)  # the state line's fade
        live1 = _shot(b, "live", out)
        time.sleep(1.5)
        live2 = _shot(b, "live-later", out)
        _fills_the_screen(live1)
        _fills_the_screen(live2)
        assert np.abs(live1.astype(float) - live2).mean() > 2.0, "the cloth does not move"
        assert _state_from_pixels(live1) == _state_from_pixels(live2) == "live"

        # take-home: the box says "saving" at once, then "saved" with the four links
        state = b.evaluate(
            "(document.getElementById('take').click(), "
            "document.getElementById('gift-box').className + '|' + "
            "document.getElementById('take').disabled)"
        )
        assert state == "saving|true", state
        _shot(b, "take-home-saving", out)
        _wait(
            lambda: b.evaluate("document.getElementById('gift-box').className") == "saved",
            30,
            "the take-home to be saved",
        )
        assert b.evaluate("document.getElementById('links').childElementCount") == 4
        assert b.evaluate("document.getElementById('take').disabled") is False
        assert "tersimpan" in b.evaluate("document.getElementById('gift-text').textContent")
        _shot(b, "take-home-saved", out)
        b.evaluate("document.getElementById('gift-close').click()")

        # the headset goes quiet: attract (within 3 s as a rule: test_session's dropout
        # test holds the median to it; here one slow moment of a loaded machine may
        # not fail the suite, so 6 s), and the cloth keeps moving
        player.stop()
        k.wait_state(("attract",), 6.0)
        _wait(lambda: b.evaluate("document.body.className") == "attract", 6, "attract on the page")
        time.sleep(2.5)  # the veil and the invitation fade in; the player stays away
        rest1 = _shot(b, "attract", out)
        time.sleep(1.0)
        rest2 = _shot(b, "attract-later", out)
        assert _state_from_pixels(rest1) == "attract"
        _fills_the_screen(rest1)
        assert np.abs(rest1.astype(float) - rest2).mean() > 1.0, "attract stands still"
        # the invitation sits on a darker veil over the lower part of the screen
        low, high = rest1[int(H * 0.6) : H - 60], live1[int(H * 0.6) : H - 60]
        assert low.mean() < high.mean() or np.abs(low.astype(float) - high).mean() > 10

        # a new visitor (away longer than new_visitor): calibrating first, then live
        player.start()
        k.wait_state(("calibrating",), 6.0)
        _wait(lambda: b.evaluate("document.body.className") == "calibrating", 6, "calibrating")
        time.sleep(0.5)
        calib = _shot(b, "calibrating", out)
        assert _state_from_pixels(calib) == "calibrating"
        _fills_the_screen(calib)
        k.wait_state(("live",), 8.0)
        _wait(lambda: b.evaluate("document.body.className") == "live", 6, "live again")
        time.sleep(0.3)
        assert _state_from_pixels(_shot(b, "live-again", out)) == "live"
