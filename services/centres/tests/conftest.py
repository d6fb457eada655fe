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

    def find(self, name_key, subdistrict_code):
        return next((copy.deepcopy(row) for row in self.rows.values()
                     if row["name_key"] == name_key and row["place"]["subdistrict_code"] == subdistrict_code), None)


class MemoryUnitOfWork:
    def __init__(self):
        self.organisations = MemoryRepository("organisation_id")
        self.funds = MemoryRepository("fund_id")
        self.centres = MemoryRepository("centre_id")
        self.events = []

    def emit(self, event_type, data):
        self.events.append((event_type, data))


@pytest.fixture
def uow():
    return MemoryUnitOfWork()


@pytest.fixture(scope="session")
def geography():
    return default_geography()
