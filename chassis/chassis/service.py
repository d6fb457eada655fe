"""The base every service class extends: the App its bootstrap builds, database, outbox relay,
metrics, log ids, health, OpenAPI, retention, and one event consumer per entry of its handler table.

A service class declares ``event_handlers`` (its handler table: EventType → handler) and
``bootstrap`` (its composition root: config → ``chassis.app.App``). For each event type of the table
the class gets a consumer method ``on_<event>`` (``chassis.app.consumer_name``: also its inbox key)
that runs the one generic path below; services write no consumer code.
"""
from functools import cache

from nameko.timer import Timer
from werkzeug.wrappers import Response

from chassis import metrics, openapi, retention, tokens
from chassis.app import consumer_name
from chassis.dependencies import Application, Bootstrapped, Database, LogContext, Metrics, OutboxRelay
from chassis.http import http
from chassis.messaging import event_consumer


class ConfiguredTimer(Timer):
    """A nameko timer whose interval (seconds) is the service's setting named ``setting``; an
    interval of 0 or less turns the timer off."""

    bootstrapped = Bootstrapped()

    def __init__(self, setting, **kwargs):
        self.setting = setting
        super().__init__(interval=0, **kwargs)

    def setup(self):
        self.interval = getattr(self.bootstrapped.app().settings, self.setting)

    def start(self):
        if self.interval > 0:
            super().start()

    def stop(self):
        if self.gt is not None:
            super().stop()

    def kill(self):
        if self.gt is not None:
            super().kill()


def _consumer(event_type):
    """The consumer method of ``event_type``: a batch of its events, each with its inbox row, the
    table's handler and its staged events, in one transaction; a redelivery does nothing. The
    entrypoint (``chassis.messaging``) gathers the batches, retries, dead-letters and acks."""
    name = consumer_name(event_type)

    def consume(self, events):
        return self.db.handle_batch(events, name, self.app.unit_of_work, self.app.handlers[event_type])

    consume.__name__ = consume.__qualname__ = name
    consume.__doc__ = f"Handle {event_type.key} events once each (the handler table's entry)."
    return event_consumer(event_type)(consume)


class PlatformService:
    app = Application()
    db = Database()
    outbox = OutboxRelay()
    timing = Metrics()
    log_context = LogContext()
    # Event types whose published outbox rows are kept for good (a reconciliation serves them)
    retained_events = ()
    # The handler table (EventType → handler); a service that consumes events declares its own
    event_handlers = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for event_type in cls.__dict__.get("event_handlers", {}):
            name = consumer_name(event_type)
            if name in cls.__dict__:  # it would be replaced, and its inbox key with it
                raise TypeError(f"{cls.__name__}.{name}: consumers come from the handler table only")
            setattr(cls, name, _consumer(event_type))

    def unit_of_work(self):
        """One transaction with the service's repositories (its bootstrap's unit of work); events
        it raises are staged in the outbox before commit."""
        return self.db.unit_of_work(self.app.unit_of_work)

    @ConfiguredTimer.decorator("retention_interval_s")
    def prune_retention(self):
        """Prune inbox, idempotency keys and published outbox rows past their horizons."""
        retention.prune(self.db, self.name, retention.Horizons.from_settings(self.app.settings),
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

    @http("POST", "/v1/tokens", body=tokens.TokenIn, response=tokens.TokenOut, status=201, roles=("operator",),
          unit_of_work=True)
    def grant_token(self, uow, body):
        """ออกโทเคนอายุสั้นเพื่อทำรายการแทนผู้ใช้ (grant a short-lived token to act for someone)

        เจ้าหน้าที่ระบบเท่านั้น เช่น เว็บไซต์เมื่อผู้ใช้ลงชื่อเข้าใช้ทางอีเมลแล้ว kind เป็น operator,
        organisation หรือ officer (สองอย่างหลังต้องมี subject_id) ttl_seconds 60–43200 ค่าเริ่มต้น 28800
        เก็บไว้เพียงค่า SHA-256 ของโทเคน (operators only, e.g. the website once a person has signed in
        by email; organisation and officer tokens name their subject_id; the token is shown once and
        stored as its SHA-256 digest)."""
        return tokens.grant(uow.cursor, body)

    @http("DELETE", "/v1/tokens/current", status=204, unit_of_work=True)
    def revoke_current_token(self, request, uow):
        """เพิกถอนโทเคนที่ใช้ส่งคำขอนี้ (revoke the token this request is sent with)

        เช่น เมื่อผู้ใช้ออกจากระบบ คำขอถัดไปด้วยโทเคนนี้ได้ 401 (e.g. signing out: the next request
        with this token is a 401)."""
        tokens.revoke_current(uow.cursor, request.headers.get("Authorization"))
        uow.after_commit(lambda: self.db.forget_token(request.headers.get("Authorization")))

    @http("GET", "/openapi.json", public=True)
    def openapi_document(self):
        """เอกสาร OpenAPI 3.1 ของบริการนี้ (this service's OpenAPI 3.1 document)

        ฉบับเดียวกับที่ make contracts เขียนไว้ใน contracts/openapi/ (the one make contracts commits)."""
        return openapi_document(type(self))


@cache
def openapi_document(service_class):
    return openapi.document(service_class)
