"""Error kinds that decide what happens to a message or a request.

Domain code raises these without knowing about brokers or HTTP; the messaging and
HTTP entrypoints translate them.
"""


class TransientError(Exception):
    """The work may succeed if tried again later (database or broker unreachable)."""


class DomainError(Exception):
    """A business rule refused the request. Subclasses map to HTTP statuses."""

    status = 422
    code = "unprocessable"

    def __init__(self, message, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The current state does not allow this transition."""

    status = 409
    code = "conflict"


class Unprocessable(DomainError):
    status = 422
    code = "unprocessable"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class InvalidInput(DomainError):
    """Field-level validation errors: ``fields`` maps a field name to its messages."""

    status = 400
    code = "invalid_input"

    def __init__(self, fields, message="ข้อมูลไม่ถูกต้อง (invalid input)"):
        super().__init__(message, fields=fields)
        self.fields = fields


class UnsupportedMediaType(DomainError):
    """A request body in a media type other than JSON."""

    status = 415
    code = "unsupported_media_type"
