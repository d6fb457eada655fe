"""Which emails an officer gets, and when a daily digest falls due.

Pure functions of the officer's preferences and a ``now`` passed in: no clock of their own.
"""
import datetime as dt

from chassis.thai import THAI_TIME

IMMEDIATE = "immediate"
DIGEST = "digest"


def delivery_mode(preferences, kind):
    """IMMEDIATE, DIGEST, or None when the officer opted out of this kind of mail.

    Critical mail always goes at once. Otherwise a chosen digest time replaces per-credit
    emails, and an officer with neither has opted out of non-critical mail. Digest-only kinds
    (postings) reach only officers who chose a digest.
    """
    if kind.critical:
        return IMMEDIATE
    if preferences.get("daily_digest_at"):
        return DIGEST
    if kind.per_event and preferences.get("per_credit", True):
        return IMMEDIATE
    return None


def latest_slot(now, digest_at):
    """The latest Bangkok-local ``HH:MM`` at or before ``now`` (an aware datetime)."""
    hour, minute = map(int, digest_at.split(":"))
    local = now.astimezone(THAI_TIME)
    slot = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return slot if slot <= local else slot - dt.timedelta(days=1)  # Bangkok has no DST


def due_digest_slot(now, digest_at, oldest_waiting):
    """The slot whose digest is due now, or None.

    A digest is due once the officer's chosen time has passed since the oldest credit
    started waiting; the digest holds every credit that was waiting at that time. An officer
    who no longer has a digest time (``digest_at`` None) gets what was waiting at once.
    """
    slot = latest_slot(now, digest_at) if digest_at else now
    return slot if oldest_waiting <= slot else None
