"""How the web service declares itself (the "codi.services" entry point of its pyproject.toml)."""
from chassis.registry import ServiceDescription

DESCRIPTION = ServiceDescription(name="web", service_class="web.service:WebService", default_http_port=8005,
                                 calls=("centres", "funds", "marketplace"))
