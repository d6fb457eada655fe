"""How the marketplace service declares itself (the "codi.services" entry point of its pyproject.toml)."""
from chassis.registry import ServiceDescription

DESCRIPTION = ServiceDescription(name="marketplace", service_class="marketplace.service:MarketplaceService",
                                 default_http_port=8001,
                                 commands={"reconcile-payments": "marketplace.payment_reconciler"})
