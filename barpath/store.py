"""Saving finished sets: the set's results as JSON beside its recording (never lose a finished set)."""

from __future__ import annotations

import datetime as _dt
import json
import os

SET_SCHEMA = "barpath.set/1"


def set_results_path(recording: str, set_index: int) -> str:
    """recordings/X.db3 -> recordings/X.set<N>.json"""
    base = recording[:-4] if recording.endswith((".db3", ".bag")) else recording
    return f"{base}.set{set_index}.json"


def save_set(recording: str, set_index: int, reps: list[dict] | tuple, summary: dict, *,
             load_kg: float | None = None, source: dict | None = None, reason: str = "") -> str:
    """Write the set atomically (temp file + rename) so a crash never leaves half a file; returns the path."""
    path = set_results_path(recording, set_index)
    doc = {"schema": SET_SCHEMA, "saved": _dt.datetime.now().isoformat(timespec="seconds"),
           "recording": os.path.basename(recording), "set_index": set_index, "load_kg": load_kg,
           "ended_by": reason, "source": source or {}, "set": summary, "reps": list(reps)}
    tmp = path + ".part"
    with open(tmp, "w") as fh:
        json.dump(doc, fh, indent=1)
    os.replace(tmp, path)
    return path
