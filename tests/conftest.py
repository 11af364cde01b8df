"""Shared fixtures: where the real recordings live, and the bundled sample."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_EEG = ROOT.parent / "shared" / "eeg"


def shared_file(relative: str) -> Path:
    """Path of a real recording in ../shared/eeg, or skip the test with the reason."""
    path = SHARED_EEG / relative
    if not path.exists():
        pytest.skip(f"real recording {relative} not found: ../shared/eeg is absent on this clone")
    return path


@pytest.fixture
def shared():
    """The ``shared_file`` helper as a fixture."""
    return shared_file


def pytest_addoption(parser):
    parser.addoption(
        "--regen-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/*.svg from the current renderer instead of comparing",
    )


@pytest.fixture
def regen_golden(request):
    """True when pytest runs with --regen-golden."""
    return request.config.getoption("--regen-golden")
