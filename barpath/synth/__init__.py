"""Synthetic lifter recordings: kinematics -> scene primitives -> rendered depth -> .db3 + truth JSON."""
