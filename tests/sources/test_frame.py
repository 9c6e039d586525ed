import numpy as np

from barpath.sources.frame import DepthFrame, Intrinsics


def test_depth_in_metres_is_the_float32_product_for_every_depth_unit():
    """Every uint16 depth unit, at the D4xx scale and a D405-like one: the float32 product of the unit and the float32
    scale, rounded once (what numpy's astype-and-multiply gave), 0 where invalid."""
    depth = np.arange(65536, dtype=np.uint16).reshape(256, 256)
    intr = Intrinsics(256, 256, 200.0, 200.0, 128.0, 128.0)
    for scale in (0.0010000000474974513, 0.0001):
        m = DepthFrame(depth, scale, 0.0, 0, intr).depth_m()
        assert m.dtype == np.float32 and m.shape == depth.shape
        assert np.array_equal(m, depth.astype(np.float32) * np.float32(scale))
        assert m[0, 0] == 0.0
