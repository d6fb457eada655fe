"""In-memory stand-ins for the registry's repositories (domain tests need no database), and the
service in-process for the integration tests (real PostgreSQL and RabbitMQ, isolated per run)."""
import copy
import uuid

import pytest

from chassis.geography import default_geography


class MemoryRepository:
    def __init__(self, id_key):
        self.id_key = id_key
        self.rows = {}

    def add(self, record):
        self.rows[record[self.id_key]] = copy.deepcopy(record)

    update = add

    def get(self, record_id):
        return copy.deepcopy(self.rows.get(record_id))

    def named(self, name_key):
        return [copy.deepcopy(row) for row in self.rows.values() if row["name_key"] == name_key]

    def find(self, **values):
        def value(row, key):
            return row["place"]["subdistrict_code"] if key == "subdistrict_code" else row[key]
        return next((copy.deepcopy(row) for row in self.rows.values()
                     if all(value(row, key) == wanted for key, wanted in values.items())), None)


class MemoryUnitOfWork:
    def __init__(self):
        self.organisations = MemoryRepository("organisation_id")
        self.funds = MemoryRepository("fund_id")
        self.centres = MemoryRepository("centre_id")
        self.distribution_centres = MemoryRepository("distribution_centre_id")
        self.community_plans = MemoryRepository("plan_id")
        self.events = []

    def emit(self, event_type, data):
        self.events.append((event_type, data))


@pytest.fixture
def uow():
    return MemoryUnitOfWork()


@pytest.fixture(scope="session")
def geography():
    return default_geography()


@pytest.fixture(scope="module")
def centres(config_of):
    """The centres service running in this process; its config."""
    from nameko.containers import ServiceContainer

    from centres.service import CentresService

    config = config_of("centres")
    container = ServiceContainer(CentresService, config)
    container.start()
    yield config
    container.stop()


@pytest.fixture(scope="module")
def api(centres, test_env):
    """call(method, path, body=None, **params) → (status, JSON) with an operator's token."""
    import requests

    from chassis.cli import issue_token

    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {issue_token('centres', 'operator', environ=test_env)}"
    base = f"http://{centres['WEB_SERVER_ADDRESS']}"

    def call(method, path, body=None, **params):
        response = session.request(method, base + path, json=body, params=params, timeout=10)
        return response.status_code, response.json()
    return call


@pytest.fixture
def tag():
    """Makes this test's names unique in the session's shared database."""
    return uuid.uuid4().hex[:8]
