"""The web service's composition root: its settings, and the App its pages use."""
import datetime as dt
import secrets
from dataclasses import dataclass

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from chassis.app import App, utc_now
from chassis.settings import PlatformSettings

from web.adapters import WebUnitOfWork
from web.apis import PlatformApis, ServiceApi
from web.views import Views


@dataclass(frozen=True)
class Settings(PlatformSettings):
    web_public_url: str = "http://localhost:8005"   # how people reach these pages (the links in emails)
    centres_url: str = "http://127.0.0.1:8003"
    funds_url: str = "http://127.0.0.1:8002"
    marketplace_url: str = "http://127.0.0.1:8001"
    # this service's operator tokens at the other services: it asks them for each signed-in
    # person's short-lived token (POST /v1/tokens) and looks up who an email belongs to
    web_centres_token: str | None = None
    web_funds_token: str | None = None
    web_marketplace_token: str | None = None
    web_staff_emails: str = ""                      # CODI staff who see the network's roll-ups (comma-separated)
    web_secret_key: str | None = None               # CSRF tokens' key; None: one per process (set it for several)
    web_cookie_secure: bool = True                  # the session cookie is Secure (browsers allow it on localhost)
    signin_link_minutes: float = 15
    session_hours: float = 8
    # sign-in requests, per email and per client address (limits' notation), per instance
    signin_limit_per_email: str = "5/15minutes"
    signin_limit_per_address: str = "30/15minutes"

    @property
    def staff_emails(self):
        return frozenset(email.strip().lower() for email in self.web_staff_emails.split(",") if email.strip())

    @property
    def signin_link_lifetime(self):
        return dt.timedelta(minutes=self.signin_link_minutes)

    @property
    def session_lifetime(self):
        return dt.timedelta(hours=self.session_hours)


@dataclass(frozen=True)
class SigninLimits:
    """Moving-window limits on sign-in requests (``limits``: in memory, so per instance)."""
    limiter: object
    per_email: object
    per_address: object

    def allow(self, email, address):
        return (self.limiter.hit(self.per_address, "signin-address", address or "-")
                and self.limiter.hit(self.per_email, "signin-email", email))


@dataclass(frozen=True)
class WebApp(App):
    apis: PlatformApis = None
    views: Views = None
    signin_limits: SigninLimits = None
    secret_key: bytes = b""


def bootstrap(config):
    settings = Settings.from_config(config)
    apis = PlatformApis(
        centres=ServiceApi("centres", settings.centres_url, settings.web_centres_token),
        funds=ServiceApi("funds", settings.funds_url, settings.web_funds_token),
        marketplace=ServiceApi("marketplace", settings.marketplace_url, settings.web_marketplace_token))
    limits = SigninLimits(MovingWindowRateLimiter(MemoryStorage()), parse(settings.signin_limit_per_email),
                          parse(settings.signin_limit_per_address))
    secret_key = (settings.web_secret_key or secrets.token_hex(32)).encode()
    return WebApp(settings=settings, unit_of_work=WebUnitOfWork, handlers={}, clock=utc_now, apis=apis,
                  views=Views(settings.web_public_url), signin_limits=limits, secret_key=secret_key)
