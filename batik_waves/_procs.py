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
- :func:`worker_context` gives the ``multiprocessing`` context of workers started
  from a process that runs threads (a fork server);
- :func:`close_pool` shuts a pool down without ever waiting forever;
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
    "close_pool",
    "die_with_parent",
    "pool_initializer",
    "popen_kwargs",
    "stacks_on_sigusr1",
    "stop_on_signals",
    "worker_context",
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


def _init_worker(
    parent: int | None, init: Callable[..., Any] | None, initargs: Sequence[Any]
) -> None:
    if parent is None:  # forked by a fork server, which itself ends with us
        parent = os.getppid()  # before letting go of the pipe that keeps it alive
        _leave_server_alive_pipe()
    die_with_parent(parent)
    stacks_on_sigusr1()  # a fork server's child has not inherited it
    # A forked worker inherits the parent's Python handlers (stop_on_signals):
    # the parent stops its workers itself, so Ctrl-C (sent to the whole process
    # group) is ignored here and SIGTERM/SIGHUP end the worker plainly.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if signum is not None:
            signal.signal(signum, signal.SIG_DFL)
    if init is not None:
        init(*initargs)


def _leave_server_alive_pipe() -> None:
    """Close the fork server's "alive" pipe that a child of the server inherits.

    The server ends when that pipe's last writer closes it: meant to be the
    process that started the server, but every child gets a copy (so that it
    could start children of its own through the server). A worker holding it
    keeps the server alive after our death, and the server keeps the worker
    alive (its parent-death signal never comes): both would outlive a killed
    kiosk for good. Our workers start no children, so they let it go.
    """
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    fd = getattr(server, "_forkserver_alive_fd", None)
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)
        server._forkserver_alive_fd = None


def stacks_on_sigusr1() -> None:
    """``kill -USR1 <pid>`` prints every thread's stack on stderr and goes on: what a
    process that seems stuck (a kiosk after days, a render that does not stop) is
    doing. Without it SIGUSR1 would end the process."""
    import faulthandler

    if hasattr(faulthandler, "register") and hasattr(signal, "SIGUSR1"):
        with contextlib.suppress(ValueError, OSError, RuntimeError):
            faulthandler.register(signal.SIGUSR1, all_threads=True)


def pool_initializer(
    init: Callable[..., Any] | None = None,
    initargs: Sequence[Any] = (),
    *,
    server: bool = False,
) -> tuple[Callable[..., None], tuple[Any, ...]]:
    """``(initializer, initargs)`` for a process pool whose workers die with this process.

    Call it in the parent (it records the parent's pid). The workers ignore SIGINT
    and, after arranging to die with the parent, run ``init(*initargs)``. With
    *server* (a pool of the ``"forkserver"`` or ``"spawn"`` context, see
    :func:`worker_context`) a worker's parent is the fork server, which ends when
    this process does: the worker dies with it.

    Examples
    --------
    >>> initializer, initargs = pool_initializer(print, ("ready",))
    >>> initargs[0] == os.getpid(), initargs[1] is print, initargs[2]
    (True, True, ('ready',))
    """
    return _init_worker, (None if server else os.getpid(), init, tuple(initargs))


def worker_context(preload: Sequence[str] = ()) -> Any:
    """A ``multiprocessing`` context whose children are safe to start from a process
    that runs threads: ``"forkserver"`` where there is one (Linux, macOS), the
    platform's default (``"spawn"``) elsewhere.

    ``fork`` copies a process with every lock exactly as its threads held it at
    that instant; a child that then needs one (cairo's, a buffered stream's) waits
    for ever. Work that forks at once from a busy process (a kiosk, a test
    session) takes its workers from a fork server instead: a single-threaded
    process, started once, that has imported the modules *preload* names and forks
    each worker from that quiet state. Its pool's initializer is
    ``pool_initializer(..., server=True)``.

    The server starts once per process and its children do not share the caller's
    later state: environment changes, monkeypatches and module state set after it
    started do not reach them, and a preload module that fails to import is
    skipped silently (the worker imports it when a task needs it).
    """
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context()
    ctx = multiprocessing.get_context("forkserver")
    if preload:  # only before the server first starts (later it is a no-op)
        ctx.set_forkserver_preload(list(preload))
    return ctx


#: Seconds a pool's workers get to finish and leave before they are killed.
CLOSE_GRACE = 10.0


def close_pool(
    pool: Any, *, grace: float = CLOSE_GRACE, cancel: bool = True, terminate: bool = False
) -> list[int]:
    """Shut *pool* (a ``concurrent.futures`` executor) down in at most about *grace* s.

    ``shutdown(wait=True)`` waits for every worker for ever, so one worker stuck
    for good (a deadlock in a forked child, a C call that never returns) would hang
    whoever stops the pool: a kiosk's restart, a render's last line. Here the pool
    is told to stop, queued work is cancelled (unless *cancel* is False), the work
    already running gets *grace* seconds to finish, and a process still alive then
    is killed. With *terminate*, every worker is sent SIGTERM first (a stop: work
    that turns SIGTERM into an unwinding cleans up within the grace). A thread
    cannot be killed: a thread pool's stuck thread is left running (and Python
    joins it at exit), only waited for here until the grace ends.

    Returns
    -------
    list of int
        The pids of the workers that had to be killed (empty when all left).

    Examples
    --------
    >>> import concurrent.futures as cf
    >>> pool = cf.ThreadPoolExecutor(1)
    >>> pool.submit(sum, [1, 2]).result(), close_pool(pool)
    (3, [])
    """
    from multiprocessing.connection import wait

    table = getattr(pool, "_processes", None) or {}  # shutdown() drops the pool's reference
    procs = list(table.values())
    if terminate:
        for proc in procs:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                proc.terminate()
    threads = list(getattr(pool, "_threads", ()) or ())
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=cancel)
    with contextlib.suppress(RuntimeError):  # a worker started meanwhile (another thread)
        procs += [p for p in list(table.values()) if p not in procs]
    end = time.monotonic() + grace
    # a worker's sentinel is ready once it has ended; the pool's own thread reaps
    # it (joining here too would race that thread's waitpid)
    left = {}
    for proc in procs:
        with contextlib.suppress(ValueError):  # a closed Process has no sentinel
            left[proc.sentinel] = proc
    while left and (rest := end - time.monotonic()) > 0:
        for ready in wait(list(left), rest):
            left.pop(ready)
    killed = []
    for proc in left.values():
        with contextlib.suppress(OSError):
            os.kill(proc.pid, signal.SIGKILL)
            killed.append(proc.pid)
    for thread in [*threads, *([manager] if manager is not None else [])]:
        thread.join(max(1.0, end - time.monotonic()))
    return killed


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


#: Seconds a run may take to clean up after it was asked to stop (Ctrl-C, SIGTERM,
#: SIGHUP) before it ends anyway. The longest bounded wait of a stop is a batch's
#: 60 s grace for its workers.
STOP_WITHIN = 90.0


def _force_exit(signum: int, within: float) -> None:
    """The stop took longer than *within*: print every thread's stack, and end."""
    import faulthandler

    # os.write and faulthandler take no lock that a stuck main thread may hold
    with contextlib.suppress(OSError, ValueError, RuntimeError):
        os.write(
            2,
            f"batik-waves: error: stopping took over {within:g} s; ending now, every "
            f"thread's stack follows\n".encode(),
        )
        faulthandler.dump_traceback(all_threads=True)
    os._exit(128 + signum)  # the children die with us (popen_kwargs, pool_initializer)


@contextlib.contextmanager
def stop_on_signals(
    signals: Sequence[int] = (signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM)),
    *,
    within: float | None = STOP_WITHIN,
) -> Iterator[None]:
    """Inside, SIGTERM and SIGHUP raise :class:`Interrupted`, once, in the main thread.

    The command line catches it like a ``KeyboardInterrupt``: the code that is
    running unwinds, temporary files go, children are stopped, and the exit status
    is ``128 + signum``. A second signal while that cleanup runs is ignored (SIGKILL
    still works, and the children die with us). Outside the main thread this does
    nothing (Python delivers signals to the main thread only).

    A stop always ends the process: from the first stop signal (or Ctrl-C, when
    SIGINT is Python's own), a process still alive *within* seconds later prints
    every thread's stack and exits with ``128 + signum``. The exception is raised
    wherever the main thread is, and CPython's threading primitives are not safe
    against that (see :class:`batik_waves.render.encode.Feeder`): a clean-up that
    waits on one of them could otherwise wait for ever. None: no such bound.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired: list[int] = []
    armed: list[threading.Timer] = []

    def arm(signum: int) -> None:
        if within is None or armed:
            return
        # not cancelled when the context ends: an exit that hangs (joining a thread
        # at shutdown) is still a stop that did not end
        timer = threading.Timer(within, _force_exit, args=(signum, within))
        timer.daemon = True
        timer.start()
        armed.append(timer)

    def handler(signum, frame):
        if fired:
            return
        fired.append(signum)
        arm(signum)
        raise Interrupted(signum)

    def on_sigint(signum, frame):
        arm(signum)
        raise KeyboardInterrupt

    previous = {s: signal.signal(s, handler) for s in dict.fromkeys(signals)}
    # Ctrl-C: Python's KeyboardInterrupt as before, now with the bound; a SIGINT
    # that is ignored (a job started in the background) stays ignored
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)
