"""The funds service in a container of its own against the real PostgreSQL and RabbitMQ, once per
module, with an operator's Authorization header (the *_pg HTTP tests)."""
import pytest
from nameko.containers import ServiceContainer

from chassis.cli import issue_token
from funds.service import FundsService


@pytest.fixture(scope="module")
def service(config_of, test_env):
    config = config_of("funds")
    container = ServiceContainer(FundsService, config)
    container.start()
    yield {"dsn": config["DATABASE_URL"], "base": f"http://{config['WEB_SERVER_ADDRESS']}", "env": test_env,
           "operator": {"Authorization": f"Bearer {issue_token('funds', 'operator', environ=test_env)}"}}
    container.stop()
