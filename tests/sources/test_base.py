from barpath.sources.base import GapCounter


def test_gap_counter_counts_missing_frame_numbers():
    g = GapCounter()
    assert [g.see(n) for n in (5, 6, 9, 10, 14)] == [0, 0, 2, 0, 3]
    assert g.dropped == 5


def test_gap_counter_ignores_repeats_and_reordering():
    g = GapCounter()
    for n in (1, 2, 2, 3, 5, 4):
        g.see(n)
    assert g.dropped == 1
