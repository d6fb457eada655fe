import pytest

from chassis.cli import admin_dsn
from chassis.db import create_database, drop_database, migrate


@pytest.fixture
def chassis_dsn(run_id, tmp_path):
    """A database with only the chassis's tables (outbox, inbox, tokens, …)."""
    name = f"t{run_id}_chassis"
    dsn = f"postgresql://postgres@127.0.0.1:5432/{name}"
    create_database(admin_dsn(dsn), name)
    migrate(dsn, tmp_path)  # no .sql of a service there
    yield dsn
    drop_database(admin_dsn(dsn), name)
