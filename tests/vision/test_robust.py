import numpy as np

from barpath.vision.robust import median


def test_the_median_is_numpys_for_odd_and_even_counts():
    rng = np.random.default_rng(3)
    for n in (1, 2, 7, 150, 151):
        a = rng.normal(size=n)
        assert median(a) == np.median(a)
        assert median(a.astype(np.float32)) == float(np.median(a.astype(np.float32)))
    assert median([3.0, 1.0, 2.0, 10.0]) == 2.5  # a sequence (a deque of fits), not only an array
