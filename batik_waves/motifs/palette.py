"""Colourways: the dyes of a batik cloth, by role.

A :class:`Palette` names five roles, the same for every motif:

``ground``
    the cloth itself, where wax kept the first dye out (cream, Yogyakarta white, ivory);
    ``None`` for a transparent ground (compositing).
``ink``
    the main motif colour: the outlines and solid parts (soga, indigo, wedel black).
``fill``
    the secondary fill (petal bodies, blade bodies): a mid tone of the ink's family.
``accent``
    small marks (node crosses, star-cell dots, seeds) where a third dye shows.
``crackle``
    the colour of the wax-crackle veins: the next dye bath seeping into the cracks.

Named colourways follow ``BATIK.md`` (the hex values are that file's proposals);
:func:`palette` also accepts any list of hex colours.

>>> p = palette("yogya-sogan")
>>> p.ground, p.ink
('#F7F4EC', '#4A2E1F')
>>> palette("#FFFFFF, #000000").fill
'#A6A6A6'
>>> palette("yogya-sogan").transparent().ground is None
True
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import MotifError

__all__ = ["PALETTES", "Palette", "make_palette", "mix", "palette"]

_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
ROLES: tuple[str, ...] = ("ground", "ink", "fill", "accent", "crackle")


@dataclass(frozen=True)
class Palette:
    """A colourway: ``#RRGGBB`` colours by role (see the module docstring).

    Attributes
    ----------
    name : str
        The colourway's name (``"custom"`` for hex lists).
    ground, ink, fill, accent, crackle : str
        Upper-case ``#RRGGBB``; ``ground`` may be None (transparent).
    """

    name: str
    ground: str | None
    ink: str
    fill: str
    accent: str
    crackle: str

    def __post_init__(self) -> None:
        for role in ROLES:
            value = getattr(self, role)
            if value is None and role == "ground":
                continue
            object.__setattr__(self, role, _hex(value, role))

    @property
    def is_transparent(self) -> bool:
        """True when the ground is not drawn (``ground`` is None)."""
        return self.ground is None

    def transparent(self) -> Palette:
        """The same colourway with a transparent ground (for compositing)."""
        return dataclasses.replace(self, ground=None)

    def dark_ground(self) -> Palette:
        """Swap polarity: the ink becomes the cloth and the cloth colour draws the motif.

        Used for kawung's dark-ground polarity. The crackle keeps a colour that shows on
        the (now light) motif: the old ground mixed towards the old ink.

        >>> d = palette("indigo").dark_ground()
        >>> d.ground, d.ink
        ('#1B2A4A', '#F1E9D8')
        """
        if self.ground is None:
            raise MotifError(
                f"palette {self.name!r}: a transparent ground has no colour to swap with the "
                "ink; call dark_ground() before transparent()."
            )
        return dataclasses.replace(
            self,
            name=f"{self.name} (dark ground)",
            ground=self.ink,
            ink=self.ground,
            fill=mix(self.fill, self.ground, 0.55),
            crackle=mix(self.ink, self.ground, 0.35),
        )

    def as_dict(self) -> dict[str, str | None]:
        """Role -> colour (and ``name``), JSON-ready."""
        return {"name": self.name, **{r: getattr(self, r) for r in ROLES}}

    def luminance(self, role: str) -> float:
        """Relative luminance (0 black … 1 white) of a role's colour."""
        value = getattr(self, role)
        if value is None:
            raise MotifError(f"palette {self.name!r}: the {role!r} colour is transparent")
        r, g, b = _rgb(value)
        return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255.0


def _hex(value: object, what: str) -> str:
    if not isinstance(value, str) or not _HEX.match(value.strip()):
        raise MotifError(
            f"Invalid value for the {what!r} colour: expected a hex colour like '#F1E9D8', "
            f"but got {value!r} instead."
        )
    digits = _HEX.match(value.strip()).group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits.upper()


def _rgb(value: str) -> tuple[int, int, int]:
    h = _hex(value, "color")
    return int(h[1:3], 16), int(h[3:5], 16), int(h[5:7], 16)


def mix(a: str, b: str, t: float) -> str:
    """The colour ``t`` of the way from *a* to *b* (in sRGB; 0 gives *a*, 1 gives *b*).

    >>> mix("#000000", "#FFFFFF", 0.5)
    '#808080'
    """
    ra, ga, ba = _rgb(a)
    rb, gb, bb = _rgb(b)
    out = (round(x + (y - x) * t) for x, y in zip((ra, ga, ba), (rb, gb, bb), strict=True))
    return "#" + "".join(f"{min(255, max(0, v)):02X}" for v in out)


# Named colourways from BATIK.md (cream cloth, soga browns, indigo, wedel, Lasem red,
# Pekalongan pastels). Roles: ground, ink, fill, accent, crackle.
_NAMED: dict[str, tuple[str, str, str, str, str]] = {
    # Yogyakarta sogan: dark soga to near-black on white
    "yogya-sogan": ("#F7F4EC", "#4A2E1F", "#8A5A30", "#1E1A1D", "#8A5A30"),
    # Solo (Surakarta) sogan: orange-brown and brown on ivory
    "solo-sogan": ("#E5CF9A", "#4A2E1F", "#B36B2C", "#8A5A30", "#8A5A30"),
    # indigo on cream cloth
    "indigo": ("#F1E9D8", "#1B2A4A", "#2F4B7C", "#7E9CC4", "#2F4B7C"),
    # bang-biru: red and blue on cream
    "bang-biru": ("#F1E9D8", "#1B2A4A", "#9E1B1E", "#2F4B7C", "#2F4B7C"),
    # Lasem: "chicken-blood red" with soga on cream
    "lasem": ("#F1E9D8", "#9E1B1E", "#B36B2C", "#1E1A1D", "#9E1B1E"),
    # Pekalongan: porcelain pastels on white, drawn in mid indigo
    "pekalongan": ("#F7F4EC", "#2F4B7C", "#E8A7B8", "#8CC7A1", "#B8A2D1"),
}

#: Names accepted by :func:`palette`.
PALETTES: tuple[str, ...] = tuple(_NAMED)


def palette(spec: str | Sequence[str] | Palette | None = None) -> Palette:
    """The colourway *spec*: a name from :data:`PALETTES`, or hex colours by role.

    Parameters
    ----------
    spec : str, sequence of str, Palette or None
        A name (``"yogya-sogan"``, ``"solo-sogan"``, ``"indigo"``, ``"bang-biru"``,
        ``"lasem"``, ``"pekalongan"``); or one to five hex colours, as a list or a
        comma-separated string, taken in role order ground, ink, fill, accent, crackle.
        Missing roles are derived: ink is a deep shade of the ground, fill lies 65 %
        of the way from ink to ground, accent is the ink, crackle the fill. A Palette
        is returned as is; None gives ``"yogya-sogan"``.

    Returns
    -------
    Palette

    Raises
    ------
    MotifError
        Unknown name (the message lists the names) or a malformed hex colour.

    Examples
    --------
    >>> palette(["#F1E9D8", "#1B2A4A"]).accent
    '#1B2A4A'
    >>> palette("sogan")
    Traceback (most recent call last):
    ...
    batik_waves.errors.MotifError: Invalid value for the 'palette' parameter. Allowed values are 'yogya-sogan', 'solo-sogan', 'indigo', 'bang-biru', 'lasem', 'pekalongan', or a list of hex colours, but got 'sogan' instead.
    """
    if spec is None:
        spec = "yogya-sogan"
    if isinstance(spec, Palette):
        return spec
    if isinstance(spec, str):
        key = spec.strip().lower()
        if key in _NAMED:
            return Palette(key, *_NAMED[key])
        if "#" not in spec and "," not in spec:
            allowed = ", ".join(repr(n) for n in PALETTES)
            raise MotifError(
                f"Invalid value for the 'palette' parameter. Allowed values are {allowed}, or "
                f"a list of hex colours, but got {spec!r} instead."
            )
        colours = [c.strip() for c in spec.split(",") if c.strip()]
    else:
        try:
            colours = list(spec)
        except TypeError:
            raise MotifError(
                f"Invalid value for the 'palette' parameter: expected a name or a list of hex "
                f"colours, but got {spec!r} instead."
            ) from None
    if not 1 <= len(colours) <= len(ROLES):
        raise MotifError(
            f"Invalid value for the 'palette' parameter: expected 1 to {len(ROLES)} hex colours "
            f"(ground, ink, fill, accent, crackle), but got {len(colours)}."
        )
    given = [_hex(c, ROLES[i]) for i, c in enumerate(colours)]
    ground = given[0]
    if len(given) > 1:
        ink = given[1]
    else:
        dark = sum(_rgb(ground)) / 3 < 128
        ink = mix(ground, "#FFFFFF" if dark else "#1E1A1D", 0.8)
    fill = given[2] if len(given) > 2 else mix(ink, ground, 0.65)
    accent = given[3] if len(given) > 3 else ink
    crackle = given[4] if len(given) > 4 else fill
    return Palette("custom", ground, ink, fill, accent, crackle)


#: Alias of :func:`palette`, exported from :mod:`batik_waves.motifs` under this name so
#: the package attribute does not shadow the ``palette`` submodule.
make_palette = palette
