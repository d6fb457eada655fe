"""The notifications service's composition root: its settings, and the App its entrypoints and
its mail worker use."""
from dataclasses import dataclass

from chassis.app import App, bind_handlers, utc_now
from chassis.settings import PlatformSettings

from notifications import handlers
from notifications.adapters import NotificationsUnitOfWork


@dataclass(frozen=True)
class Settings(PlatformSettings):
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_security: str = "none"               # none, starttls or tls
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_ca_file: str | None = None           # a private CA for TLS; None: the system's
    smtp_from: str = "no-reply@codi.or.th"
    smtp_from_name: str = "ตลาดนัดองค์กรชุมชน"
    smtp_max_per_second: float = 20           # sending rate (token bucket) per instance
    smtp_burst: float = 5
    delivery_poll_seconds: float = 1.0        # NOTIFY wakes the sender sooner
    message_id_domain: str = "notifications.codi.or.th"
    web_url: str = "http://localhost:8005"   # the web app: officers' emails link to their fund's pages


def bootstrap(config):
    settings = Settings.from_config(config)
    return App(settings=settings, unit_of_work=NotificationsUnitOfWork,
               handlers=bind_handlers(handlers.EVENT_HANDLERS,
                                      {"message_id_domain": settings.message_id_domain,
                                                                "web_url": settings.web_url}),
               clock=utc_now)
