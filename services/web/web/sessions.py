"""Browser sessions: a random secret in an HttpOnly cookie, its digest and state in the database.

Kept server-side (not in a signed cookie) so that signing out ends a session everywhere at once.
A new session is started at sign-in, never carried over from before it (no session fixation).
"""
import secrets
from dataclasses import dataclass, field

from web.signin import digest

COOKIE = "codi_session"


@dataclass
class BrowserSession:
    id_sha256: str
    data: dict = field(default_factory=dict)   # the CSRF secret and small page state
    identity: dict | None = None                # None until sign-in (web.accounts)
    new_secret: str | None = None               # the cookie to set, for a session started now
    saved_data: dict = None

    def __post_init__(self):
        self.saved_data = dict(self.data)

    @property
    def changed(self):
        return self.data != self.saved_data


def load(uow, cookie_value, now):
    """The live session behind a cookie; None for no cookie, an unknown, ended or expired one."""
    if not cookie_value:
        return None
    row = uow.sessions.find(digest(cookie_value), now)
    if row is None:
        return None
    return BrowserSession(digest(cookie_value), row["data"], row["identity"])


def start(uow, now, lifetime, identity=None):
    secret = secrets.token_urlsafe(32)
    session = BrowserSession(digest(secret), {}, identity, new_secret=secret)
    uow.sessions.create(session.id_sha256, session.data, identity, now + lifetime)
    return session


def save(uow, session):
    if session.changed:
        uow.sessions.save_data(session.id_sha256, session.data)
        session.saved_data = dict(session.data)
