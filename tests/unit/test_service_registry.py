"""The services as they declare themselves (chassis.registry): each one's entry point, read from the
installed packages, is what codi-admin, the local platform and the generated documents follow."""
from importlib.metadata import EntryPoint

import pytest

from chassis import registry
from chassis.cli import nameko_command, service_config


@pytest.fixture
def installed(monkeypatch):
    """Replace the installed entry points with ``entry_points`` for one test."""
    def install(*entry_points):
        monkeypatch.setattr(registry, "entry_points", lambda group: [
            EntryPoint(name, value, group) for name, value in entry_points])
        registry.services.cache_clear()

    yield install
    registry.services.cache_clear()


def test_the_five_services_in_the_order_make_up_starts_them():
    assert registry.names() == ("marketplace", "funds", "centres", "notifications", "web")


@pytest.mark.parametrize("service", registry.names())
def test_each_description_names_its_service_class_port_and_commands(service):
    description = registry.description(service)
    service_class = description.load_service_class()
    assert service_class.name == service
    assert nameko_command(service)[-1] == description.service_class
    address = service_config(service, environ={})["WEB_SERVER_ADDRESS"]
    assert address.rpartition(":")[2] == str(description.default_http_port), "config.yaml's default port"
    for command in description.commands:
        module = description.command_module(command)
        assert module.__name__.startswith(f"{service}.")
        assert callable(module.add_arguments) and callable(module.command) and module.HELP


def test_the_services_own_commands_are_the_two_reconciliations_and_issuing_statements():
    assert {service.name: list(service.commands) for service in registry.services() if service.commands} == {
        "funds": ["reconcile", "issue-statements"], "marketplace": ["reconcile-payments"]}


def test_an_unknown_service_is_a_key_error():
    with pytest.raises(KeyError):
        registry.description("ledger")


def test_services_are_ordered_by_default_port_whatever_order_they_are_found_in(installed):
    installed(("notifications", "notifications.description:DESCRIPTION"),
              ("funds", "funds.description:DESCRIPTION"),
              ("marketplace", "marketplace.description:DESCRIPTION"))
    assert registry.names() == ("marketplace", "funds", "notifications")


def test_an_entry_point_that_describes_another_service_is_refused(installed):
    installed(("ledger", "funds.description:DESCRIPTION"))
    with pytest.raises(TypeError, match="ledger"):
        registry.services()
