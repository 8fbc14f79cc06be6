"""``python -m booking_server``: serve on SQLite with demo data (see booking_server.main)."""

from booking_server.main import main

main()
