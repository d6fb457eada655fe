"""Event contracts: the only place an event's name and payload are defined.

One module per producing service (``centres``, ``marketplace``, ``funds``);
``topology`` says which service consumes which event.
"""
from contracts.envelope import Event, EventType, decode, encode

__all__ = ["Event", "EventType", "decode", "encode"]
