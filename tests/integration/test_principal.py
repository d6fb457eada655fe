"""Authentication reads the token outside any transaction and leaves the pool as it found it."""
from types import SimpleNamespace

import pytest

from chassis import auth
from chassis.db import Database
from chassis.dependencies import ServiceDatabase
from chassis.errors import Unauthorized

pytestmark = pytest.mark.integration


def test_a_token_authenticates_until_revoked_and_the_connection_stays_transactional(chassis_dsn):
    database = Database(chassis_dsn, pool_size=1)
    try:
        with database.transaction() as cursor:
            token = auth.issue(cursor, "operator", None, "test")
        service_database = ServiceDatabase(database, "test")
        request = SimpleNamespace(headers={"Authorization": f"Bearer {token}"})

        assert service_database.principal(request).kind == "operator"
        with database.connection() as conn:
            assert conn.autocommit is False

        with database.transaction() as cursor:
            auth.revoke(cursor, token)
        with pytest.raises(Unauthorized):
            service_database.principal(request)
        with database.connection() as conn:
            assert conn.autocommit is False
    finally:
        database.close()
