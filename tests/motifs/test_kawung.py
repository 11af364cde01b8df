from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, box

from batik_waves.errors import MotifError
from batik_waves.motifs.kawung import KawungParams, kawung, kawung_cloth, kawung_lattice
from batik_waves.motifs.palette import PALETTES, palette

TILE = (240, 240)
HAND = {"crackle", "isen"}  # layers the maker's hand may change even without wobble


def wkb(pattern):
    return {layer.name: shapely.to_wkb(layer.geometry) for layer in pattern.layers}


# ------------------------------------------------------------------ parameters
@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("petal_width", 0.9, r"'petal_width'.*0\.45 to 0\.85.*0\.9"),
        ("petal_length", 0.2, r"'petal_length'.*0\.5 to 1\.0.*0\.2"),
        ("tip_sharpness", 3, r"'tip_sharpness'.*1\.6 to 2\.5.*3"),
        ("flowers", 2.5, r"'flowers'.*whole number.*2\.5"),
        ("flowers", 0, r"'flowers'.*1 to 64.*0"),
        ("rotation", 30, r"'rotation'.*45, 0.*30"),
        ("node", "star", r"'node'.*'cross', 'dot', 'none'.*'star'"),
        ("isen", "dots", r"'isen'.*'cecek'.*'dots'"),
        ("palette", "sogan", r"'palette'.*'yogya-sogan'.*'sogan'"),
        ("split", "yes", r"'split'.*True or False"),
        ("crackle", float("nan"), r"'crackle'.*0\.0 to 1\.0"),
    ],
)
def test_bad_values_name_the_field_range_and_value(field, value, match):
    with pytest.raises(MotifError, match=match):
        KawungParams(**{field: value})


def test_every_field_declares_its_range_or_choices():
    specs = KawungParams.specs()
    assert {"flowers", "rotation", "petal_width", "petal_length", "tip_sharpness"} <= set(specs)
    for name, spec in specs.items():
        assert spec.doc, name
        assert spec.range is not None or spec.choices is not None or isinstance(spec.default, bool)
    assert specs["palette"].choices == PALETTES


def test_variants_list_lookup_and_replace():
    names = KawungParams.variants()
    assert {"picis", "bribil", "sen", "beton", "sari", "kopi", "geger"} <= set(names)
    for name in names:
        assert isinstance(KawungParams.variant(name), KawungParams)
    # the coins grow picis < bribil < sen
    size = [KawungParams.variant(n).flowers for n in ("picis", "bribil", "sen")]
    assert size[0] > size[1] > size[2]
    assert KawungParams.variant("sari").split and KawungParams.variant("kopi").split
    assert KawungParams.variant("geger").star == "kawung"
    with pytest.raises(MotifError, match=r"'variant'.*'picis'.*'kawung-x'"):
        KawungParams.variant("kawung-x")
    p = dataclasses.replace(KawungParams.variant("picis"), palette="indigo")
    assert p.palette == "indigo" and p.flowers == KawungParams.variant("picis").flowers
    with pytest.raises(MotifError, match="petal_width"):
        dataclasses.replace(p, petal_width=2.0)
    assert KawungParams.from_dict(p.to_dict()) == p


# ------------------------------------------------------------------ lattice
def test_lattice_pitch_follows_batik_md():
    P, rows, sy = kawung_lattice(4, 45, 400, 400)
    assert P == pytest.approx(400 / (4 * np.sqrt(2)))
    assert (rows, sy) == (4, 1.0)
    P0, rows0, _ = kawung_lattice(5, 0, 500, 300)
    assert (P0, rows0) == (100.0, 3)
    # half-drop needs an even row count, half-brick an even flower count
    assert kawung_lattice(4, 45, 300, 300, "half-drop")[1] == 4
    assert kawung_lattice(3, 45, 300, 400, "half-drop")[1] == 4
    with pytest.raises(MotifError, match=r"'flowers'.*3 flowers.*stretch"):
        kawung_lattice(3, 45, 300, 300, "half-drop")
    with pytest.raises(MotifError, match=r"half-brick.*even.*3"):
        kawung_lattice(3, 45, 300, 300, "half-brick")
    with pytest.raises(MotifError, match=r"'flowers'.*stretch.*fit within 15 %"):
        kawung_lattice(1, 45, 1920, 400)


# ------------------------------------------------------------------ geometry
def test_layers_valid_non_empty_inside_the_tile():
    p = kawung(KawungParams(flowers=3, star="star"), tile=TILE, rng=1)
    names = [layer.name for layer in p.layers]
    assert names[:2] == ["crackle", "petals"]
    assert {"isen", "seeds", "outline", "nodes", "star-fillers"} <= set(names)
    tile = box(0, 0, *TILE).buffer(1e-6)
    for layer in p.layers:
        g = layer.geometry
        assert g.is_valid, layer.name
        assert g.is_empty or tile.contains(g), layer.name
        if layer.name != "split-lines":
            assert not g.is_empty, layer.name
    # petals never overlap each other (the even-odd rule would punch holes)
    petals = p.layer("petals").geometry
    assert sum(q.area for q in petals.geoms) == pytest.approx(petals.area, rel=1e-9)
    assert shapely.union_all(list(petals.geoms)).area == pytest.approx(petals.area, rel=1e-6)
    outline = p.layer("outline").geometry
    assert shapely.union_all(list(outline.geoms)).area == pytest.approx(outline.area, rel=1e-6)


def test_flower_count_and_petal_proportions():
    params = KawungParams(flowers=4, wobble=0.0, outline=0.0, petal_length=1.0)
    p = kawung(params, tile=(400, 400), rng=0)
    P = 400 / (4 * np.sqrt(2))
    petals = p.layer("petals").geometry
    # 2 n² flowers per tile, two petals per flower: the petal area adds up to 4 n² petals
    one = max(petals.geoms, key=lambda g: g.area)
    assert petals.area == pytest.approx(4 * 16 * one.area, rel=0.01)
    # the 45° lattice: petal axes (between the two farthest vertices) are diagonal
    c = np.asarray(one.exterior.coords)
    far = np.linalg.norm(c[:, None] - c[None], axis=-1)
    i, j = np.unravel_index(far.argmax(), far.shape)
    d = c[j] - c[i]
    assert abs(abs(np.degrees(np.arctan2(d[1], d[0]))) % 90 - 45) < 0.5
    # width over length is petal_width, measured across the axis
    axis = d / np.linalg.norm(d)
    across = (c - c[i]) @ np.array([-axis[1], axis[0]])
    length = far.max()
    assert np.ptp(across) / length == pytest.approx(0.65, rel=0.02)
    # the tips reach nearly into the nodes, where the four petals of a flower meet
    # (nodes at whole multiples of the pitch along the 45° axes from the origin)
    f = P * np.array([[1, -1], [1, 1]]) / np.sqrt(2)
    for tip in (c[i], c[j]):
        ij = np.linalg.solve(f, tip)
        node = f @ np.round(ij)
        assert np.linalg.norm(tip - node) < 0.05 * P  # an ellipse stops 0.08 P short
    assert 0.9 * P < length < P


def test_zero_rotation_lays_petals_along_the_axes():
    p = kawung(KawungParams(flowers=3, rotation=0, wobble=0), tile=(300, 300), rng=0)
    one = max(p.layer("petals").geometry.geoms, key=lambda g: g.area)
    x0, y0, x1, y1 = one.bounds
    assert max(x1 - x0, y1 - y0) / min(x1 - x0, y1 - y0) > 1.4


def test_deterministic_and_seed_changes_only_the_hand():
    params = KawungParams(flowers=3, wobble=0.0)
    a = kawung(params, tile=TILE, rng=5)
    b = kawung(params, tile=TILE, rng=5)
    assert wkb(a) == wkb(b)
    assert wkb(kawung(params, tile=TILE, rng=np.random.default_rng(9))) == wkb(
        kawung(params, tile=TILE, rng=np.random.default_rng(9))
    )
    c = kawung(params, tile=TILE, rng=6)
    wa, wc = wkb(a), wkb(c)
    changed = {name for name in wa if wa[name] != wc[name]}
    assert "crackle" in changed
    assert changed <= HAND
    # with the hand's wobble on, the motif stays in place: same flowers, small moves
    w = KawungParams(flowers=3, wobble=1.0)
    pa = kawung(w, tile=TILE, rng=5).layer("petals").geometry
    pc = kawung(w, tile=TILE, rng=6).layer("petals").geometry
    assert shapely.to_wkb(pa) != shapely.to_wkb(pc)
    assert pa.symmetric_difference(pc).area < 0.25 * pa.area
    assert pa.hausdorff_distance(pc) < 0.15 * 240 / (3 * np.sqrt(2))


def seam_cover(g, edge: str, at: float, length: float, shift: float) -> np.ndarray:
    """Which samples along a tile edge the geometry covers, shifted along the edge.

    *edge* "x" looks at the vertical line x = at, "y" at the horizontal line y = at.
    Samples are taken every 0.05 px; *shift* moves them along the edge (mod length).
    """
    if edge == "x":
        line = LineString([(at, -1), (at, length + 1)])
    else:
        line = LineString([(-1, at), (length + 1, at)])
    hit = g.intersection(line)
    segs = [q for q in shapely.get_parts(hit) if q.geom_type == "LineString" and q.length > 0]
    t = np.arange(0, length, 0.05) + 0.025
    cover = np.zeros(len(t), dtype=bool)
    k = 1 if edge == "x" else 0
    for q in segs:
        c = np.asarray(q.coords)[:, k]
        lo, hi = np.sort(c) + shift
        for off in (-length, 0, length):
            cover |= (t >= lo + off) & (t <= hi + off)
    return cover


@pytest.mark.parametrize("rotation", [0, 45])
@pytest.mark.parametrize("repeat", ["block", "half-drop", "half-brick"])
def test_what_leaves_one_edge_reenters_at_the_other(repeat, rotation):
    W, H = 240, 240
    params = KawungParams(flowers=4, wobble=1.0, rotation=rotation, isen="ukel", isen_where="both")
    p = kawung(params, tile=(W, H), repeat=repeat, rng=3)
    (_, ay), (bx, _) = p.lattice
    for name in ("petals", "outline", "seeds", "nodes", "star-fillers", "isen", "crackle"):
        g = p.layer(name).geometry
        # the right edge, moved back by the first lattice vector, is the left edge
        left = seam_cover(g, "x", 0.0, H, 0.0)
        right = seam_cover(g, "x", W, H, -ay)
        assert np.mean(left != right) < 0.003, (name, "x")
        top = seam_cover(g, "y", 0.0, W, 0.0)
        bottom = seam_cover(g, "y", H, W, -bx)
        assert np.mean(top != bottom) < 0.003, (name, "y")
        if name in ("petals", "outline", "crackle") and (rotation == 0 or name == "crackle"):
            assert left.any() and top.any(), name  # the edges do cut through them


@pytest.mark.parametrize("name", KawungParams.variants())
def test_every_variant_draws(name):
    p = kawung(KawungParams.variant(name), tile=(256, 256), rng=0)
    assert p.metadata["variant"] == name
    petals = p.layer("petals").geometry
    assert petals.is_valid and 0.2 < petals.area / (256 * 256) < 0.8


def test_variant_features_show():
    sari = kawung(KawungParams.variant("sari"), tile=(256, 256), rng=0)
    assert not sari.layer("split-lines").geometry.is_empty
    geger = kawung(KawungParams.variant("geger"), tile=(256, 256), rng=0)
    star = geger.layer("star-fillers").geometry
    assert len(star.geoms) >= 4 * 2 * 4**2 * 0.9  # four small petals per star cell
    assert not star.intersects(geger.layer("petals").geometry)
    beton = kawung(KawungParams.variant("beton"), tile=(256, 256), rng=0)
    assert (
        len(beton.layer("seeds").geometry.geoms)
        >= 2 * len(beton.layer("petals").geometry.geoms) * 0.9
    )


@pytest.mark.parametrize("name", PALETTES)
@pytest.mark.parametrize("polarity", ["light", "dark"])
def test_palettes_and_polarity(name, polarity):
    p = kawung(KawungParams(flowers=3, palette=name, polarity=polarity), tile=TILE, rng=0)
    pal = palette(name)
    if polarity == "light":
        assert p.background == pal.ground
        assert p.layer("crackle").clip_to is None
    else:
        assert p.background == pal.ink
        assert p.layer("petals").fill == pal.ground
        assert p.layer("crackle").clip_to == "petals"
    t = kawung(KawungParams(flowers=3, palette=name), tile=TILE, transparent=True)
    assert t.background is None
    custom = kawung(KawungParams(flowers=3), tile=TILE, palette="#FFFFFF,#102030")
    assert custom.background == "#FFFFFF" and custom.layer("outline").fill == "#102030"


def test_bad_arguments():
    with pytest.raises(MotifError, match="'tile'"):
        kawung(tile=(0, 100))
    with pytest.raises(MotifError, match="'tile'"):
        kawung(tile=100)
    with pytest.raises(MotifError, match="'repeat'"):
        kawung(tile=TILE, repeat="mirror")
    with pytest.raises(MotifError, match="'rng'"):
        kawung(tile=TILE, rng="x")
    with pytest.raises(MotifError, match=r"'params'.*KawungParams"):
        kawung({"flowers": 3}, tile=TILE)


# ------------------------------------------------------------------ cloth
def test_cloth_changes_along_its_length_on_one_lattice():
    size = (200, 500)

    def params_at(y):
        return KawungParams(
            flowers=4, petal_width=0.45 + 0.39 * y, seed_oval=0.6 * (1 - y), wobble=0.0
        )

    c = kawung_cloth(params_at, size=size, rng=1)
    assert c.size == size and c.metadata["motif"] == "kawung-cloth"
    petals = c.layer("petals").geometry
    assert petals.is_valid and box(0, 0, *size).buffer(1e-6).contains(petals)
    parts = list(petals.geoms)
    ys = np.array([q.centroid.y for q in parts])
    ratio = np.array([_aspect(q) for q in parts])
    b = np.array([q.bounds for q in parts])
    whole = (
        (b[:, 0] > 0.5) & (b[:, 1] > 0.5) & (b[:, 2] < size[0] - 0.5) & (b[:, 3] < size[1] - 0.5)
    )
    top = ratio[(ys < 120) & whole].mean()
    foot = ratio[(ys > 380) & whole].mean()
    assert top < foot - 0.2  # slim petals at the top, round ones at the foot
    # every petal appears once: no duplicates where the params change
    assert shapely.union_all(parts).area == pytest.approx(petals.area, rel=1e-6)
    # the lattice is continuous: nodes stand on the same columns at the top and the foot
    nodes = [
        q
        for q in c.layer("nodes").geometry.geoms
        if q.area > 0.9 * max(n.area for n in c.layer("nodes").geometry.geoms)
    ]
    nx = np.array([[q.centroid.x, q.centroid.y] for q in nodes])
    cols_top = set(np.round(nx[nx[:, 1] < 150, 0], 3))
    cols_foot = set(np.round(nx[nx[:, 1] > 350, 0], 3))
    assert cols_top == cols_foot and len(cols_top) >= 4
    seeds = c.layer("seeds").geometry
    sy = np.array([q.centroid.y for q in seeds.geoms])
    sa = np.array([q.area for q in seeds.geoms])
    assert sa[sy > 400].mean() < 0.2 * sa[sy < 100].mean()  # seeds shrink towards the foot


def _aspect(poly):
    rect = poly.minimum_rotated_rectangle
    c = np.asarray(rect.exterior.coords)
    a, b = np.linalg.norm(c[1] - c[0]), np.linalg.norm(c[2] - c[1])
    return min(a, b) / max(a, b)


def test_cloth_colourways_split_layers():
    c = kawung_cloth(
        lambda y: KawungParams(flowers=3, palette="indigo" if y < 0.5 else "lasem"),
        size=(150, 360),
    )
    names = [layer.name for layer in c.layers]
    assert "petals" in names and any(n.startswith("petals@") for n in names)
    fills = {layer.fill for layer in c.layers if layer.name.startswith("petals")}
    assert fills == {palette("indigo").fill, palette("lasem").fill}
    one = kawung_cloth(lambda y: KawungParams(flowers=3), size=(150, 360), palette="indigo")
    assert [n.name for n in one.layers].count("petals") == 1


def test_cloth_ground_follows_the_colourway():
    c = kawung_cloth(
        lambda y: KawungParams(flowers=3, palette="yogya-sogan" if y < 0.5 else "solo-sogan"),
        size=(150, 360),
    )
    assert c.background == palette("yogya-sogan").ground
    ground = c.layers[0]
    assert (
        ground.name.startswith("ground@solo-sogan") and ground.fill == palette("solo-sogan").ground
    )
    x0, y0, x1, y1 = ground.geometry.bounds
    assert (x0, x1, y1) == (0, 150, 360) and 150 < y0 < 210


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_geger_with_a_trembling_hand_stays_valid(seed):
    # the small kawung's ring, moved as a whole, can touch a wobbled big petal's outline;
    # overlapping parts in one layer would punch holes under the even-odd fill
    p = dataclasses.replace(KawungParams.variant("geger"), petal_width=0.5, wobble=1.0)
    pat = kawung(p, tile=(200, 200), rng=seed)
    for layer in pat.layers:
        assert layer.geometry.is_valid, layer.name
