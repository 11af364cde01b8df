"""The timeline: one place where envelopes over time become motif parameters."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from batik_waves.eeg.envelopes import Envelopes
from batik_waves.jobs import video as V
from batik_waves.jobs._common import load
from batik_waves.jobs.options import resolve
from batik_waves.jobs.still import CLOTH_STEPS, _cloth_span, make_motif
from batik_waves.mapping.extract import CausalFeatures, features_series
from batik_waves.mapping.rules import load_mapping
from batik_waves.motifs.kawung import KawungParams
from batik_waves.motifs.parang import ParangParams
from batik_waves.timeline import (
    CausalHold,
    CausalTimeline,
    Policy,
    _hold_offline,
    offline_track,
)


@pytest.fixture(scope="module")
def sample_env():
    from batik_waves.eeg.simulate import sample_path

    return load(sample_path(), (None, None))


def _random_env(seed: int, seconds: float = 40.0, rate: float = 64.0) -> Envelopes:
    """Envelopes whose composition wanders: slow random walks of each band's power."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    walk = np.cumsum(rng.standard_normal((5, 1, n)) * 0.05, axis=2)
    amp = 1e-6 * np.exp(walk) * np.array([2.0, 1.5, 3.0, 1.0, 0.3])[:, None, None]
    data = amp * (1 + 0.3 * rng.random((5, 4, n)))
    return Envelopes.from_arrays(data, rate=rate, ch_names=["F3", "C4", "O1", "O2"])


def _pieces(env: Envelopes, sizes: np.ndarray) -> list[Envelopes]:
    out, i = [], 0
    for k in sizes:
        if i >= env.n_times:
            break
        j = min(env.n_times, i + int(k))
        out.append(
            Envelopes(
                env.bands, env.edges, env.ch_names, env.times[i:j], env.data[:, :, i:j], env.rate
            )
        )
        i = j
    return out


# ------------------------------------------------------------------- features
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_causal_features_fed_chunk_by_chunk_equal_the_whole_series(seed):
    env = _random_env(seed)
    whole = features_series(env, env.times, smooth=3.0, causal=True)
    rng = np.random.default_rng(100 + seed)
    cf = CausalFeatures(env.bands, env.ch_names, env.rate, smooth=3.0)
    got: dict[str, list[np.ndarray]] = {}
    for piece in _pieces(env, rng.integers(1, 90, 10_000)):
        for k, v in cf.push(piece).items():
            got.setdefault(k, []).append(v)
    for k, ref in whole.items():
        # to float rounding (variability's variance cancels to ~1e-8 of itself)
        np.testing.assert_allclose(np.concatenate(got[k]), ref, rtol=1e-6, atol=1e-12, err_msg=k)


def test_causal_features_never_read_the_future():
    env = _random_env(3)
    cut = env.n_times // 2
    full = features_series(env, env.times[:cut], smooth=3.0, causal=True)
    early = _pieces(env, np.array([cut]))[0]
    part = features_series(early, early.times, smooth=3.0, causal=True)
    for k in full:
        np.testing.assert_allclose(part[k], full[k], rtol=1e-9, atol=1e-12, err_msg=k)
    # the offline (centred) series does look ahead: its last values differ
    off_full = features_series(env, env.times[:cut], smooth=3.0)
    off_part = features_series(early, early.times, smooth=3.0)
    assert not np.allclose(off_full["alpha"][-5:], off_part["alpha"][-5:])


# ------------------------------------------------------------------- causal params
@pytest.mark.parametrize("motif", ["kawung", "parang"])
def test_causal_timeline_chunk_by_chunk_equals_whole(motif):
    env = _random_env(4, seconds=30.0)
    times = np.arange(0.5, 29.9, 0.1)  # ten a second, as the kiosk asks

    def run(sizes):
        tl = CausalTimeline(motif=motif, bands=env.bands, ch_names=env.ch_names, rate=env.rate)
        params, out_t = [], []
        newest = -np.inf
        for piece in _pieces(env, sizes):
            want = times[(times > newest) & (times <= piece.times[-1] + 1e-9)]
            newest = piece.times[-1] + 1e-9
            track = tl.push(piece, want)
            params += track.params
            out_t += list(track.times)
        return params, np.array(out_t)

    whole, t_whole = run(np.array([env.n_times]))
    chunked, t_chunked = run(np.random.default_rng(5).integers(1, 40, 10_000))
    np.testing.assert_array_equal(t_whole, t_chunked)
    assert len(whole) == len(times)
    for a, b in zip(whole, chunked, strict=True):
        for name, spec in a.specs().items():
            va, vb = getattr(a, name), getattr(b, name)
            if isinstance(va, float):
                lo, hi = spec.range
                # quantised to 1/1000 of the range: equal, or one step apart at a boundary
                assert abs(va - vb) <= (hi - lo) / 1000 + 1e-12, name
            else:
                assert va == vb, name


def test_causal_hold_takes_a_change_once_it_lasted():
    seq = [KawungParams(flowers=f) for f in (6, 7, 6, 7, 7, 7, 7, 7, 7, 7)]
    times = np.arange(len(seq)) * 0.5
    hold = CausalHold(["flowers"], 1.5)
    held = [hold.step(p, t).flowers for p, t in zip(seq, times, strict=True)]
    # 7 first appears at 0.5 s but falls back; from 1.5 s it lasts, and is taken 1.5 s later
    assert held == [6, 6, 6, 6, 6, 6, 7, 7, 7, 7]


def test_offline_hold_takes_a_lasting_change_where_it_began():
    seq = [KawungParams(flowers=f) for f in (6, 7, 6, 7, 6, 8, 8, 8, 8, 8)]
    times = np.arange(len(seq)) * 1.0
    held = [p.flowers for p in _hold_offline(seq, times, ["flowers"], hold=2.0)]
    assert held == [6, 6, 6, 6, 6, 8, 8, 8, 8, 8]


# ----------------------------------------------------------- cloth and video agree
@pytest.mark.parametrize("motif", ["kawung", "parang"])
@pytest.mark.parametrize("mapping", ["default", "calm"])
def test_cloth_and_video_agree_on_every_continuous_parameter(sample_env, motif, mapping):
    """The cloth's rows and the video's keyframes come from one timeline: at the same
    recording time, with the same window, mapping and seed, every continuous parameter
    is the same (the video quantises floats to 1/1000 of their range)."""
    opts = resolve("render", {"motif": motif, "size": 128, "mapping": mapping})
    r = make_motif(motif, sample_env, opts)
    t0, t1 = _cloth_span(sample_env)
    steps = np.arange(0, CLOTH_STEPS + 1, 20)
    cloth_times = t0 + steps / CLOTH_STEPS * (t1 - t0)
    vopts = resolve("video", {"motif": motif, "mapping": mapping})
    track = offline_track(
        sample_env,
        cloth_times,
        motif=motif,
        mapping=vopts.mapping,
        policy=Policy.video(smooth=vopts.smoothing),
    )
    assert vopts.smoothing == load_mapping(mapping).smooth  # the mapping's smooth, in video
    cloth_track = offline_track(
        sample_env,
        t0 + np.linspace(0, 1, CLOTH_STEPS + 1) * (t1 - t0),
        motif=motif,
        mapping=opts.mapping,
        policy=Policy.cloth(),
        base=r.params,
    )
    cloth = [cloth_track.params[s] for s in steps]
    specs = type(r.params).specs()
    checked = 0
    for a, b in zip(cloth, track.params, strict=True):
        for name, spec in specs.items():
            if spec.role != "continuous" or spec.discrete:
                continue
            lo, hi = spec.range
            assert abs(getattr(a, name) - getattr(b, name)) <= (hi - lo) / 2000 + 1e-9, name
            checked += 1
    assert checked > 10
    # and the cloth the job drew is the cloth of that track
    assert r.cloth_params[5][2] == cloth_track.params[CLOTH_STEPS // 2]


def test_the_mappings_smooth_moves_the_video(sample_env):
    """calm's smooth (10 s) steadies a video's parameters more than default's."""
    times = np.arange(20.0, 140.0, 0.5)

    def wiggle(name):
        m = load_mapping(name)
        p = offline_track(sample_env, times, motif="kawung", mapping=m, policy=Policy.video())
        w = np.array([q.petal_width for q in p.params])
        return np.abs(np.diff(w)).mean() / (np.ptp(w) + 1e-12), p.smooth

    calm, s_calm = wiggle("calm")
    default, s_default = wiggle("default")
    assert (s_calm, s_default) == (load_mapping("calm").smooth, load_mapping("default").smooth)
    assert s_calm > s_default
    assert calm < default


def test_a_videos_colourway_is_the_mappings_choice_for_the_window(sample_env):
    vivid = load_mapping("vivid")
    t = offline_track(sample_env, [30.0, 100.0], motif="parang", mapping=vivid)
    from batik_waves.mapping.extract import features
    from batik_waves.mapping.rules import palette_from_features

    expected = palette_from_features("parang", features(sample_env), vivid)
    assert t.palette.name == (expected or ParangParams().palette)
    assert all(p.palette == t.palette.name for p in t.params if t.palette.name != "custom")


def test_video_keyframes_come_from_the_timeline(sample_env, tmp_path):
    from batik_waves.eeg.simulate import sample_path
    from batik_waves.render.encode import resolve_output

    opts = resolve("video", {"motif": "kawung", "size": (160, 90), "fps": "12", "window": "28:34"})
    output = resolve_output(tmp_path / "x.mp4", None)
    env = load(sample_path(), opts.window)
    plan, track = V._plan(sample_path(), opts, output=output, env=env, start=28.0, end=34.0)
    ref = offline_track(
        env,
        track.times,
        motif="kawung",
        mapping=opts.mapping,
        policy=Policy.video(smooth=opts.smoothing),
    )
    assert track.params == ref.params
    assert len(plan.tasks) == len(set(track.params))


def test_causal_features_take_pieces_whose_channels_change():
    """A live stream leaves out a channel while it is bad: the features go on, the
    regions pooling the channels there are (a lost region falls back to the head)."""
    env = _random_env(6, seconds=20.0)
    cf = CausalFeatures(env.bands, env.ch_names, env.rate, smooth=2.0)
    out = []
    for i, piece in enumerate(_pieces(env, np.full(100, 64))):
        if 5 <= i < 10:  # O1 and O2 (the occipital region) bad for five seconds
            keep = [0, 1]
            piece = Envelopes(
                piece.bands,
                piece.edges,
                tuple(piece.ch_names[k] for k in keep),
                piece.times,
                piece.data[:, keep, :],
                piece.rate,
            )
        out.append(cf.push(piece))
    alpha = np.concatenate([o["occipital_alpha"] for o in out])
    whole = np.concatenate([o["alpha"] for o in out])
    assert np.isfinite(alpha).all() and len(alpha) == env.n_times
    assert np.isfinite(whole).all()


def _short_runs(track, times, hold):
    """Runs of a discrete value shorter than *hold* seconds (the first and last aside)."""
    out = []
    cls = type(track.params[0])
    for name, spec in cls.specs().items():
        if not spec.discrete or spec.role == "structural":
            continue
        values = [getattr(p, name) for p in track.params]
        starts = [0] + [k for k in range(1, len(values)) if values[k] != values[k - 1]]
        out += [
            (name, float(times[a]))
            for a, b in itertools.pairwise(starts[1:])
            if times[b] - times[a] < hold - 1e-6
        ]
    return out


@pytest.mark.parametrize("motif", ["ceplok", "nitik", "truntum"])
def test_a_cloth_holds_discrete_changes_into_zones(motif, shared):
    # a choice whose feature hovers at its threshold must not stripe the cloth: on
    # the OpenBCI sample, alpha hovers at ceplok's 4/8-petal threshold for a minute
    from batik_waves.timeline import CLOTH_HOLD

    rec = shared("openbci/OpenBCI_GUI-v6-blinks-jawClench-alpha.txt")
    env = load(rec, (None, None))
    times = np.linspace(env.times[0] + 1, env.times[-1] - 1, 201)
    track = offline_track(env, times, motif=motif, policy=Policy.cloth())
    assert _short_runs(track, times, CLOTH_HOLD) == []
    # the control: without the hold the same cloth has short stripes
    free = Policy(structure="fixed", hold=0.0, steady=False, quantum=None)
    assert _short_runs(offline_track(env, times, motif=motif, policy=free), times, CLOTH_HOLD)
