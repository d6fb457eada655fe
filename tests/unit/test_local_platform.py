"""How `make up` and `make demo` choose their settings and restart delays (no process started)."""
from chassis import registry
from devtools.platform import local_env, local_url, restart_delay

FUNDS_PORT = registry.description("funds").default_http_port
MARKETPLACE_PORT = registry.description("marketplace").default_http_port


def test_restart_delays_double_up_to_thirty_seconds():
    assert [restart_delay(attempt) for attempt in range(1, 9)] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_without_settings_the_local_defaults_apply():
    env = local_env({})
    assert env["SMTP_PORT"] == "1025"
    assert env["FUNDS_HTTP_ADDRESS"] == f"127.0.0.1:{FUNDS_PORT}"
    assert env["MARKETPLACE_URL"] == f"http://127.0.0.1:{MARKETPLACE_PORT}"


def test_the_environment_wins_and_the_marketplace_url_follows_its_address():
    env = local_env({"SMTP_PORT": "2525", "MARKETPLACE_HTTP_ADDRESS": "0.0.0.0:9001",
                     "CENTRES_DATABASE_URL": "postgresql://postgres@db.example:5433/registry"})
    assert env["SMTP_PORT"] == "2525"
    assert env["MARKETPLACE_HTTP_ADDRESS"] == "0.0.0.0:9001"
    assert env["MARKETPLACE_URL"] == "http://127.0.0.1:9001"
    assert env["CENTRES_DATABASE_URL"] == "postgresql://postgres@db.example:5433/registry"
    assert env["FUNDS_HTTP_ADDRESS"] == f"127.0.0.1:{FUNDS_PORT}"
    assert local_env({"MARKETPLACE_URL": "https://market.example"})["MARKETPLACE_URL"] == "https://market.example"


def test_an_address_on_every_interface_is_reached_on_the_loopback():
    assert local_url(":8001", "/health/live") == "http://127.0.0.1:8001/health/live"
    assert local_url("0.0.0.0:8001") == "http://127.0.0.1:8001"
    assert local_url("10.0.0.5:8001") == "http://10.0.0.5:8001"
