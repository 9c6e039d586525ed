"""Development entry point: play a synthetic recording's truth file through the TUI.

    python -m barpath.ui.dev /tmp/ui/vloss.truth.json [--speed 2] [--sets 2] [--instant] [--load 140]
"""

from __future__ import annotations

import argparse

from barpath.ui.app import Settings, create_app
from barpath.ui.driver import ScriptedDriver, truth_script


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m barpath.ui.dev")
    ap.add_argument("truth", help="NAME.truth.json written by `barpath synth`")
    ap.add_argument("--speed", type=float, default=1.0)
    ap.add_argument("--sets", type=int, default=1, help="play the set this many times")
    ap.add_argument("--instant", action="store_true", help="no pacing: everything at once")
    ap.add_argument("--paused", action="store_true", help="start paused")
    ap.add_argument("--load", type=float, default=None, help="kg")
    ap.add_argument("--vl-limit", type=float, default=20.0, help="velocity-loss limit, %%")
    a = ap.parse_args(argv)
    driver = ScriptedDriver(truth_script(a.truth, sets=a.sets), pace=not a.instant, speed=a.speed,
                            start_paused=a.paused)
    create_app(driver, settings=Settings(load_kg=a.load, vl_limit_pct=a.vl_limit)).run()


if __name__ == "__main__":
    main()
