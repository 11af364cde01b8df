"""Pools are closed in bounded time: a stuck worker is killed, an idle one leaves."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest
from utils import default_sigint, proc_stat

from batik_waves._procs import close_pool, pool_initializer, worker_context


def _stuck(_):
    time.sleep(600)


def _pid(_):
    return os.getpid()


def _pool(n=1):
    initializer, initargs = pool_initializer()
    return cf.ProcessPoolExecutor(
        max_workers=n,
        mp_context=multiprocessing.get_context("fork"),
        initializer=initializer,
        initargs=initargs,
    )


def _alive(pid: int) -> bool:
    st = proc_stat(pid)
    return st is not None and st[1] not in ("Z", "X")


def _running(fut, timeout=30.0):
    """Wait until *fut* has left the pool's queue for a worker (or fail)."""
    end = time.monotonic() + timeout
    while not fut.running():
        assert time.monotonic() < end, "the task never started"
        time.sleep(0.01)


def _gone(pid, timeout=10.0) -> bool:
    end = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < end:
        time.sleep(0.05)
    return not _alive(pid)


def test_a_stuck_worker_is_killed_after_the_grace():
    pool = _pool()
    pid = pool.submit(_pid, 0).result(timeout=60)
    _running(pool.submit(_stuck, 0))
    t0 = time.monotonic()
    killed = close_pool(pool, grace=1.0)
    took = time.monotonic() - t0
    assert killed == [pid]
    assert _gone(pid)
    assert took < 10, f"close_pool took {took:.1f} s with a 1 s grace"


def test_idle_workers_leave_and_nothing_is_killed():
    pool = _pool(2)
    pids = set(pool.map(_pid, range(8)))
    t0 = time.monotonic()
    assert close_pool(pool, grace=30.0) == []
    assert time.monotonic() - t0 < 10
    assert all(_gone(p) for p in pids)


def test_queued_work_is_cancelled_running_work_finishes():
    pool = _pool()
    pool.submit(_pid, 0).result(timeout=60)
    first = pool.submit(time.sleep, 2.0)  # still running when close_pool starts
    queued = [pool.submit(time.sleep, 0.3) for _ in range(6)]
    _running(first)
    assert close_pool(pool, grace=10.0) == []
    assert first.done() and first.exception() is None
    # up to two calls may already wait in the pool's call queue (they count as running)
    assert sum(f.cancelled() for f in queued) >= len(queued) - 2
    assert queued[-1].cancelled()


def test_a_fork_server_worker_prints_its_stacks_on_sigusr1_and_goes_on():
    initializer, initargs = pool_initializer(server=True)
    pool = cf.ProcessPoolExecutor(
        max_workers=1, mp_context=worker_context(), initializer=initializer, initargs=initargs
    )
    try:
        pid = pool.submit(_pid, 0).result(timeout=60)
        assert pid != os.getpid() and os.getppid() != pid
        os.kill(pid, signal.SIGUSR1)  # without the handler, the default ends the worker
        time.sleep(0.5)
        assert _alive(pid)
        assert pool.submit(_pid, 1).result(timeout=30) == pid
    finally:
        close_pool(pool)


_STUCK_STOP = """
import sys, threading, time
from batik_waves._procs import stop_on_signals
with stop_on_signals(within=1.0):
    try:
        print("ready", flush=True)
        time.sleep(60)
    except KeyboardInterrupt:
        threading.Event().wait()  # a clean-up that waits for ever
print("unreachable", flush=True)
"""


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_stop_whose_clean_up_hangs_still_ends(sig):
    proc = subprocess.Popen(
        [sys.executable, "-c", _STUCK_STOP],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )
    try:
        assert proc.stdout.readline() == "ready\n"
        t0 = time.monotonic()
        proc.send_signal(getattr(signal, sig))
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    took = time.monotonic() - t0
    assert proc.returncode == 128 + getattr(signal, sig), err
    assert 0.9 < took < 25, took  # after the 1 s bound, not before
    assert "stopping took over 1 s" in err, err
    assert 'File "<string>", line 9' in err, err  # the stack of the stuck clean-up
    assert "unreachable" not in out
