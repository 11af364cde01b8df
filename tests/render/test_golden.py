"""Golden SVGs: the renderer's output for fixed patterns, compared as canonical XML.

Regenerate after an intended change with ``pytest tests/test_golden.py --regen-golden``
and review the diff of tests/golden/ before committing it.
"""

from __future__ import annotations

import difflib
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from utils import motif_pattern, synthetic

from batik_waves.render import to_svg

GOLDEN = Path(__file__).parent / "golden"
_NUM = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def _round(text: str) -> str:
    """Numbers rounded to one decimal, so float noise across platforms is not a change."""

    def r(m):
        v = round(float(m.group()), 1)
        return "0" if v == 0 else f"{v:g}" if abs(v) < 1e6 else str(v)

    return _NUM.sub(r, text)


def canonical(svg: str) -> str:
    """One line per element (sorted attributes, rounded numbers), one per subpath of d."""
    root = ET.fromstring(svg.encode("utf-8"))
    lines: list[str] = []

    def walk(el, depth):
        pad = "  " * depth
        attrs = []
        for k in sorted(el.attrib):
            v = el.attrib[k]
            if k == "d":
                continue
            attrs.append(f"{k}={_round(v)!r}")
        lines.append(f"{pad}<{el.tag} {' '.join(attrs)}>")
        if el.text and el.text.strip():
            lines.extend(f"{pad}  | {t}" for t in el.text.strip().splitlines())
        if "d" in el.attrib:
            for sub in re.findall(r"M[^M]*", el.attrib["d"]):
                lines.append(f"{pad}  d {_round(sub)}")
        for child in el:
            walk(child, depth + 1)

    walk(root, 0)
    text = "\n".join(lines) + "\n"
    return text.replace("{http://www.w3.org/2000/svg}", "").replace(
        "{http://www.inkscape.org/namespaces/inkscape}", "inkscape:"
    )


def _cases():
    cases = [
        pytest.param("synthetic-edges-block", lambda: synthetic("edges"), (1, 1)),
        pytest.param(
            "synthetic-transparent-halfdrop",
            lambda: synthetic("transparent", repeat="half-drop"),
            (1, 1),
        ),
        pytest.param(
            "synthetic-edges-halfbrick-2x2", lambda: synthetic("edges", repeat="half-brick"), (2, 2)
        ),
        pytest.param("synthetic-lines-near-edge", lambda: synthetic("lines-near-edge"), (1, 1)),
    ]
    # few flowers / bands so each golden stays well under 100 KB
    for motif, variant, changes in [
        ("kawung", None, {"flowers": 1}),
        ("kawung", "sari", {"flowers": 2, "crackle": 0.0}),
        ("parang", "rusak", {"bands": 1, "blades": 1}),
        ("parang", "klitik", {"bands": 2, "blades": 2}),
        ("mega-mendung", "classic", {"clouds": 1, "bands": 5, "crackle": 0.0}),
        ("mega-mendung", "wadasan", {"clouds": 1, "crackle": 0.0, "wobble": 0.0}),
        ("truntum", None, {"fields": 2}),
        ("truntum", "truntum-kuntum", {"fields": 2, "crackle": 0.0}),
        ("ceplok", "kembang", {"blooms": 1, "crackle": 0.0}),
        ("ceplok", "lintang", {"blooms": 2, "crackle": 0.0, "isen": "none"}),
        ("nitik", "jonggrang", {"repeats": 1, "grid": 16}),
        ("nitik", "cakar-ayam", {"repeats": 1, "crackle": 0.0}),
    ]:
        name = f"{motif}-{variant or 'default'}"
        cases.append(
            pytest.param(
                name,
                lambda m=motif, v=variant, c=changes: motif_pattern(m, v, tile=(128, 128), **c),
                (1, 1),
                id=name,
            )
        )
    return [pytest.param(*c.values, id=c.values[0]) for c in cases]


@pytest.mark.parametrize("name,make,repeat", _cases())
def test_golden_svg(name, make, repeat, regen_golden):
    svg = to_svg(make(), repeat=repeat)
    path = GOLDEN / f"{name}.svg"
    if regen_golden:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(svg, encoding="utf-8")
        pytest.skip(f"regenerated {path.name}")
    if not path.exists():
        pytest.fail(f"{path} is missing: run pytest {Path(__file__).name} --regen-golden")
    assert path.stat().st_size < 100_000, f"{path.name} is too big for a golden file"
    want, got = canonical(path.read_text(encoding="utf-8")), canonical(svg)
    if want != got:
        diff = "".join(
            list(
                difflib.unified_diff(
                    want.splitlines(True),
                    got.splitlines(True),
                    f"golden/{path.name}",
                    "rendered",
                    n=2,
                )
            )[:200]
        )
        pytest.fail(
            f"{name}: the SVG differs from tests/golden/{path.name} (rerun with --regen-golden "
            f"if the change is intended):\n{diff}",
            pytrace=False,
        )


def test_canonical_form_ignores_attribute_order_and_float_noise():
    a = '<svg xmlns="http://www.w3.org/2000/svg"><path fill="#000" d="M0 0L10.01 5Z"/></svg>'
    b = '<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0L10.04 5Z" fill="#000"/></svg>'
    c = '<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0L10.4 5Z" fill="#000"/></svg>'
    assert canonical(a) == canonical(b) != canonical(c)
