"""The finished set's summary and the compact list of previous sets."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from barpath.events import SetFinished
from barpath.ui.widgets.cue import hinge_checked

FAULT_WORDS = {"knees_first": "knees first", "bar_away_from_body": "bar far", "spine_fold": "spine fold",
               "lockout_hyperextension": "leaning back", "partial": "partial"}
REASONS = {"idle": "", "key": "ended by key", "end_of_recording": "end of recording",
           "disconnected": "camera disconnected"}


def _v(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def summary_text(ev: SetFinished, load_kg: float | None,
                 history: list[tuple[SetFinished, float | None]] = ()) -> Text:
    s = ev.set_summary or {}
    n = s.get("reps", len(ev.reps))
    t = Text()
    t.append(f" SET {ev.set_index} DONE ", style="bold reverse")
    t.append(f"  {n} reps", style="bold")
    if load_kg is not None:
        t.append(f" @ {load_kg:g} kg", style="bold")
    t.append(f"  ·  best {_v(s.get('best_mcv'))}  last {_v(s.get('last_mcv'))} m/s")
    vl = s.get("velocity_loss_pct")
    t.append(f"  ·  VL {'–' if vl is None else f'{vl:.0f} %'}")
    faults = s.get("faults") or {}
    dropped = list(s.get("dropped_reps") or ())
    judged = [r for r in ev.reps if r.get("index") not in dropped]  # (a dropped bar's fall is no lowering)
    if faults:
        t.append("  ·  ")
        t.append(", ".join(f"{FAULT_WORDS.get(k, k.replace('_', ' '))} (rep {', '.join(map(str, v))})"
                           for k, v in faults.items()), style="#ffb300")
    elif judged and all(hinge_checked(r) for r in judged):
        t.append("  ·  no faults", style="#66bb6a")
    elif judged:
        t.append(f"  ·  hinge not checked on {sum(not hinge_checked(r) for r in judged)} of {len(judged)} reps")
    if dropped:
        t.append(f"  ·  dropped (rep {', '.join(map(str, dropped))})")
    reason = REASONS.get(ev.reason, ev.reason)
    if reason:
        t.append(f"  ·  {reason}")
    t.append("\n  ")
    t.append(f"saved to {ev.saved_to}" if ev.saved_to else "not saved", style="#9e9e9e")
    if history:
        t.append("   │  ", style="#555555")
        t.append_text(history_text(history))
    return t


def history_text(done: list[tuple[SetFinished, float | None]]) -> Text:
    t = Text(" Previous sets: ", style="#9e9e9e")
    for i, (ev, load) in enumerate(done[-6:]):
        s = ev.set_summary or {}
        vl = s.get("velocity_loss_pct")
        if i:
            t.append("   │   ", style="#555555")
        t.append(f"S{ev.set_index}", style="bold")
        t.append(f" {s.get('reps', len(ev.reps))}×" + (f"{load:g} kg" if load is not None else ""))
        t.append(f" best {_v(s.get('best_mcv'))} VL {'–' if vl is None else f'{vl:.0f}%'}")
    return t


class SetSummary(Static):
    """Empty while a set runs with no history; the summary after SetFinished; else the previous sets."""

    def show(self, finished: tuple[SetFinished, float | None] | None,
             history: list[tuple[SetFinished, float | None]]) -> None:
        if finished is not None:
            self.update(summary_text(*finished, history))
            self.set_class(True, "-finished")
        elif history:
            self.update(history_text(history))
            self.set_class(False, "-finished")
        else:
            self.update("")
            self.set_class(False, "-finished")
        self.display = finished is not None or bool(history)
