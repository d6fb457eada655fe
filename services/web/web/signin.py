"""Sign-in without passwords: a one-time link, emailed, single use, short-lived.

Plain Python: the repositories come in the unit of work, the clock and the link's address as
arguments. Whether an email is registered never changes what the person is shown: only whether a
link is sent.
"""
import hashlib
import secrets

from contracts.web import SIGNIN_LINK_REQUESTED


class LinkRefused(Exception):
    """The link is unknown, already used or expired (one message for all three: the page says so)."""


def digest(secret):
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normalise_email(email):
    return email.strip().lower()


def request_link(uow, email, registered, public_url, now, lifetime):
    """Stage the link's email for a registered ``email``; nothing for an unknown one."""
    if not registered:
        return
    secret = secrets.token_urlsafe(32)
    expires_at = now + lifetime
    uow.signin_links.add(digest(secret), email, now, expires_at)
    uow.emit(SIGNIN_LINK_REQUESTED, {"email": email, "link": f"{public_url.rstrip('/')}/signin/{secret}",
                                     "expires_at": expires_at, "language": "th"})


def redeem_link(uow, secret, now):
    """The email the link was sent to; the link is used up. LinkRefused if it cannot be used."""
    email = uow.signin_links.use(digest(secret), now) if secret else None
    if email is None:
        raise LinkRefused()
    return email
