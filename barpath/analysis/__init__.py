"""Analysis core (pure numpy): lift frame, rep segmentation, per-rep velocity and hinge metrics, set summary.

    from barpath.analysis import LiftFrame, estimate_forward, RepDetector, analyze_set
"""

from barpath.analysis.detector import REP_KEYS, RepDetector, analyze_set
from barpath.analysis.hinge import HingeConfig, hinge_metrics
from barpath.analysis.liftframe import LiftFrame, estimate_forward
from barpath.analysis.metrics import VelocityConfig, velocity_loss, velocity_metrics
from barpath.analysis.reps import SegmentConfig, Segmentation, segment
from barpath.analysis.setsummary import summarize_set

__all__ = [
    "REP_KEYS", "RepDetector", "analyze_set", "HingeConfig", "hinge_metrics", "LiftFrame", "estimate_forward",
    "VelocityConfig", "velocity_loss", "velocity_metrics", "SegmentConfig", "Segmentation", "segment",
    "summarize_set",
]
