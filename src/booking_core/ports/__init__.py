"""Ports: the typing.Protocols through which the core reaches the world."""
