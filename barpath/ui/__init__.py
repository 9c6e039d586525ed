"""The Textual TUI at the rack: `create_app(driver, settings=Settings(...)).run()`."""

from barpath.ui.app import BarpathApp, Settings, create_app
from barpath.ui.driver import Driver, Rewind, ScriptedDriver, truth_script

__all__ = ["BarpathApp", "Driver", "Rewind", "ScriptedDriver", "Settings", "create_app", "truth_script"]
