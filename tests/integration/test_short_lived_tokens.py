"""Short-lived tokens against the real PostgreSQL and a running service: an operator grants one,
it acts as its subject until it expires or is revoked, and each refusal says why (in Thai first)."""
import time
import uuid
from types import SimpleNamespace

import pytest
import requests
from nameko.containers import ServiceContainer

from chassis import auth
from chassis.cli import issue_token
from chassis.db import Database
from chassis.dependencies import ServiceDatabase
from chassis.errors import Unauthorized
from devtools.isolation import free_port
from devtools.testing import query
from funds.service import FundsService

pytestmark = pytest.mark.integration


def test_an_expired_token_is_refused_saying_so(chassis_dsn):
    database = Database(chassis_dsn, pool_size=1)
    try:
        with database.transaction() as cursor:
            granted = auth.grant(cursor, "officer", uuid.uuid4(), "test", ttl_seconds=60)
            lasting = auth.issue(cursor, "operator", None, "test")
        service_database = ServiceDatabase(database, "test")

        def principal(token):
            return service_database.principal(SimpleNamespace(headers={"Authorization": f"Bearer {token}"}))

        assert principal(granted["token"]) == auth.Principal("officer", granted["subject_id"])
        with database.transaction() as cursor:  # a minute later
            cursor.execute("UPDATE api_tokens SET expires_at = now() - interval '1 second'"
                           " WHERE token_sha256 = %s", (auth.digest(granted["token"]),))
        with pytest.raises(Unauthorized, match=r"^โทเคนหมดอายุ.*\(token expired"):
            principal(granted["token"])
        assert principal(lasting).kind == "operator"  # no expiry: until revoked
        with database.transaction() as cursor:
            assert auth.revoke(cursor, granted["token"])  # an expired token may still be revoked
        with pytest.raises(Unauthorized, match="revoked"):
            principal(granted["token"])
    finally:
        database.close()


@pytest.fixture(scope="module")
def funds(config_of, test_env):
    config = config_of("funds", TOKEN_CACHE_SECONDS=0)  # each request reads its token (the cache: below)
    container = ServiceContainer(FundsService, config)
    container.start()
    yield {"dsn": config["DATABASE_URL"], "base": f"http://{config['WEB_SERVER_ADDRESS']}",
           "operator": issue_token("funds", "operator", label="tokens test", environ=test_env)}
    container.stop()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_an_operator_grants_a_token_that_acts_for_its_subject_until_it_is_revoked(funds):
    officer = uuid.uuid4()
    response = requests.post(f"{funds['base']}/v1/tokens", headers=bearer(funds["operator"]), timeout=5,
                             json={"kind": "officer", "subject_id": str(officer), "ttl_seconds": 600,
                                   "label": "web: somchai@example.org"})
    assert response.status_code == 201, response.text
    granted = response.json()
    assert set(granted) == {"token", "kind", "subject_id", "expires_at"}
    assert granted["kind"] == "officer" and granted["subject_id"] == str(officer)
    (stored,) = query(funds["dsn"], "SELECT kind, subject_id, label, extract(epoch FROM expires_at - created_at)"
                                    " AS ttl FROM api_tokens WHERE token_sha256 = %s", (auth.digest(granted["token"]),))
    assert stored["kind"] == "officer" and stored["subject_id"] == officer and stored["label"] == "web: somchai@example.org"
    assert 599 <= stored["ttl"] <= 601
    assert query(funds["dsn"], "SELECT 1 AS found FROM api_tokens WHERE token_sha256 = %s", (granted["token"],)) == []

    # the officer's token acts as the officer: an officer of no fund may not see this one
    fund = requests.get(f"{funds['base']}/v1/funds/{uuid.uuid4()}", headers=bearer(granted["token"]), timeout=5)
    assert fund.status_code == 403, fund.text
    # and it may not grant tokens itself
    again = requests.post(f"{funds['base']}/v1/tokens", headers=bearer(granted["token"]), timeout=5,
                          json={"kind": "operator"})
    assert again.status_code == 403, again.text

    signed_out = requests.delete(f"{funds['base']}/v1/tokens/current", headers=bearer(granted["token"]), timeout=5)
    assert signed_out.status_code == 204 and signed_out.content == b"", signed_out.text
    after = requests.get(f"{funds['base']}/v1/funds/{uuid.uuid4()}", headers=bearer(granted["token"]), timeout=5)
    assert after.status_code == 401 and "revoked" in after.json()["error"]["message"]
    twice = requests.delete(f"{funds['base']}/v1/tokens/current", headers=bearer(granted["token"]), timeout=5)
    assert twice.status_code == 401
    # the operator's own token is untouched
    assert requests.post(f"{funds['base']}/v1/tokens", headers=bearer(funds["operator"]), timeout=5,
                         json={"kind": "operator"}).status_code == 201


def test_a_granted_token_expires(funds):
    response = requests.post(f"{funds['base']}/v1/tokens", headers=bearer(funds["operator"]), timeout=5,
                             json={"kind": "operator", "ttl_seconds": 60})
    assert response.status_code == 201, response.text
    token = response.json()["token"]
    assert requests.post(f"{funds['base']}/v1/tokens", headers=bearer(token), timeout=5,
                         json={"kind": "operator"}).status_code == 201
    database = Database(funds["dsn"], pool_size=1)
    try:
        with database.transaction() as cursor:
            cursor.execute("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE token_sha256 = %s",
                           (auth.digest(token),))
    finally:
        database.close()
    refused = requests.post(f"{funds['base']}/v1/tokens", headers=bearer(token), timeout=5, json={"kind": "operator"})
    assert refused.status_code == 401
    assert refused.json()["error"]["message"].startswith("โทเคนหมดอายุ")


@pytest.mark.parametrize("body, field", [
    ({"kind": "organisation"}, "subject_id"),
    ({"kind": "operator", "subject_id": str(uuid.UUID(int=7))}, "subject_id"),
    ({"kind": "operator", "ttl_seconds": 43201}, "ttl_seconds"),
])
def test_a_bad_token_request_is_a_400_naming_the_field(funds, body, field):
    response = requests.post(f"{funds['base']}/v1/tokens", headers=bearer(funds["operator"]), timeout=5, json=body)
    assert response.status_code == 400, response.text
    assert list(response.json()["error"]["fields"]) == [field]


def test_without_a_token_neither_operation_runs(funds):
    assert requests.post(f"{funds['base']}/v1/tokens", json={"kind": "operator"}, timeout=5).status_code == 401
    assert requests.delete(f"{funds['base']}/v1/tokens/current", timeout=5).status_code == 401


def test_a_token_revoked_elsewhere_is_refused_within_the_cache_time_and_at_once_where_revoked(config_of, test_env):
    config = config_of("funds", TOKEN_CACHE_SECONDS=1, WEB_SERVER_ADDRESS=f"127.0.0.1:{free_port()}")
    container = ServiceContainer(FundsService, config)
    container.start()
    base, operator = f"http://{config['WEB_SERVER_ADDRESS']}", issue_token("funds", "operator", environ=test_env)
    database = Database(config["DATABASE_URL"], pool_size=1)

    def grant(token):
        return requests.post(f"{base}/v1/tokens", headers=bearer(token), timeout=5, json={"kind": "operator"})
    try:
        elsewhere, here = grant(operator).json()["token"], grant(operator).json()["token"]
        assert grant(elsewhere).status_code == 201 and grant(here).status_code == 201  # both now cached
        with database.transaction() as cursor:  # as the command line (another process) revokes
            assert auth.revoke(cursor, elsewhere)
        assert grant(elsewhere).status_code == 201  # still trusted here, for at most the cache's second
        time.sleep(1.1)
        assert grant(elsewhere).status_code == 401
        assert requests.delete(f"{base}/v1/tokens/current", headers=bearer(here), timeout=5).status_code == 204
        assert grant(here).status_code == 401  # revoked through this instance: at once
    finally:
        database.close()
        container.stop()
