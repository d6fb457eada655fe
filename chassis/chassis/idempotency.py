"""Idempotency-Key handling, inside the same transaction as the request's effect.

The first request with a key inserts its row and holds it until commit; a concurrent
repeat waits on the primary key, then finds the committed response. Only successful
responses are kept: a request that failed may be retried with the same key.
"""
import hashlib
import json

from chassis.errors import Unprocessable


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


def record(cursor, principal_key, key, status, response):
    cursor.execute(
        "UPDATE idempotency_keys SET status = %s, response = %s WHERE principal = %s AND key = %s",
        (status, json.dumps(response, default=str), principal_key, key),
    )
