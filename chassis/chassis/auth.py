"""Bearer tokens: issued and revoked from the command line or over HTTP, stored as SHA-256 digests.

A principal is an operator (network staff), an organisation (a seller or buyer acting
through the website) or a fund officer. A token may expire (``expires_at``): the website signs a
person in and acts for them with a short-lived token it is granted with its own operator token
(``POST /v1/tokens``, ``chassis.service``); a token from the command line lasts until revoked
unless given a lifetime.
"""
import hashlib
import math
import secrets
import time
from dataclasses import dataclass

from chassis.errors import Forbidden, Unauthorized

KINDS = ("operator", "organisation", "officer")


@dataclass(frozen=True)
class Principal:
    kind: str
    subject_id: object = None  # uuid.UUID of the organisation or officer; None for operators

    @property
    def is_operator(self):
        return self.kind == "operator"

    def key(self):
        return f"{self.kind}:{self.subject_id or '-'}"

    def require(self, *kinds):
        if self.kind not in kinds:
            raise Forbidden(f"ต้องเป็น {' หรือ '.join(kinds)} (requires {', '.join(kinds)})")
        return self


def digest(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def grant(cursor, kind, subject_id=None, label="", ttl_seconds=None):
    """A new token: {token, kind, subject_id, expires_at}; only its digest is stored. With
    ``ttl_seconds`` it expires that long from now (the database's clock), else never."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    token = secrets.token_urlsafe(32)
    cursor.execute(
        "INSERT INTO api_tokens (token_sha256, kind, subject_id, label, expires_at) VALUES (%s, %s, %s, %s,"
        " CASE WHEN %s::integer IS NULL THEN NULL ELSE now() + %s::integer * interval '1 second' END)"
        " RETURNING expires_at",
        (digest(token), kind, subject_id, label, ttl_seconds, ttl_seconds),
    )
    return {"token": token, "kind": kind, "subject_id": subject_id, "expires_at": cursor.fetchone()["expires_at"]}


def issue(cursor, kind, subject_id=None, label="", ttl_seconds=None):
    """A new token (the text; only its digest is stored), expiring after ``ttl_seconds`` if given."""
    return grant(cursor, kind, subject_id, label, ttl_seconds)["token"]


def revoke(cursor, token):
    cursor.execute(
        "UPDATE api_tokens SET revoked_at = now() WHERE token_sha256 = %s AND revoked_at IS NULL",
        (digest(token),),
    )
    return cursor.rowcount == 1


def bearer_token(authorization_header):
    """The token of an ``Authorization: Bearer …`` header, or Unauthorized."""
    scheme, _, token = (authorization_header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("ต้องระบุโทเคน (bearer token required)")
    return token.strip()


def authenticate(cursor, authorization_header):
    """The principal behind an ``Authorization: Bearer …`` header, or Unauthorized (also once the
    token has expired)."""
    return lookup(cursor, digest(bearer_token(authorization_header)))[0]


def lookup(cursor, token_digest):
    """(principal, seconds until the token expires or None) of a token's digest, or Unauthorized."""
    cursor.execute(
        "SELECT kind, subject_id, extract(epoch FROM expires_at - now()) AS seconds_left FROM api_tokens"
        " WHERE token_sha256 = %s AND revoked_at IS NULL",
        (token_digest,),
    )
    row = cursor.fetchone()
    if row is None:
        raise Unauthorized("โทเคนไม่ถูกต้องหรือถูกเพิกถอน (invalid or revoked token)")
    seconds_left = None if row["seconds_left"] is None else float(row["seconds_left"])
    if seconds_left is not None and seconds_left <= 0:
        raise Unauthorized("โทเคนหมดอายุแล้ว ลงชื่อเข้าใช้ใหม่ (token expired: sign in again)")
    return Principal(row["kind"], row["subject_id"]), seconds_left


class PrincipalCache:
    """Who a token's digest belongs to, remembered in this process for ``seconds`` so that a request
    reads no token from the database. A token revoked through this process is forgotten at once;
    revoked elsewhere (another instance, the command line), it still works here for at most
    ``seconds``. No entry outlives its token's expiry; unknown tokens are never remembered."""

    def __init__(self, seconds, capacity=10_000, clock=time.monotonic):
        self.seconds, self.capacity, self.clock = seconds, capacity, clock
        self._entries = {}  # digest → (principal, monotonic time it stops being trusted)

    def get(self, token_digest):
        entry = self._entries.get(token_digest)
        if entry is None:
            return None
        if entry[1] <= self.clock():
            self._entries.pop(token_digest, None)
            return None
        return entry[0]

    def put(self, token_digest, principal, seconds_left=None):
        lifetime = min(self.seconds, math.inf if seconds_left is None else seconds_left)
        if lifetime <= 0:
            return
        if len(self._entries) >= self.capacity:  # the oldest entry goes first
            self._entries.pop(next(iter(self._entries)))
        self._entries[token_digest] = (principal, self.clock() + lifetime)

    def forget(self, token_digest):
        self._entries.pop(token_digest, None)
