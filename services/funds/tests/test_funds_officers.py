"""An officer's change, without a database: own fields replaced, preferences merged."""
import uuid

from contracts import encode
from contracts import funds as events
from funds.handlers import changed_officer

OFFICER = {"officer_id": uuid.uuid4(), "fund_id": uuid.uuid4(), "name": "สมชาย", "email": "somchai@example.org",
           "language": "th", "preferences": {"per_credit": False, "daily_digest_at": "18:00",
                                             "monthly_statement": True}, "active": True}


def test_only_the_preferences_told_change_and_the_rest_stay():
    changed = changed_officer(OFFICER, {"preferences": {"daily_digest_at": None}})
    assert changed == {**OFFICER, "preferences": {"per_credit": False, "daily_digest_at": None,
                                                  "monthly_statement": True}}
    assert OFFICER["preferences"]["daily_digest_at"] == "18:00"  # the record read is left as it was


def test_the_own_fields_are_replaced_and_the_fund_and_activity_never():
    changed = changed_officer(OFFICER, {"name": "สมชาย ใจดี", "email": "s@example.org", "language": "en"})
    assert (changed["name"], changed["email"], changed["language"]) == ("สมชาย ใจดี", "s@example.org", "en")
    assert (changed["fund_id"], changed["active"], changed["officer_id"]) == (
        OFFICER["fund_id"], True, OFFICER["officer_id"])


def test_a_record_stored_without_preferences_gets_the_defaults_and_the_snapshot_meets_its_contract():
    changed = changed_officer({**OFFICER, "preferences": {}}, {"preferences": {"per_credit": False}})
    assert changed["preferences"] == {"per_credit": False, "daily_digest_at": None, "monthly_statement": True}
    encode(events.OFFICER_REGISTERED, changed)  # ContractViolation if not
