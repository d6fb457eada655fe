"""How the notifications service declares itself (the "codi.services" entry point of its pyproject.toml)."""
from chassis.registry import ServiceDescription

DESCRIPTION = ServiceDescription(name="notifications",
                                 service_class="notifications.service:NotificationsService",
                                 default_http_port=8004)
