from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from shapely.geometry import GeometryCollection, LineString, Point, box
from utils import assert_images_close, load_png, motif_pattern, synthetic

from batik_waves.errors import RenderError
from batik_waves.motifs.pattern import Layer, Pattern
from batik_waves.render import render_png_array, save_svg, to_svg, write_svg

NS = {"svg": "http://www.w3.org/2000/svg", "ink": "http://www.inkscape.org/namespaces/inkscape"}
LABEL = "{http://www.inkscape.org/namespaces/inkscape}label"
MODE = "{http://www.inkscape.org/namespaces/inkscape}groupmode"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode("utf-8"))


def layer_groups(root):
    return [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get(MODE) == "layer"]


def test_one_named_inkscape_layer_per_layer_plus_ground():
    p = synthetic("edges")
    root = parse(to_svg(p))
    labels = [g.get(LABEL) for g in layer_groups(root)]
    assert labels == ["ground", "wax", "crackle", "outlined", "diagonals"]
    assert root.get("width") == "120" and root.get("height") == "96"
    assert root.get("viewBox") == "0 0 120 96"


def test_transparent_ground_has_no_ground_layer():
    root = parse(to_svg(synthetic("transparent")))
    assert "ground" not in [g.get(LABEL) for g in layer_groups(root)]
    assert not root.findall(".//svg:rect", NS)


def test_one_merged_evenodd_path_for_fills_and_round_strokes_for_lines():
    p = synthetic("edges")
    root = parse(to_svg(p))
    groups = {g.get(LABEL): g for g in layer_groups(root)}
    wax = groups["wax"].findall("svg:path", NS)
    assert len(wax) == 1
    assert wax[0].get("fill-rule") == "evenodd" and wax[0].get("fill") == "#1B2A4A"
    # several subpaths in one d, holes included (the ring is a polygon with a hole)
    assert wax[0].get("d").count("M") >= 5
    diag = groups["diagonals"].findall("svg:path", NS)
    assert len(diag) == 1
    assert diag[0].get("fill") == "none" and diag[0].get("stroke") == "#9E1B1E"
    assert diag[0].get("stroke-linecap") == "round" and diag[0].get("stroke-linejoin") == "round"
    assert "Z" not in diag[0].get("d")  # open lines stay open
    # a filled and outlined layer: one fill path and one stroke path
    out = groups["outlined"].findall("svg:path", NS)
    assert [e.get("fill") for e in out] == ["#B36B2C", "none"]


def test_clip_to_becomes_a_clip_path_with_the_clip_layers_rings():
    svg = to_svg(synthetic("edges"))
    root = parse(svg)
    clips = root.findall(".//svg:clipPath", NS)
    assert len(clips) == 1
    cid = clips[0].get("id")
    crackle = next(g for g in layer_groups(root) if g.get(LABEL) == "crackle")
    (path,) = crackle.findall("svg:path", NS)
    assert path.get("clip-path") == f"url(#{cid})"
    wax_d = next(g for g in layer_groups(root) if g.get(LABEL) == "wax").find("svg:path", NS)
    assert clips[0].find("svg:path", NS).get("d") == wax_d.get("d")


def test_metadata_is_escaped_and_round_trips():
    p = synthetic("edges")
    p = Pattern(
        p.width,
        p.height,
        p.background,
        p.layers,
        p.repeat,
        {**p.metadata, "header": "EDF\x00junk\x1b <script>alert('x')</script> ]]>"},
    )
    svg = to_svg(p)
    assert "<script>" not in svg and "\x00" not in svg and "\x1b" not in svg
    root = parse(svg)  # well-formed despite <&"> and control characters
    assert root.find("svg:title", NS).text == 'Sample <tile> & "friends"'
    desc = root.find("svg:desc", NS).text
    assert "recording: Patient <Ñame> & co \"quoted\" 'single'" in desc
    assert "<script>alert('x')</script> ]]>" in desc


def test_layer_names_are_escaped_in_labels():
    p = Pattern(20, 20, None, (Layer('a "<b>" & c', "#112233", box(2, 2, 8, 8)),))
    root = parse(to_svg(p))
    assert layer_groups(root)[0].get(LABEL) == 'a "<b>" & c'


def test_deterministic_bytes_and_unique_ids():
    a, b = to_svg(synthetic("edges")), to_svg(synthetic("edges"))
    assert a == b
    for svg in (a, to_svg(synthetic("edges"), repeat=(2, 3))):
        ids = re.findall(r' id="([^"]+)"', svg)
        assert len(ids) == len(set(ids)) and all(i.startswith("bw-") for i in ids)
    assert 'id="k-wax"' in to_svg(synthetic("edges"), id_prefix="k")
    with pytest.raises(RenderError, match="id_prefix"):
        to_svg(synthetic("edges"), id_prefix="1 bad")


def test_coordinates_have_at_most_two_decimals():
    svg = to_svg(synthetic("edges"))
    ds = re.findall(r' d="([^"]+)"', svg)
    numbers = re.findall(r"-?\d+(?:\.\d+)?", " ".join(ds))
    assert numbers
    assert all(len(n.split(".")[1]) <= 2 for n in numbers if "." in n)
    assert not re.search(r"\.\d*0[ LMZ\"]", " ".join(ds))  # no trailing zeros


@pytest.mark.parametrize(
    ("repeat", "cell"), [("block", (120, 96)), ("half-drop", (240, 96)), ("half-brick", (120, 192))]
)
def test_repeat_uses_a_pattern_cell_of_the_right_size(repeat, cell):
    p = synthetic("edges", repeat=repeat)
    root = parse(to_svg(p, repeat=(3, 2)))
    assert (root.get("width"), root.get("height")) == ("360", "192")
    pats = root.findall(".//svg:pattern", NS)
    assert len(pats) == 4  # one per layer, so layers stay layers
    for pat in pats:
        assert (int(pat.get("width")), int(pat.get("height"))) == cell
        assert pat.get("patternUnits") == "userSpaceOnUse"
    labels = [g.get(LABEL) for g in layer_groups(root)]
    assert labels == ["ground", "wax", "crackle", "outlined", "diagonals"]
    # flatten: no <pattern>, every repeat written out
    flat = parse(to_svg(p, repeat=(3, 2), flatten=True))
    assert not flat.findall(".//svg:pattern", NS)


def test_pattern_repeat_renders_like_the_flattened_one():
    import cairosvg

    p = synthetic("edges", repeat="half-drop")
    a = load_png(cairosvg.svg2png(bytestring=to_svg(p, repeat=(2, 2)).encode()))
    b = load_png(cairosvg.svg2png(bytestring=to_svg(p, repeat=(2, 2), flatten=True).encode()))
    assert_images_close(a, b, mad=0.5)


def test_outline_of_a_polygon_cut_by_the_border_leaves_out_the_cut():
    p = Pattern(
        100,
        100,
        "#FFFFFF",
        (Layer("sq", None, box(60, 20, 100, 50), stroke="#000000", stroke_width=2),),
    )
    root = parse(to_svg(p))
    d = layer_groups(root)[1].find("svg:path", NS).get("d")
    # three sides only: an open path, and no segment along x = 100
    assert "Z" not in d
    pts = np.array(re.findall(r"(-?[\d.]+) (-?[\d.]+)", d), float)
    on_border = (pts[:-1, 0] == 100) & (pts[1:, 0] == 100)
    assert not on_border.any()


def test_strokes_near_an_edge_are_drawn_again_from_the_other_side():
    p = synthetic(
        "lines-near-edge"
    )  # a 6 px line at x = W - 1 spills 2 px into x < 0... of the next tile
    root = parse(to_svg(p))
    d = next(g for g in layer_groups(root) if g.get(LABEL) == "ink").find("svg:path", NS).get("d")
    assert "M-1 " in d or "M-1 0" in d  # the copy shifted by -W


def test_empty_layers_points_and_collections():
    p = Pattern(
        30,
        30,
        "#FFFFFF",
        (
            Layer("empty", "#000000", GeometryCollection()),
            Layer("point", "#000000", Point(3, 3)),
            Layer(
                "mixed",
                "#112233",
                GeometryCollection([box(1, 1, 5, 5), LineString([(0, 9), (9, 9)])]),
                stroke="#445566",
                stroke_width=1,
            ),
        ),
    )
    root = parse(to_svg(p))
    groups = layer_groups(root)
    assert [g.get(LABEL) for g in groups] == ["ground", "empty", "point", "mixed"]
    assert not groups[1].findall("svg:path", NS) and not groups[2].findall("svg:path", NS)
    assert len(groups[3].findall("svg:path", NS)) == 2


def test_write_svg_to_a_stream_and_save_svg(tmp_path):
    p = synthetic("edges")
    buf = io.StringIO()
    write_svg(buf, p)
    assert buf.getvalue() == to_svg(p)
    out = save_svg(p, tmp_path / "sub" / "tile.svg")
    assert out.read_text(encoding="utf-8") == to_svg(p)
    assert sorted(x.name for x in (tmp_path / "sub").iterdir()) == ["tile.svg"]


def test_save_svg_failure_leaves_the_old_file(tmp_path):
    target = tmp_path / "tile.svg"
    target.write_text("old")
    with pytest.raises(RenderError, match="repeat"):
        save_svg(synthetic("edges"), target, repeat=(0, 1))
    assert target.read_text() == "old"
    assert [x.name for x in tmp_path.iterdir()] == ["tile.svg"]


@pytest.mark.parametrize("bad", [(0, 1), (1,), "2x2", (1.5, 1), (True, 1), None])
def test_bad_repeat_is_a_render_error(bad):
    with pytest.raises(RenderError, match="repeat"):
        to_svg(synthetic("edges"), repeat=bad)


def test_not_a_pattern():
    with pytest.raises(RenderError, match="Pattern"):
        to_svg("kawung")


@pytest.mark.parametrize("which", ["synthetic", pytest.param("kawung", marks=pytest.mark.slow)])
def test_resvg_renders_like_cairosvg(which):
    resvg = pytest.importorskip("resvg_py", reason="resvg-py is optional (the 'bench' extra)")
    if which == "kawung":
        p = motif_pattern("kawung", None, tile=(240, 192), repeat="half-drop", flowers=5)
    else:
        p = synthetic("edges", repeat="half-drop")
    svg = to_svg(p, repeat=(2, 2))
    got = resvg.svg_to_bytes(svg_string=svg, skip_system_fonts=True, width=480, height=384)
    a = load_png(bytes(got))
    b = render_png_array(p, width=480, repeat=(2, 2))
    assert a.shape == b.shape
    assert_images_close(a, b, mad=2.0)


def test_group_ids_carry_layer_names_for_illustrator():
    p = Pattern(
        20,
        20,
        "#FFFFFF",
        (
            Layer("ground", "#112233", box(1, 1, 5, 5)),
            Layer("Isen isen (cecek)", "#112233", box(6, 6, 9, 9)),
            Layer("ground", "#445566", box(10, 10, 12, 12)),
        ),
    )
    root = parse(to_svg(p))
    groups = layer_groups(root)
    assert [g.get("id") for g in groups] == [
        "bw-ground",
        "bw-ground-2",
        "bw-isen-isen-cecek",
        "bw-ground-3",
    ]
    assert [g.get("data-name") for g in groups] == [
        "ground",
        "ground",
        "Isen isen (cecek)",
        "ground",
    ]


@pytest.mark.parametrize("repeat", [(1, 1), (2, 3)])
def test_every_reference_resolves(repeat):
    svg = to_svg(synthetic("edges", repeat="half-brick"), repeat=repeat)
    ids = set(re.findall(r' id="([^"]+)"', svg))
    refs = set(re.findall(r"url\(#([^)]+)\)", svg))
    assert refs and refs <= ids
