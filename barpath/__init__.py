"""barpath: barbell velocity, bar path and hip-hinge checks from a RealSense depth camera."""

__version__ = "0.1.0"
