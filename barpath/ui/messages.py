"""Textual messages wrapping the core events (barpath.events) and the driver's Rewind: the ONE messages module.

`wrap(event)` picks the message class; the app posts it with `post_message` (thread-safe) from the driver's
thread. Handlers are named after the class: `on_track_batch_received`, `on_set_started_received`, ...
"""

from __future__ import annotations

from textual.message import Message

from barpath.events import RepFinished, SetFinished, SetStarted, SourceEnded, Status, TrackBatch
from barpath.ui.driver import Rewind


class CoreEvent(Message):
    """A core event from the driver; `event` is the immutable dataclass."""

    def __init__(self, event: object) -> None:
        super().__init__()
        self.event = event


class TrackBatchReceived(CoreEvent):
    event: TrackBatch


class SetStartedReceived(CoreEvent):
    event: SetStarted


class RepFinishedReceived(CoreEvent):
    event: RepFinished


class SetFinishedReceived(CoreEvent):
    event: SetFinished


class StatusReceived(CoreEvent):
    event: Status


class SourceEndedReceived(CoreEvent):
    event: SourceEnded


class RewindReceived(CoreEvent):
    event: Rewind


class UnknownEventReceived(CoreEvent):
    """An event type this UI doesn't know (a newer engine): logged, otherwise ignored."""


_BY_TYPE: dict[type, type[CoreEvent]] = {
    TrackBatch: TrackBatchReceived,
    SetStarted: SetStartedReceived,
    RepFinished: RepFinishedReceived,
    SetFinished: SetFinishedReceived,
    Status: StatusReceived,
    SourceEnded: SourceEndedReceived,
    Rewind: RewindReceived,
}


def wrap(event: object) -> CoreEvent:
    """The Textual message for a core event."""
    return _BY_TYPE.get(type(event), UnknownEventReceived)(event)
