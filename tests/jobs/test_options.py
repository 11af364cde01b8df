"""Options declared once: the same check, message and class in every command."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from batik_waves import cli
from batik_waves.errors import MappingError, MotifError, ParameterError
from batik_waves.jobs.options import COMMANDS, OPTIONS, add_arguments, given, record, resolve

# (keyword, bad value, error class, what the message names)
SHARED_BAD = [
    ("variant", "nope", MotifError, r"'variant'.*but got 'nope'"),
    ("palette", "sogan", MotifError, r"'palette'"),
    ("seed", -1, ParameterError, r"'seed'.*0 or more.*-1"),
    ("seed", "x", ParameterError, r"'seed'.*'x'"),
    ("mapping", "nope", MappingError, r"'mapping'.*'default'"),
    ("window", "30", ParameterError, r"'window'.*START:END"),
    ("window", "30:10", ParameterError, r"END must come after START"),
]


@pytest.mark.parametrize(("key", "bad", "cls", "match"), SHARED_BAD)
def test_a_bad_option_raises_the_same_class_and_message_in_every_command(key, bad, cls, match):
    errors = []
    for command, extra in (("render", {"motif": "kawung"}), ("video", {"motif": "kawung"})):
        with pytest.raises(cls, match=match) as info:
            resolve(command, {**extra, key: bad})
        errors.append((type(info.value), str(info.value)))
    assert errors[0] == errors[1]
    assert issubclass(cls, ParameterError) and issubclass(cls, ValueError)


def test_every_command_option_is_declared_once_with_help_and_flags():
    for names in COMMANDS.values():
        for name in names:
            opt = OPTIONS[name]
            assert opt.help and opt.flags and all(f.startswith("-") for f in opt.flags)
            assert opt.value(None) is None or opt.value(opt.default) == opt.value(None)


def test_flags_come_from_the_declarations_and_strings_are_checked_like_values():
    parser = argparse.ArgumentParser()
    add_arguments(parser, "render")
    args = parser.parse_args(["--seed", "7", "--size", "512", "-m", "parang", "--transparent"])
    opts = resolve("render", given(args, "render"))
    assert (opts.seed, opts.size, opts.motifs, opts.transparent) == (7, 512, ("parang",), True)
    assert opts == resolve(
        "render", {"seed": 7, "size": 512, "motif": "parang", "transparent": True}
    )
    rec = record(opts)
    assert rec["seed"] == 7 and rec["motif"] == ["parang"] and rec["mapping"] == "default"


def test_cm_and_size_are_one_or_the_other_and_cm_sets_the_size():
    assert resolve("render", {"cm": 20, "dpi": 300}).size == round(20 / 2.54 * 300)
    with pytest.raises(ParameterError, match="not both"):
        resolve("render", {"cm": 20, "size": 100})


def test_unknown_options_are_named():
    with pytest.raises(ParameterError, match=r"Unknown option 'colour' for render"):
        resolve("render", {"colour": "red"})


def test_video_smoothing_defaults_to_the_mappings_smooth():
    from batik_waves.mapping.rules import load_mapping

    assert resolve("video", {"mapping": "calm"}).smoothing == load_mapping("calm").smooth
    assert resolve("video", {"mapping": "calm", "smoothing": 0.5}).smoothing == 0.5


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["render", "--seed", "x"], "'seed'"),
        (["video", "rec.edf", "-o", "x.mp4", "--seed", "x"], "'seed'"),
        (["render", "--window", "9"], "'window'"),
        (["video", "rec.edf", "-o", "x.mp4", "--window", "9"], "'window'"),
        (["render", "--variant", "nope"], "'variant'"),
        (["video", "rec.edf", "-o", "x.mp4", "--variant", "nope"], "'variant'"),
    ],
)
def test_the_command_line_gives_the_same_one_line(argv, match, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("batik-waves: error: Invalid value for the")
    assert match in err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_bad_cli_options_fail_before_anything_is_read(tmp_path):
    p = subprocess.run(
        [sys.executable, "-m", "batik_waves", "render", "missing.edf", "--dpi", "0"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert p.returncode == 2 and "'dpi'" in p.stderr and "Traceback" not in p.stderr
