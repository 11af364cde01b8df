"""The ``batik-waves`` command line: argument parsing only.

Every subcommand is a thin call into the library. A :class:`BatikWavesError` becomes
one line ``batik-waves: error: <what>: <why>`` on stderr and exit status 2; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence

from . import __version__
from ._procs import stacks_on_sigusr1, stop_on_signals
from .errors import BatikWavesError

__all__ = ["main"]

PROG = "batik-waves"


class _ArgumentParser(argparse.ArgumentParser):
    """argparse with our one-line error format and exit status 2."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{PROG}: error: {message}\n")


# --------------------------------------------------------------------- helpers
@contextlib.contextmanager
def progress_bar(
    total: float, *, desc: str, unit: str = "it", quiet: bool = False
) -> Iterator[Callable[[float, float], None]]:
    """Yield a ``progress(done, total)`` callback drawing a bar on a terminal.

    Silent when *quiet* or when stderr is not a terminal.
    """
    if quiet or not sys.stderr.isatty():
        yield lambda done, total=None: None
        return
    from tqdm import tqdm

    # a fixed width: dynamic_ncols draws nothing where the terminal reports no size
    bar = tqdm(total=total, desc=desc, unit=unit, leave=False, ncols=80)

    def update(done: float, new_total: float | None = None) -> None:
        if new_total is not None and new_total != bar.total:
            bar.total = new_total
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        bar.close()


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"{PROG}: warning: {message}", file=sys.stderr)


def _quiet_mne() -> None:
    try:
        import mne
    except ImportError:  # pragma: no cover
        return
    mne.set_log_level("ERROR")


# ------------------------------------------------------------------ commands
# Each command has an ``_add_<name>(subparsers)`` that declares its options and sets
# ``func`` to a ``_run_<name>(args) -> int``.


def _add_bands(sub) -> None:
    p = sub.add_parser(
        "bands",
        help="show a recording's band power per region (table, JSON, plot)",
        description="Show each band's median amplitude and relative power per region.",
        epilog="example: batik-waves bands recording.edf --plot bands.png",
    )
    p.add_argument("recording", nargs="?", help="EEG recording (default: the bundled sample)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument(
        "--plot", metavar="FILE", help="draw the envelopes over time to FILE (.png, .svg, .pdf)"
    )
    p.add_argument(
        "--bands",
        metavar="SPEC",
        help="custom bands, e.g. 'delta=1-4,theta=4-8,alpha=8-13' (Hz; default: "
        "delta 1-4, theta 4-8, alpha 8-13, beta 13-30, gamma 30-45)",
    )
    p.add_argument(
        "--line-freq",
        metavar="HZ",
        default="auto",
        help="mains frequency to notch: 50, 60, 'auto' (default) or 'none'",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_run_bands)


# Envelope values kept in memory by `bands` (5 bands x 32 channels x 14 h at 1 Hz):
# longer recordings are sampled at a lower envelope rate so the summary fits in RAM.
_BANDS_MAX_VALUES = 8_000_000


def _run_bands(args) -> int:
    import json
    from pathlib import Path

    from .eeg.bands import envelopes_from_file, parse_bands
    from .errors import RecordingError

    if args.recording is None:
        from .eeg.simulate import sample_path

        recording = Path(sample_path())
    else:
        recording = Path(args.recording)
    if args.plot:
        from .report.plots import check_plot_path

        check_plot_path(args.plot, [recording])
    bands = parse_bands(args.bands) if args.bands else None
    line = args.line_freq.strip().lower()
    if line in ("none", "off", "no"):
        line_freq = None
    elif line == "auto":
        line_freq = "auto"
    else:
        try:
            line_freq = float(line)
        except ValueError:
            raise RecordingError(
                f"Invalid value for --line-freq: expected 50, 60, 'auto' or 'none', "
                f"but got {args.line_freq!r} instead."
            ) from None
    with progress_bar(100.0, desc="band envelopes", unit="%", quiet=args.quiet) as bar:
        env, plan = envelopes_from_file(
            recording,
            bands=bands,
            line_freq=line_freq,
            max_values=_BANDS_MAX_VALUES,
            return_plan=True,
            progress=lambda done, total: bar(100.0 * done / total if total else 100.0, 100.0),
        )
    summary = env.summary()
    if args.json:
        out = {
            "file": str(recording),
            "duration_s": round(env.duration, 3),
            "envelope_rate_hz": env.rate,
            "edge_s": round(env.edge, 3),
            "channels": list(env.ch_names),
            "left_out": dict(plan.bad),
            "not_eeg": dict(plan.not_eeg),
            "line_freq_hz": plan.line_freq,
            "average_reference": bool(plan.reference),
            "edges_hz": {b: list(e) for b, e in zip(env.bands, env.edges, strict=True)},
            **summary.to_dict(),
        }
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print(_bands_table(recording, env, plan, summary))
    if args.plot:
        from .report.plots import save_envelope_plot

        title = f"{recording.name} · {_hms(env.duration)} · {len(env.ch_names)} EEG channels"
        save_envelope_plot(env, args.plot, title=title)
        if not args.json:
            print(f"\nplot: {args.plot}")
    return 0


def _hms(seconds: float) -> str:
    if seconds >= 3600:
        return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"
    if seconds >= 120:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{seconds:.1f} s"


def _bands_table(recording, env, plan, summary) -> str:
    lines = [f"{recording}", f"  {_hms(env.duration)}, {len(env.ch_names)} EEG channels"]
    if plan.bad:
        left = ", ".join(f"{n} ({r})" for n, r in plan.bad.items())
        lines.append(f"  left out: {left}")
    if plan.not_eeg:
        other = ", ".join(f"{n} ({t})" for n, t in plan.not_eeg.items())
        lines.append(f"  not EEG, left out: {other}")
    notch = f"mains {plan.line_freq:g} Hz notched" if plan.line_freq else "no mains notch"
    ref = "average reference" if plan.reference else "reference as recorded"
    lines.append(
        f"  {notch}, {ref}; envelopes at {env.rate:g} Hz, first/last {env.edge:.2f} s skipped"
    )
    lines.append("")
    lines.append("  median amplitude (µV) and share of power per region")
    head = f"  {'':<10}" + "".join(f"{b:>16}" for b in env.bands)
    ranges = f"  {'':<10}" + "".join(f"{f'{lo:g}-{hi:g} Hz':>16}" for lo, hi in env.edges)
    lines += [head, ranges]

    def row(name, amp, rel):
        cells = "".join(f"{f'{amp[b] * 1e6:6.2f} µV {rel[b] * 100:3.0f}%':>16}" for b in env.bands)
        return f"  {name:<10}{cells}"

    lines.append(row("all", summary.amplitude, summary.relative))
    for region, per in summary.regions.items():
        amp = {b: d["amplitude"] for b, d in per.items()}
        rel = {b: d["relative"] for b, d in per.items()}
        lines.append(row(region, amp, rel))
    return "\n".join(lines)


def _add_render(sub) -> None:
    from .jobs.options import add_arguments

    p = sub.add_parser(
        "render",
        help="render batik (tile, cloth, sheet) from a recording",
        description="Render batik from an EEG recording. Per motif:\n"
        "  <stem>-<motif>.svg/.png        a seamless tile (print DPI in the PNG)\n"
        "  <stem>-<motif>-cloth.svg/.png  a long cloth, the recording's time running down\n"
        "and <stem>-sheet.png (a contact sheet) and <stem>.json (a record that remakes them).",
        epilog="example: batik-waves render recording.edf -m kawung --palette indigo\n"
        "         batik-waves render rec.edf --dpi 300 --cm 20 --repeat half-drop",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("recordings", nargs="*", help="EEG recordings (default: the bundled sample)")
    p.add_argument(
        "-o", "--out", metavar="DIR", help="output folder (default: ./batik-out/<recording stem>/)"
    )
    add_arguments(p, "render")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no summary")
    p.set_defaults(func=_run_render)


def _run_render(args) -> int:
    from .jobs._common import stem
    from .jobs.options import given, resolve
    from .jobs.still import render_recording

    options = given(args, "render")
    resolve("render", options)  # a bad option fails before anything is read
    recordings = list(args.recordings) or [None]
    if args.out is not None and len(recordings) > 1:
        stems: dict[str, str] = {}
        for rec in recordings:
            other = stems.setdefault(stem(rec), rec)
            if other != rec:
                raise BatikWavesError(
                    f"{rec}: has the same name as {other}, and both would write into {args.out}; "
                    f"render them into separate folders"
                )
    failed = 0
    n = len(recordings)
    with progress_bar(n, desc="render", unit="recording", quiet=args.quiet) as progress:
        for i, rec in enumerate(recordings):
            try:
                paths = render_recording(
                    rec,
                    out=args.out,
                    progress=lambda d, t, i=i: progress(i + (d / t if t else 0.0)),
                    **options,
                )
            except BatikWavesError as err:
                if n == 1:
                    raise
                print(f"{PROG}: error: {err}", file=sys.stderr)
                failed += 1
                continue
            progress(i + 1)
            if not args.quiet:
                name = rec if rec is not None else "the bundled sample"
                print(f"{name}: wrote {len(paths)} files to {paths[0].parent}/")
    if failed:
        print(f"{PROG}: error: {failed} of {n} recordings failed", file=sys.stderr)
        return 2
    return 0


def _add_video(sub) -> None:
    from .jobs.options import add_arguments

    p = sub.add_parser(
        "video",
        help="render a video whose motion follows the recording",
        description=(
            "Render batik video for editors: the recording's time becomes the cloth's "
            "motion, frame n showing the recording at START + n/fps. Formats by OUT's "
            "extension: .mp4 H.264 preview, .mov ProRes 4444 with alpha, .mxf DNxHR HQ, "
            ".webm VP9 with alpha, a folder or name_%06d.png for a PNG sequence. A sidecar OUT.csv "
            "lists per frame the band power per region and every motif parameter."
        ),
        epilog=(
            "examples:\n"
            "  batik-waves video recording.edf -o batik.mov --fps 25 --transparent\n"
            "  batik-waves video recording.edf -o preview.mp4 --window 30:90 --drift 2\n"
            "  batik-waves video recording.edf -o frames/ --fps 23.976 --resume"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("recording", help="EEG recording (batik-waves sample prints the bundled one)")
    p.add_argument("-o", "--out", required=True, help="output file, folder or name_%%06d.png")
    add_arguments(p, "video")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_run_video)


def _run_video(args) -> int:
    from .jobs.options import given
    from .jobs.video import render_video

    # SIGTERM and SIGHUP stop it like Ctrl-C (main's stop_on_signals)
    with progress_bar(0, desc="video", unit="frame", quiet=args.quiet) as progress:
        render_video(args.recording, args.out, progress=progress, **given(args, "video"))
    if not args.quiet:
        print(args.out)
    return 0


def _add_batch(sub) -> None:
    from .jobs.options import add_arguments

    p = sub.add_parser(
        "batch",
        help="render many recordings on a local pool or a Dask cluster",
        description=(
            "Render every recording the inputs name (files, folders searched recursively, "
            "globs, fsspec URLs such as s3://bucket/study/) into OUT, mirroring the input "
            "tree: data/s01/rec.edf -> OUT/s01/rec/. A recording whose outputs are up to "
            "date (same source SHA-256, options, mapping and version) is skipped; a failing "
            "one never stops the others. Writes OUT/batch-report.json; exit status 2 if any "
            "recording failed."
        ),
        epilog=(
            "examples:\n"
            "  batik-waves batch data/ -o batik-out/ --size 1024\n"
            "  batik-waves batch 'data/**/*.edf' -o out/ --jobs 4 -m kawung --video mp4\n"
            "  batik-waves batch s3://lab/study/ -o /shared/out --scheduler tcp://head:8786"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="recordings, folders or globs")
    p.add_argument("-o", "--out", required=True, metavar="OUT", help="output folder")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--jobs", metavar="N", help="local worker processes (default: one per core)")
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="tcp://HOST:PORT of a dask scheduler, or local:N for a LocalCluster of N "
        "processes (needs batik-waves[dask])",
    )
    p.add_argument(
        "--video",
        metavar="FORMAT",
        help="also render each recording's video per motif: mp4, prores, webm or png",
    )
    p.add_argument("--force", action="store_true", help="render up-to-date recordings too")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar, only failures")
    add_arguments(p, "render")
    p.set_defaults(func=_run_batch)


def _run_batch(args) -> int:
    from .jobs.batch import render_batch
    from .jobs.options import given

    with progress_bar(0, desc="batch", unit="recording", quiet=args.quiet) as progress:
        report = render_batch(
            args.inputs,
            args.out,
            jobs=args.jobs,
            scheduler=args.scheduler,
            force=args.force,
            video=args.video,
            progress=progress,
            **given(args, "render"),
        )
    if not args.quiet:
        print(report.summary())
    else:
        for r in report.failed:
            print(f"{PROG}: error: {r.name}: {r.reason}", file=sys.stderr)
    return 0 if report.ok else 2


def _add_sample(sub) -> None:
    p = sub.add_parser(
        "sample",
        help="print the path of the bundled sample recording",
        description="Print the path of the bundled sample recording.",
        epilog="example: batik-waves bands $(batik-waves sample)",
    )
    p.set_defaults(func=_run_sample)


def _run_sample(args) -> int:
    from .eeg.simulate import sample_path

    print(sample_path())
    return 0


def _add_live(sub) -> None:
    p = sub.add_parser(
        "live",
        help="check a headset: source state, sensor quality and band shares once a second",
        description="Open a live source and print, once a second, its state, the age of "
        "its newest sample, each sensor's quality and the band shares. Ctrl-C stops.",
        epilog="example: batik-waves live lsl:Muse   (sources: replay:FILE, replay:sample, "
        "lsl:NAME, lsl:type=EEG, brainflow:BOARD[:key=value,...], neurosky[:HOST:PORT], "
        "osc[:PORT])",
    )
    p.add_argument("source", nargs="?", default="replay:sample", help="default: replay:sample")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--seconds", type=float, metavar="N", help="stop after N seconds")
    p.set_defaults(func=_run_live)


def _run_live(args) -> int:
    import json

    from ._check import check_number
    from .eeg.monitor import monitor, status_line

    if args.seconds is not None:
        check_number(args.seconds, "seconds", lo=0, lo_open=True, unit="s")
    try:
        for status in monitor(args.source, seconds=args.seconds):
            print(json.dumps(status) if args.json else status_line(status), flush=True)
    except KeyboardInterrupt:
        return 0  # Ctrl-C is how an installer stops it: the source is closed by then
    return 0


def _add_kiosk(sub) -> None:
    from .jobs.options import add_arguments

    p = sub.add_parser(
        "kiosk",
        help="the gallery kiosk: live batik from a headset in a full-screen browser page",
        description="Serve the gallery kiosk: a page that fills the screen with batik drawn "
        "live from a headset, resting on a recorded loop when nobody wears it. Open "
        "http://127.0.0.1:8765/ in Chromium --kiosk (docs/kiosk.md). Ctrl-C stops.",
        epilog="example: batik-waves kiosk --source lsl:Muse --motif parang",
    )
    add_arguments(p, "kiosk")
    p.add_argument(
        "--store",
        metavar="FOLDER",
        help="where take-home files are kept (default: batik-kiosk-take-home)",
    )
    p.set_defaults(func=_run_kiosk)


def _run_kiosk(args) -> int:
    from .jobs.options import given, resolve

    opts = resolve("kiosk", given(args, "kiosk"))
    try:
        from .kiosk import serve
    except ImportError as err:  # the kiosk extra
        raise BatikWavesError(
            f"the kiosk needs the kiosk extra ({err.name} is not installed): "
            "pip install 'batik-waves[kiosk]'"
        ) from None
    url = serve(
        source=opts.source,
        host=opts.host,
        port=opts.port,
        motif=opts.live_motif,
        palette=opts.palette,
        mapping=opts.mapping,
        store=args.store or "batik-kiosk-take-home",
        ready=lambda url: print(f"kiosk at {url}", flush=True),
    )
    del url
    return 0


COMMANDS = (
    _add_bands,
    _add_render,
    _add_video,
    _add_batch,
    _add_live,
    _add_kiosk,
    _add_sample,
)


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog=PROG,
        description="Turn brainwaves (EEG) into Javanese batik: kawung and parang.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_ArgumentParser)
    sub.required = True
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Ctrl-C, SIGTERM and SIGHUP stop a command cleanly (no traceback, nothing
    half-written under a final name) with status 128 + the signal's number; a
    reader that closes the pipe (``| head -1``) ends it quietly with 141.
    """
    args = build_parser().parse_args(argv)
    if argv is None:  # a process of its own (not a caller's main(argv))
        stacks_on_sigusr1()
    warnings.showwarning = _show_warning
    _quiet_mne()
    try:
        with stop_on_signals():
            status = int(args.func(args) or 0)
            sys.stdout.flush()  # a closed pipe shows here, not at exit
        return status
    except BatikWavesError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the Python docs' recipe: point stdout at devnull so that the flush at exit
        # does not fail again, and end quietly as a closed pipe ends other tools
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except KeyboardInterrupt as err:
        with contextlib.suppress(OSError):  # SIGHUP: the terminal may be gone
            print(f"{PROG}: interrupted", file=sys.stderr)
        return 128 + getattr(err, "signum", signal.SIGINT)
