"""Parang: parameters, variants, layers, determinism, seamlessness, mirror, cloth."""

from __future__ import annotations

import dataclasses
import importlib

import numpy as np
import pytest
import shapely
from shapely import affinity
from shapely.geometry import LineString, Point, box

from batik_waves.errors import BatikWavesWarning, MotifError
from batik_waves.motifs.parang import ParangParams, parang, parang_cloth

parang_mod = importlib.import_module("batik_waves.motifs.parang")

MOTIF_LAYERS = ("blades", "blade-inner", "mlinjon", "mlinjon-dots")


def _wkb(pattern, names=None):
    return {
        lyr.name: shapely.to_wkb(lyr.geometry)
        for lyr in pattern.layers
        if names is None or lyr.name in names
    }


def _edge_mismatch(geom, width, height, repeat="block"):
    """Length of what crosses one edge but does not re-enter on the opposite one."""

    def seg(x0, y0, x1, y1):
        return LineString([(x0, y0), (x1, y1)])

    left = geom.intersection(seg(0, 0, 0, height))
    right = geom.intersection(seg(width, 0, width, height))
    dy = height / 2 if repeat == "half-drop" else 0.0
    moved = affinity.translate(right, -width, -dy)
    moved = shapely.union_all(
        [
            affinity.translate(moved, 0, k * height).intersection(seg(0, 0, 0, height))
            for k in (-1, 0, 1)
        ]
    )
    top = geom.intersection(seg(0, 0, width, 0))
    bottom = geom.intersection(seg(0, height, width, height))
    dx = width / 2 if repeat == "half-brick" else 0.0
    moved2 = affinity.translate(bottom, -dx, -height)
    moved2 = shapely.union_all(
        [
            affinity.translate(moved2, k * width, 0).intersection(seg(0, 0, width, 0))
            for k in (-1, 0, 1)
        ]
    )
    crossing = left.length + top.length
    return left.symmetric_difference(moved).length + top.symmetric_difference(
        moved2
    ).length, crossing


# ------------------------------------------------------------------ parameters
def test_defaults_and_specs_document_every_field():
    specs = ParangParams.specs()
    for name, spec in specs.items():
        assert spec.doc, name
        assert (spec.range is None) != (spec.choices is None), name
    p = ParangParams()
    assert p.direction == "yogyakarta"
    for name in (
        "bands",
        "blades",
        "strip",
        "bend",
        "hook",
        "thickness",
        "notch",
        "mlinjon",
        "mlinjon_dot",
        "direction",
        "isen",
        "palette",
        "crackle",
        "wobble",
    ):
        assert name in specs


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("thickness", 0.5, r"'thickness'.*0.06 to 0.3.*0.5"),
        ("notch", -1.0, r"'notch'.*0.0 to 30.0.*-1.0"),
        ("bands", 2.5, r"'bands'.*whole number.*2.5"),
        ("direction", "jakarta", r"'direction'.*'yogyakarta', 'surakarta'.*'jakarta'"),
        ("isen", "dots", r"'isen'.*'cecek'.*'dots'"),
        ("palette", "sogan", r"'palette'.*'yogya-sogan'.*'sogan'"),
        ("hook", float("nan"), r"'hook'.*nan"),
    ],
)
def test_out_of_range_names_field_range_and_value(field, value, match):
    with pytest.raises(MotifError, match=match):
        ParangParams(**{field: value})


def test_cross_field_rules_name_the_fields():
    with pytest.raises(MotifError, match=r"'bands' and 'blades'.*12/2 = 6"):
        ParangParams(bands=12, blades=2)
    with pytest.raises(MotifError, match=r"'strip', 'hook' and 'thickness'.*strip=0.3"):
        ParangParams(strip=0.3, hook=0.25, thickness=0.3)


def test_unknown_parameter_is_refused():
    with pytest.raises(MotifError, match=r"Unknown parameter 'blade_count'"):
        ParangParams.from_dict({"blade_count": 3})


def test_variants():
    names = ParangParams.variants()
    assert set(names) >= {"rusak", "barong", "klitik", "curigo", "slobog", "kusumo", "gendreh"}
    v = {n: ParangParams.variant(n) for n in names}
    assert v["rusak"].notch > 0
    assert v["barong"].bands < ParangParams().bands < v["klitik"].bands  # big … small
    assert v["barong"].thickness > ParangParams().thickness
    assert v["barong"].ornament == "barong" and v["barong"].inner == "double"
    assert v["curigo"].blade == "keris"
    assert v["kusumo"].ornament == "kusumo"
    assert v["slobog"].bands / v["slobog"].blades > ParangParams().bands / ParangParams().blades
    with pytest.raises(MotifError, match=r"'variant'.*'rusak'.*'lereng'"):
        ParangParams.variant("lereng")
    tweaked = dataclasses.replace(v["rusak"], notch=25.0)
    assert tweaked.notch == 25.0 and tweaked.bands == v["rusak"].bands


def test_mix_interpolates_numbers_and_switches_choices():
    a, b = ParangParams.variant("rusak"), ParangParams.variant("barong")
    assert a.mix(b, 0.0) == a and a.mix(b, 1.0) == b
    half = a.mix(b, 0.25)
    assert half.thickness == pytest.approx(a.thickness + 0.25 * (b.thickness - a.thickness))
    assert half.inner == a.inner
    with pytest.raises(MotifError, match="'t'"):
        a.mix(b, 1.5)


# ------------------------------------------------------------------ the tile
@pytest.mark.parametrize("name", ParangParams.variants())
def test_every_variant_gives_valid_geometry_inside_the_tile(name):
    p = parang(name, tile=(420, 420), rng=5)
    assert p.metadata["variant"] == name
    tile = box(0, 0, 420, 420).buffer(1e-6)
    for lyr in p.layers:
        g = lyr.geometry
        assert g.is_valid, lyr.name
        assert tile.contains(g) or g.is_empty, lyr.name
    for must in ("blades", "mlinjon"):
        assert not p.layer(must).geometry.is_empty
    blades = p.layer("blades").geometry.area / (420 * 420)
    # the blades are the motif, not a speck nor a flood (nested, they fill most of the
    # band, which is 1 - strip of the cloth)
    assert 0.1 < blades < 0.75


def test_layers_order_colours_and_clipping():
    p = parang("barong", tile=(300, 300), rng=1)
    names = [lyr.name for lyr in p.layers]
    assert names[:3] == ["ground", "crackle", "blades"]
    assert names.index("blades") < names.index("blade-inner") < names.index("outline")
    assert names.index("outline") < names.index("mlinjon") < names.index("mlinjon-dots")
    assert "ornament" in names
    assert p.layer("crackle").clip_to == "ground"  # dark blades: the wax is the ground
    assert p.layer("outline").stroke is not None and p.layer("outline").fill is None
    light = parang(ParangParams(polarity="light"), tile=(300, 300), rng=1)
    assert light.layer("crackle").clip_to == "blades"  # light blades are the waxed parts
    lnames = [lyr.name for lyr in light.layers]
    assert lnames.index("blades") < lnames.index("crackle")
    # the inner line contrasts with the blade in either polarity
    for pat in (p, light):
        assert pat.layer("blade-inner").fill != pat.layer("blades").fill


def test_isen_layer_only_when_chosen_and_inside_its_region():
    assert "isen" not in [lyr.name for lyr in parang(tile=(300, 300)).layers]
    g = parang(ParangParams(isen="cecek", thickness=0.1), tile=(300, 300), rng=1)
    dots = g.layer("isen").geometry
    assert len(dots.geoms) > 20
    assert dots.intersection(g.layer("blades").geometry).area < 0.02 * dots.area
    b = parang(ParangParams(isen="sawut", isen_where="blades", wobble=0.0), tile=(300, 300))
    lines = b.layer("isen").geometry
    assert not lines.is_empty
    assert lines.difference(b.layer("blades").geometry).area < 0.02 * lines.area


def test_isen_marks_are_never_finer_than_a_few_pixels():
    # 16 bands on a 190 px tile: isen_scale 0.06 of a band would lay the cecek 1.2 px
    # apart (83 000 dots of 0.2 px); the floor lays them MIN_MARK_PX apart at least
    p = ParangParams(
        bands=16, blades=12, thickness=0.1, isen="cecek", isen_where="ground", isen_scale=0.06
    )
    dots = shapely.get_parts(parang(p, tile=(190, 317), rng=3).layer("isen").geometry)
    floor = parang_mod.MIN_MARK_PX
    assert 0 < len(dots) < 190 * 317 / floor**2
    b = shapely.bounds(dots)
    extent = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])
    assert np.median(extent) >= 0.3 * floor  # a cecek is about a third of its spacing
    # blades too thin to hold a visible mark get none
    thin = ParangParams(bands=20, blades=22, isen="cecek", isen_where="blades")
    assert parang(thin, tile=(190, 317), rng=3).layer("isen").geometry.is_empty


def test_palettes_transparent_and_custom():
    p = parang(ParangParams(palette="indigo"), tile=(200, 200))
    assert p.background == "#F1E9D8" and p.metadata["palette"] == "indigo"
    t = parang(tile=(200, 200), transparent=True)
    assert t.background is None and "ground" not in [lyr.name for lyr in t.layers]
    assert t.layer("crackle").clip_to is None
    c = parang(tile=(200, 200), palette=["#FFFFFF", "#123456", "#654321"])
    assert c.background == "#FFFFFF" and c.layer("blades").fill == "#654321"
    with pytest.raises(MotifError, match="palette"):
        parang(tile=(200, 200), palette="sogan")


def test_bad_arguments():
    with pytest.raises(MotifError, match=r"'tile'.*width.*whole number.*100.5"):
        parang(tile=(100.5, 100))
    with pytest.raises(MotifError, match=r"'tile'.*expected \(width, height\)"):
        parang(tile=100)
    with pytest.raises(MotifError, match=r"'repeat'.*'mirror'"):
        parang(tile=(100, 100), repeat="mirror")
    with pytest.raises(MotifError, match=r"'params'.*dict"):
        parang({"bands": 3}, tile=(100, 100))
    with pytest.raises(MotifError, match=r"half-brick.*even number of bands.*bands=3"):
        parang(ParangParams(bands=3, blades=3), tile=(300, 300), repeat="half-brick")
    with pytest.raises(MotifError, match="'rng'"):
        parang(tile=(100, 100), rng="seed")


# ------------------------------------------------------------------ determinism
def test_same_seed_same_geometry():
    a = parang("kusumo", tile=(360, 360), rng=11)
    b = parang("kusumo", tile=(360, 360), rng=11)
    assert _wkb(a) == _wkb(b)
    g1 = parang("rusak", tile=(360, 360), rng=np.random.default_rng(4))
    g2 = parang("rusak", tile=(360, 360), rng=np.random.default_rng(4))
    assert _wkb(g1) == _wkb(g2)


def test_different_seed_changes_only_the_hand():
    still = ParangParams(isen="cecek", wobble=0.0)
    a = parang(still, tile=(360, 360), rng=1)
    b = parang(still, tile=(360, 360), rng=2)
    assert _wkb(a, MOTIF_LAYERS) == _wkb(b, MOTIF_LAYERS)  # the motif does not move
    assert _wkb(a)["crackle"] != _wkb(b)["crackle"]  # the wax cracks elsewhere
    shaky = dataclasses.replace(still, wobble=1.5)
    c = parang(shaky, tile=(360, 360), rng=1)
    d = parang(shaky, tile=(360, 360), rng=2)
    bc, bd = c.layer("blades").geometry, d.layer("blades").geometry
    assert shapely.to_wkb(bc) != shapely.to_wkb(bd)
    # ... but only by a hand's tremble: the same blades, a few px apart at most
    assert bc.symmetric_difference(bd).area < bc.length * 4 * 1.5
    assert abs(bc.area - bd.area) < 0.03 * bc.area


def test_prototype_is_cached_per_parameter_set():
    parang_mod._proto_cached.cache_clear()
    parang("rusak", tile=(200, 200))
    parang("rusak", tile=(400, 400), rng=3)  # size and seed do not matter
    info = parang_mod._proto_cached.cache_info()
    assert info.misses == 1 and info.hits >= 1


# ------------------------------------------------------------------ seamless
@pytest.mark.parametrize(
    ("name", "repeat", "tile"),
    [
        ("rusak", "block", (400, 400)),
        ("barong", "half-drop", (400, 400)),
        ("klitik", "half-brick", (400, 400)),
        ("curigo", "block", (640, 360)),
        ("kusumo", "half-drop", (500, 300)),
    ],
)
def test_what_crosses_an_edge_reenters_opposite(name, repeat, tile):
    p = parang(name, tile=tile, rng=9, repeat=repeat)
    for layer in ("blades", "blade-inner", "mlinjon"):
        geom = p.layer(layer).geometry
        err, crossing = _edge_mismatch(geom, *tile, repeat)
        assert err < 1e-6 * max(1.0, crossing), (layer, err)
    assert _edge_mismatch(p.layer("blades").geometry, *tile, repeat)[1] > 0  # something crosses


def test_edge_check_catches_a_seam():
    # control: a disc cut at the left edge with nothing on the right is not seamless
    g = Point(0, 50).buffer(10).intersection(box(0, 0, 100, 100))
    assert _edge_mismatch(g, 100, 100)[0] > 10


def test_a_tile_that_tilts_the_bands_far_from_45_degrees_warns():
    with pytest.warns(BatikWavesWarning, match=r"bands=4 .*run at 55° .*multiple of 100 px"):
        p = parang(tile=(400, 145))  # 1.45 band periods high: 1 fits, stretched 1.45×
    assert p.metadata["parang:stretch"] == "1.4500"


def test_non_square_tile_reports_its_stretch():
    p = parang(ParangParams(bands=8, blades=12), tile=(1920, 1080))
    assert p.metadata["parang:stretch"] == "1.1250"  # 1080 = 4.5 periods of 240 → 4
    q = parang(ParangParams(bands=16, blades=24), tile=(1920, 1080))
    assert q.metadata["parang:stretch"] == "1.0000"  # 1080 = 9 periods of 120: exact 45°


# ------------------------------------------------------------------ direction
def test_directions_are_mirror_images():
    base = ParangParams(wobble=0.0, crackle=0.0)
    yog = parang(dataclasses.replace(base, direction="yogyakarta"), tile=(360, 360))
    sur = parang(dataclasses.replace(base, direction="surakarta"), tile=(360, 360))
    for name in MOTIF_LAYERS:
        a = yog.layer(name).geometry
        b = affinity.scale(sur.layer(name).geometry, -1, 1, origin=(180, 180))
        assert a.symmetric_difference(b).area < 1e-6 * max(1.0, a.area), name
    # and they differ: the bands run the other way
    a, b = yog.layer("blades").geometry, sur.layer("blades").geometry
    assert a.symmetric_difference(b).area > 0.2 * a.area


def test_bands_run_at_45_degrees_the_named_way():
    # the mlinjon lozenges line up along the bands: their centres, projected on the
    # band direction's normal, take only a few values (one per strip)
    for direction, normal in (("surakarta", (1, -1)), ("yogyakarta", (1, 1))):
        p = parang(ParangParams(direction=direction, wobble=0.0), tile=(400, 400))
        parts = shapely.get_parts(p.layer("mlinjon").geometry)
        c = shapely.get_coordinates(shapely.centroid(parts))
        inner = (c > 20).all(axis=1) & (c < 380).all(axis=1)
        proj = np.round(c[inner] @ np.array(normal) / np.sqrt(2), 1)
        assert len(np.unique(proj)) <= 2 * ParangParams().bands + 1, direction


# ------------------------------------------------------------------ cloth
def test_cloth_blades_grow_along_the_cloth():
    small = ParangParams.variant("rusak").replace(wobble=0.0, thickness=0.12)
    big = small.replace(thickness=0.26)

    def at(y):
        return small.mix(big, y)

    cloth = parang_cloth(at, size=(400, 1000), rng=3)
    assert cloth.size == (400, 1000)
    blades = cloth.layer("blades").geometry
    assert blades.is_valid
    top = blades.intersection(box(0, 0, 400, 250)).area
    bottom = blades.intersection(box(0, 750, 400, 1000)).area
    assert bottom > 1.3 * top  # thicker blades towards the bottom
    # no wrapping: the cloth is clipped to its rectangle, geometry reaches the edges
    assert box(0, 0, 400, 1000).buffer(1e-6).contains(blades)
    # bands stay continuous: the mlinjon strips are where a uniform cloth has them
    uniform = parang_cloth(lambda y: small, size=(400, 1000), rng=3)
    a, b = cloth.layer("mlinjon").geometry, uniform.layer("mlinjon").geometry
    assert a.symmetric_difference(b).area < 1e-6 * a.area


def test_cloth_checks_its_inputs():
    with pytest.raises(MotifError, match="'params_at'"):
        parang_cloth(ParangParams(), size=(100, 250))
    with pytest.raises(
        MotifError, match=r"params_at\(0\.0\) must return ParangParams, but got dict"
    ):
        parang_cloth(lambda y: {}, size=(100, 250))


# ------------------------------------------------------------------ speed
@pytest.mark.slow
def test_video_frame_is_fast_enough():
    """A 1920×1080 frame with fillers and crackle in well under a frame period.

    The benchmark target is 30 ms median on a quiet machine; the test only guards
    against order-of-magnitude regressions (the machine is shared while tests run).
    """
    import time

    pr = ParangParams(isen="cecek", crackle=1.0, wobble=0.6)
    parang(pr, tile=(1920, 1080), rng=7)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        parang(pr, tile=(1920, 1080), rng=7)
        times.append(time.perf_counter() - t0)
    assert sorted(times)[2] < 0.3


# ------------------------------------------------------------------ classic look
def test_garis_miring_border_every_mlinjon_strip():
    pr = ParangParams(wobble=0.0, crackle=0.0)
    p = parang(pr, tile=(400, 400))
    names = [lyr.name for lyr in p.layers]
    assert names.index("outline") < names.index("garis") < names.index("mlinjon")
    garis, mlinjon = p.layer("garis").geometry, p.layer("mlinjon").geometry
    assert p.layer("garis").fill == p.layer("outline").stroke  # the ink
    light = parang(pr.replace(polarity="light"), tile=(200, 200))
    assert light.layer("garis").fill == light.layer("blades").fill  # wax on the dyed ground
    assert light.layer("garis").fill != light.layer("ground").fill
    assert garis.is_valid and not garis.intersects(mlinjon)
    assert not garis.intersects(p.layer("blades").geometry)  # the blades stay inside
    # long straight 45° lines: each clipped part runs corner-to-edge, thin and long
    parts = shapely.get_parts(garis)
    d = 400 / (pr.bands * np.sqrt(2))  # band period in px
    width = 2 * garis.area / garis.length  # a thin strip's width from area / perimeter
    assert width == pytest.approx(pr.garis * d, rel=0.05)
    for part in parts:
        rect = part.minimum_rotated_rectangle
        c = np.asarray(rect.exterior.coords)
        sides = np.linalg.norm(np.diff(c, axis=0), axis=1)[:2]
        if max(sides) > 60:
            edge = c[1] - c[0] if sides[0] > sides[1] else c[2] - c[1]
            assert abs(abs(edge[0]) - abs(edge[1])) < 0.01 * max(sides)  # 45°
    # every lozenge well inside the tile has a line on each side, at half a strip
    for lozenge in shapely.get_parts(mlinjon):
        c = lozenge.centroid
        if not (40 < c.x < 360 and 40 < c.y < 360):
            continue
        normal = np.array([1.0, 1.0]) / np.sqrt(2)  # yogyakarta bands run along (1, -1)
        for side in (-1, 1):
            probe = Point(*(np.array([c.x, c.y]) + side * normal * pr.strip / 2 * d))
            assert garis.distance(probe) < 0.6 * pr.garis * d + 0.5


def test_no_garis_when_zero():
    p = parang(ParangParams(garis=0.0), tile=(200, 200))
    assert "garis" not in [lyr.name for lyr in p.layers]


@pytest.mark.parametrize("name", ["default", "rusak", "barong", "gendreh", "kusumo"])
def test_blades_nest_into_one_band_with_a_narrow_gap(name):
    pr = ParangParams() if name == "default" else ParangParams.variant(name)
    proto = parang_mod._proto(pr.replace(notch=0.0))
    blade, q = proto.blade, proto.spacing
    band = 1.0 - pr.strip
    fill = blade.area / (q * band)
    assert 0.7 < fill < 0.97, fill  # each blade fills its share of the band
    nxt = affinity.translate(blade, q, 0)
    gap = blade.distance(nxt)
    assert 0.005 < gap < 0.06, gap  # neighbours part by a thin line, never touching
    # nested, not letters standing apart: the next blade's belly lies in this one's
    # hollow, inside its convex hull (the S-letters of before reached 0.1 to 2 %)
    assert blade.convex_hull.intersection(nxt).area > 0.06 * blade.area
    # both ends curl: around each curl's eye every ray meets the blade within 2 radii
    assert len(proto.curls) == 2
    r = min(pr.hook, 0.3 * (band / 2))
    for eye in proto.curls:
        assert not blade.contains(Point(*eye)) or blade.distance(Point(*eye)) == 0
        for a in np.radians(np.arange(0, 360, 30)):
            ray = LineString([eye, eye + 2 * r * np.array([np.cos(a), np.sin(a)])])
            assert ray.intersects(blade), np.degrees(a)


def test_thin_blades_stand_apart():
    # below thickness 0.2 the blades slim in proportion (slobog): ground between them
    loose = parang_mod._proto(ParangParams.variant("slobog"))
    nxt = affinity.translate(loose.blade, loose.spacing, 0)
    assert loose.blade.distance(nxt) > 0.1
    assert not loose.cell.is_empty


def test_rusak_notch_breaks_only_the_middle():
    plain = parang_mod._proto(ParangParams())
    rusak = parang_mod._proto(ParangParams.variant("rusak"))
    assert len(plain.blade.geoms) == 1 and len(rusak.blade.geoms) == 2  # two halves
    lost = plain.blade.area - rusak.blade.area
    assert 0 < lost < 0.08 * plain.blade.area  # a narrow cut, the hooks untouched


# ------------------------------------------------------------------ curigo: keris
def _keris_axis(proto):
    """The keris blade's straight axis (base → point) and the luk's offsets off it."""
    line = proto.centre
    axis = line[-1] - line[0]
    axis /= np.linalg.norm(axis)
    normal = np.array([-axis[1], axis[0]])
    return axis, (line - line[0]) @ normal


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"lean": 20.0},
        {"lean": 60.0},
        {"thickness": 0.06},
        {"thickness": 0.3, "bands": 6, "blades": 24},  # crowded: a blade every 0.25 D
        {"bands": 5, "blades": 2},  # loose: a blade every 2.5 D
        {"strip": 0.3, "garis": 0.04, "hook": 0.2, "thickness": 0.1, "curl": 360.0},
    ],
)
def test_curigo_keris_lie_along_their_band_and_stay_in_it(changes):
    pr = ParangParams.variant("curigo").replace(**changes)
    proto = parang_mod._proto(pr)
    keris, q = proto.blade, proto.spacing
    half_band = (1 - pr.strip) / 2
    # inside its band, clear of the garis miring on both edges
    assert (
        -half_band + pr.garis / 2 < keris.bounds[1] and keris.bounds[3] < half_band - pr.garis / 2
    )
    # clear of the next keris along the band (each in its own place in the row)
    assert keris.distance(affinity.translate(keris, q, 0)) > 0.01
    # laid along the band (x), not stood across it: the axis is within 30° of the band,
    # unless crowding stands it steeper to keep the keris from touching
    axis, luk = _keris_axis(proto)
    slant = np.degrees(np.arccos(abs(axis[0])))
    assert slant <= (32.0 if q >= 0.5 else 62.0), slant
    # a keris: longer than it is wide, a wavy blade (seven luk: the centre line crosses
    # its axis six times or more), a point, and the ganja and hilt as pieces of their own
    length = np.linalg.norm(proto.centre[-1] - proto.centre[0])
    assert keris.area / length < length / 5  # mean width against length
    inner = luk[20:-5]
    crossings = np.count_nonzero(np.diff(np.sign(inner[np.abs(inner) > 1e-6])))
    assert crossings >= 6, crossings
    assert len(keris.geoms) >= 3  # blade, ganja, mendak and handle parted by thin lines
    tip = Point(*proto.centre[-1])
    assert keris.buffer(1e-6).contains(tip) or keris.distance(tip) < 1e-3


def test_curigo_tile_keeps_every_keris_off_the_garis_and_hilts_one_way():
    pr = ParangParams.variant("curigo").replace(wobble=0.0, crackle=0.0)
    p = parang(pr, tile=(600, 600))
    blades, garis = p.layer("blades").geometry, p.layer("garis").geometry
    assert not blades.intersects(garis)
    assert not blades.intersects(p.layer("mlinjon").geometry)
    # in a row: every keris points the same way (all copies of one, so their axes agree)
    proto = parang_mod._proto(pr)
    axis, _ = _keris_axis(proto)
    tip = parang_mod._layout(pr, 600, 600, "block").matrix @ axis
    # yogyakarta: the points run up the band to the right, the hilts down to the left
    assert tip[0] > 0 and tip[1] < 0
