"""How the centres service declares itself (the "codi.services" entry point of its pyproject.toml)."""
from chassis.registry import ServiceDescription

DESCRIPTION = ServiceDescription(name="centres", service_class="centres.service:CentresService",
                                 default_http_port=8003)
