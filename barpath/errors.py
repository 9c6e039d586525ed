"""Errors a user sees as one line (file + problem) and a non-zero exit, never a traceback."""

from __future__ import annotations


class BarpathError(Exception):
    """Base for errors reported to the user as a single line."""

    exit_code = 2


class InputError(BarpathError):
    """A file given to barpath cannot be used: missing, not a recording, damaged, no depth stream."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class CameraDisconnected(BarpathError):
    """The live camera stopped delivering frames (unplugged, or no frame within the timeout)."""
