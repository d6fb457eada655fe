"""The services of the platform, as each declares itself: chassis names none of them.

A service's pyproject.toml declares its description as an entry point::

    [project.entry-points."codi.services"]
    <name> = "<name>.description:DESCRIPTION"

and ``codi-admin``, the local platform, the tests, the benchmark, the fault run and the deployment
files read them from here. Framework-free: reading the list imports no service class.
"""
import importlib
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from pkgutil import resolve_name

ENTRY_POINT_GROUP = "codi.services"


@dataclass(frozen=True)
class ServiceDescription:
    """One service: its name (also its package, database and queue prefix), its nameko service class
    as ``"module:Class"``, the HTTP port it listens on by default, and the commands it adds to
    ``codi-admin <name>``: {command: module with HELP, add_arguments(parser) and command(args) → exit status},
    and the services whose HTTP APIs it calls as an operator (``calls``: it reads each one's address
    from ``<CALLEE>_URL`` and its operator token there from ``<NAME>_<CALLEE>_TOKEN``)."""
    name: str
    service_class: str
    default_http_port: int
    commands: dict = field(default_factory=dict)
    calls: tuple = ()

    def load_service_class(self):
        return resolve_name(self.service_class)

    def command_module(self, command):
        return importlib.import_module(self.commands[command])


@cache
def services():
    """Every installed service, in the order of their default HTTP ports: the order `make up` starts
    and prints them in."""
    found = []
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        described = entry_point.load()
        if not isinstance(described, ServiceDescription) or described.name != entry_point.name:
            raise TypeError(f"entry point {entry_point.name} = {entry_point.value} does not describe"
                            f" the service {entry_point.name!r}")
        found.append(described)
    return tuple(sorted(found, key=lambda service: (service.default_http_port, service.name)))


def names():
    return tuple(service.name for service in services())


def description(name):
    """The description of the service ``name``; KeyError if no such service is installed."""
    for service in services():
        if service.name == name:
            return service
    raise KeyError(name)
