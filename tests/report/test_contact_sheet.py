"""Legibility of the mapping, and the contact sheets that show it.

Rest with eyes closed, mental arithmetic and eyes open must give tiles that anyone
tells apart at a glance; the two halves of one steady recording must give kin. The
numbers check it; the sheet (written to tmp_path, and to $BATIK_SHEET_DIR when set)
is for looking at.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_file
from PIL import Image

from batik_waves.mapping import (
    features,
    load_mapping,
    palette_from_features,
    param_distance,
    params_class,
    params_from_features,
    presets,
)
from batik_waves.motifs.registry import MOTIFS
from batik_waves.report.sheet import format_duration, tiles_sheet

RECORDINGS = {
    "rest, eyes closed": "physionet_eegmat/Subject00_1.edf",
    "mental arithmetic": "physionet_eegmat/Subject04_2.edf",
    "eyes open": "physionet_eegmmidb/S001R01.edf",
}


@pytest.fixture(scope="module")
def halves():
    """Label -> (features of the whole, of the first half, of the second half)."""
    from batik_waves.eeg.bands import envelopes_from_file

    out = {}
    for label, rel in RECORDINGS.items():
        env = envelopes_from_file(shared_file(rel))
        mid = float(env.times[0]) + env.duration / 2
        out[label] = (features(env), features(env.window(None, mid)), features(env.window(mid)))
    return out


def _driven(mapping, motif):
    cls = params_class(motif)
    names = {r.parameter for r in mapping.rules if r.motif == motif}
    names |= {c.parameter for c in mapping.choices if c.applies_to(motif)}
    return [n for n in names if n in cls.specs()]


@pytest.mark.shared
@pytest.mark.parametrize("mapping_name", ["default", "vivid", "calm"])
def test_states_of_mind_are_far_apart_and_halves_are_kin(halves, mapping_name):
    mapping = load_mapping(mapping_name)
    for motif in MOTIFS:
        only = _driven(mapping, motif)
        whole = {k: params_from_features(motif, v[0], mapping) for k, v in halves.items()}
        kin = [
            param_distance(
                params_from_features(motif, v[1], mapping),
                params_from_features(motif, v[2], mapping),
                only=only,
            )
            for v in halves.values()
        ]
        apart = [
            param_distance(whole[a], whole[b], only=only)
            for a, b in itertools.combinations(whole, 2)
        ]
        assert min(apart) > 3 * max(kin), (motif, mapping_name, apart, kin)
        assert min(apart) > 0.15, (motif, mapping_name, apart)
        # and the colour alone already tells the three apart
        pals = {palette_from_features(motif, v[0], mapping) for v in halves.values()}
        assert len(pals) == 3, pals


@pytest.mark.shared
def test_classic_keeps_the_look_and_only_modulates(halves):
    classic, default = load_mapping("classic"), load_mapping("default")
    for motif in MOTIFS:
        only = _driven(default, motif)
        c = [params_from_features(motif, v[0], classic) for v in halves.values()]
        d = [params_from_features(motif, v[0], default) for v in halves.values()]
        spread_c = max(param_distance(a, b, only=only) for a, b in itertools.combinations(c, 2))
        spread_d = max(param_distance(a, b, only=only) for a, b in itertools.combinations(d, 2))
        assert 0 < spread_c < spread_d
        assert len({palette_from_features(motif, v[0], classic) for v in halves.values()}) == 1


@pytest.mark.shared
@pytest.mark.slow
def test_contact_sheet_of_the_three_recordings(halves, tmp_path):
    from batik_waves.motifs.kawung import kawung
    from batik_waves.motifs.parang import parang

    makers = {"kawung": kawung, "parang": parang}
    rows = []
    for label, (_whole, first, second) in halves.items():
        pats = []
        for motif, make in makers.items():
            for f in (first, second):
                params = params_from_features(motif, f, "default")
                pal = palette_from_features(motif, f, "default")
                pats.append(make(params, tile=(360, 360), rng=1, palette=pal))
        rows.append((label, pats))
    columns = ["kawung 1st half", "kawung 2nd half", "parang 1st half", "parang 2nd half"]
    paths = [tmp_path / "legibility.png"]
    if os.environ.get("BATIK_SHEET_DIR"):
        paths.append(Path(os.environ["BATIK_SHEET_DIR"]) / "legibility.png")
    for p in paths:
        tiles_sheet(
            p,
            rows,
            title="default mapping: three states of mind, each recording cut in two halves",
            columns=columns,
            px=240,
            repeats=2,
        )
    with Image.open(paths[0]) as im:
        img = np.asarray(im.convert("RGB"), dtype=float)
    assert img.shape[0] > 600 and img.shape[1] > 900
    assert img.std() > 20
    # rows differ (the colourway alone tells them apart); halves of a row are kin
    h = img.shape[0]
    bands = [img[int(h * f) - 20 : int(h * f) + 20] for f in (0.25, 0.55, 0.85)]
    means = [b.reshape(-1, 3).mean(axis=0) for b in bands]
    assert min(np.abs(a - b).sum() for a, b in itertools.combinations(means, 2)) > 10


def test_presets_are_bundled():
    assert set(presets()) >= {"default", "calm", "vivid", "classic"}
    for name in presets():
        m = load_mapping(name)
        assert m.name == name and m.description and m.rules


def test_every_preset_gives_valid_params_at_the_extremes():
    """Any feature values, however odd, give parameters within every constraint."""
    from batik_waves.mapping import FEATURES

    for name in presets():
        mapping = load_mapping(name)
        for motif in MOTIFS:
            cls = params_class(motif)
            for variant in (None, *cls.variants()):
                for value in (0.0, 0.05, 0.3, 1.0, 5.0):
                    params_from_features(
                        motif, dict.fromkeys(FEATURES, value), mapping, variant=variant
                    )
                rng = np.random.default_rng(0)
                for _ in range(20):
                    f = {
                        k: float(v)
                        for k, v in zip(FEATURES, rng.random(len(FEATURES)), strict=True)
                    }
                    params_from_features(motif, f, mapping, variant=variant)


def test_format_duration():
    assert format_duration(59.6) == "1 min 00 s"
