"""What a service's composition root (``<service>.bootstrap``) builds: the App its entrypoints use.

Plain Python (no nameko, no database). A handler of the handler table is ``fn(uow, event,
**dependencies)``; ``inject`` binds the dependencies it names (by parameter name, as "Architecture
Patterns with Python" does), so every bound handler is ``fn(uow, event)``.
"""
import datetime as dt
import inspect
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Mapping


def utc_now():
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class App:
    settings: Any                       # the service's Settings (chassis.settings.PlatformSettings)
    unit_of_work: Callable              # cursor → the service's UnitOfWork
    handlers: Mapping                   # EventType → bound handler fn(uow, event)
    clock: Callable[[], dt.datetime] = utc_now


def inject(handler, dependencies):
    """``handler`` with the ``dependencies`` it names bound; a parameter after (uow, event) that is
    neither given nor defaulted is an error now, at start-up, not at the first event."""
    parameters = list(inspect.signature(handler).parameters.values())[2:]
    missing = [p.name for p in parameters if p.name not in dependencies and p.default is p.empty]
    if missing:
        raise TypeError(f"{handler.__qualname__} needs {missing}, which the bootstrap does not provide")
    return partial(handler, **{p.name: dependencies[p.name] for p in parameters if p.name in dependencies})


def bind_handlers(table, dependencies=None):
    """The handler table with every handler's dependencies bound."""
    return {event_type: inject(handler, dependencies or {}) for event_type, handler in table.items()}


def consumer_name(event_type):
    """The consumer of ``event_type``: its entrypoint's name and its inbox key (on_order_paid, …).

    Renaming it would let an event already handled under the old name be handled again."""
    return "on_" + event_type.name.replace(".", "_")
