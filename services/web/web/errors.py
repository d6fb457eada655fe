"""Refusals a page shows: its own, and those of the services it calls."""
import uuid

NOT_FOUND = "ไม่พบหน้านี้ (no such page)"


class ApiError(Exception):
    """A service's refusal (4xx: ``status``, its Thai message) or its outage (503)."""

    def __init__(self, status, message, fields=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or {}


class PageError(ApiError):
    """This service's own refusal of a page (403, 404, 429, …)."""


def path_uuid(text):
    """A UUID from a page's path; anything else is a page that does not exist (404)."""
    try:
        return uuid.UUID(str(text))
    except ValueError:
        raise PageError(404, NOT_FOUND) from None
