"""The mapping from band envelopes to motif parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

from batik_waves.eeg.envelopes import DEFAULT_BANDS, Envelopes
from batik_waves.errors import MappingError, MotifError
from batik_waves.mapping import (
    FEATURES,
    Choice,
    Mapping,
    Rule,
    features,
    features_series,
    params_from_features,
)
from batik_waves.motifs._params import MotifParams, param


@dataclass(frozen=True)
class Dummy(MotifParams):
    size: float = param(1.0, range=(0.5, 2.0), unit="× P", doc="how big")
    count: int = param(4, range=(2, 12), doc="how many")
    kind: str = param("dot", choices=("dot", "star", "none"), doc="filler")
    _VARIANTS: ClassVar = {"big": {"size": 1.8}, "starry": {"kind": "star"}}


CLASSES = {"dummy": Dummy}

GOOD = """
name = "test"
description = "alpha makes it big"
[[rule]]
motif = "dummy"
parameter = "size"
feature = "alpha"
from = [0.1, 0.5]
to = [0.6, 1.6]
[[rule]]
motif = "dummy"
parameter = "count"
feature = "beta"
from = [0.05, 0.25]
to = [3, 11]
curve = "smoothstep"
[[choice]]
motif = "dummy"
parameter = "kind"
feature = "theta"
thresholds = [0.1, 0.3]
values = ["none", "dot", "star"]
"""


def mapping(text: str = GOOD) -> Mapping:
    return Mapping.from_text(text, source="test.toml", classes=CLASSES)


def feats(**kw) -> dict[str, float]:
    base = dict.fromkeys(FEATURES, 0.0)
    base.update(alpha=0.3, beta=0.15, theta=0.2)
    base.update(kw)
    return base


# ----------------------------------------------------------------- rules
def test_rule_linear_saturates_and_inverts():
    r = Rule("dummy", "size", "alpha", (0.1, 0.5), (0.6, 1.6))
    assert r.value(0.1) == pytest.approx(0.6)
    assert r.value(0.3) == pytest.approx(1.1)
    assert r.value(0.5) == pytest.approx(1.6)
    assert r.value(-3.0) == pytest.approx(0.6)  # beyond the expected range: saturates
    assert r.value(9.0) == pytest.approx(1.6)
    inv = Rule("dummy", "size", "alpha", (0.1, 0.5), (0.6, 1.6), invert=True)
    assert inv.value(0.1) == pytest.approx(1.6)
    assert inv.value(0.5) == pytest.approx(0.6)


def test_rule_curves():
    s = Rule("dummy", "size", "alpha", (0.0, 1.0), (0.0, 1.0), curve="smoothstep")
    assert s.value(0.25) == pytest.approx(0.15625)
    assert s.value(0.5) == pytest.approx(0.5)
    e = Rule("dummy", "size", "alpha", (0.0, 1.0), (0.0, 1.0), curve="ease-in")
    assert e.value(0.5) == pytest.approx(0.25)
    # a decreasing feature range works too
    d = Rule("dummy", "size", "alpha", (0.5, 0.1), (0.0, 1.0))
    assert d.value(0.4) == pytest.approx(0.25)


def test_choice_thresholds():
    c = Choice("dummy", "kind", "theta", (0.1, 0.3), ("none", "dot", "star"))
    assert [c.pick(x) for x in (0.0, 0.0999, 0.1, 0.29, 0.3, 5)] == [
        "none",
        "none",
        "dot",
        "dot",
        "star",
        "star",
    ]


# ----------------------------------------------------------------- params
def test_params_from_features_follow_rules():
    m = mapping()
    p = params_from_features("dummy", feats(alpha=0.3, beta=0.15, theta=0.2), m, classes=CLASSES)
    assert isinstance(p, Dummy)
    assert p.size == pytest.approx(1.1)
    assert p.count == 7  # whole numbers are rounded: smoothstep(0.5) → 3 + 4
    assert p.kind == "dot"
    low = params_from_features("dummy", feats(alpha=0.0, beta=0.0, theta=0.0), m, classes=CLASSES)
    assert (low.size, low.count, low.kind) == (0.6, 3, "none")


def test_variant_keeps_its_identity_and_overrides_win():
    m = mapping()
    lo = params_from_features("dummy", feats(alpha=0.1), m, variant="big", classes=CLASSES)
    hi = params_from_features("dummy", feats(alpha=0.5), m, variant="big", classes=CLASSES)
    # the variant's own parameter moves around the variant's value, not over the whole range
    assert lo.size == pytest.approx(1.8 - 0.5 * 0.35 * 1.0)
    assert hi.size == pytest.approx(1.8 + 0.5 * 0.35 * 1.0)
    assert lo.size < hi.size
    starry = params_from_features("dummy", feats(theta=0.0), m, variant="starry", classes=CLASSES)
    assert starry.kind == "star"  # the choice does not undo what defines the variant
    o = params_from_features("dummy", feats(), m, classes=CLASSES, size=0.5, kind="star")
    assert (o.size, o.kind) == (0.5, "star")
    with pytest.raises(MotifError, match=r"'variant'.*'big', 'starry'"):
        params_from_features("dummy", feats(), m, variant="tiny", classes=CLASSES)


def test_missing_feature_is_named():
    f = feats()
    del f["beta"]
    with pytest.raises(MappingError, match="'beta'"):
        params_from_features("dummy", f, mapping(), classes=CLASSES)


def test_fixed_values_apply_before_rules():
    text = GOOD + '\n[fixed.dummy]\nkind = "star"\n'
    text = text.replace("[[choice]]", "[[nochoice]]")
    with pytest.raises(MappingError, match=r"test.toml: nochoice: unknown key"):
        mapping(text)
    text = GOOD.split("[[choice]]")[0] + '\n[fixed.dummy]\nkind = "star"\n'
    p = params_from_features("dummy", feats(), mapping(text), classes=CLASSES)
    assert p.kind == "star"


def test_roundtrip_through_dict():
    m = mapping()
    again = Mapping.from_dict(m.to_dict(), source="test.toml", classes=CLASSES)
    assert again == m
    assert any("dummy.size" in line and "alpha" in line for line in m.describe())


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (
            ('motif = "dummy"', 'motif = "kwaung"', 1),
            r"rule\[0\]\.motif: Allowed values are 'dummy'",
        ),
        (
            ('parameter = "size"', 'parameter = "sise"', 1),
            r"rule\[0\]\.parameter: .*'size', 'count'",
        ),
        (
            ("to = [0.6, 1.6]", "to = [0.6, 2.6]", 1),
            r"rule\[0\]\.to: dummy\.size allows 0\.5 to 2\.0",
        ),
        (
            ('feature = "alpha"', 'feature = "alfa"', 1),
            r"rule\[0\]\.feature: unknown feature 'alfa'",
        ),
        (("from = [0.1, 0.5]", "from = [0.1]", 1), r"rule\[0\]\.from: expected a pair"),
        (("from = [0.1, 0.5]", "from = [0.3, 0.3]", 1), r"rule\[0\]\.from: .*empty"),
        (('curve = "smoothstep"', 'curve = "wiggly"', 1), r"rule\[1\]\.curve: Allowed values"),
        (
            ('values = ["none", "dot", "star"]', 'values = ["none", "dot"]', 1),
            r"choice\[0\]\.values: expected 3",
        ),
        (
            ('values = ["none", "dot", "star"]', 'values = ["none", "dot", "moon"]', 1),
            r"choice\[0\]\.values: .*'moon'",
        ),
        (
            ("thresholds = [0.1, 0.3]", "thresholds = [0.3, 0.1]", 1),
            r"thresholds: expected increasing",
        ),
        (
            (
                'parameter = "count"\nfeature = "beta"\nfrom = [0.05, 0.25]\nto = [3, 11]',
                'parameter = "size"\nfeature = "beta"\nfrom = [0.05, 0.25]\nto = [1, 2]',
                1,
            ),
            r"rule\[1\] drives dummy\.size, which rule\[0\]",
        ),
        (('name = "test"', 'name = "test"\ncolour = 3', 1), r"test\.toml: colour: unknown key"),
        (('name = "test"', "name = [", 1), r"test\.toml: invalid TOML"),
    ],
)
def test_bad_mapping_errors_name_file_key_and_allowed(change, match):
    old, new, n = change
    assert GOOD.count(old) >= n
    with pytest.raises(MappingError, match=match):
        mapping(GOOD.replace(old, new, 1))


def test_a_choice_cannot_drive_a_number_and_a_rule_cannot_drive_a_choice():
    bad = GOOD.replace('parameter = "size"', 'parameter = "kind"', 1)
    with pytest.raises(
        MappingError, match=r"takes one of 'dot', 'star' and 'none'.*\[\[choice\]\]"
    ):
        mapping(bad)


def test_from_toml_names_a_missing_file(tmp_path):
    with pytest.raises(MappingError, match=r"nope\.toml: no such mapping file"):
        Mapping.from_toml(tmp_path / "nope.toml", classes=CLASSES)
    path = tmp_path / "mine.toml"
    path.write_text(GOOD, encoding="utf-8")
    assert Mapping.from_toml(path, classes=CLASSES).source == str(path)


# --------------------------------------------------------------- features
def _envelopes(amps: dict[str, float], ch_names=("O1", "O2", "Fz", "C3"), n=64 * 20, seed=0):
    rng = np.random.default_rng(seed)
    data = np.stack(
        [
            amps[b] * (1 + 0.1 * rng.standard_normal((len(ch_names), n))) * 1e-6
            for b in DEFAULT_BANDS
        ]
    )
    return Envelopes.from_arrays(np.abs(data), rate=64.0, ch_names=ch_names, edge=1.0)


def test_features_are_power_shares_matching_a_plain_reference():
    env = _envelopes({"delta": 2, "theta": 1.5, "alpha": 3, "beta": 1, "gamma": 0.3})
    f = features(env)
    assert set(f) == set(FEATURES)
    core = env.data[:, :, 64:-64].astype(np.float64) ** 2
    per_band = core.mean(axis=(1, 2))
    ref = per_band / per_band.sum()
    for i, b in enumerate(env.bands):
        assert f[b] == pytest.approx(ref[i], rel=1e-9)
    assert sum(f[b] for b in env.bands) == pytest.approx(1.0)
    assert f["alpha_beta"] == pytest.approx(ref[2] / ref[3], rel=1e-4)
    occ = core[:, :2].mean(axis=(1, 2))
    assert f["occipital_alpha"] == pytest.approx(occ[2] / occ.sum(), rel=1e-9)
    assert f["posterior_alpha"] == f["occipital_alpha"]
    assert f["temporal_alpha"] == f["alpha"]  # no temporal channel: the whole head
    assert 0 < f["variability"] < 0.1


def test_features_of_a_bigger_skull_are_the_same():
    a = _envelopes({"delta": 2, "theta": 1.5, "alpha": 3, "beta": 1, "gamma": 0.3})
    b = Envelopes.from_arrays(a.data * 7.0, rate=a.rate, ch_names=a.ch_names, edge=a.edge)
    fa, fb = features(a), features(b)
    for k in FEATURES:
        assert fa[k] == pytest.approx(fb[k], rel=1e-6)


def test_posterior_alpha_falls_back_to_parietal_then_whole_head():
    amps = {"delta": 2, "theta": 1.5, "alpha": 3, "beta": 1, "gamma": 0.3}
    par = features(_envelopes(amps, ch_names=("P3", "Fz")))
    assert par["posterior_alpha"] == par["parietal_alpha"]
    muse = features(_envelopes(amps, ch_names=("TP9", "AF7", "AF8", "TP10")))
    assert muse["posterior_alpha"] == muse["alpha"]
    numbered = features(_envelopes(amps, ch_names=("EXG Channel 0", "EXG Channel 1")))
    assert numbered["frontal_theta"] == numbered["theta"]


def test_summary_gives_the_same_shares_and_no_variability():
    env = _envelopes({"delta": 2, "theta": 1.5, "alpha": 3, "beta": 1, "gamma": 0.3})
    fe, fs = features(env), features(env.summary())
    for k in FEATURES:
        if k != "variability":
            assert fs[k] == fe[k]
    assert fs["variability"] == 0.0
    with pytest.raises(TypeError):
        features(np.zeros(3))


def test_a_missing_band_is_nan_and_its_rules_take_their_neutral_value():
    # a low-rate headset cannot hold gamma: the shares are of the four bands there are,
    # every feature that reads gamma is NaN, and a rule on it answers its middle
    env = _envelopes({"delta": 2, "theta": 1.5, "alpha": 3, "beta": 1, "gamma": 0.3})
    four = Envelopes(env.bands[:4], env.edges[:4], env.ch_names, env.times, env.data[:4], 64.0)
    f = features(four)
    assert np.isnan(f["gamma"]) and np.isnan(f["fast"]) and np.isnan(f["occipital_gamma"])
    assert sum(f[b] for b in ("delta", "theta", "alpha", "beta")) == pytest.approx(1.0)
    assert f["alpha"] > features(env)["alpha"]  # a share of less power in all
    rule = Rule("dummy", "size", "gamma", (0.0, 0.2), (0.5, 1.5))
    assert rule.value(f["gamma"]) == pytest.approx(1.0)
    choice = Choice("dummy", "kind", "fast", (0.2, 0.4), ("dot", "star", "none"))
    assert choice.pick(f["fast"]) == "star"
    s = features_series(four, four.times[::64], smooth=1.0)
    assert np.isnan(s["gamma"]).all() and np.isfinite(s["alpha"]).all()
    with pytest.raises(MappingError, match="none of them"):
        features(Envelopes(("mu",), ((8.0, 12.0),), env.ch_names, env.times, env.data[:1], 64.0))


def test_features_series_follows_the_recording_and_smooths():
    calm = _envelopes({"delta": 2, "theta": 1.5, "alpha": 4, "beta": 1, "gamma": 0.3})
    busy = _envelopes({"delta": 2, "theta": 1.5, "alpha": 1, "beta": 3, "gamma": 0.3}, seed=1)
    data = np.concatenate([calm.data, busy.data], axis=2)
    env = Envelopes.from_arrays(data, rate=64.0, ch_names=calm.ch_names)
    times = np.linspace(0, env.duration, 41)
    s = features_series(env, times, smooth=2.0)
    assert set(s) == set(FEATURES)
    assert all(v.shape == (41,) for v in s.values())
    assert s["alpha"][5] > 0.5 > s["alpha"][-5]
    assert s["beta"][5] < s["beta"][-5]
    # the change at 20 s is in the variability, away from it the composition is steady
    assert s["variability"][20] > 3 * s["variability"][2]
    # with smoothing longer than the recording every value is the whole recording's
    flat = features_series(env, times, smooth=4 * env.duration)
    whole = features(Envelopes.from_arrays(data, rate=64.0, ch_names=calm.ch_names))
    assert np.ptp(flat["alpha"]) < 0.02
    assert flat["alpha"][20] == pytest.approx(whole["alpha"], abs=0.01)
    assert flat["occipital_alpha"][20] == pytest.approx(whole["occipital_alpha"], abs=0.01)


def test_follow_moves_a_rule_by_the_moments_departure_from_the_recordings_baseline():
    from batik_waves.mapping.extract import departures_series

    rule = Rule("dummy", "size", "alpha", (0.1, 0.5), (0.5, 1.5), follow=0.5)
    assert rule.value(0.3) == pytest.approx(1.0)  # no departure: the feature alone
    assert rule.value(0.3, 0.4) == pytest.approx(1.2)  # 0.4 × 0.5 of the output range up
    assert rule.value(0.3, -4.0) == 0.5  # within the output range
    inverted = Rule("dummy", "size", "alpha", (0.1, 0.5), (0.5, 1.5), invert=True, follow=0.5)
    assert inverted.value(0.3, 0.4) == pytest.approx(0.8)
    calm = _envelopes({"delta": 2, "theta": 1.5, "alpha": 4, "beta": 1, "gamma": 0.3})
    busy = _envelopes({"delta": 2, "theta": 1.5, "alpha": 1, "beta": 3, "gamma": 0.3}, seed=1)
    env = Envelopes.from_arrays(
        np.concatenate([calm.data, busy.data], axis=2), rate=64.0, ch_names=calm.ch_names
    )
    times = np.array([5.0, env.duration - 5.0])
    d = departures_series(env, times, ["alpha"], smooth=2.0)["alpha"]
    assert d[0] > 0.3 > -0.3 > d[1]  # the calm half above the recording's own median
    m = Mapping.from_text(GOOD, classes=CLASSES)
    p0 = params_from_features("dummy", features(env), m, classes=CLASSES)
    p1 = params_from_features("dummy", features(env), m, classes=CLASSES, departures={"alpha": 1.0})
    assert p0 == p1  # GOOD's rules do not follow: departures change nothing
    text = GOOD.replace('feature = "alpha"\n', 'feature = "alpha"\nfollow = 0.5\n', 1)
    followed = Mapping.from_text(text, classes=CLASSES)
    assert [r.follow for r in followed.rules][:1] == [0.5]
    assert Mapping.from_dict(followed.to_dict(), classes=CLASSES).rules == followed.rules
    # an overall rule reads the whole recording's value, not the moment's
    text = GOOD.replace('feature = "alpha"\n', 'feature = "alpha"\noverall = true\n', 1)
    whole_m = Mapping.from_text(text, classes=CLASSES)
    rule = whole_m.rules[0]
    assert rule.overall and "whole recording's alpha" in rule.describe()
    assert Mapping.from_dict(whole_m.to_dict(), classes=CLASSES).rules == whole_m.rules
    moment = dict(features(env), alpha=0.9)
    p_moment = params_from_features("dummy", moment, m, classes=CLASSES)
    p_whole = params_from_features("dummy", moment, whole_m, classes=CLASSES, overall=features(env))
    assert getattr(p_whole, rule.parameter) == getattr(p0, rule.parameter)
    assert getattr(p_moment, rule.parameter) != getattr(p0, rule.parameter)
    bad = GOOD.replace('feature = "alpha"\n', 'feature = "alpha"\noverall = "yes"\n', 1)
    with pytest.raises(MappingError, match=r"rule\[0\]\.overall: expected true or false"):
        Mapping.from_text(bad, classes=CLASSES)


def test_a_family_choice_names_registered_families_for_every_motif():
    from batik_waves.motifs.registry import names

    text = """
name = "fam"
[[choice]]
motif = "*"
parameter = "family"
feature = "alpha"
thresholds = [0.3]
values = ["kawung", "batik"]
"""
    with pytest.raises(MappingError, match=r"Allowed families are .*'batik'"):
        Mapping.from_text(text)
    with pytest.raises(MappingError, match=r"applies to every motif"):
        Mapping.from_text(
            text.replace('motif = "*"', 'motif = "kawung"').replace('"batik"', '"parang"')
        )
    good = Mapping.from_text(text.replace('"batik"', f'"{names()[-1]}"'))
    assert [c.parameter for c in good.choices] == ["family"]
