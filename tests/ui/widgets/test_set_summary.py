from barpath.events import SetFinished
from barpath.ui.widgets.set_summary import summary_text


def _rep(hips_first):
    return {"hips_first": hips_first, "max_bar_to_body": 0.03, "faults": []}


def test_the_summary_counts_the_reps_whose_hinge_was_not_checked():
    ev = SetFinished(1, (_rep(None), _rep(True), _rep(True)), {"best_mcv": 0.5, "last_mcv": 0.45,
                                                                "velocity_loss_pct": 10.0}, None)
    assert "hinge not checked on 1 of 3 reps" in summary_text(ev, None).plain
    ev = SetFinished(1, (_rep(True), _rep(False)), {}, None)
    assert "no faults" in summary_text(ev, None).plain


def test_dropped_reps_are_named_not_counted_as_unchecked():
    reps = tuple({**_rep(h), "index": i + 1} for i, h in enumerate((None, True, None)))
    ev = SetFinished(1, reps, {"dropped_reps": [1, 3]}, None)
    text = summary_text(ev, None).plain
    assert "no faults" in text and "dropped (rep 1, 3)" in text and "not checked" not in text
