"""The base every service class extends: database, outbox relay, metrics, log ids, health, OpenAPI,
retention."""
from functools import cache

from nameko.dependency_providers import Config
from nameko.timer import Timer
from werkzeug.wrappers import Response

from chassis import metrics, openapi, retention
from chassis.dependencies import Database, LogContext, Metrics, OutboxRelay
from chassis.http import http


class ConfiguredTimer(Timer):
    """A nameko timer whose interval comes from the service config (``config_key``; unset or empty:
    the default); an interval of 0 or less turns the timer off."""

    def __init__(self, config_key, default_seconds, **kwargs):
        self.config_key = config_key
        super().__init__(interval=default_seconds, **kwargs)

    def setup(self):
        value = self.container.config.get(self.config_key)
        if value not in (None, ""):
            self.interval = float(value)

    def start(self):
        if self.interval > 0:
            super().start()

    def stop(self):
        if self.gt is not None:
            super().stop()

    def kill(self):
        if self.gt is not None:
            super().kill()


class PlatformService:
    db = Database()
    outbox = OutboxRelay()
    timing = Metrics()
    log_context = LogContext()
    config = Config()
    # Event types whose published outbox rows are kept for good (a reconciliation serves them)
    retained_events = ()

    @ConfiguredTimer.decorator("RETENTION_INTERVAL_S", retention.DEFAULTS["RETENTION_INTERVAL_S"])
    def prune_retention(self):
        """Prune inbox, idempotency keys and published outbox rows past their horizons."""
        retention.prune(self.db, self.name, retention.Horizons.from_config(self.config),
                        retention.prunable_events(self.name, self.retained_events))

    @http("GET", "/metrics", public=True, media={"text/plain": {"schema": {"type": "string"}}})
    def prometheus_metrics(self):
        """ตัวชี้วัดสำหรับ Prometheus (metrics in the Prometheus text format)"""
        self.outbox.refresh_gauges()
        body, content_type = metrics.exposition()
        return Response(body, content_type=content_type)

    @http("GET", "/health/live", public=True)
    def health_live(self):
        """บริการยังทำงาน (liveness: the process answers)"""
        return {"status": "ok", "service": self.name}

    @http("GET", "/health/ready", public=True, errors={503: {
        "description": "ยังไม่พร้อม ดูเหตุผลใน checks (not ready: checks says why)",
        "content": {"application/json": {"schema": {"type": "object", "required": ["status", "checks"]}}}}})
    def health_ready(self):
        """พร้อมรับงาน: ฐานข้อมูลและ broker ใช้ได้ (readiness: database and broker reachable)

        503 เมื่อยังไม่พร้อม พร้อมเหตุผลใน checks (503 when not ready, with the reason in checks)."""
        checks = {}
        for check, probe in (("database", self.db.ping), ("broker", self.outbox.broker_ok)):
            try:
                checks[check] = "ok" if probe() else "down"
            except Exception as exc:  # any failure means not ready; say why
                checks[check] = f"down: {exc.__class__.__name__}"
        ready = all(value == "ok" for value in checks.values())
        return (200 if ready else 503), {"status": "ready" if ready else "not ready",
                                         "service": self.name, "checks": checks}

    @http("GET", "/openapi.json", public=True)
    def openapi_document(self):
        """เอกสาร OpenAPI 3.1 ของบริการนี้ (this service's OpenAPI 3.1 document)

        ฉบับเดียวกับที่ make contracts เขียนไว้ใน contracts/openapi/ (the one make contracts commits)."""
        return openapi_document(type(self))


@cache
def openapi_document(service_class):
    return openapi.document(service_class)
