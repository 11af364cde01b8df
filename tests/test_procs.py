"""Pools are closed in bounded time: a stuck worker is killed, an idle one leaves."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import time

from batik_waves._procs import close_pool, pool_initializer


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
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_stuck_worker_is_killed_after_the_grace():
    pool = _pool()
    pid = pool.submit(_pid, 0).result(timeout=60)
    pool.submit(_stuck, 0)
    time.sleep(0.2)  # it is running now
    t0 = time.monotonic()
    killed = close_pool(pool, grace=1.0)
    took = time.monotonic() - t0
    assert killed == [pid]
    assert not _alive(pid)
    assert took < 10, f"close_pool took {took:.1f} s with a 1 s grace"


def test_idle_workers_leave_and_nothing_is_killed():
    pool = _pool(2)
    pids = set(pool.map(_pid, range(8)))
    t0 = time.monotonic()
    assert close_pool(pool, grace=30.0) == []
    assert time.monotonic() - t0 < 10
    assert not any(_alive(p) for p in pids)


def test_queued_work_is_cancelled_running_work_finishes():
    pool = _pool()
    pool.submit(_pid, 0).result(timeout=60)
    first = pool.submit(time.sleep, 0.5)
    queued = [pool.submit(time.sleep, 0.3) for _ in range(6)]
    time.sleep(0.1)
    assert close_pool(pool, grace=10.0) == []
    assert first.done() and first.exception() is None
    # up to two calls may already wait in the pool's call queue (they count as running)
    assert sum(f.cancelled() for f in queued) >= len(queued) - 2
    assert queued[-1].cancelled()
