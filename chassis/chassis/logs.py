"""Logs an operator can follow: one JSON object per line (service, level, message and the request,
event and order ids of the work in hand), or plain text for a person at a terminal (``make up``).

``config.yaml`` picks the formatter with ``LOG_FORMAT`` (json or plain). The ids live in a context
variable: with greenlet ≥ 1.0 every green thread has its own context and a new one starts empty, so
each worker binds its own ids (``chassis.dependencies.LogContext``) and concurrent workers never see
each other's. Code that learns an id later (a new order's) adds it with ``bind`` or ``extra=``.
"""
import contextvars
import re
import uuid

from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# A client's request id is echoed in a response header and the logs: a short token, nothing else
_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_ENVIRON_KEY = "codi.request_id"

_ids = contextvars.ContextVar("codi_log_ids", default={})


def start(**ids):
    """The ids of new work in this green thread (drops the previous work's); None values are left out."""
    _ids.set({key: str(value) for key, value in ids.items() if value is not None})


def bind(**ids):
    """Add ids to every later log line of this green thread's work."""
    _ids.set({**_ids.get(), **{key: str(value) for key, value in ids.items() if value is not None}})


def current():
    return dict(_ids.get())


def request_ids(request):
    """The log ids of an HTTP request: its request id (the client's ``X-Request-ID`` when that is a
    short token, else a new one, the same for the whole request) and the order in its path, if any."""
    if _ENVIRON_KEY not in request.environ:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request.environ[_ENVIRON_KEY] = given if _CLIENT_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    path_values = getattr(request, "path_values", None) or {}
    return {"request_id": request.environ[_ENVIRON_KEY], "order_id": path_values.get("order_id")}


class ServiceJsonFormatter(JsonFormatter):
    """One JSON object per line: time, service, level, logger, message, the bound ids, ``extra=``."""

    def __init__(self, service):
        super().__init__("%(levelname)s %(name)s %(message)s", timestamp="time",
                         rename_fields={"levelname": "level", "name": "logger"},
                         static_fields={"service": service}, json_ensure_ascii=False)

    def add_fields(self, log_data, record, message_dict):
        super().add_fields(log_data, record, message_dict)
        for key, value in _ids.get().items():
            log_data.setdefault(key, value)  # an id given with extra= wins
