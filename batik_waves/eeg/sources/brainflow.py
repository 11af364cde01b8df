"""BrainFlow boards: ``brainflow:synthetic``, ``brainflow:muse-2:mac_address=...``, ..."""

from __future__ import annotations

import time

import numpy as np

from ..._check import allowed_text
from ...errors import SourceError
from .base import Source, clock, require

__all__ = ["BrainFlowSource", "board_id"]

# what to check when a board cannot be prepared, by the parameter it relies on
_HINTS = {
    "serial_port": "is the dongle plugged in?",
    "mac_address": "is the headset on and in range?",
    "ip_address": "is the board on this network?",
}


def board_id(board: str | int) -> int:
    """BrainFlow's board id for a name (``"synthetic"``, ``"muse-2"``, ``"cyton"``) or id.

    Examples
    --------
    >>> board_id("synthetic"), board_id("muse-2"), board_id("-1")
    (-1, 38, -1)
    """
    bf = require("brainflow.board_shim", "a BrainFlow source")
    ids = {m.name.removesuffix("_BOARD").lower(): int(m.value) for m in bf.BoardIds}
    text = str(board).strip()
    try:
        value = int(text)
    except ValueError:
        key = text.lower().replace("-", "_").replace(" ", "_").removesuffix("_board")
        if key not in ids:
            close = [n.replace("_", "-") for n in ids if n.startswith(key[:3])] or [
                "synthetic",
                "muse-2",
                "muse-s",
                "cyton",
                "ganglion",
            ]
            raise SourceError(
                f"unknown BrainFlow board {text!r}: try {allowed_text(close[:8])} "
                "(or a board id number)"
            ) from None
        return ids[key]
    if value not in ids.values():
        raise SourceError(f"unknown BrainFlow board id {value}: see BrainFlow's BoardIds")
    return value


def _shim_class(bf):
    """BoardShim without its ``__del__``.

    BrainFlow keys sessions by board and parameters, and ``BoardShim.__del__``
    releases "its" session if one is prepared: a shim collected after a restart would
    release the *new* session of the same board. Sessions are released by
    :meth:`BrainFlowSource.close` instead.
    """

    class Shim(bf.BoardShim):
        def __del__(self) -> None:
            return None

    return Shim


class BrainFlowSource(Source):
    """A BrainFlow board.

    Parameters
    ----------
    board : str | int
        Board name or id (see :func:`board_id`).
    **params
        Fields of ``BrainFlowInputParams`` (``serial_port``, ``mac_address``,
        ``ip_address``, ``ip_port``, ``timeout``, ...), as strings or values.
    """

    def __init__(self, board: str | int = "synthetic", **params) -> None:
        super().__init__()
        bf = require("brainflow.board_shim", "a BrainFlow source")
        self.board_id = board_id(board)
        self.board = str(board)
        self.label = f"BrainFlow board {self.board!r}"
        self._params = bf.BrainFlowInputParams()
        defaults = vars(self._params)
        for key, value in params.items():
            if key not in defaults:
                raise SourceError(
                    f"unknown BrainFlow parameter {key!r} for {self.label}: allowed "
                    f"{allowed_text(sorted(defaults))}"
                )
            kind = type(defaults[key])
            try:
                setattr(self._params, key, kind(value))
            except (TypeError, ValueError):
                raise SourceError(
                    f"BrainFlow parameter {key}={value!r}: expected {kind.__name__}"
                ) from None
        self._given = {k for k in params}
        self._shim = None
        self._offset = 0.0

    def _open(self) -> None:
        bf = require("brainflow.board_shim", "a BrainFlow source")
        bid = self.board_id
        bf.BoardShim.disable_board_logger()
        self.rate = float(bf.BoardShim.get_sampling_rate(bid))
        self._rows = list(bf.BoardShim.get_eeg_channels(bid))
        self._ts_row = bf.BoardShim.get_timestamp_channel(bid)
        try:
            names = list(bf.BoardShim.get_eeg_names(bid))
        except bf.BrainFlowError:
            names = []
        if len(names) != len(self._rows):
            names = [f"EEG {i + 1}" for i in range(len(self._rows))]
        self.ch_names = tuple(names)
        self.ch_types = ("eeg",) * len(names)
        shim = _shim_class(bf)(bid, self._params)
        try:
            shim.prepare_session()
            shim.start_stream(45000)
        except bf.BrainFlowError as err:
            if shim.is_prepared():
                shim.release_session()
            where = next((getattr(self._params, k) for k in _HINTS if k in self._given), "")
            hint = next((h for k, h in _HINTS.items() if k in self._given), None)
            raise SourceError(
                f"BrainFlow could not prepare board {self.board!r}"
                + (f" on {where}" if where else "")
                + f": {hint or 'is it switched on, paired and given its serial_port or mac_address?'}"
                f" ({err})"
            ) from err
        self._shim = shim
        # BrainFlow stamps samples with the wall clock; Chunks use the monotonic one
        self._offset = time.time() - clock()

    def _read(self):
        shim = self._shim
        if shim is None:
            return None
        bf = require("brainflow.board_shim", "a BrainFlow source")
        try:
            if shim.get_board_data_count() <= 0:
                return None
            block = shim.get_board_data()
        except bf.BrainFlowError:
            return None  # the session is gone: the source stalls, a watchdog restarts it
        if block.shape[1] == 0:
            return None
        times = np.asarray(block[self._ts_row], dtype=np.float64) - self._offset
        data = np.asarray(block[self._rows], dtype=np.float64) * 1e-6  # µV -> V
        return times, data

    def _close(self) -> None:
        shim, self._shim = self._shim, None
        if shim is None:
            return
        bf = require("brainflow.board_shim", "a BrainFlow source")
        try:
            shim.stop_stream()
        except bf.BrainFlowError:
            pass  # not streaming any more (the link dropped): release all the same
        if shim.is_prepared():
            shim.release_session()
