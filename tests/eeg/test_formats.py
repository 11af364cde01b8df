"""The one table of formats: what the reader dispatches, what the README says, stems, walks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from batik_waves.eeg import read as read_mod
from batik_waves.eeg.formats import (
    EXTENSIONS,
    FORMATS,
    extension_of,
    find_recordings,
    format_of,
    is_recording,
    markdown_table,
    missing_packages,
    recording_stem,
)
from batik_waves.eeg.read import SUPPORTED_EXTENSIONS
from batik_waves.jobs._common import stem as _stem

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_table() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Recordings\n") :]
    section = section[: section.index("\n## ", 1)]
    m = re.search(
        r"<!-- formats table:[^\n]*-->\n(.*?)\n<!-- end of formats table -->", section, re.S
    )
    assert m is not None, "README's Recordings section has lost its generated formats table"
    return m.group(1)


def test_readme_table_is_the_table():
    assert _readme_table() == markdown_table(), (
        "README.md's formats table differs from batik_waves.eeg.formats.FORMATS; paste "
        "the output of batik_waves.eeg.formats.markdown_table() between its markers"
    )


def test_readme_table_names_every_extension_once():
    cells = re.findall(r"`(\.[a-z0-9.]+)`", _readme_table())
    assert sorted(cells) == sorted(EXTENSIONS)
    assert len(cells) == len(set(cells))


def test_every_format_has_a_reader_and_every_reader_a_format():
    assert {f.reader for f in FORMATS} == set(read_mod._READERS)
    assert set(SUPPORTED_EXTENSIONS) == set(EXTENSIONS)
    for ext in EXTENSIONS:
        assert ext == ext.lower() and ext.startswith(".")


def test_every_needed_package_is_installed():
    # they are dependencies: pip install batik-waves brings them all
    for f in FORMATS:
        assert missing_packages(f) == [], f.name


def test_packages_are_dependencies():
    import tomllib

    deps = tomllib.loads((README.parent / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[<>=!~ \[]", d, maxsplit=1)[0].lower() for d in deps}
    for f in FORMATS:
        for package in f.packages:
            assert package.lower() in names, f"{package} ({f.name}) is not a dependency"


@pytest.mark.parametrize(
    ("name", "ext", "stem"),
    [
        ("rec.edf", ".edf", "rec"),
        ("REC.EDF", ".edf", "REC"),
        ("sub-01_raw.fif.gz", ".fif.gz", "sub-01_raw"),
        ("x.cdt.dpa", ".cdt.dpa", "x"),
        ("x.cdt", ".cdt", "x"),
        ("session.mff", ".mff", "session"),
        ("a.b.vhdr", ".vhdr", "a.b"),
        ("notes.tar.gz", ".gz", "notes.tar"),
        ("README", "", "README"),
    ],
)
def test_extension_and_stem(name, ext, stem):
    assert extension_of(name) == ext
    assert recording_stem(Path("some/dir") / name) == stem
    assert _stem(name) == stem  # job's output names come from the same table


def test_format_of_folders_and_unknowns():
    assert format_of("x.mff").folder and format_of("y.ds").folder
    assert not format_of("x.edf").folder
    assert format_of("x.docx") is None


def _touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_find_recordings_walks_sorted_and_never_enters_a_folder_format(tmp_path):
    a = _touch(tmp_path / "b" / "night.edf")
    vhdr = _touch(tmp_path / "a" / "bv.vhdr")
    _touch(tmp_path / "a" / "bv.eeg")  # its data: a companion, not a recording
    _touch(tmp_path / "a" / "bv.vmrk")
    nihon = _touch(tmp_path / "a" / "alone.eeg")  # no header beside it: Nihon Kohden
    curry = _touch(tmp_path / "c" / "r7.dat")
    _touch(tmp_path / "c" / "r7.dap")
    _touch(tmp_path / "c" / "r7.rs3")
    mff = tmp_path / "c" / "session.mff"
    _touch(mff / "signal1.bin")
    _touch(mff / "inner.edf")  # inside a folder recording: not a recording of its own
    _touch(tmp_path / ".hidden.edf")
    _touch(tmp_path / ".cache" / "x.edf")
    _touch(tmp_path / "notes.txt.bak")
    (tmp_path / "plain_folder.edf").mkdir()  # a folder with a file format's name
    found = find_recordings(tmp_path)
    assert found == sorted([a, vhdr, nihon, curry, mff])
    assert is_recording(mff)
    assert not is_recording(tmp_path / "a" / "bv.eeg")
    assert not is_recording(tmp_path / "plain_folder.edf")
    assert not is_recording(tmp_path / "missing.edf")


def test_find_recordings_of_an_empty_or_missing_folder(tmp_path):
    assert find_recordings(tmp_path) == []
    assert find_recordings(tmp_path / "absent") == []


def test_companions_by_extension_and_by_header(tmp_path):
    from batik_waves.eeg.formats import companions

    assert [p.name for p in companions(tmp_path / "a.set")] == ["a.fdt"]
    assert [p.name for p in companions(tmp_path / "c.cdt")] == ["c.cdt.dpa", "c.cdt.cef", "c.cef"]
    assert companions(tmp_path / "r.edf") == []
    # a BrainVision header names its data and marker files, whatever their stems
    vhdr = tmp_path / "rec.vhdr"
    vhdr.write_text(
        "Brain Vision Data Exchange Header File Version 1.0\n[Common Infos]\n"
        "DataFile=other data.eeg\nMarkerFile = markers.vmrk\n"
    )
    names = [p.name for p in companions(vhdr)]
    assert names == ["rec.vmrk", "rec.eeg", "other data.eeg", "markers.vmrk"]
    assert [p.name for p in companions(tmp_path / "r.dap")] == ["r.rs3"]
    # a header written on Windows, or broken, never fails the job
    vhdr.write_text("[Common Infos]\nDataFile=C:\\data\\take2.eeg\nMarkerFile=.\nDataFile=/\n")
    assert [p.name for p in companions(vhdr)] == ["rec.vmrk", "rec.eeg", "take2.eeg"]
    # a folder recording's companions are the files inside it
    mff = tmp_path / "s.mff"
    (mff / "sub").mkdir(parents=True)
    (mff / "info.xml").write_text("x")
    (mff / "sub" / "signal1.bin").write_text("x")
    assert [p.relative_to(mff).as_posix() for p in companions(mff)] == [
        "info.xml",
        "sub/signal1.bin",
    ]


def test_jobs_refuse_header_named_files_and_writing_into_a_folder_recording(tmp_path):
    from batik_waves.errors import RenderError
    from batik_waves.jobs._common import check_targets

    vhdr = tmp_path / "rec.vhdr"
    vhdr.write_text("[Common Infos]\nDataFile=take2.eeg\nMarkerFile=take2.vmrk\n")
    (tmp_path / "take2.eeg").write_bytes(b"\0" * 8)
    with pytest.raises(RenderError, match="refusing to overwrite the input"):
        check_targets([tmp_path / "take2.eeg"], vhdr)
    check_targets([tmp_path / "rec_kawung_tile.svg"], vhdr)  # an ordinary output is fine
    mff = tmp_path / "s.mff"
    mff.mkdir()
    with pytest.raises(RenderError, match="refusing to write inside the input recording"):
        check_targets([mff / "s_kawung_tile.svg"], mff)
    check_targets([tmp_path / "s_kawung_tile.svg"], mff)
