"""Registering community organisations and welfare funds (domain logic, no I/O of its own).

``uow`` offers ``organisations`` and ``funds`` repositories and ``emit``; ``geography``
resolves subdistrict codes. Every registration announces a full snapshot by event.
"""
import uuid

from chassis.errors import Conflict, InvalidInput, NotFound
from contracts import centres as events

ORGANISATION_KINDS = {
    "producer_group": "กลุ่มผู้ผลิต",
    "community_enterprise": "วิสาหกิจชุมชน",
    "network": "เครือข่ายองค์กรชุมชน",
    "welfare_network": "เครือข่ายสวัสดิการชุมชน",
}


def _place_or_refuse(geography, subdistrict_code):
    place = geography.place(subdistrict_code)
    if place is None:
        raise InvalidInput({"subdistrict_code": [
            f"ไม่พบรหัสตำบล {subdistrict_code} (no such subdistrict)"]})
    return place


def organisation_snapshot(org):
    return {key: org[key] for key in (
        "organisation_id", "name_th", "name_en", "kind", "place", "centre_id", "home_fund_id", "demo")}


def fund_snapshot(fund):
    return {key: fund[key] for key in ("fund_id", "name_th", "name_en", "place", "centre_id", "demo")}


def register_organisation(uow, geography, command):
    place = _place_or_refuse(geography, command["subdistrict_code"])
    if command["kind"] not in ORGANISATION_KINDS:
        raise InvalidInput({"kind": [f"ต้องเป็นหนึ่งใน {sorted(ORGANISATION_KINDS)}"]})
    if uow.organisations.find(command["name_th"], place["subdistrict_code"]):
        raise Conflict("มีองค์กรชื่อนี้ในตำบลนี้แล้ว (organisation already registered)")
    home_fund_id = command.get("home_fund_id")
    if home_fund_id and not uow.funds.get(home_fund_id):
        raise InvalidInput({"home_fund_id": ["ไม่พบกองทุน (no such fund)"]})
    org = {
        "organisation_id": command.get("organisation_id") or uuid.uuid4(),
        "name_th": command["name_th"],
        "name_en": command.get("name_en"),
        "kind": command["kind"],
        "place": place,
        "centre_id": command.get("centre_id"),
        "home_fund_id": home_fund_id,
        "demo": command.get("demo", False),
    }
    uow.organisations.add(org)
    uow.emit(events.ORGANISATION_REGISTERED, organisation_snapshot(org))
    return org


def register_fund(uow, geography, command):
    place = _place_or_refuse(geography, command["subdistrict_code"])
    if uow.funds.find(command["name_th"], place["subdistrict_code"]):
        raise Conflict("มีกองทุนชื่อนี้ในตำบลนี้แล้ว (fund already registered)")
    fund = {
        "fund_id": command.get("fund_id") or uuid.uuid4(),
        "name_th": command["name_th"],
        "name_en": command.get("name_en"),
        "place": place,
        "centre_id": command.get("centre_id"),
        "demo": command.get("demo", False),
    }
    uow.funds.add(fund)
    uow.emit(events.FUND_REGISTERED, fund_snapshot(fund))
    return fund


def get_organisation(uow, organisation_id):
    org = uow.organisations.get(organisation_id)
    if org is None:
        raise NotFound("ไม่พบองค์กร (organisation not found)")
    return org


def get_fund(uow, fund_id):
    fund = uow.funds.get(fund_id)
    if fund is None:
        raise NotFound("ไม่พบกองทุน (fund not found)")
    return fund
