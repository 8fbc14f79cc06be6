"""What users test with: in-memory adapters, fakes, strategies and contract suites."""

from booking_core.testing.calendars import ScriptedCalendarSource
from booking_core.testing.clock import FrozenClock
from booking_core.testing.ids import SequentialIds
from booking_core.testing.memory import InMemoryStore, InMemoryUnitOfWork
from booking_core.testing.notifier import RecordingNotifier
from booking_core.testing.payments import ScriptedPaymentGateway
from booking_core.testing.payouts import ScriptedPayoutGateway

__all__ = [
    "FrozenClock",
    "InMemoryStore",
    "InMemoryUnitOfWork",
    "RecordingNotifier",
    "ScriptedCalendarSource",
    "ScriptedPaymentGateway",
    "ScriptedPayoutGateway",
    "SequentialIds",
]
