"""Playback through the SDK: synthetic recordings round-trip exactly; real and damaged files behave."""

from __future__ import annotations

import random
import shutil

import numpy as np
import pytest

from barpath.errors import InputError
from barpath.sources.playback import RecordingSource, stored_depth_frames
from barpath.sources.writer import RecordingWriter
from barpath.synth.camera import d4xx_intrinsics
from barpath.synth.scenario import render_frames
from tests.conftest import small_scenario


def test_synthetic_recording_plays_back_exactly(small_recording):
    path, truth = small_recording
    sc = small_scenario()
    expected = {f.frame_number: f for f in render_frames(sc, seed=3) if not f.dropped}
    src = RecordingSource(path)
    assert src.info.intrinsics == sc.intrinsics
    assert src.info.camera.startswith("Intel RealSense D435") and src.info.serial == truth["serial"]
    played = list(src.frames())
    assert [f.frame_number for f in played] == sorted(expected)
    for f in played:
        e = expected[f.frame_number]
        assert f.timestamp_ms == pytest.approx(e.timestamp_ms, abs=1e-6)
        assert np.array_equal(f.depth, e.depth)
        assert f.depth_scale == pytest.approx(0.001)
    n_dropped = sum(fr["dropped"] for fr in truth["frames"])
    assert n_dropped > 0 and src.info.dropped_frames == n_dropped
    assert src.info.frames == len(expected) == stored_depth_frames(path)


def test_writer_round_trip_with_gaps(tmp_path):
    intr = d4xx_intrinsics("D455", 424, 240)
    rng = np.random.default_rng(0)
    written = [(rng.integers(0, 6000, (240, 424)).astype(np.uint16), 1000.0 + 33.3 * i, i + 10)
               for i in range(40) if i not in (5, 6, 30)]
    path = tmp_path / "w.db3"
    with RecordingWriter(path, intr, 30, camera="Intel RealSense D455", serial="X1") as w:
        for d, t, n in written:
            w.write(d, t, n)
    src = RecordingSource(path)
    got = list(src.frames())
    assert len(got) == len(written) and src.info.dropped_frames == 3
    for f, (d, t, n) in zip(got, written):
        assert f.frame_number == n and f.timestamp_ms == pytest.approx(t, abs=1e-6)
        assert np.array_equal(f.depth, d)


def test_paced_replay_takes_recorded_time(tmp_path):
    intr = d4xx_intrinsics("D435", 424, 240)
    path = tmp_path / "p.db3"
    with RecordingWriter(path, intr, 30, camera="c", serial="s") as w:
        for i in range(16):
            w.write(np.full((240, 424), 1500, np.uint16), 500.0 + i * 1000 / 30, i + 1)
    import time
    t0 = time.monotonic()
    n = len(list(RecordingSource(path, speed=1.0).frames()))
    elapsed = time.monotonic() - t0
    assert n == 16
    assert elapsed >= 15 / 30 * 0.95  # 0.5 s of device time cannot replay faster at speed 1


def test_real_d435_bag_plays_with_its_intrinsics(realdata_bag):
    src = RecordingSource(realdata_bag)
    frames = list(src.frames())
    assert src.info.camera == "Intel RealSense D435"
    i = src.info.intrinsics
    assert (i.width, i.height) == (640, 480)
    assert i.fx == pytest.approx(390.431, abs=1e-3) and i.fy == pytest.approx(390.431, abs=1e-3)
    assert i.ppx == pytest.approx(331.388, abs=1e-3) and i.ppy == pytest.approx(242.187, abs=1e-3)
    assert len(frames) >= 1
    f = frames[0]
    assert f.depth.shape == (480, 640) and f.depth.dtype == np.uint16 and (f.depth > 0).mean() > 0.5
    assert f.frame_number > 0 and f.timestamp_ms > 0


@pytest.mark.parametrize("content,problem", [
    (None, "no such file"),
    (b"", "empty file"),
    (b"hello, not a recording", "cannot open recording"),
])
def test_bad_files_raise_one_line_input_error(tmp_path, content, problem):
    path = tmp_path / "bad.db3"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError) as err:
        RecordingSource(path)
    assert problem in str(err.value) and str(path) in str(err.value) and "\n" not in str(err.value)


def test_wrong_suffix_and_directory(tmp_path):
    (tmp_path / "x.mp4").write_bytes(b"0" * 100)
    with pytest.raises(InputError, match="expected a .db3 or .bag"):
        RecordingSource(tmp_path / "x.mp4")
    with pytest.raises(InputError, match="directory"):
        RecordingSource(tmp_path)


def test_truncated_db3(small_recording, tmp_path):
    data = open(small_recording[0], "rb").read()
    cut = tmp_path / "cut.db3"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(InputError, match="cannot open recording"):
        list(RecordingSource(cut).frames())


def test_bit_flipped_db3_reports_early_end(small_recording, tmp_path):
    """Flipped bits in the frame data: the SDK opens the file and stops early without an error."""
    flipped = tmp_path / "flip.db3"
    shutil.copy(small_recording[0], flipped)
    data = bytearray(flipped.read_bytes())
    rnd = random.Random(1)
    for _ in range(30):
        k = rnd.randrange(len(data) // 3, len(data))
        data[k] ^= 0xFF
    flipped.write_bytes(bytes(data))
    with pytest.raises(InputError, match="ends early|cannot open|no depth frames") as err:
        src = RecordingSource(flipped)
        list(src.frames())
    assert str(flipped) in str(err.value)


def test_recording_without_depth_stream(tmp_path):
    """A recording with only a colour stream is refused with a clear line."""
    import pyrealsense2 as rs

    dev = rs.software_device()
    s = dev.add_sensor("RGB Camera")
    vs = rs.video_stream()
    vs.type, vs.index, vs.uid, vs.width, vs.height, vs.fps, vs.bpp, vs.fmt = (
        rs.stream.color, 0, 0, 64, 48, 30, 3, rs.format.rgb8)
    intr = rs.intrinsics()
    intr.width, intr.height, intr.fx, intr.fy, intr.ppx, intr.ppy = 64, 48, 50.0, 50.0, 32.0, 24.0
    vs.intrinsics = intr
    prof = s.add_video_stream(vs)
    path = str(tmp_path / "colour.db3")
    rec = rs.recorder(path, dev)
    q = rs.frame_queue(2)
    s.open(prof)
    s.start(q)
    for i in range(3):
        f = rs.software_video_frame()
        f.pixels = np.zeros((48, 64, 3), np.uint8)
        f.bpp, f.stride, f.timestamp, f.frame_number = 3, 64 * 3, 10.0 * i, i + 1
        f.domain, f.profile = rs.timestamp_domain.hardware_clock, prof.as_video_stream_profile()
        s.on_video_frame(f)
        q.wait_for_frame(2000)
    s.stop()
    s.close()
    del rec
    with pytest.raises(InputError, match="no depth stream"):
        RecordingSource(path)
