"""Orders: the at-home order, its lifecycle machine, its timeline and its review."""

from booking_core.orders.actor import Actor, Role
from booking_core.orders.order import Order, OrderState, TransitionRecord
from booking_core.orders.review import Review

__all__ = ["Actor", "Order", "OrderState", "Review", "Role", "TransitionRecord"]
