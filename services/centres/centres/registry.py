"""Registering and updating incubation centres, community organisations and welfare funds.

Domain logic with no I/O of its own: ``uow`` offers the ``centres``, ``organisations`` and
``funds`` repositories and ``emit``; ``geography`` resolves subdistrict codes. Every
registration and every change announces a full snapshot by event. All checks run before
the first write, so a refused command leaves nothing behind.
"""
import datetime as dt
import re
import uuid
from dataclasses import dataclass

from stdnum.exceptions import ValidationError as NumberError
from stdnum.th import moa, tin

from chassis.errors import Conflict, InvalidInput, NotFound
from chassis import thai
from chassis.thai import search_key
from contracts import centres as events

ORGANISATION_KINDS = {
    "producer_group": "กลุ่มผู้ผลิต",
    "community_enterprise": "วิสาหกิจชุมชน",
    "network": "เครือข่ายองค์กรชุมชน",
    "welfare_network": "เครือข่ายสวัสดิการชุมชน",
}

FOCUS_AREAS = {
    "production": "การผลิต",
    "processing_marketing": "การแปรรูปและการตลาด",
    "community_tourism": "การท่องเที่ยวโดยชุมชน",
    "community_finance": "ทุนและสถาบันการเงินชุมชน",
    "sustainable_agriculture": "เกษตรกรรมยั่งยืน",
    "community_welfare": "สวัสดิการชุมชน",
    "services": "การบริการ",
}

# The community economy plans began in 2560; a year after next is a planning mistake.
FIRST_INTAKE_YEAR_BE = 2560
PHONE = re.compile(r"^0\d{8,9}$")


class FieldErrors(dict):
    """Collects every field's complaint so one answer lists them all."""

    def add(self, field, message):
        self.setdefault(field, []).append(message)

    def raise_if_any(self):
        if self:
            raise InvalidInput(dict(self))


def current_year_be(today=None):
    return thai.buddhist_year((today or dt.datetime.now(thai.THAI_TIME).date()).year)


def _place(geography, command, errors):
    place = geography.place(command.get("subdistrict_code"))
    if place is None:
        errors.add("subdistrict_code", f"ไม่พบรหัสตำบล {command.get('subdistrict_code')} (no such subdistrict)")
    return place


def _reference(uow, command, field, repository, message, errors):
    """The id in ``field`` if it names an existing record; None if absent."""
    value = command.get(field)
    if value is not None and getattr(uow, repository).get(value) is None:
        errors.add(field, message)
    return value


def _registration_number(command, field, module, name_th, errors):
    """A Thai registration number in its compact form, checked by python-stdnum."""
    value = command.get(field)
    if not value:
        return None
    try:
        return module.validate(value)
    except NumberError as exc:
        errors.add(field, f"{name_th}ไม่ถูกต้อง ({exc.message})")
        return None


def thai_phone(value):
    """'081-234-5678' or '+66 81 234 5678' → '0812345678'; None if it is no Thai number."""
    digits = re.sub(r"[\s\-().]", "", value)
    if digits.startswith("+66"):
        digits = "0" + digits[3:]
    return digits if PHONE.match(digits) else None


def _common(command, record_id):
    return {
        "name_th": command["name_th"].strip(),
        "name_en": command.get("name_en"),
        "name_key": search_key(command["name_th"]),
        "demo": command.get("demo", False),
        "id": record_id,
    }


def _organisation(uow, geography, command, record_id, today):
    errors = FieldErrors()
    place = _place(geography, command, errors)
    if command.get("kind") not in ORGANISATION_KINDS:
        errors.add("kind", f"ต้องเป็นหนึ่งใน {', '.join(ORGANISATION_KINDS)} (unknown kind)")
    record = {
        **_common(command, record_id),
        "kind": command.get("kind"),
        "place": place,
        "centre_id": _reference(uow, command, "centre_id", "centres", "ไม่พบศูนย์ (no such centre)", errors),
        "home_fund_id": _reference(uow, command, "home_fund_id", "funds", "ไม่พบกองทุน (no such fund)", errors),
        "juristic_id": _registration_number(command, "juristic_id", moa, "เลขทะเบียนนิติบุคคล", errors),
        "tax_id": _registration_number(command, "tax_id", tin, "เลขประจำตัวผู้เสียภาษี", errors),
    }
    errors.raise_if_any()
    return record


def _fund(uow, geography, command, record_id, today):
    errors = FieldErrors()
    record = {
        **_common(command, record_id),
        "place": _place(geography, command, errors),
        "centre_id": _reference(uow, command, "centre_id", "centres", "ไม่พบศูนย์ (no such centre)", errors),
    }
    errors.raise_if_any()
    return record


def _centre(uow, geography, command, record_id, today):
    errors = FieldErrors()
    place = _place(geography, command, errors)

    year, latest = command.get("intake_year_be"), current_year_be(today) + 1
    if not isinstance(year, int) or not FIRST_INTAKE_YEAR_BE <= year <= latest:
        hint = f" ถ้าเป็น ค.ศ. ให้ใช้ พ.ศ. {thai.buddhist_year(year)}" if isinstance(year, int) and 1900 < year < 2200 else ""
        errors.add("intake_year_be", f"ปีที่รับเข้า (พ.ศ.) ต้องอยู่ระหว่าง {FIRST_INTAKE_YEAR_BE}–{latest}{hint}"
                                     " (intake year in the Buddhist era)")

    focus_areas = list(dict.fromkeys(command.get("focus_areas") or []))
    unknown = [area for area in focus_areas if area not in FOCUS_AREAS]
    if not focus_areas or unknown:
        errors.add("focus_areas", f"ต้องเลือกอย่างน้อยหนึ่งจาก {', '.join(FOCUS_AREAS)}"
                                  + (f"; ไม่รู้จัก {', '.join(unknown)}" if unknown else ""))

    contacts = []
    for number, contact in enumerate(command.get("contacts") or [], start=1):
        phone = contact.get("phone")
        if phone and thai_phone(phone) is None:
            errors.add("contacts", f"ผู้ติดต่อคนที่ {number}: เบอร์โทรศัพท์ {phone} ไม่ถูกต้อง (not a Thai phone number)")
        contacts.append({**contact, "phone": phone and thai_phone(phone)})

    errors.raise_if_any()
    return {
        **_common(command, record_id),
        "place": place,
        "intake_year_be": year,
        "focus_areas": focus_areas,
        "contacts": contacts,
        "partner_agencies": list(dict.fromkeys(a.strip() for a in command.get("partner_agencies") or [] if a.strip())),
    }


@dataclass(frozen=True)
class Kind:
    """What differs between the three kinds of registered body."""

    id_key: str
    repository: str
    build: object
    registered: object
    updated: object
    snapshot_keys: tuple
    name_th: str

    def record(self, uow, geography, command, record_id, today):
        record = self.build(uow, geography, command, record_id, today)
        record[self.id_key] = record.pop("id")
        return record

    def snapshot(self, record):
        return {key: record[key] for key in (self.id_key,) + self.snapshot_keys}

    def editable(self, record):
        """A stored record as the command that would register it."""
        return {**record, "subdistrict_code": record["place"]["subdistrict_code"]}


COMMON_KEYS = ("name_th", "name_en", "place", "demo")
ORGANISATION = Kind("organisation_id", "organisations", _organisation,
                    events.ORGANISATION_REGISTERED, events.ORGANISATION_UPDATED,
                    COMMON_KEYS + ("kind", "centre_id", "home_fund_id", "juristic_id", "tax_id"), "องค์กร")
FUND = Kind("fund_id", "funds", _fund, events.FUND_REGISTERED, events.FUND_UPDATED,
            COMMON_KEYS + ("centre_id",), "กองทุน")
CENTRE = Kind("centre_id", "centres", _centre, events.CENTRE_REGISTERED, events.CENTRE_UPDATED,
              COMMON_KEYS + ("intake_year_be", "focus_areas", "contacts", "partner_agencies"), "ศูนย์")


def _refuse_duplicate(kind, repository, record):
    same = repository.find(record["name_key"], record["place"]["subdistrict_code"])
    if same is not None and same[kind.id_key] != record[kind.id_key]:
        raise Conflict(f"มี{kind.name_th}ชื่อนี้ในตำบลนี้แล้ว ({kind.repository[:-1]} already registered)",
                       existing_id=str(same[kind.id_key]))


def register(kind, uow, geography, command, today=None):
    record = kind.record(uow, geography, command, command.get(kind.id_key) or uuid.uuid4(), today)
    repository = getattr(uow, kind.repository)
    if repository.get(record[kind.id_key]) is not None:
        raise Conflict(f"มี{kind.name_th}รหัสนี้แล้ว (id already registered)")
    _refuse_duplicate(kind, repository, record)
    repository.add(record)
    uow.emit(kind.registered, kind.snapshot(record))
    return record


def get(kind, uow, record_id):
    record = getattr(uow, kind.repository).get(record_id)
    if record is None:
        raise NotFound(f"ไม่พบ{kind.name_th} ({kind.repository[:-1]} not found)")
    return record


def update(kind, uow, geography, record_id, changes, today=None):
    """Apply ``changes`` (some of the registration fields) and announce the new snapshot."""
    if not changes:
        raise InvalidInput({"_body": ["ไม่มีข้อมูลที่จะแก้ไข (nothing to change)"]})
    current = get(kind, uow, record_id)
    record = kind.record(uow, geography, {**kind.editable(current), **changes}, record_id, today)
    repository = getattr(uow, kind.repository)
    _refuse_duplicate(kind, repository, record)
    repository.update(record)
    uow.emit(kind.updated, kind.snapshot(record))
    return record


def register_organisation(uow, geography, command):
    return register(ORGANISATION, uow, geography, command)


def register_fund(uow, geography, command):
    return register(FUND, uow, geography, command)


def register_centre(uow, geography, command, today=None):
    return register(CENTRE, uow, geography, command, today)

