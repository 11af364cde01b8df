"""The ``batik-waves`` command line: argument parsing only.

Every subcommand is a thin call into the library. A :class:`BatikWavesError` becomes
one line ``batik-waves: error: <what>: <why>`` on stderr and exit status 2; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence

from . import __version__
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
        from .plots import check_plot_path

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
            "line_freq_hz": plan.line_freq,
            "average_reference": bool(plan.reference),
            "edges_hz": {b: list(e) for b, e in zip(env.bands, env.edges, strict=True)},
            **summary.to_dict(),
        }
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print(_bands_table(recording, env, plan, summary))
    if args.plot:
        from .plots import save_envelope_plot

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
    p = sub.add_parser(
        "render",
        help="render batik (tile, cloth, sheet) from a recording",
        description="Render kawung and parang batik from an EEG recording. Per motif:\n"
        "  <stem>-<motif>.svg/.png        a seamless tile (print DPI in the PNG)\n"
        "  <stem>-<motif>-cloth.svg/.png  a long cloth, the recording's time running down\n"
        "and <stem>-sheet.png (a contact sheet) and <stem>.json (a record that remakes them).",
        epilog="example: batik-waves render recording.edf -m kawung --palette indigo\n"
        "         batik-waves render rec.edf --dpi 300 --cm 20 --repeat half-drop",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("recordings", nargs="*", help="EEG recordings (default: the bundled sample)")
    p.add_argument(
        "-m",
        "--motif",
        choices=("kawung", "parang", "ceplok", "nitik", "all"),
        default="all",
        help="which motif to render (default: all)",
    )
    p.add_argument(
        "-o", "--out", metavar="DIR", help="output folder (default: ./batik-out/<recording stem>/)"
    )
    p.add_argument("--variant", metavar="NAME", help="a named variant: picis, barong, ...")
    p.add_argument(
        "--palette",
        metavar="NAME|#hex,...",
        help="colourway name or hex colours ground,ink,fill,... (default: the mapping's choice)",
    )
    size = p.add_mutually_exclusive_group()
    size.add_argument("--size", type=int, metavar="PX", help="tile side in pixels (default 2048)")
    size.add_argument(
        "--cm", type=float, metavar="CM", help="tile side in cm at --dpi (e.g. --dpi 300 --cm 20)"
    )
    p.add_argument("--dpi", type=float, metavar="N", help="print DPI in the PNGs (default 300)")
    p.add_argument(
        "--repeat",
        choices=("block", "half-drop", "half-brick"),
        help="how tiles are laid (default: the motif's own)",
    )
    p.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the maker's hand")
    p.add_argument(
        "--mapping",
        metavar="FILE.toml|NAME",
        help="mapping file or preset: default, calm, vivid, classic",
    )
    p.add_argument(
        "--window", metavar="START:END", help="render only this stretch (seconds, e.g. 30:90)"
    )
    p.add_argument("--transparent", action="store_true", help="leave the ground transparent")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    p.set_defaults(func=_run_render)


def _run_render(args) -> int:
    from .job import _stem, check_options, render_recording

    options = dict(
        motif=args.motif,
        variant=args.variant,
        palette=args.palette,
        size=args.size,
        dpi=args.dpi,
        cm=args.cm,
        repeat=args.repeat,
        seed=args.seed,
        mapping=args.mapping,
        window=args.window,
        transparent=args.transparent,
    )
    check_options(**options)  # a bad option fails before anything is read
    recordings = list(args.recordings) or [None]
    if args.out is not None and len(recordings) > 1:
        stems: dict[str, str] = {}
        for rec in recordings:
            other = stems.setdefault(_stem(rec), rec)
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
    p = sub.add_parser(
        "video",
        help="render a video whose motion follows the recording",
        description=(
            "Render batik video for editors: the recording's time becomes the cloth's "
            "motion, frame n showing the recording at START + n/fps. Formats by OUT's "
            "extension: .mp4 H.264 preview, .mov ProRes 4444 with alpha, .webm VP9 with "
            "alpha, a folder or name_%06d.png for a PNG sequence. A sidecar OUT.csv "
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
    p.add_argument(
        "--format",
        metavar="{mp4,prores,qtrle,webm,png}",
        help="override the format chosen by OUT's extension (qtrle: QuickTime Animation)",
    )
    p.add_argument(
        "--fps",
        default="30",
        help="24, 25, 30, 60, 23.976, 29.97 or 59.94 (kept as exact ratios; default 30)",
    )
    p.add_argument("--size", default="1920x1080", help="WIDTHxHEIGHT (default 1920x1080)")
    p.add_argument("-m", "--motif", default="kawung", help="kawung or parang (default kawung)")
    p.add_argument("--variant", help="a named variant of the motif (e.g. picis, barong)")
    p.add_argument("--palette", help="a colourway name or #hex,#hex,... (default: the mapping's)")
    p.add_argument("--mapping", help="a mapping preset name or TOML file")
    p.add_argument("--seed", type=int, default=0, help="seed of the maker's hand (default 0)")
    p.add_argument("--window", help="START:END seconds of the recording to show")
    p.add_argument("--transparent", action="store_true", help="no ground: alpha (not for .mp4)")
    p.add_argument("--timecode", help="start timecode HH:MM:SS:FF (.mov, .mp4)")
    p.add_argument(
        "--smoothing",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="seconds of smoothing: longer breathes slower (default 1)",
    )
    p.add_argument(
        "--drift",
        type=float,
        default=0.0,
        metavar="TILES_PER_MIN",
        help="slow pan of the cloth, tiles per minute (default 0)",
    )
    p.add_argument("--resume", action="store_true", help="continue an interrupted PNG sequence")
    p.add_argument("--workers", type=int, default=2, help="processes drawing the cloth (default 2)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_run_video)


def _run_video(args) -> int:
    import signal

    from .render.video import render_video

    # A kill (SIGTERM) cleans up like Ctrl-C: ffmpeg stopped, no partial file left.
    def _terminate(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with progress_bar(0, desc="video", unit="frame", quiet=args.quiet) as progress:
            render_video(
                args.recording,
                args.out,
                format=args.format,
                fps=args.fps,
                size=args.size,
                motif=args.motif,
                variant=args.variant,
                palette=args.palette,
                mapping=args.mapping,
                seed=args.seed,
                window=args.window,
                transparent=args.transparent,
                timecode=args.timecode,
                smoothing=args.smoothing,
                drift=args.drift,
                resume=args.resume,
                progress=progress,
                workers=args.workers,
            )
    finally:
        signal.signal(signal.SIGTERM, previous)
    if not args.quiet:
        print(args.out)
    return 0


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


def _not_built(args) -> int:
    raise BatikWavesError(f"{args.command}: this command is not built yet")


COMMANDS = (_add_bands, _add_render, _add_video, _add_sample)


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
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    warnings.showwarning = _show_warning
    _quiet_mne()
    try:
        return int(args.func(args) or 0)
    except BatikWavesError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
