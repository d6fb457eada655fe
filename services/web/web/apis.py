"""The other services' public HTTP APIs, as this service calls them: with a signed-in person's
delegated token, or with this service's own operator token to look people up and issue theirs."""
import logging
from dataclasses import dataclass

import requests

from web.errors import ApiError

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10


class ServiceApi:
    def __init__(self, name, base_url, operator_token=None):
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.operator_token = operator_token
        self.session = requests.Session()

    def call(self, method, path, token, *, json=None, params=None, raw=False, headers=None):
        """The decoded JSON answer (``raw``: the requests Response) of ``method path`` as ``token``
        (``headers``: more of them, e.g. an Idempotency-Key)."""
        headers = {**(headers or {}), **({"Authorization": f"Bearer {token}"} if token else {})}
        try:
            response = self.session.request(method, self.base_url + path, json=json, params=params,
                                            headers=headers, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            log.warning("%s %s %s: %s", self.name, method, path, exc.__class__.__name__)
            raise ApiError(503, f"บริการ {self.name} ไม่ตอบ ลองใหม่อีกครั้ง ({self.name} is unreachable)") from None
        if response.status_code >= 400:
            raise _refusal(self.name, response)
        if raw:
            return response
        return response.json() if response.content else None

    def as_operator(self, method, path, **kwargs):
        if not self.operator_token:
            raise ApiError(503, f"ยังไม่ได้ตั้งโทเคนของบริการ {self.name} (no operator token for {self.name})")
        return self.call(method, path, self.operator_token, **kwargs)

    def delegated_token(self, kind, subject_id, ttl_seconds, label):
        """A token for one signed-in person, expiring with their session."""
        body = {"kind": kind, "ttl_seconds": int(ttl_seconds), "label": label}
        if subject_id is not None:
            body["subject_id"] = str(subject_id)
        return self.as_operator("POST", "/v1/tokens", json=body)["token"]

    def revoke(self, token):
        self.call("DELETE", "/v1/tokens/current", token)


def _refusal(name, response):
    try:
        error = response.json()["error"]
        message, fields = error["message"], error.get("fields")
    except (ValueError, KeyError, TypeError):
        message, fields = f"บริการ {name} ตอบ {response.status_code} ({name} answered {response.status_code})", None
    # an outage or a fault behind us is ours to report as "try again", never a 500 of this page
    status = response.status_code if response.status_code < 500 else 503
    return ApiError(status, message, fields)


@dataclass(frozen=True)
class PlatformApis:
    centres: ServiceApi
    funds: ServiceApi
    marketplace: ServiceApi
