"""Idempotency-Key handling, inside the same transaction as the request's effect.

The first request with a key inserts its row and holds it until commit; a concurrent
repeat waits on the primary key, then finds the committed response. Only successful
responses are kept: a request that failed may be retried with the same key.
"""
import hashlib
import json
import re

from chassis.errors import InvalidInput, Unprocessable

HEADER = "Idempotency-Key"
KEY_PATTERN = "^[!-~]{1,200}$"  # visible ASCII (a UUID fits); the same regex in Python and JSON Schema


def request_key(headers):
    """The request's Idempotency-Key, or None without one (an empty one is none); 400 unless it is
    1 to 200 visible ASCII characters."""
    key = headers.get(HEADER)
    if not key:
        return None
    if not re.fullmatch(KEY_PATTERN, key):
        raise InvalidInput({HEADER: ["ต้องเป็นอักขระ ASCII ที่มองเห็นได้ 1–200 ตัว เช่น UUID "
                                     "(1 to 200 visible ASCII characters, e.g. a UUID)"]})
    return key


def request_hash(body):
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def claim(cursor, principal_key, key, body):
    """None if this is the first use of ``key`` (go ahead); else the stored (status, response)."""
    digest = request_hash(body)
    cursor.execute(
        "INSERT INTO idempotency_keys (principal, key, request_hash) VALUES (%s, %s, %s) "
        "ON CONFLICT DO NOTHING RETURNING key",
        (principal_key, key, digest),
    )
    if cursor.fetchone() is not None:
        return None
    cursor.execute(
        "SELECT request_hash, status, response FROM idempotency_keys WHERE principal = %s AND key = %s",
        (principal_key, key),
    )
    row = cursor.fetchone()
    if row["request_hash"] != digest:
        raise Unprocessable(
            "Idempotency-Key นี้ใช้กับคำขออื่นไปแล้ว (key already used with a different body)")
    return row["status"], row["response"]


def run(cursor, principal_key, key, request, work):
    """``work() -> (status, response)`` once per ``key`` of ``principal_key``, in the transaction of
    ``cursor``; a repeat gets the stored (status, response) without running it. ``request`` is what
    a repeat must match (e.g. the path and the body)."""
    stored = claim(cursor, principal_key, key, request)
    if stored is not None:
        return stored
    status, response = work()
    record(cursor, principal_key, key, status, response)
    return status, response


def record(cursor, principal_key, key, status, response):
    cursor.execute(
        "UPDATE idempotency_keys SET status = %s, response = %s WHERE principal = %s AND key = %s",
        (status, json.dumps(response, default=str), principal_key, key),
    )
