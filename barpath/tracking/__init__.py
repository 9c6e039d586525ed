"""Kalman tracking of 3D points (bar plate centre, hip, knee) from per-frame detections."""

from barpath.tracking.kalman import (ConstantAccelerationKF, ca_process_noise, ca_transition, chi2_3dof_ppf,
                                     measurement_cov)
from barpath.tracking.point_tracker import (DEFAULT_PROCESS_NOISE, DEFAULT_SMOOTHER_PROCESS_NOISE,
                                            FilterRecord, PointTracker, SmoothedTrack,
                                            TrackSample, TrackStatus, smooth)

__all__ = ["ConstantAccelerationKF", "DEFAULT_PROCESS_NOISE", "DEFAULT_SMOOTHER_PROCESS_NOISE", "FilterRecord", "PointTracker", "SmoothedTrack",
           "TrackSample", "TrackStatus", "ca_process_noise", "ca_transition", "chi2_3dof_ppf", "measurement_cov",
           "smooth"]
