"""Reports on a recording and what it made: the contact sheet, envelope plots."""

from __future__ import annotations

__all__: list[str] = []
