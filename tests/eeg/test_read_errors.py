"""Errors name what the user gave and the real reason."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from conftest import shared_file

from batik_waves.eeg.bands import envelopes_from_file
from batik_waves.eeg.clean import clean, plan_cleaning
from batik_waves.eeg.read import read_recording, source_name
from batik_waves.errors import RecordingError


@pytest.mark.parametrize("n", [2, 5])
def test_a_few_samples_are_too_short_not_railed(tmp_path, n):
    path = tmp_path / "tiny.csv"
    rows = "".join(f"{i * 0.004:.3f},{(-1) ** i * 10},{i}\n" for i in range(n))
    path.write_text("time,Fz,Cz\n" + rows)
    raw = read_recording(path)
    assert raw.n_times == n
    with pytest.raises(RecordingError) as info:
        plan_cleaning(raw)
    msg = str(info.value)
    assert msg.startswith(f"{path}: too short: {n} sample(s)"), msg
    assert "railed" not in msg and "flat" not in msg
    with pytest.raises(RecordingError, match="too short"):
        envelopes_from_file(path)


@pytest.mark.shared
def test_brainvision_errors_name_the_header_given_not_its_eeg(tmp_path):
    src = shared_file("converted/eegmat_Subject00_1_rest60s.vhdr")
    for suffix in (".vhdr", ".vmrk"):
        shutil.copyfile(src.with_suffix(suffix), tmp_path / src.with_suffix(suffix).name)
    size = src.with_suffix(".eeg").stat().st_size
    (tmp_path / src.with_suffix(".eeg").name).write_bytes(bytes(size))  # every channel flat
    vhdr = tmp_path / src.name
    raw = read_recording(vhdr)
    assert source_name(raw) == str(vhdr)
    assert source_name(raw.copy().crop(0, 1)) == str(vhdr)
    assert raw.filenames[0].suffix == ".eeg"  # MNE's own name for it
    for run in (clean, lambda r: envelopes_from_file(vhdr)):
        with pytest.raises(RecordingError) as info:
            run(raw)
        assert str(info.value) == f"{vhdr}: all EEG channels are flat"
    data = tmp_path / src.with_suffix(".eeg").name  # given by its data file: named so
    with pytest.raises(RecordingError, match=r"all EEG channels are flat") as info:
        clean(read_recording(data))
    assert str(info.value).startswith(f"{data}: ")
    assert np.all(read_recording(data).get_data(stop=10) == 0)
