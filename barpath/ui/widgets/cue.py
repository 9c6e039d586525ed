"""One short coaching cue for the last rep, in the coaches' words."""

from __future__ import annotations

from textual.widgets import Static

from barpath.analysis.hinge import hinge_checked

# priority order: the first fault present gives the cue
CUES: dict[str, str] = {
    "partial": "Finish the rep: stand tall",
    "spine_fold": "Push the hips back, chest stays proud",
    "knees_first": "Hips back first",
    "bar_away_from_body": "Keep the bar close",
    "lockout_hyperextension": "Stand tall, don't lean back",
}
GOOD = "Good rep"
UNCHECKED = "Hinge not checked"  # velocity is known, but the hips/knees or the bar gap could not be measured
DROPPED = "Dropped: lowering not checked"  # the bar let go at the top


def cue_for(rep: dict | None, dropped: bool = False) -> tuple[str, bool]:
    """(cue, is_fault) for a rep dict; ("", False) when there is no rep yet. dropped: the bar was let go at the top
    (the set summary's dropped_reps)."""
    if not rep:
        return "", False
    faults = list(rep.get("faults") or [])
    if rep.get("partial") and "partial" not in faults:
        faults.append("partial")
    for name, text in CUES.items():
        if name in faults:
            return text, True
    if faults:  # a fault this UI has no words for: say its name
        return faults[0].replace("_", " ").capitalize(), True
    if dropped:
        return DROPPED, False
    return (GOOD if hinge_checked(rep) else UNCHECKED), False


class CueBar(Static):
    """Shows the cue big and bold: amber for a fault, green for a good rep."""

    def show_rep(self, rep: dict | None, dropped: bool = False) -> None:
        text, fault = cue_for(rep, dropped)
        self.update(text)
        self.set_class(fault, "-fault")
        self.set_class(text == GOOD, "-good")

    @property
    def text(self) -> str:
        return str(self.render())
