"""Run the engine over a source: the shared loop behind `analyze` and the TUI's drivers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from barpath.calibrate import lift_frame_for
from barpath.cameras import baseline_for
from barpath.engine import Engine, EngineConfig
from barpath.errors import InputError
from barpath.events import Event
from barpath.report import analysis_document
from barpath.sources.base import FrameSource
from barpath.sources.playback import RecordingSource


CALIBRATION_DIR = "calibration"


def engine_for(source: FrameSource, emit: Callable[[Event], None] | None = None,
               idle_end_s: float | None = None, calibration_dir: str | None = CALIBRATION_DIR,
               keep_history: bool = True) -> Engine:
    """An engine for this source, with the stored calibration of its camera when one fits the stream."""
    info = source.info
    cfg = EngineConfig(baseline_m=baseline_for(info.camera), idle_end_s=idle_end_s, keep_history=keep_history)
    calib, why = (None, "calibration disabled") if calibration_dir is None else \
        lift_frame_for(info.serial, info.intrinsics, calibration_dir)
    engine = Engine(info.intrinsics, cfg, lift_frame=None, emit=emit, calibration=calib)
    if calib is None:
        engine.calibration_note = why
    return engine


def calibration_label(engine: Engine) -> str:
    """What the status line says about the lift frame."""
    if engine.lift_frame is not None:
        return engine.lift_frame.source
    return "calibration" if engine.calibration is not None else "auto"


def status_message(engine: Engine) -> str:
    """What the status line warns about: a stored calibration that no longer fits, else the plate going out of the
    image (framing), else a joint unseen as many reps' descent began (hinge not judged), else what the lift frame
    waits for (the plate, the lifter), else nothing."""
    if engine.calibration_stale:
        return engine.calibration_note
    return engine.measurer.framing_note(brief=True) or engine.hinge_note(brief=True) or engine.waiting_note()


@dataclass
class AnalysisResult:
    document: dict
    error: InputError | None  # the recording stopped early: the document covers the part played
    calibration_note: str = ""  # which calibration was used, or why none was
    framing_note: str = ""  # framing advice (FrameMeasurer.framing_note, then Engine.hinge_note), or ''


def analyze_recording(path: str, progress: Callable[[int, int], None] | None = None) -> AnalysisResult:
    """Play a recording as fast as possible through the engine; one set per recording."""
    source = RecordingSource(path)
    engine = engine_for(source)
    total = source.stored_frames or max(1, int(round((source.info.duration_s or 0) * source.info.fps)))
    error = None
    try:
        for frame in source.frames():
            engine.process(frame)
            if progress is not None:
                progress(source.info.frames, max(total, source.info.frames))
    except InputError as e:
        if not engine.records:
            raise
        error = e  # keep what was played: a finished set is never lost
    finally:
        source.close()
    engine.finish()
    return AnalysisResult(analysis_document(source.info, engine), error, engine.calibration_note,
                          framing_notes(engine))


def framing_notes(engine: Engine) -> str:
    """All the advice on the camera's placement after a recording, one line each: the framing's, then the hinge's."""
    return "\n".join(n for n in (engine.measurer.framing_note(), engine.hinge_note()) if n)
