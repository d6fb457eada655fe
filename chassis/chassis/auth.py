"""Bearer tokens: issued and revoked from the command line, stored as SHA-256 digests.

A principal is an operator (network staff), an organisation (a seller or buyer acting
through the website) or a fund officer.
"""
import hashlib
import secrets
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


def issue(cursor, kind, subject_id=None, label=""):
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    token = secrets.token_urlsafe(32)
    cursor.execute(
        "INSERT INTO api_tokens (token_sha256, kind, subject_id, label) VALUES (%s, %s, %s, %s)",
        (digest(token), kind, subject_id, label),
    )
    return token


def revoke(cursor, token):
    cursor.execute(
        "UPDATE api_tokens SET revoked_at = now() WHERE token_sha256 = %s AND revoked_at IS NULL",
        (digest(token),),
    )
    return cursor.rowcount == 1


def authenticate(cursor, authorization_header):
    """The principal behind an ``Authorization: Bearer …`` header, or Unauthorized."""
    scheme, _, token = (authorization_header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("ต้องระบุโทเคน (bearer token required)")
    cursor.execute(
        "SELECT kind, subject_id FROM api_tokens WHERE token_sha256 = %s AND revoked_at IS NULL",
        (digest(token.strip()),),
    )
    row = cursor.fetchone()
    if row is None:
        raise Unauthorized("โทเคนไม่ถูกต้องหรือถูกเพิกถอน (invalid or revoked token)")
    return Principal(row["kind"], row["subject_id"])
