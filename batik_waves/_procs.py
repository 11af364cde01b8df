"""Child processes that never outlive their parent, and signals that stop cleanly.

A run that is killed (SIGKILL, the OOM killer) cannot clean up after itself, so its
children must notice on their own: pool workers and ffmpeg ask the kernel for a
signal when their parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``); elsewhere a
worker's daemon thread watches its parent's pid. A run that is asked to stop
(SIGTERM, SIGHUP from a closed terminal) takes the same road as Ctrl-C: a
:class:`Interrupted` (a ``KeyboardInterrupt``) unwinds the stack, temporary files
are removed and children are stopped by the code that started them.

- :func:`pool_initializer` gives the ``initializer`` and ``initargs`` of a
  ``ProcessPoolExecutor`` (or ``multiprocessing.Pool``);
- :func:`popen_kwargs` gives the extra ``subprocess.Popen`` arguments of a child
  such as ffmpeg;
- :func:`stop_on_signals` is the context manager the command line runs inside.

Notes
-----
Linux sends the parent-death signal when the *thread* that started the child ends,
not only the process: start children from the main thread (the pool's first
``submit``, the encoder's ``Popen``), as batik_waves does.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

__all__ = [
    "Interrupted",
    "die_with_parent",
    "pool_initializer",
    "popen_kwargs",
    "stop_on_signals",
]

_PR_SET_PDEATHSIG = 1
#: Seconds between two looks at the parent's pid where there is no prctl.
WATCH_INTERVAL = 0.5


class Interrupted(KeyboardInterrupt):
    """A stop asked by a signal (SIGTERM, SIGHUP): handled like Ctrl-C.

    Attributes
    ----------
    signum : int
        The signal that asked for it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = int(signum)


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's ``prctl`` (Linux), looked up once before any fork; None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.prctl
    except (OSError, AttributeError):  # pragma: no cover - an exotic libc
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    fn.restype = ctypes.c_int
    return fn


def _watch(parent: int, interval: float) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(1)  # the parent is gone: nothing of ours to flush
        time.sleep(interval)


def die_with_parent(parent: int, *, sig: int = signal.SIGKILL, thread: bool = True) -> bool:
    """Make the calling (child) process end when the process *parent* ends.

    Parameters
    ----------
    parent : int
        The pid of the parent, taken in the parent before the child started (if
        the parent is already gone, the child ends at once).
    sig : int
        The signal the kernel sends on the parent's death (Linux).
    thread : bool
        Where there is no prctl, start a daemon thread that ends the process when
        its parent's pid changes. False in a child about to ``exec`` (no thread
        survives an exec).

    Returns
    -------
    bool
        True when the kernel will send *sig* (prctl worked).
    """
    prctl = _prctl()
    armed = prctl is not None and prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    if os.getppid() != parent:  # died before the request took effect
        os._exit(1)
    if not armed and thread:
        threading.Thread(
            target=_watch, args=(parent, WATCH_INTERVAL), name="parent-watch", daemon=True
        ).start()
    return armed


def _init_worker(parent: int, init: Callable[..., Any] | None, initargs: Sequence[Any]) -> None:
    die_with_parent(parent)
    # A forked worker inherits the parent's Python handlers (stop_on_signals):
    # the parent stops its workers itself, so Ctrl-C (sent to the whole process
    # group) is ignored here and SIGTERM/SIGHUP end the worker plainly.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if signum is not None:
            signal.signal(signum, signal.SIG_DFL)
    if init is not None:
        init(*initargs)


def pool_initializer(
    init: Callable[..., Any] | None = None, initargs: Sequence[Any] = ()
) -> tuple[Callable[..., None], tuple[Any, ...]]:
    """``(initializer, initargs)`` for a process pool whose workers die with this process.

    Call it in the parent (it records the parent's pid). The workers ignore SIGINT
    and, after arranging to die with the parent, run ``init(*initargs)``.

    Examples
    --------
    >>> initializer, initargs = pool_initializer(print, ("ready",))
    >>> initargs[0] == os.getpid(), initargs[1] is print, initargs[2]
    (True, True, ('ready',))
    """
    return _init_worker, (os.getpid(), init, tuple(initargs))


def _before_exec(parent: int) -> None:
    die_with_parent(parent, thread=False)


def popen_kwargs() -> dict[str, Any]:
    """Extra ``subprocess.Popen`` arguments: the child is killed when this process dies.

    On Linux a ``preexec_fn`` asks for SIGKILL on the parent's death; elsewhere
    nothing is added (a child such as ffmpeg reading our pipe sees its end when we
    die, and stops).
    """
    if _prctl() is None:
        return {}
    return {"preexec_fn": functools.partial(_before_exec, os.getpid())}


@contextlib.contextmanager
def stop_on_signals(
    signals: Sequence[int] = (signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM)),
) -> Iterator[None]:
    """Inside, SIGTERM and SIGHUP raise :class:`Interrupted`, once, in the main thread.

    The command line catches it like a ``KeyboardInterrupt``: the code that is
    running unwinds, temporary files go, children are stopped, and the exit status
    is ``128 + signum``. A second signal while that cleanup runs is ignored (SIGKILL
    still works, and the children die with us). Outside the main thread this does
    nothing (Python delivers signals to the main thread only).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired: list[int] = []

    def handler(signum, frame):
        if fired:
            return
        fired.append(signum)
        raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in dict.fromkeys(signals)}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)
