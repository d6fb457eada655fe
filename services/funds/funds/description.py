"""How the funds service declares itself (the "codi.services" entry point of its pyproject.toml)."""
from chassis.registry import ServiceDescription

DESCRIPTION = ServiceDescription(name="funds", service_class="funds.service:FundsService",
                                 default_http_port=8002, commands={"reconcile": "funds.reconciler",
                                                                   "issue-statements": "funds.issuing"})
