from __future__ import annotations

import pytest
from shapely.geometry import Point, box

from batik_waves.errors import MotifError
from batik_waves.motifs.pattern import Layer, Pattern, wrap_on_torus


@pytest.mark.parametrize("repeat", ["block", "half-drop", "half-brick"])
def test_wrapping_keeps_area_and_stays_in_the_tile(repeat):
    disc = Point(98, 3).buffer(12)
    g = wrap_on_torus(disc, 100, 80, repeat)
    assert g.area == pytest.approx(disc.area, rel=1e-9)
    assert box(0, 0, 100, 80).buffer(1e-9).contains(g)


def test_half_drop_continues_across_the_right_edge_half_a_tile_down():
    g = wrap_on_torus(Point(100, 10).buffer(5), 100, 80, "half-drop")
    # the part sticking out on the right comes back on the left, 40 px lower
    assert g.intersects(Point(1, 50))
    assert not g.intersects(Point(1, 10))


def test_pattern_validates():
    with pytest.raises(MotifError, match="width"):
        Pattern(0, 10, "#FFFFFF", ())
    with pytest.raises(MotifError, match="repeat"):
        Pattern(10, 10, "#FFFFFF", (), repeat="mirror-ish")
    with pytest.raises(MotifError, match="hex colour"):
        Layer("a", "brown", box(0, 0, 1, 1))
