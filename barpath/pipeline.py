"""Run the engine over a source: the shared loop behind `analyze` and the TUI's drivers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from barpath.calibrate import lift_frame_for
from barpath.cameras import baseline_for
from barpath.engine import Engine, EngineConfig
from barpath.errors import InputError
from barpath.events import Event
from barpath.progress import Progress
from barpath.report import analysis_document
from barpath.sources.base import FrameSource
from barpath.sources.playback import RecordingSource


CALIBRATION_DIR = "calibration"


def engine_for(source: FrameSource, emit: Callable[[Event], None] | None = None,
               idle_end_s: float | None = None, calibration_dir: str | None = CALIBRATION_DIR,
               keep_history: bool = True, leg_share: float | None = None) -> Engine:
    """An engine for this source, with the stored calibration of its camera when one fits the stream."""
    info = source.info
    cfg = EngineConfig(baseline_m=baseline_for(info.camera), idle_end_s=idle_end_s, keep_history=keep_history,
                       leg_share=leg_share)
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
    stance_note: str = ""  # why the recording was analysed twice (a wide stance's legs), or ''
    engine: Engine | None = None  # the (last) pass's engine


def analyze_recording(path: str, progress: Progress | None = None,
                      watch: Callable[[Engine], None] | None = None) -> AnalysisResult:
    """Play a recording as fast as possible through the engine; one set per recording. A wide stance's legs are
    shorter in the sagittal plane, which the body estimator learns only once it has seen the shins below the plate
    (after the first rep, BodyEstimator.hindsight_share): then the recording is analysed again with that share from
    its first frame. watch: called with each pass's engine before its first frame (the benchmark's timers)."""
    result = analysis_pass(path, progress, None, watch)
    body = result.engine.measurer.body
    share = None if body is None else body.hindsight_share()
    if share is None:
        return result
    note = (f"stance: wide, the legs {100 * (1 - share):.1f} % shorter seen side-on (learnt during the set): "
            f"analysed a second time with that from the first frame")
    if progress is not None:
        progress.restart(f"{progress.label} again (wide stance)")
    result = analysis_pass(path, progress, share, watch)
    result.stance_note = note
    return result


def analysis_pass(path: str, progress: Progress | None = None, leg_share: float | None = None,
                  watch: Callable[[Engine], None] | None = None) -> AnalysisResult:
    """One pass of the engine over the recording; leg_share: the legs' sagittal share from the first frame (None:
    learnt as the pass goes, BodyEstimator)."""
    source = RecordingSource(path)
    engine = engine_for(source, leg_share=leg_share)
    if watch is not None:
        watch(engine)
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
                          framing_notes(engine), engine=engine)


def framing_notes(engine: Engine) -> str:
    """All the advice on the camera's placement after a recording, one line each: the framing's, then the hinge's."""
    return "\n".join(n for n in (engine.measurer.framing_note(), engine.hinge_note()) if n)
