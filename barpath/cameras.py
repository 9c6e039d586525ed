"""What barpath knows about D400 cameras by model name (the stereo baseline sets the depth noise)."""

from __future__ import annotations

BASELINE_M: dict[str, float] = {"D415": 0.055, "D435": 0.050, "D435i": 0.050, "D455": 0.095, "D457": 0.095}
DEFAULT_BASELINE_M = 0.050


def model_of(camera_name: str) -> str | None:
    """'Intel RealSense D435I' -> 'D435i'; None when the name carries no known model."""
    up = camera_name.upper()
    for model in sorted(BASELINE_M, key=len, reverse=True):
        if model.upper() in up:
            return model
    return None


def baseline_for(camera_name: str) -> float:
    model = model_of(camera_name)
    return BASELINE_M[model] if model else DEFAULT_BASELINE_M
