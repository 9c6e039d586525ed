from types import SimpleNamespace

import numpy as np

from barpath.vision.measure import FrameMeasurer, cut_edge


def _fit(u, v, r=60.0):
    return SimpleNamespace(pixel=np.array([u, v]), radius_px=r)


def test_cut_edge():
    assert cut_edge(_fit(320, 240), 640, 480) is None
    assert cut_edge(_fit(320, 450), 640, 480) == "bottom"
    assert cut_edge(_fit(20, 470), 640, 480) == "bottom"  # 40 px over the left edge, 51 over the bottom
    assert cut_edge(_fit(20, 450), 640, 480) == "left"
    assert cut_edge(_fit(630, 240), 640, 480) == "right"


def test_framing_note_names_the_edge_the_plate_leaves_by():
    """In view for 40 frames, cut by the bottom edge for 20 (still tracked), then lost below the image for 10: 10 of
    70 frames. Frames before the plate was first found (the lifter walking in) do not count; a plate lost in the
    middle of the image (an occlusion) or only cut by an edge says nothing."""
    m = FrameMeasurer()
    for _ in range(5):
        m._count_framing(None, (480, 640))
    for fit in [_fit(320, 240)] * 40 + [_fit(320, 440)] * 20 + [None] * 10:
        m._count_framing(fit, (480, 640))
    note = m.framing_note()
    assert "bottom edge" in note and "10 of 70 frames (14 %)" in note and "move the camera back" in note
    assert m.framing_note(brief=True) == "⚠ plate lost at bottom edge 14 %: move the camera back"
    m = FrameMeasurer()
    for fit in [_fit(320, 240)] * 60 + [None] * 10 + [_fit(320, 440)] * 30:  # lost mid-image, then cut only
        m._count_framing(fit, (480, 640))
    assert m.framing_note() == ""
