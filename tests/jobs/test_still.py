"""render_recording: the artist's job as a Python call."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from utils import check_outputs

from batik_waves import render_recording
from batik_waves._io import sha256
from batik_waves.errors import (
    BatikWavesError,
    BatikWavesWarning,
    MotifError,
    ParameterError,
    RecordingError,
    RenderError,
)
from batik_waves.jobs.options import parse_window, resolve
from batik_waves.motifs.registry import MOTIFS

SIZE = 128


def _sample():
    from batik_waves.eeg.simulate import sample_path

    return sample_path()


@pytest.mark.slow
def test_render_the_sample(tmp_path):
    out = tmp_path / "demo"
    paths = render_recording(out=out, size=SIZE, seed=3)
    record = check_outputs(paths, out, Path(_sample()).stem, tuple(MOTIFS), SIZE)
    assert record["source"]["sha256"] == sha256(_sample())
    assert record["options"]["seed"] == 3
    assert record["mapping"]["name"] == "default"
    assert 0.99 < sum(record["summary"]["relative_power"].values()) < 1.01


@pytest.mark.slow
def test_same_seed_same_files_and_output_folder_reused(tmp_path):
    a = render_recording(motif="kawung", out=tmp_path / "a", size=SIZE, seed=1)
    b = render_recording(motif="kawung", out=tmp_path / "a", size=SIZE, seed=1)  # reused
    assert [p.name for p in a] == [p.name for p in b]
    c = render_recording(motif="kawung", out=tmp_path / "c", size=SIZE, seed=1)
    for p, q in zip(a, c, strict=True):
        if p.suffix == ".svg":
            assert p.read_bytes() == q.read_bytes()
    d = render_recording(motif="kawung", out=tmp_path / "d", size=SIZE, seed=2)
    assert (tmp_path / "d" / d[0].name).read_bytes() != a[0].read_bytes()


def test_print_size_from_cm_and_dpi(tmp_path):
    paths = render_recording(motif="parang", out=tmp_path, cm=2.0, dpi=150, sheet=False)
    png = next(p for p in paths if p.name.endswith("-parang.png"))
    with Image.open(png) as im:
        assert im.size == (118, 118)  # 2 cm at 150 DPI
        assert im.info["dpi"] == pytest.approx((150, 150), abs=0.05)
    record = json.loads(paths[-1].read_text(encoding="utf-8"))
    tile = next(o for o in record["outputs"] if o["file"] == png.name)
    assert tile["print_cm"] == pytest.approx(2.0, abs=0.03)


def test_transparent_palette_variant_repeat_window(tmp_path):
    paths = render_recording(
        motif="kawung",
        out=tmp_path,
        size=SIZE,
        palette="#F1E9D8,#1B2A4A",
        transparent=True,
        repeat="half-drop",
        window="2:20",
        sheet=False,
    )
    png = next(p for p in paths if p.name.endswith("-kawung.png"))
    with Image.open(png) as im:
        assert im.mode == "RGBA"
        alpha = np.asarray(im)[..., 3]
        assert alpha.min() == 0 and alpha.max() == 255
    record = json.loads(paths[-1].read_text(encoding="utf-8"))
    assert record["options"]["window"] == [2.0, 20.0]
    assert 17.0 < record["source"]["duration_s"] <= 18.0
    tile = next(o for o in record["outputs"] if o["file"] == png.name)
    assert tile["repeat"] == "half-drop"
    assert tile["palette"]["ground"] is None


def test_variant_goes_to_the_motif_that_has_it(tmp_path):
    from batik_waves.motifs.parang import ParangParams

    name = ParangParams.variants()[0]
    paths = render_recording(out=tmp_path, size=SIZE, variant=name, sheet=False)
    record = json.loads(paths[-1].read_text(encoding="utf-8"))
    variants = {o["motif"]: o["variant"] for o in record["outputs"] if o["kind"] == "tile"}
    assert variants == dict.fromkeys(MOTIFS) | {"parang": name}
    with pytest.raises(MotifError, match=r"'variant'.*but got 'nope'"):
        render_recording(out=tmp_path, variant="nope")


def test_bad_input_writes_nothing(tmp_path):
    bad = tmp_path / "broken.edf"
    bad.write_bytes(b"this is not an EDF file at all" * 10)
    out = tmp_path / "out"
    with pytest.raises(RecordingError):
        render_recording(bad, out=out, size=SIZE)
    assert not out.exists()
    with pytest.raises(BatikWavesError):
        render_recording(tmp_path / "missing.edf", out=out, size=SIZE)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.edf"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"motif": "kwaung"}, r"'motif'.*'kawung', 'parang', .*'all' and 'auto'.*'kwaung'"),
        ({"size": 3}, r"'size'"),
        ({"size": 100, "cm": 10}, r"not both"),
        ({"dpi": 0}, r"'dpi'"),
        ({"cm": -1}, r"'cm'"),
        ({"repeat": "zigzag"}, r"'repeat'.*'half-drop'"),
        ({"seed": -1}, r"'seed'"),
        ({"window": "30"}, r"START:END"),
        ({"window": "30:10"}, r"END must come after START"),
        ({"palette": "sogan"}, r"'palette'"),
        ({"mapping": "nope"}, r"'mapping'.*'default'"),
    ],
)
def test_bad_options_are_named(kwargs, match):
    with pytest.raises(BatikWavesError, match=match):
        resolve("render", kwargs)


def test_window_parsing():
    assert parse_window("0:60") == (0.0, 60.0)
    assert parse_window(None) == (None, None)
    with pytest.raises(ParameterError, match="'window'"):
        parse_window("a:b")


def test_input_is_never_overwritten(tmp_path):
    import shutil

    # a recording whose name collides with an output name
    rec = tmp_path / "x.json"
    shutil.copy(_sample(), rec)
    before = rec.read_bytes()
    with pytest.raises(BatikWavesError, match="refusing to overwrite the input"):
        render_recording(rec, out=tmp_path, size=SIZE)
    assert rec.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.json"]


def test_a_lattice_that_cannot_close_moves_to_the_nearest_that_can(tmp_path):
    from batik_waves.motifs.kawung import KawungParams

    with pytest.warns(BatikWavesWarning, match=r"kawung: flowers=5 cannot close seamlessly"):
        paths = render_recording(
            motif="kawung",
            out=tmp_path,
            size=200,
            repeat="half-brick",
            mapping=_one_flower_count_mapping(tmp_path, 5),
            sheet=False,
        )
    record = json.loads(paths[-1].read_text(encoding="utf-8"))
    tile = next(o for o in record["outputs"] if o["kind"] == "tile")
    assert tile["params"]["flowers"] % 2 == 0  # half-brick needs an even count
    assert KawungParams.from_dict(tile["params"]).flowers == tile["params"]["flowers"]


def _one_flower_count_mapping(tmp_path, n):
    path = tmp_path / f"flowers{n}.toml"
    path.write_text(
        f"""name = "fixed-flowers"
[fixed.kawung]
flowers = {n}
""",
        encoding="utf-8",
    )
    return path


@pytest.mark.slow
def test_remake_from_the_record_gives_the_same_svgs(tmp_path):
    from batik_waves.jobs.still import remake

    mapping = tmp_path / "mine.toml"
    mapping.write_text(
        'name = "mine"\n[[rule]]\nmotif = "kawung"\nparameter = "petal_width"\n'
        'feature = "alpha"\nfrom = [0.0, 0.5]\nto = [0.5, 0.8]\n',
        encoding="utf-8",
    )
    first = render_recording(
        motif="kawung", out=tmp_path / "a", size=SIZE, seed=5, mapping=mapping, sheet=False
    )
    mapping.unlink()  # the record carries the mapping itself
    again = remake(first[-1], out=tmp_path / "b")
    assert [p.name for p in again] == [p.name for p in first]
    for p, q in zip(first, again, strict=True):
        if p.suffix == ".svg":
            assert p.read_bytes() == q.read_bytes()
    other = tmp_path / "other.edf"
    other.write_bytes(b"x")
    with pytest.raises(RenderError, match="differs from the record"):
        remake(first[-1], recording=other, out=tmp_path / "c")


def test_a_low_rate_headset_without_gamma_renders_with_one_warning(tmp_path):
    """At 80 Hz the gamma band (30-45 Hz) lies above Nyquist: the render goes on, one
    warning names the band, and the rules that read gamma take their neutral value."""
    from batik_waves.eeg.simulate import simulate_eeg

    raw = simulate_eeg(40.0, 256.0, rng=1, line_freq=None).resample(80.0, verbose="error")
    rec = tmp_path / "low_raw.fif"
    raw.save(rec, verbose="error")
    with pytest.warns(BatikWavesWarning, match=r"band 'gamma'.*Nyquist") as caught:
        paths = render_recording(rec, out=tmp_path / "out", size=SIZE, sheet=False)
    assert len([w for w in caught if issubclass(w.category, BatikWavesWarning)]) == 1
    record = json.loads(paths[-1].read_text(encoding="utf-8"))
    assert record["features"]["gamma"] is None  # NaN: the band is not there
    assert "gamma" not in record["source"]["bands"]
    tile = next(o for o in record["outputs"] if o["kind"] == "tile" and o["motif"] == "kawung")
    from batik_waves.mapping.rules import load_mapping

    (rule,) = [
        r
        for r in load_mapping("default").rules
        if (r.motif, r.parameter, r.feature) == ("kawung", "wobble", "gamma")
    ]
    assert tile["params"]["wobble"] == pytest.approx(sum(rule.output) / 2)  # its middle


@pytest.mark.parametrize("name", ["neurosky-bandpower.csv", "mindmonitor-bandpower.csv"])
def test_a_recording_of_band_powers_renders_and_its_record_says_so(tmp_path, name):
    rec = Path(__file__).resolve().parents[2] / "sample_recordings" / name
    paths = render_recording(rec, out=tmp_path, size=SIZE, sheet=False)
    record = json.loads(paths[-1].read_text(encoding="utf-8"))
    assert record["source"]["envelopes_from"] == "band_power"
    assert set(record["source"]["bands"]) == {"delta", "theta", "alpha", "beta", "gamma"}
    cloth = next(o for o in record["outputs"] if o["kind"] == "cloth")
    widths = {
        round(p["params"].get("petal_width", p["params"].get("bend", 0)), 4)
        for p in cloth["params_along"]
    }
    assert len(widths) > 1  # the band powers move the cloth


def test_auto_lets_the_mapping_choose_the_family_and_records_why(tmp_path):
    from batik_waves.jobs._common import load
    from batik_waves.mapping.extract import features
    from batik_waves.mapping.rules import family_from_features, load_mapping

    paths = render_recording(out=tmp_path, size=SIZE, motif="auto", sheet=False)
    record = json.loads(paths[-1].read_text(encoding="utf-8"))
    family = record["family"]
    expected, why = family_from_features(
        features(load(Path(_sample()), (None, None))), load_mapping("default")
    )
    assert family["chosen"] == expected and family["feature"] == why["feature"] == "posterior_alpha"
    assert family["value"] == pytest.approx(why["value"])
    assert record["options"]["motif"] == ["auto"]
    assert {o["motif"] for o in record["outputs"]} == {expected}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)
    with pytest.raises(ParameterError, match=r"'variant'.*'auto'"):
        render_recording(out=tmp_path, motif="auto", variant="picis")
    with pytest.raises(ParameterError, match=r"'motif'.*alone"):
        render_recording(out=tmp_path, motif=["auto", "kawung"])


def test_the_default_mapping_runs_the_families_from_alert_to_deep_rest():
    from batik_waves.mapping.rules import family_from_features, load_mapping

    m = load_mapping("default")
    chosen = [
        family_from_features({"posterior_alpha": a}, m)[0]
        for a in (0.1, 0.25, 0.35, 0.45, 0.55, 0.7)
    ]
    assert chosen == ["parang", "nitik", "kawung", "ceplok", "truntum", "mega-mendung"]
