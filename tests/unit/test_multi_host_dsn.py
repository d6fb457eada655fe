"""Multi-host database addresses (a primary and its standby): every place that reads or builds
DATABASE_URL keeps both hosts and the parameters; nothing asks for the one ``.port`` they lack."""
from chassis.cli import admin_dsn, database_name
from chassis.command import address
from devtools import pg_replica
from devtools.platform import database_url, platform_env

PAIR = "postgresql://postgres@127.0.0.1:5433,127.0.0.1:5434/codi_funds?target_session_attrs=read-write"


def test_a_pair_address_names_both_hosts_and_asks_for_the_one_that_takes_writes():
    assert database_url("codi_funds", pg_nodes=[("127.0.0.1", 5433), ("127.0.0.1", 5434)]) == PAIR
    assert pg_replica.dsn("codi_funds") == PAIR
    assert database_url("codi_funds", pg_port=5440) == "postgresql://postgres@127.0.0.1:5440/codi_funds"


def test_the_admin_address_keeps_both_hosts_and_the_parameters():
    assert admin_dsn(PAIR) == ("postgresql://postgres@127.0.0.1:5433,127.0.0.1:5434/postgres"
                               "?target_session_attrs=read-write")
    assert database_name(PAIR) == "codi_funds"
    assert admin_dsn("postgresql://postgres@127.0.0.1:5432/codi_funds") == "postgresql://postgres@127.0.0.1:5432/postgres"


def test_an_unreachable_pair_is_reported_by_both_addresses_without_credentials():
    assert address(PAIR) == "127.0.0.1:5433,127.0.0.1:5434"
    assert address("postgresql://postgres:secret@db.example/x") == "db.example:5432"
    assert address("pyamqp://guest:guest@127.0.0.1:5673/vhost") == "127.0.0.1:5673"
    assert address("postgresql:///x") == "127.0.0.1:5432"


def test_the_platform_environment_points_every_service_at_the_pair():
    env = platform_env(db_prefix="t1", pg_nodes=pg_replica.nodes())
    assert env["MARKETPLACE_DATABASE_URL"] == PAIR.replace("codi_funds", "t1_marketplace")
    assert platform_env(db_prefix="t1", pg_port=5999)["FUNDS_DATABASE_URL"].endswith("127.0.0.1:5999/t1_funds")
