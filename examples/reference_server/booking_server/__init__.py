"""The booking_core reference HTTP server (FastAPI).

``create_app(booking_app)`` builds the ASGI app over any wired
:class:`~booking_core.bootstrap.BookingApp`; ``python -m booking_server`` runs it on an
embedded SQLite file with demo data; ``python -m booking_server.demo`` walks the booking
flow through the API and prints a transcript.
"""

from booking_server.app import create_app

__all__ = ["create_app"]
