"""Batch rendering at scale: a folder of recordings on one machine, a dataset on a cluster.

The unit of work is one recording and its outputs. :func:`plan_batch` turns the
inputs (files, folders searched recursively, globs, fsspec URLs) into one picklable
:class:`RecordingSpec` per recording, each with its own output folder mirroring the
input tree under OUT; :func:`run_one`, a plain top-level function, renders one spec
wherever it runs (a local process, a Dask worker) and returns a
:class:`RecordingResult`; :func:`render_batch` runs them all on a local process pool,
any ``concurrent.futures.Executor`` or a ``dask.distributed.Client``, streaming the
results as they finish, and writes ``batch-report.json`` at OUT.

- A recording is **skipped** when its outputs exist and its JSON record holds the
  same source SHA-256, options, mapping and batik_waves version (and, with a video,
  the video's stamp says the same); ``force=True`` renders it again.
- A failing recording never stops the others: its result says why, in one line.
- A worker that dies (killed, out of memory) counts as the failure of the recording
  it was rendering. On a local pool the other recordings it held go on in a fresh
  pool; the suspects of a broken pool are rendered again one at a time, each in a
  process of its own, so only the recording that kills its worker fails.
- Video frame pools inside batch workers are off (``workers=0``): one level of
  parallelism.

Examples
--------
>>> spec_folder("data", "data/s01/rec.edf", "out")
PosixPath('out/s01/rec')
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import glob
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any

from .. import __version__
from .._check import check_choice, check_number
from .._io import json_ready, sha256, write_text
from .._procs import Interrupted, close_pool, die_with_parent, pool_initializer
from ..eeg.formats import find_recordings, format_of, is_recording, recording_stem
from ..errors import BatikWavesError, ParameterError, RecordingError, RenderError
from ._common import Progress, no_progress
from .options import Resolved, resolve
from .options import record as options_record
from .still import record_options, render_recording
from .video import render_video

__all__ = [
    "VIDEO_FORMATS",
    "BatchReport",
    "RecordingResult",
    "RecordingSpec",
    "check_scheduler",
    "plan_batch",
    "render_batch",
    "run_one",
    "spec_folder",
]

#: ``--video`` formats and the name each video gets (``{stem}-{motif}`` + this).
VIDEO_FORMATS: Mapping[str, str] = MappingProxyType(
    {"mp4": ".mp4", "prores": ".mov", "webm": ".webm", "png": ""}
)
#: The report written at OUT.
REPORT_NAME = "batch-report.json"
#: Test-only: a recording whose file name contains this environment variable's value
#: kills the worker process rendering it (SIGKILL), as the OOM killer would.
KILL_ENV = "_BATIK_WAVES_BATCH_TEST_KILL"
#: Seconds between two looks at a lone suspect's process.
_POLL = 0.2
_GLOB = set("*?[")
_INSTALL = "pip install 'batik-waves[dask]'"


# ------------------------------------------------------------------ the unit of work
@dataclass(frozen=True)
class RecordingSpec:
    """One recording to render: plain, picklable data, so any worker can run it.

    Attributes
    ----------
    source : str
        An absolute local path, or an fsspec URL (``s3://bucket/rec.edf``) that the
        worker copies to its local scratch before reading.
    out : str
        The recording's output folder (absolute).
    name : str
        The recording as the report names it (its path relative to the inputs' base).
    options : dict
        The resolved render options as the JSON record lists them.
    mapping : dict
        The mapping as the JSON record lists it (the worker needs no mapping file).
    video : str or None
        ``mp4``, ``prores``, ``webm`` or ``png``: also render a video per motif.
    video_options : tuple of dict
        Per motif, the video options as the video job's keywords (plain data).
    force : bool
        Render even when the outputs are up to date.
    parent : int or None
        A pid the worker process should die with when that pid is its parent (the
        workers of a ``local:N`` cluster).
    since : float or None
        When the batch started (``time.time()``): outputs up to date and newer were
        made by this batch (a cluster may run a task again when the worker that held
        its result died), and count as rendered, not skipped.
    """

    source: str
    out: str
    name: str
    options: dict[str, Any]
    mapping: dict[str, Any]
    video: str | None = None
    video_options: tuple[dict[str, Any], ...] = ()
    force: bool = False
    parent: int | None = None
    since: float | None = None


@dataclass(frozen=True)
class RecordingResult:
    """What became of one recording.

    Attributes
    ----------
    name, source, out : str
        As in its :class:`RecordingSpec`.
    status : str
        ``rendered``, ``skipped`` or ``failed``.
    reason : str or None
        Why it failed (one line), or why it was skipped.
    files : tuple of str
        The files written, relative to *out*.
    seconds : float
        Wall time the worker spent on it.
    warnings : tuple of str
        Warnings the render gave.
    detail : str or None
        The traceback of an unexpected error (a bug), for the report.
    """

    name: str
    source: str
    out: str
    status: str
    reason: str | None = None
    files: tuple[str, ...] = ()
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["files"] = list(self.files)
        d["warnings"] = list(self.warnings)
        return d


def _failed(spec: RecordingSpec, reason: str, seconds: float = 0.0, **kw: Any) -> RecordingResult:
    return RecordingResult(
        spec.name, spec.source, spec.out, "failed", reason, seconds=seconds, **kw
    )


def _is_url(text: str) -> bool:
    return "://" in text and not os.path.exists(text)


@contextlib.contextmanager
def _local_copy(source: str) -> Iterator[Path]:
    """A local path of *source*: itself, or an fsspec URL copied to local scratch
    (with the files beside it that share its stem: a BrainVision .eeg, an EEGLAB .fdt)."""
    if not _is_url(source):
        yield Path(source)
        return
    fs, path = _fsspec(source)
    scratch = Path(tempfile.mkdtemp(prefix="batik-waves-"))
    try:
        name = PurePosixPath(path).name
        try:
            if fs.isdir(path):
                fs.get(path, str(scratch / name), recursive=True)
            else:
                parent = str(PurePosixPath(path).parent)
                stem = recording_stem(name)
                for other in fs.glob(f"{parent}/{glob.escape(stem)}.*"):
                    if recording_stem(PurePosixPath(other).name) == stem:
                        fs.get(other, str(scratch / PurePosixPath(other).name))
                if not (scratch / name).exists():
                    fs.get(path, str(scratch / name))
        except (OSError, ValueError) as err:
            raise RecordingError(f"{source}: cannot copy it to local scratch: {err}") from err
        yield scratch / name
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _fsspec(url: str):
    try:
        import fsspec
    except ImportError as err:
        raise RecordingError(
            f"{url}: reading fsspec URLs needs fsspec, in the dask extra: {_INSTALL}"
        ) from err
    return fsspec.core.url_to_fs(url)


def _stem_files(out: Path, stem: str) -> tuple[Path, Path]:
    return out / f"{stem}.json", out / f"{stem}-video.json"


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON records them (tuples are lists, floats rounded)."""

    def norm(v: Any) -> str:
        return json.dumps(json_ready(v), sort_keys=True)

    return norm(a) == norm(b)


def _video_path(out: Path, stem: str, motif: str, fmt: str) -> Path:
    return out / f"{stem}-{motif}{VIDEO_FORMATS[fmt] or '-frames'}"


def _video_stamp(spec: RecordingSpec, digest: str, version: str) -> dict[str, Any]:
    return {
        "batik_waves": version,
        "source_sha256": digest,
        "format": spec.video,
        "videos": [{k: v for k, v in o.items() if k != "mapping"} for o in spec.video_options],
        "mapping": spec.mapping,
    }


def _video_files(out: Path, stem: str, spec: RecordingSpec) -> list[Path]:
    files = []
    for o in spec.video_options:
        path = _video_path(out, stem, o["motif"], spec.video)
        files += [
            path,
            path / f"{path.name}.csv" if spec.video == "png" else path.with_suffix(".csv"),
        ]
    return files


def _up_to_date(spec: RecordingSpec, local: Path, digest: str, version: str) -> bool:
    """The skip rule: every output exists and the records say the same."""
    out = Path(spec.out)
    record_path, stamp_path = _stem_files(out, recording_stem(local))
    try:
        rec = json.loads(record_path.read_text(encoding="utf-8"))
        same = (
            rec["batik_waves"] == version
            and rec["source"]["sha256"] == digest
            and _same(rec["options"], spec.options)
            and _same(rec["mapping"], spec.mapping)
            and all((out / o["file"]).exists() for o in rec["outputs"])
        )
        if same and spec.video:
            stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
            same = _same(stamp, _video_stamp(spec, digest, version)) and all(
                p.exists() for p in _video_files(out, recording_stem(local), spec)
            )
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return bool(same)


def _made_since(spec: RecordingSpec, local: Path, since: float) -> bool:
    return _stem_files(Path(spec.out), recording_stem(local))[0].stat().st_mtime >= since


def _recorded(spec: RecordingSpec, local: Path) -> list[Path]:
    """The files the record (and the video stamp) list."""
    out = Path(spec.out)
    record_path, stamp_path = _stem_files(out, recording_stem(local))
    rec = json.loads(record_path.read_text(encoding="utf-8"))
    files = [out / o["file"] for o in rec["outputs"]] + [record_path]
    if spec.video:
        files += [*_video_files(out, recording_stem(local), spec), stamp_path]
    return files


def _render(spec: RecordingSpec, local: Path, digest: str, version: str) -> list[Path]:
    out = Path(spec.out)
    options = record_options({"options": spec.options, "mapping": spec.mapping})
    written = render_recording(local, out=out, **options)
    if _is_url(spec.source):  # the record names where the recording came from
        record_path = written[-1]
        rec = json.loads(record_path.read_text(encoding="utf-8"))
        rec["source"]["path"] = spec.source
        write_text(record_path, json.dumps(rec, indent=2, ensure_ascii=False) + "\n")
    if spec.video:
        stem = recording_stem(local)
        mapping = options["mapping"]
        for o in spec.video_options:
            path = _video_path(out, stem, o["motif"], spec.video)
            render_video(local, path, mapping=mapping, **o)
        written += _video_files(out, stem, spec)
        stamp = _video_stamp(spec, digest, version)
        written.append(write_text(_stem_files(out, stem)[1], json.dumps(stamp, indent=2) + "\n"))
    return written


def _test_kill(spec: RecordingSpec) -> None:
    marker = os.environ.get(KILL_ENV)
    if marker and marker in PurePosixPath(spec.source).name:
        os.kill(os.getpid(), signal.SIGKILL)


def _stop_on_term(signum, frame):
    raise Interrupted(signum)


def run_one(spec: RecordingSpec) -> RecordingResult:
    """Render one recording of a batch, wherever this runs; never raises for it.

    Parameters
    ----------
    spec : RecordingSpec
        The recording, its output folder and options.

    Returns
    -------
    RecordingResult
        ``rendered`` (with the files written), ``skipped`` (up to date) or
        ``failed`` (with the one-line reason; an unexpected error's traceback in
        ``detail``).

    Notes
    -----
    In a worker process's main thread a SIGTERM (the batch stopping, or its
    process dying: batch workers ask for SIGTERM on their parent's death) unwinds
    the render, so no temporary file stays beside the outputs, and ends the process.
    """
    t0 = time.perf_counter()
    _test_kill(spec)
    if spec.parent is not None and os.getppid() == spec.parent:
        die_with_parent(spec.parent, thread=False)
    main = threading.current_thread() is threading.main_thread()
    own_term = main and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    if own_term:
        signal.signal(signal.SIGTERM, _stop_on_term)
    caught: list[warnings.WarningMessage] = []
    try:
        with contextlib.ExitStack() as stack:
            if main:  # the warnings filters are process-wide: not from a thread
                caught = stack.enter_context(warnings.catch_warnings(record=True))
                warnings.simplefilter("always")
            try:
                with _local_copy(spec.source) as local:
                    digest = sha256(local)
                    if not spec.force and _up_to_date(spec, local, digest, __version__):
                        status, reason, files = "skipped", "up to date", []
                        if spec.since is not None and _made_since(spec, local, spec.since):
                            status, reason, files = "rendered", None, _recorded(spec, local)
                    else:
                        status, reason = "rendered", None
                        files = _render(spec, local, digest, __version__)
            except BatikWavesError as err:
                return _failed(spec, _one_line(err), time.perf_counter() - t0)
            except FileNotFoundError as err:
                return _failed(spec, f"{spec.source}: {err.strerror}", time.perf_counter() - t0)
            except Exception as err:  # a bug: reported with its traceback, the batch goes on
                return _failed(
                    spec,
                    f"unexpected {type(err).__name__}: {_one_line(err)} (traceback in the report)",
                    time.perf_counter() - t0,
                    detail=traceback.format_exc(),
                )
    except Interrupted:
        # SIGTERM: the with-blocks above have removed what was half-written
        os._exit(128 + signal.SIGTERM)
    finally:
        if own_term:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
    out = Path(spec.out)
    rel = tuple(os.path.relpath(p, out) for p in files)
    shown = tuple(dict.fromkeys(_one_line(w.message) for w in caught))
    return RecordingResult(
        spec.name,
        spec.source,
        spec.out,
        status,
        reason,
        files=rel,
        seconds=time.perf_counter() - t0,
        warnings=shown,
    )


def _int(value: Any, name: str) -> int:
    """A whole number of 1 or more, from Python or from the command line's text."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return check_number(value, name, integer=True, lo=1, hi=1024)


def _one_line(err: Any) -> str:
    return " ".join(str(err).split()) or type(err).__name__


# ------------------------------------------------------------------ planning
def spec_folder(base: str | os.PathLike, recording: str | os.PathLike, out: str | os.PathLike):
    """The output folder of *recording* found under *base*: OUT, the folders between
    them, and the recording's stem (``data/s01/rec.edf`` -> ``OUT/s01/rec``)."""
    rel = Path(os.path.relpath(recording, base))
    return Path(out) / rel.parent / recording_stem(rel.name)


def _expand_local(text: str) -> tuple[list[Path], Path]:
    """The recordings an input names and the folder they are relative to."""
    path = Path(text).expanduser()
    if _GLOB & set(text):
        head = []
        for part in Path(text).parts:
            if _GLOB & set(part):
                break
            head.append(part)
        base = Path(*head) if head else Path(".")
        found: list[Path] = []
        for m in sorted(glob.glob(text, recursive=True)):
            p = Path(m)
            if is_recording(p):
                found.append(p)
            elif p.is_dir():
                found += find_recordings(p)
        return found, base
    if not path.exists():
        raise RecordingError(f"{text}: no such file or folder")
    if is_recording(path):
        return [path], path.parent
    if path.is_dir():
        return find_recordings(path), path
    raise RecordingError(f"{text}: not a recording batik_waves reads (unknown extension)")


def _expand_url(text: str) -> tuple[list[str], str]:
    fs, path = _fsspec(text)
    proto = text.split("://", 1)[0]

    def url(p: str) -> str:
        return f"{proto}://{p.lstrip('/')}" if proto != "file" else f"file://{p}"

    if _GLOB & set(path):
        head = []
        for part in PurePosixPath(path).parts:
            if _GLOB & set(part):
                break
            head.append(part)
        matches = sorted(fs.glob(path))
        base = str(PurePosixPath(*head)) if head else ""
    elif fs.isdir(path) and (format_of(path) is None or not format_of(path).folder):
        matches = sorted(fs.find(path))
        base = path
    elif fs.exists(path):
        return [text], str(PurePosixPath(path).parent)
    else:
        raise RecordingError(f"{text}: no such file or folder")
    found = [url(m) for m in matches if format_of(m) is not None and not fs.isdir(m)]
    return found, base


def _common(bases: Sequence[str]) -> str:
    return os.path.commonpath(bases) if len(bases) > 1 else bases[0]


def plan_batch(
    inputs: str | os.PathLike | Iterable[str | os.PathLike],
    out: str | os.PathLike,
    opts: Resolved,
    *,
    video: str | None = None,
    force: bool = False,
    parent: int | None = None,
    since: float | None = None,
) -> list[RecordingSpec]:
    """One :class:`RecordingSpec` per recording the inputs name, in input order.

    Outputs mirror the input tree under *out*: each recording's folder is its path
    relative to the deepest folder holding every input, less its extension
    (``a/rec.edf`` and ``b/rec.edf`` go to ``OUT/a/rec`` and ``OUT/b/rec``).

    Raises
    ------
    RecordingError
        An input that does not exist, or no recording found at all.
    RenderError
        Two recordings that would write into the same folder.
    """
    if isinstance(inputs, str | os.PathLike):
        inputs = [inputs]
    inputs = [os.fspath(i) for i in inputs]
    if not inputs:
        raise RecordingError("no inputs given")
    local: list[tuple[list[Path], Path]] = []
    remote: list[tuple[list[str], str]] = []
    for text in inputs:
        if _is_url(text):
            remote.append(_expand_url(text))
        else:
            local.append(_expand_local(text))
    out = Path(out).resolve()
    pairs: list[tuple[str, str, Path]] = []  # (source, name, folder)
    if local:
        base = Path(_common([str(b.resolve()) for _, b in local]))
        for found, _ in local:
            for p in found:
                p = p.resolve()
                folder = spec_folder(base, p, out)
                pairs.append((str(p), os.path.relpath(p, base), folder))
    if remote:
        rbase = _common([b for _, b in remote]) if all(b for _, b in remote) else ""
        for found, _ in remote:
            for u in found:
                p = u.split("://", 1)[1].lstrip("/")
                rel = os.path.relpath("/" + p, "/" + rbase.lstrip("/")) if rbase else p
                pairs.append((u, rel, out / Path(rel).parent / recording_stem(rel)))
    if not pairs:
        raise RecordingError(f"no recordings found in {', '.join(inputs)}")
    seen: dict[Path, str] = {}
    specs = []
    record = options_record(opts)
    mapping = opts.mapping.to_dict()
    video_opts = _video_options(opts, video)
    for source, name, folder in dict.fromkeys(pairs):
        other = seen.setdefault(folder, source)
        if other != source:
            raise RenderError(
                f"{source}: would write into {folder}, as {other} does; rename one or "
                f"render them in separate batches"
            )
        specs.append(
            RecordingSpec(
                source,
                str(folder),
                name,
                record,
                mapping,
                video=video,
                video_options=video_opts,
                force=force,
                parent=parent,
                since=since,
            )
        )
    return specs


def _video_options(opts: Resolved, video: str | None) -> tuple[dict[str, Any], ...]:
    """The video options per motif (checked now, before any work)."""
    if video is None:
        return ()
    check_choice(video, tuple(VIDEO_FORMATS), "video")
    out = []
    for m in opts.motifs:
        o = {
            "format": video,
            "motif": m,
            "variant": opts.variants.get(m),
            "palette": opts.palette,
            "seed": opts.seed,
            "window": list(opts.window),
            "transparent": opts.transparent,
            "workers": 0,
        }
        resolve("video", {**o, "mapping": opts.mapping})
        if opts.transparent and video == "mp4":
            raise ParameterError(
                "Invalid value for the 'video' parameter: mp4 cannot carry transparency; "
                "use prores, webm or png with transparent"
            )
        out.append(json_ready(o))
    return tuple(out)


# ------------------------------------------------------------------ running
def _is_dask_client(executor: Any) -> bool:
    """Whether *executor* is a ``distributed.Client`` (without importing dask)."""
    distributed = sys.modules.get("distributed")
    return distributed is not None and isinstance(executor, distributed.Client)


def _fork_context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def _worker_init(parent: int) -> None:
    # after pool_initializer's SIGKILL: ask for SIGTERM instead, which run_one turns
    # into an unwinding that leaves no temporary file behind
    die_with_parent(parent, sig=signal.SIGTERM, thread=False)


def _local_pool(n: int) -> cf.ProcessPoolExecutor:
    initializer, initargs = pool_initializer(_worker_init, (os.getpid(),))
    return cf.ProcessPoolExecutor(
        max_workers=n, mp_context=_fork_context(), initializer=initializer, initargs=initargs
    )


#: Seconds a batch's workers get to unwind after a stop (Ctrl-C, SIGTERM) before they
#: are killed: a worker in a long C call (cairo, a shapely union, ffmpeg's end) only
#: sees its SIGTERM when the call returns, and then removes its temporary files.
STOP_GRACE = 60.0


def _alone_main(spec: RecordingSpec, conn) -> None:
    conn.send(run_one(spec))
    conn.close()


def _died(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            how = f"killed by {signal.Signals(-code).name}"
        except ValueError:
            how = f"killed by signal {-code}"
    else:
        how = f"exit status {code}"
    return f"the worker process rendering it died ({how}; out of memory?)"


def _run_alone(spec: RecordingSpec) -> RecordingResult:
    """Render *spec* in a process of its own; its death is its failure."""
    ctx = _fork_context()
    initializer, initargs = pool_initializer(_worker_init, (os.getpid(),))
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_alone_target, args=(spec, send, initializer, initargs))
    t0 = time.perf_counter()
    proc.start()
    send.close()
    result = None
    try:
        while result is None and (proc.is_alive() or recv.poll()):
            if recv.poll(_POLL):
                try:
                    result = recv.recv()
                except EOFError:
                    break
        proc.join()
    except BaseException:
        proc.terminate()
        proc.join()
        raise
    finally:
        recv.close()
    if result is None:
        return _failed(spec, _died(proc.exitcode), time.perf_counter() - t0)
    return result


def _alone_target(spec, conn, initializer, initargs) -> None:
    initializer(*initargs)
    _alone_main(spec, conn)


def _run_pool(
    specs: Sequence[RecordingSpec], pool: cf.Executor, n: int, *, own: bool
) -> Iterator[RecordingResult]:
    """Run *specs* on *pool* (at most *n* at a time), yielding results as they finish.

    When a process pool breaks, the recordings it was running are rendered again
    one at a time, each alone, and the rest go on in a fresh local pool of *n*.
    """
    pending = deque(specs)
    running: dict[cf.Future, RecordingSpec] = {}
    try:
        while pending or running:
            broken = False
            while pending and len(running) < n:
                try:
                    fut = pool.submit(run_one, pending[0])
                except cf.BrokenExecutor:
                    broken = True
                    break
                running[fut] = pending.popleft()
            done = cf.wait(running, return_when=cf.FIRST_COMPLETED)[0] if not broken else set()
            suspects: list[RecordingSpec] = []
            for fut in done:
                spec = running.pop(fut)
                try:
                    yield fut.result()
                except cf.BrokenExecutor:
                    suspects.append(spec)
            if suspects or broken:
                cf.wait(running)  # a broken pool fails every future it holds
                for fut, spec in running.items():
                    try:
                        yield fut.result()
                    except cf.BrokenExecutor:
                        suspects.append(spec)
                running.clear()
                if own:
                    close_pool(pool)
                for spec in suspects:
                    yield _run_alone(spec)
                pool, own = _local_pool(n), True
    except BaseException:
        if own:  # stopped mid-render: each worker unwinds and removes its temporary files
            close_pool(pool, grace=STOP_GRACE, terminate=True)
        raise
    if own:
        close_pool(pool)  # a stuck worker is killed, not waited for


def _dask_reason(err: BaseException) -> str:
    if type(err).__name__ == "KilledWorker":
        return "the dask worker rendering it died (killed, or out of memory)"
    return f"the dask task failed: {type(err).__name__}: {_one_line(err)}"


def _run_dask(specs: Sequence[RecordingSpec], client: Any) -> Iterator[RecordingResult]:
    """Submit every spec to the cluster; yield results as they finish."""
    from distributed import as_completed

    futures = {client.submit(run_one, s, pure=False): s for s in specs}
    try:
        for fut in as_completed(futures):
            spec = futures[fut]
            try:
                result = fut.result()
            except Exception as err:  # a killed worker, a lost connection: this one fails
                result = _failed(spec, _dask_reason(err))
            fut.release()  # the worker need not hold it (nor recompute it if it dies)
            yield result
    finally:
        client.cancel(list(futures))


def _dask(what: str):
    try:
        import distributed
    except ImportError as err:
        raise RenderError(f"{what} needs dask.distributed, the dask extra: {_INSTALL}") from err
    return distributed


def check_scheduler(address: Any) -> tuple[str, int]:
    """``(address, n)``: n workers for ``local:N``, 0 for a scheduler's address.

    >>> check_scheduler("local:2"), check_scheduler("tcp://10.0.0.5:8786")
    (('local:2', 2), ('tcp://10.0.0.5:8786', 0))
    """
    text = address.strip() if isinstance(address, str) else address
    if isinstance(text, str) and text.startswith("local:"):
        count = text.split(":", 1)[1].strip()
        if count.isdigit() and 1 <= int(count) <= 1024:
            return text, int(count)
    elif isinstance(text, str) and text.startswith(("tcp://", "tls://")) and len(text) > 6:
        return text, 0
    raise ParameterError(
        f"Invalid value for the 'scheduler' parameter: expected tcp://HOST:PORT, "
        f"tls://HOST:PORT or local:N (N workers, 1 or more), but got {address!r} instead."
    )


@contextlib.contextmanager
def _scheduler(address: str, n: int) -> Iterator[Any]:
    """A Client of the scheduler at *address*, or of a LocalCluster of *n* processes."""
    distributed = _dask(f"--scheduler {address}")
    if n:
        import dask

        # one recording at a time per worker: a worker that dies takes only its own
        # recording's attempt with it
        with (
            dask.config.set({"distributed.scheduler.worker-saturation": 1.0}),
            distributed.LocalCluster(n_workers=n, processes=True, threads_per_worker=1) as cluster,
            distributed.Client(cluster) as client,
        ):
            yield client
        return
    try:
        client = distributed.Client(address, timeout="10s")
    except OSError as err:
        raise RenderError(f"{address}: cannot reach the dask scheduler: {err}") from err
    with client:
        yield client


# ------------------------------------------------------------------ the report
@dataclass
class BatchReport:
    """What a batch did: one :class:`RecordingResult` per recording, in input order.

    Attributes
    ----------
    out : Path
        The output folder.
    results : list of RecordingResult
    seconds : float
        Wall time of the whole batch.
    runner : str
        Where it ran (``local pool of 2``, ``dask tcp://...``).
    path : Path or None
        ``batch-report.json`` once written.
    """

    out: Path
    results: list[RecordingResult] = field(default_factory=list)
    seconds: float = 0.0
    runner: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    video: str | None = None
    path: Path | None = None

    def _with(self, status: str) -> list[RecordingResult]:
        return [r for r in self.results if r.status == status]

    @property
    def rendered(self) -> list[RecordingResult]:
        return self._with("rendered")

    @property
    def skipped(self) -> list[RecordingResult]:
        return self._with("skipped")

    @property
    def failed(self) -> list[RecordingResult]:
        return self._with("failed")

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        return {
            "batik_waves": __version__,
            "out": str(self.out),
            "runner": self.runner,
            "seconds": round(self.seconds, 3),
            "counts": {s: len(self._with(s)) for s in ("rendered", "skipped", "failed")},
            "options": self.options,
            "video": self.video,
            "recordings": [r.to_dict() for r in self.results],
        }

    def summary(self) -> str:
        """Counts, then each failure with its reason (and each warning)."""
        head = (
            f"{len(self.rendered)} rendered, {len(self.skipped)} skipped, "
            f"{len(self.failed)} failed in {self.seconds:.1f} s ({self.runner})"
        )
        lines = [head]
        lines += [f"  failed: {r.name}: {r.reason}" for r in self.failed]
        lines += [f"  warning: {r.name}: {w}" for r in self.results for w in r.warnings]
        if self.path is not None:
            lines.append(f"  report: {self.path}")
        return "\n".join(lines)


# ------------------------------------------------------------------ the job
def render_batch(
    inputs: str | os.PathLike | Iterable[str | os.PathLike],
    out: str | os.PathLike,
    *,
    executor: Any = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    video: str | None = None,
    progress: Progress | None = None,
    **render_options: Any,
) -> BatchReport:
    """Render every recording the inputs name, each into its own folder under *out*.

    Parameters
    ----------
    inputs : path-like, URL or a list of them
        Recordings, folders (searched recursively; folder formats such as ``.mff``
        are not entered), globs (``data/**/*.edf``), or fsspec URLs
        (``s3://bucket/study/``, copied to each worker's scratch before reading).
    out : path-like
        The output folder; outputs mirror the input tree under it.
    executor : concurrent.futures.Executor or distributed.Client, optional
        Where to run. Default: a local process pool of *jobs* workers.
    jobs : int, optional
        Workers of the default local pool (default: one per core).
    scheduler : str, optional
        ``tcp://HOST:PORT`` of a running dask scheduler, or ``local:N`` for a
        ``LocalCluster`` of N processes (needs ``batik-waves[dask]``).
    force : bool
        Render recordings whose outputs are up to date too.
    video : str, optional
        ``mp4``, ``prores``, ``webm`` or ``png``: also render a video per motif.
    progress : callable, optional
        ``progress(recordings_done, total)`` after each recording.
    **render_options
        The options of :func:`batik_waves.render_recording` (``motif``, ``size``,
        ``seed``, ``mapping``, ``window``...), checked before anything runs.

    Returns
    -------
    BatchReport
        Its ``path`` is the ``batch-report.json`` written at *out*.

    Raises
    ------
    ParameterError
        A bad option, *jobs*, *scheduler* or *video*, or more than one of
        *executor*, *jobs*, *scheduler*.
    RecordingError
        An input that does not exist, or no recording found.
    RenderError
        Two recordings that would write into one folder; dask missing or its
        scheduler unreachable; the report cannot be written.

    Notes
    -----
    A recording that fails (a broken file, a worker that dies) never stops the
    others: see :attr:`BatchReport.failed`.
    """
    opts = resolve("render", render_options)
    given = [n for n, v in (("executor", executor), ("jobs", jobs), ("scheduler", scheduler)) if v]
    if len(given) > 1:
        raise ParameterError(f"give one of executor, jobs and scheduler, not {' and '.join(given)}")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if jobs is None:
        n = cores or 1
    else:
        n = int(_int(jobs, "jobs"))
    n_local = 0
    if scheduler is not None:
        scheduler, n_local = check_scheduler(scheduler)
        _dask(f"--scheduler {scheduler}")
    local_cluster = n_local > 0
    specs = plan_batch(
        inputs,
        out,
        opts,
        video=video,
        force=force,
        parent=os.getpid() if local_cluster else None,
        since=time.time(),
    )
    out = Path(out)
    report = progress or no_progress
    t0 = time.perf_counter()
    by_source = {s.source: i for i, s in enumerate(specs)}
    results: list[RecordingResult | None] = [None] * len(specs)
    report(0, len(specs))

    def collect(stream: Iterator[RecordingResult]) -> None:
        done = 0
        for r in stream:
            results[by_source[r.source]] = r
            done += 1
            report(done, len(specs))

    if scheduler is not None:
        with _scheduler(scheduler, n_local) as client:
            runner = f"dask {scheduler}"
            collect(_run_dask(specs, client))
    elif _is_dask_client(executor):
        runner = f"dask {getattr(executor, 'scheduler', None) and executor.scheduler.address}"
        collect(_run_dask(specs, executor))
    elif executor is not None:
        if not isinstance(executor, cf.Executor):
            raise ParameterError(
                f"Invalid value for the 'executor' parameter: expected a "
                f"concurrent.futures.Executor or a distributed.Client, but got "
                f"{type(executor).__name__} instead."
            )
        width = getattr(executor, "_max_workers", None) or n
        runner = f"{type(executor).__name__} of {width}"
        collect(_run_pool(specs, executor, width, own=False))
    else:
        runner = f"local pool of {n}"
        collect(_run_pool(specs, _local_pool(n), n, own=True))
    batch = BatchReport(
        out,
        [r for r in results if r is not None],
        time.perf_counter() - t0,
        runner,
        options=json_ready(options_record(opts)),
        video=video,
    )
    path = out / REPORT_NAME
    text = json.dumps(json_ready(batch.to_dict()), indent=2, ensure_ascii=False) + "\n"
    batch.path = write_text(path, text)
    return batch
