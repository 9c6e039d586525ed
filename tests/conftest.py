"""Shared fixtures: small synthetic recordings written once per test session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "d435_single_depth_color_640x480.bag"


@pytest.fixture(scope="session")
def small_recording(tmp_path_factory) -> tuple[str, dict]:
    """A complete synthetic set at 424x240 @ 30 fps with 5 % dropped frames: (path, truth document)."""
    from barpath.synth.record import write_synthetic

    out = tmp_path_factory.mktemp("rec") / "far_drops.db3"
    res = write_synthetic("deadlift_far_drops", out, seed=3)
    with open(res.truth_path) as fh:
        return str(out), json.load(fh)


@pytest.fixture()
def realdata_bag() -> str:
    if not REALDATA.exists():
        pytest.skip(f"real D435 recording not present at {REALDATA}")
    return str(REALDATA)


@pytest.fixture(scope="session")
def small_analysis(small_recording) -> dict:
    """`analyze` of the small recording (the JSON document)."""
    from barpath.pipeline import analyze_recording

    result = analyze_recording(small_recording[0])
    assert result.error is None
    return result.document
