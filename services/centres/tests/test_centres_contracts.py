"""The centres events stay compatible: older snapshots still decode, new events are declared."""
import uuid

from contracts import centres as events
from contracts import decode, encode, topology

PLACE = {"subdistrict_code": "910602", "district_code": "9106", "province_code": "91",
         "province_group": 17, "region": "south"}


def test_an_organisation_snapshot_from_before_registration_numbers_still_decodes():
    older = {"organisation_id": uuid.uuid4(), "name_th": "กลุ่มจักสาน", "kind": "producer_group", "place": PLACE}
    _, body = encode(events.ORGANISATION_REGISTERED, older)
    data = decode(events.ORGANISATION_REGISTERED, body).data
    assert (data["juristic_id"], data["tax_id"]) == (None, None)


def test_a_centre_event_round_trips_and_its_exchange_is_declared():
    centre = {"centre_id": uuid.uuid4(), "name_th": "ศูนย์บ่มเพาะ", "place": PLACE, "intake_year_be": 2563,
              "focus_areas": ["production"], "contacts": [{"name_th": "นายสมชาย", "phone": "0812345678"}]}
    _, body = encode(events.CENTRE_UPDATED, centre)
    data = decode(events.CENTRE_UPDATED, body).data
    assert data["contacts"][0]["role"] is None and data["partner_agencies"] == []
    assert {events.CENTRE_REGISTERED, events.CENTRE_UPDATED} <= set(topology.ALL_EVENTS)
