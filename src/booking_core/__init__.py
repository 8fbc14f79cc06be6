"""booking_core: a pure-Python core for on-demand and at-home service booking platforms."""

from booking_core.errors import BookingError
from booking_core.money import Money
from booking_core.timerange import TimeRange

__all__ = ["BookingError", "Money", "TimeRange"]
__version__ = "0.1.0"
