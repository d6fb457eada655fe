"""In-memory stand-ins for the registry's repositories: domain tests need no database."""
import copy

import pytest

from centres.geography import default_geography


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
