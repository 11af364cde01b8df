"""render_batch: the bundled samples plus a broken file and a worker that dies, on the
local pool and on a two-process dask LocalCluster, against single render runs."""

from __future__ import annotations

import concurrent.futures as cf
import json
import shutil
import sys
from pathlib import Path

import pytest

from batik_waves import render_batch, render_recording
from batik_waves.cli import main
from batik_waves.errors import ParameterError, RecordingError, RenderError
from batik_waves.jobs.batch import KILL_ENV, plan_batch
from batik_waves.jobs.options import resolve

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "sample_recordings").glob("*.edf"))
# small and short: the point is the batch, not the art
OPTS = {"size": 64, "motif": "kawung", "window": "0:20"}
KILLED = "killed-worker"  # a recording whose task kills its own worker process


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """data/<sample stem>/<sample>.edf for each sample, a broken file and one that
    kills its worker (the test hook in run_one, armed for this module)."""
    root = tmp_path_factory.mktemp("batch") / "data"
    for src in SAMPLES:
        (root / src.stem).mkdir(parents=True)
        shutil.copyfile(src, root / src.stem / src.name)
    (root / "bad").mkdir()
    (root / "bad" / "broken.edf").write_bytes(b"0       not an EDF header")
    shutil.copyfile(SAMPLES[-1], root / "bad" / f"{KILLED}.edf")
    return root


@pytest.fixture(scope="module")
def kill_hook():
    mp = pytest.MonkeyPatch()
    mp.setenv(KILL_ENV, KILLED)
    yield
    mp.undo()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Each sample rendered alone by render_recording."""
    out = tmp_path_factory.mktemp("reference")
    return {src.name: render_recording(src, out=out / src.stem, **OPTS) for src in SAMPLES}


@pytest.fixture(scope="module")
def local_run(tmp_path_factory, data, kill_hook):
    out = tmp_path_factory.mktemp("local")
    return out, render_batch(data, out, jobs=2, **OPTS)


def _record(path: Path) -> dict:
    rec = json.loads(path.read_text(encoding="utf-8"))
    del rec["source"]["path"]  # where the copy was read from: the one field that must differ
    return rec


def _check_against_reference(out: Path, report, reference) -> None:
    by_name = {Path(r.name).name: r for r in report.results}
    assert set(by_name) == {*(s.name for s in SAMPLES), "broken.edf", f"{KILLED}.edf"}
    for name, ref_paths in reference.items():
        result = by_name[name]
        assert result.status == "rendered", result
        folder = out / Path(name).stem / Path(name).stem
        assert Path(result.out) == folder
        assert sorted(result.files) == sorted(p.name for p in ref_paths)
        for ref in ref_paths:
            mine = folder / ref.name
            if ref.suffix == ".svg":
                assert mine.read_bytes() == ref.read_bytes(), mine
            elif ref.suffix == ".json":
                assert _record(mine) == _record(ref)
            else:
                assert mine.stat().st_size > 0
    broken = by_name["broken.edf"]
    assert broken.status == "failed" and "broken.edf" in broken.reason
    assert "\n" not in broken.reason and broken.detail is None
    killed = by_name[f"{KILLED}.edf"]
    assert killed.status == "failed" and "died" in killed.reason, killed
    saved = json.loads((out / "batch-report.json").read_text(encoding="utf-8"))
    assert saved["counts"] == {"rendered": len(SAMPLES), "skipped": 0, "failed": 2}
    assert [r["name"] for r in saved["recordings"]] == [r.name for r in report.results]


def test_local_pool_matches_single_renders(local_run, reference):
    out, report = local_run
    _check_against_reference(out, report, reference)
    assert report.runner == "local pool of 2"
    killed = next(r for r in report.failed if KILLED in r.name)
    assert "SIGKILL" in killed.reason
    summary = report.summary()
    assert f"{len(SAMPLES)} rendered, 0 skipped, 2 failed" in summary
    assert all(f"failed: {r.name}: {r.reason}" in summary for r in report.failed)


def test_cli_summary_and_exit_status(local_run, data, kill_hook, capsys):
    out, _ = local_run
    flags = ["--size", "64", "-m", "kawung", "--window", "0:20"]
    status = main(["batch", str(data), "-o", str(out), *flags])
    printed = capsys.readouterr().out
    assert status == 2  # two recordings failed
    assert f"0 rendered, {len(SAMPLES)} skipped, 2 failed" in printed
    assert "failed: bad/broken.edf: " in printed and f"failed: bad/{KILLED}.edf: " in printed
    assert f"report: {out / 'batch-report.json'}" in printed
    status = main(["batch", *(str(data / s.stem) for s in SAMPLES), "-o", str(out), "-q", *flags])
    assert status == 0
    assert capsys.readouterr() == ("", "")


def test_dask_cluster_matches_single_renders(tmp_path, data, reference, kill_hook):
    dask = pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    # one task at a time per worker, so that only the task that kills its worker is
    # running there each time; a task whose worker died twice is that one
    config = {
        "distributed.scheduler.allowed-failures": 1,
        "distributed.scheduler.worker-saturation": 1.0,
    }
    with (
        dask.config.set(config),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        seen = []
        report = render_batch(
            data, tmp_path, executor=client, progress=lambda d, t: seen.append((d, t)), **OPTS
        )
        _check_against_reference(tmp_path, report, reference)
        assert report.runner.startswith("dask tcp://127.0.0.1:")
        assert seen[0] == (0, len(SAMPLES) + 2) and seen[-1] == (len(SAMPLES) + 2,) * 2
        # the samples again by the scheduler's address (the same base, so the same
        # folders): up to date now
        samples = [p for p in sorted(data.glob("*/*.edf")) if p.name in {s.name for s in SAMPLES}]
        again = render_batch(
            [str(p) for p in samples], tmp_path, scheduler=cluster.scheduler_address, **OPTS
        )
        assert [Path(r.name).name for r in again.results] == [p.name for p in samples]
        assert [r.status for r in again.results] == ["skipped"] * len(samples)


def test_resume_skips_then_option_and_force_redo(local_run, data, kill_hook):
    out, first = local_run
    again = render_batch(data, out, **OPTS)
    assert {Path(r.name).name for r in again.skipped} == {s.name for s in SAMPLES}
    assert all(r.files == () for r in again.skipped)
    assert len(again.failed) == 2 and not again.rendered

    one = SAMPLES[-1]
    other = next(r for r in first.rendered if Path(r.name).name != one.name)
    untouched = {p: p.stat().st_mtime_ns for p in Path(other.out).iterdir()}
    # only the one recording, by a glob from the same base: same output folders
    pattern = str(data / "*" / one.name)
    touched = render_batch(pattern, out, **{**OPTS, "seed": 5})
    assert [(Path(r.name).name, r.status) for r in touched.results] == [(one.name, "rendered")]
    rec = json.loads((out / one.stem / one.stem / f"{one.stem}.json").read_text("utf-8"))
    assert rec["options"]["seed"] == 5
    assert [r.status for r in render_batch(pattern, out, **{**OPTS, "seed": 5}).results] == [
        "skipped"
    ]
    forced = render_batch(pattern, out, force=True, **{**OPTS, "seed": 5})
    assert [r.status for r in forced.results] == ["rendered"]
    assert {p: p.stat().st_mtime_ns for p in Path(other.out).iterdir()} == untouched


def test_fsspec_url_is_copied_to_scratch(tmp_path, reference):
    fsspec = pytest.importorskip("fsspec")
    one = SAMPLES[-1]
    fs = fsspec.filesystem("memory")
    fs.pipe(f"/study/s9/{one.name}", one.read_bytes())
    try:
        # memory:// lives in this process: threads share it
        with cf.ThreadPoolExecutor(1) as pool:
            report = render_batch("memory://study/", tmp_path, executor=pool, **OPTS)
    finally:
        fs.rm("/study", recursive=True)
    (result,) = report.results
    assert result.status == "rendered", result
    assert result.name == f"s9/{one.name}" and Path(result.out) == tmp_path / "s9" / one.stem
    rec = json.loads((tmp_path / "s9" / one.stem / f"{one.stem}.json").read_text("utf-8"))
    assert rec["source"]["path"] == f"memory://study/s9/{one.name}"
    for ref in reference[one.name]:
        if ref.suffix == ".svg":
            assert (Path(result.out) / ref.name).read_bytes() == ref.read_bytes()


def test_folder_walk_mirrors_the_tree(tmp_path):
    for rel in ("a/rec.edf", "b/rec.edf", "b/deep/x.bdf", "c/session.mff/signal1.bin"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    (tmp_path / "a" / "notes.txt.bak").write_bytes(b"")
    opts = resolve("render", OPTS)
    out = tmp_path / "OUT"
    specs = plan_batch(tmp_path, out, opts)
    got = {s.name: Path(s.out).relative_to(out).as_posix() for s in specs}
    assert got == {
        "a/rec.edf": "a/rec",
        "b/deep/x.bdf": "b/deep/x",
        "b/rec.edf": "b/rec",
        "c/session.mff": "c/session",  # a folder recording, not entered
    }
    # files from two folders: mirrored from the folder that holds both
    two = plan_batch([tmp_path / "a" / "rec.edf", tmp_path / "b" / "rec.edf"], out, opts)
    assert [Path(s.out).relative_to(out).as_posix() for s in two] == ["a/rec", "b/rec"]
    (tmp_path / "b" / "rec.bdf").write_bytes(b"")
    with pytest.raises(RenderError, match="would write into"):
        plan_batch(tmp_path / "b", out, opts)
    with pytest.raises(RecordingError, match="no such file"):
        plan_batch(tmp_path / "nope", out, opts)


def test_bad_arguments_fail_before_any_work(tmp_path, monkeypatch):
    with pytest.raises(ParameterError, match="'jobs' parameter"):
        render_batch(SAMPLES[0], tmp_path, jobs=0)
    with pytest.raises(ParameterError, match="not jobs and scheduler"):
        render_batch(SAMPLES[0], tmp_path, jobs=2, scheduler="local:2")
    with pytest.raises(ParameterError, match="'video' parameter"):
        render_batch(SAMPLES[0], tmp_path, video="avi")
    with pytest.raises(ParameterError, match="'seed' parameter"):
        render_batch(SAMPLES[0], tmp_path, seed=-1)
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if dask were not installed
    with pytest.raises(RenderError, match=r"pip install 'batik-waves\[dask\]'"):
        render_batch(SAMPLES[0], tmp_path, scheduler="local:2")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{empty}"], "no recordings found in"),
        (["{missing}"], "no such file or folder"),
        (["{sample}", "--jobs", "many"], "Invalid value for the 'jobs' parameter"),
        (["{sample}", "--jobs", "2", "--scheduler", "local:2"], "not allowed with argument"),
        (["{sample}", "--scheduler", "udp://host:1"], "Invalid value for the 'scheduler'"),
        (["{sample}", "--scheduler", "local:0"], "Invalid value for the 'scheduler'"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(tmp_path, capsys, args, message):
    (tmp_path / "empty").mkdir()
    names = {"empty": tmp_path / "empty", "missing": tmp_path / "gone", "sample": SAMPLES[0]}
    argv = ["batch", *(a.format(**names) for a in args), "-o", str(tmp_path / "out")]
    try:
        status = main(argv)
    except SystemExit as exit:  # argparse's own errors
        status = exit.code
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("batik-waves: error: ") and message in err
    assert err.count("\n") == 1
    assert not (tmp_path / "out").exists()
