"""Shared fixtures: small synthetic recordings written once per test session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "d435_single_depth_color_640x480.bag"


def small_scenario():
    """5 deadlifts at 424x240 @ 30 fps, 2.5 m, 5 % dropped frames and 2 % pixel dropouts: cheap to render."""
    from dataclasses import replace

    from barpath.synth.camera import CameraPose
    from barpath.synth.scenario import SCENARIOS

    return replace(SCENARIOS["deadlift_far_drops"], name="test_small", camera=CameraPose(distance=2.5, height=1.0))


@pytest.fixture(scope="session")
def small_recording(tmp_path_factory) -> tuple[str, dict]:
    """small_scenario() written through the SDK: (path, truth document)."""
    from barpath.synth.record import write_synthetic

    out = tmp_path_factory.mktemp("rec") / "small.db3"
    res = write_synthetic(small_scenario(), out, seed=3)
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
