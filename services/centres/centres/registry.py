"""Registering and updating incubation centres, community organisations, welfare funds,
distribution centres and community business plans.

Domain logic with no I/O of its own: ``uow`` offers the ``centres``, ``organisations``, ``funds``,
``distribution_centres`` and ``community_plans`` repositories and ``emit``; ``geography`` resolves
subdistrict codes. Every
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

# The community economy plans began in 2560; a year after next is a planning mistake, except for
# the intake of a centre still to open, which may be planned a few years ahead.
FIRST_INTAKE_YEAR_BE = 2560
PLANNED_YEARS_AHEAD = 5
PHONE = re.compile(r"^0\d{8,9}$")

CENTRE_STATUSES = {"planned": "ตามแผน", "active": "เปิดดำเนินการ"}
DISTRIBUTION_CENTRE_STATUSES = {"planned": "ตามแผน", "active": "เปิดให้บริการ", "closed": "ปิดแล้ว"}
# The three kinds of community business plan (CBMC): the incubation centres' first three focus areas
PLAN_FOCUSES = {code: FOCUS_AREAS[code] for code in ("production", "processing_marketing", "community_tourism")}
PLAN_STATUSES = {"drafted": "ร่างแผน", "approved": "อนุมัติแล้ว", "in_progress": "กำลังดำเนินการ",
                 "completed": "เสร็จสิ้น"}
WEEKDAYS = {"mon": "จันทร์", "tue": "อังคาร", "wed": "พุธ", "thu": "พฤหัสบดี", "fri": "ศุกร์",
            "sat": "เสาร์", "sun": "อาทิตย์"}
OPENING_HOURS_TIME_ZONE = thai.THAI_TIME.key  # Asia/Bangkok: all of Thailand, no daylight saving


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


def _year_be(command, field, first, last, label_th, label_en, errors):
    """A Buddhist-era year between ``first`` and ``last``; a year of the common era gets a hint."""
    year = command.get(field)
    if not isinstance(year, int) or not first <= year <= last:
        hint = f" ถ้าเป็น ค.ศ. ให้ใช้ พ.ศ. {thai.buddhist_year(year)}" if isinstance(year, int) and 1900 < year < 2200 else ""
        errors.add(field, f"{label_th} (พ.ศ.) ต้องอยู่ระหว่าง {first}–{last}{hint} ({label_en} in the Buddhist era)")
    return year


def _one_of(command, field, choices, default, errors):
    value = command.get(field) or default
    if value not in choices:
        errors.add(field, f"ต้องเป็นหนึ่งใน {', '.join(choices)} (unknown {field})")
    return value


def _phone(phone, field, errors, prefix=""):
    """``phone`` in its compact form (None if absent); a number that is not Thai is refused."""
    if phone and thai_phone(phone) is None:
        errors.add(field, f"{prefix}เบอร์โทรศัพท์ {phone} ไม่ถูกต้อง (not a Thai phone number)")
    return phone and thai_phone(phone)


def thai_phone(value):
    """'081-234-5678' or '+66 81 234 5678' → '0812345678'; None if it is no Thai number."""
    digits = re.sub(r"[\s\-().]", "", value)
    if digits.startswith("+66"):
        digits = "0" + digits[3:]
    return digits if PHONE.match(digits) else None


def _contacts(command, errors):
    """The command's contacts, each phone number in its compact form (a number not Thai is refused)."""
    return [{**contact, "phone": _phone(contact.get("phone"), "contacts", errors, f"ผู้ติดต่อคนที่ {number}: ")}
            for number, contact in enumerate(command.get("contacts") or [], start=1)]


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
        "contacts": _contacts(command, errors),   # kept in the registry, not in the snapshot announced
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
    status = _one_of(command, "status", CENTRE_STATUSES, "active", errors)
    ahead = PLANNED_YEARS_AHEAD if status == "planned" else 1
    year = _year_be(command, "intake_year_be", FIRST_INTAKE_YEAR_BE, current_year_be(today) + ahead,
                    "ปีที่รับเข้า", "intake year", errors)

    focus_areas = list(dict.fromkeys(command.get("focus_areas") or []))
    unknown = [area for area in focus_areas if area not in FOCUS_AREAS]
    if not focus_areas or unknown:
        errors.add("focus_areas", f"ต้องเลือกอย่างน้อยหนึ่งจาก {', '.join(FOCUS_AREAS)}"
                                  + (f"; ไม่รู้จัก {', '.join(unknown)}" if unknown else ""))

    contacts = _contacts(command, errors)

    errors.raise_if_any()
    return {
        **_common(command, record_id),
        "place": place,
        "status": status,
        "intake_year_be": year,
        "focus_areas": focus_areas,
        "contacts": contacts,
        "partner_agencies": list(dict.fromkeys(a.strip() for a in command.get("partner_agencies") or [] if a.strip())),
    }


def _opening_hours(periods, errors):
    """Periods with their days in week order, each once; every period opens before it closes, and
    no two periods of one day overlap."""
    normalised = []
    for number, period in enumerate(periods, start=1):
        days, opens, closes = period.get("days") or [], period.get("opens"), period.get("closes")
        unknown = sorted(set(days) - set(WEEKDAYS))
        if unknown or not days:
            errors.add("opening_hours", f"ช่วงที่ {number}: วันต้องเป็น {', '.join(WEEKDAYS)}"
                                        f" (unknown days: {', '.join(unknown) or 'none given'})")
        if opens is None or closes is None:  # a PATCH's nested body may leave them out
            errors.add("opening_hours", f"ช่วงที่ {number}: ต้องระบุเวลาเปิดและเวลาปิด (opens and closes are required)")
        elif not opens < closes:
            errors.add("opening_hours", f"ช่วงที่ {number}: เวลาเปิด {opens} ต้องก่อนเวลาปิด "
                                        f"{closes} ในวันเดียวกัน (opens before it closes, the same day)")
        normalised.append({"days": [day for day in WEEKDAYS if day in days], "opens": opens, "closes": closes})
    for day, day_th in WEEKDAYS.items():
        spans = sorted((period["opens"], period["closes"]) for period in normalised
                       if day in period["days"] and period["opens"] and period["closes"])
        if any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:])):
            errors.add("opening_hours", f"วัน{day_th}มีช่วงเวลาทำการซ้อนกัน (periods overlap on {day})")
    return sorted(normalised, key=lambda period: (list(WEEKDAYS).index(period["days"][0]) if period["days"] else 0,
                                                  period["opens"] or ""))


def opening_hours_th(periods):
    """'จันทร์–ศุกร์ 08:30–16:30 น.' for each period: three or more days in a row as a range."""
    order = list(WEEKDAYS)

    def days_th(days):
        runs = []
        for day in days:
            if runs and order.index(day) == order.index(runs[-1][-1]) + 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        return " ".join(f"{WEEKDAYS[run[0]]}–{WEEKDAYS[run[-1]]}" if len(run) >= 3 else
                        " ".join(WEEKDAYS[day] for day in run) for run in runs)
    return [f"{days_th(period['days'])} {period['opens']}–{period['closes']} น." for period in periods]


def _distribution_centre(uow, geography, command, record_id, today):
    errors = FieldErrors()
    place = _place(geography, command, errors)
    status = _one_of(command, "status", DISTRIBUTION_CENTRE_STATUSES, "active", errors)
    groups = sorted(set(command.get("serves_groups") or []))
    unknown = [str(group) for group in groups if group not in geography.groups]
    if not groups or unknown:
        errors.add("serves_groups", f"ต้องระบุกลุ่มจังหวัดที่ให้บริการ 1–{len(geography.groups)} อย่างน้อยหนึ่งกลุ่ม"
                                    + (f"; ไม่มีกลุ่ม {', '.join(unknown)}" if unknown else "")
                                    + " (the province groups served, 1-18)")
    opening_hours = _opening_hours(command.get("opening_hours") or [], errors)
    if status == "active" and not opening_hours:
        errors.add("opening_hours", "ศูนย์ที่เปิดให้บริการต้องมีเวลาทำการ (an active centre needs opening hours)")
    contact = dict(command.get("contact") or {})
    if not contact.get("name_th") or not contact.get("phone"):  # a PATCH's nested body may leave them out
        errors.add("contact", "ผู้ติดต่อต้องมีชื่อและเบอร์โทรศัพท์ (the contact needs a name and a phone)")
    contact["phone"] = _phone(contact.get("phone"), "contact", errors)
    errors.raise_if_any()
    return {
        **_common(command, record_id),
        "place": place,
        "address": command["address"].strip(),
        "opening_hours": opening_hours,
        "time_zone": OPENING_HOURS_TIME_ZONE,
        "contact": contact,
        "serves_groups": groups,
        "status": status,
    }


def _plan(uow, geography, command, record_id, today):
    errors = FieldErrors()
    place = _place(geography, command, errors)
    organisation = uow.organisations.get(command["organisation_id"]) if command.get("organisation_id") else None
    if organisation is None:
        errors.add("organisation_id", "ไม่พบองค์กร (no such organisation)")
    year = _year_be(command, "year_be", FIRST_INTAKE_YEAR_BE, current_year_be(today) + 1, "ปีของแผน",
                    "plan year", errors)
    focus = _one_of(command, "focus", PLAN_FOCUSES, None, errors)
    status = _one_of(command, "status", PLAN_STATUSES, "drafted", errors)
    errors.raise_if_any()
    return {"id": record_id, "organisation_id": organisation["organisation_id"],
            "organisation_name_th": organisation["name_th"], "place": place, "year_be": year,
            "focus": focus, "status": status, "demo": command.get("demo", False)}


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
    # what no two records share, and how a refusal says so
    unique_by: tuple = ("name_key", "subdistrict_code")
    duplicate_th: str = "ชื่อนี้ในตำบลนี้"

    def record(self, uow, geography, command, record_id, today):
        record = self.build(uow, geography, command, record_id, today)
        record[self.id_key] = record.pop("id")
        return record

    def snapshot(self, record):
        return {key: record[key] for key in (self.id_key,) + self.snapshot_keys}

    def identity(self, record):
        """The values of ``unique_by`` in ``record``."""
        return {key: record["place"]["subdistrict_code"] if key == "subdistrict_code" else record[key]
                for key in self.unique_by}

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
              COMMON_KEYS + ("status", "intake_year_be", "focus_areas", "contacts", "partner_agencies"), "ศูนย์")
DISTRIBUTION_CENTRE = Kind(
    "distribution_centre_id", "distribution_centres", _distribution_centre, events.DISTRIBUTION_CENTRE_REGISTERED,
    events.DISTRIBUTION_CENTRE_UPDATED,
    COMMON_KEYS + ("address", "opening_hours", "time_zone", "contact", "serves_groups", "status"), "ศูนย์กระจายสินค้า")
COMMUNITY_PLAN = Kind(
    "plan_id", "community_plans", _plan, events.COMMUNITY_PLAN_REGISTERED, events.COMMUNITY_PLAN_UPDATED,
    ("organisation_id", "place", "year_be", "focus", "status", "demo"), "แผนธุรกิจชุมชน",
    unique_by=("organisation_id", "subdistrict_code", "year_be", "focus"),
    duplicate_th="ขององค์กรนี้ ปีนี้ ด้านนี้ ในตำบลนี้")


def _refuse_duplicate(kind, repository, record):
    same = repository.find(**kind.identity(record))
    if same is not None and same[kind.id_key] != record[kind.id_key]:
        raise Conflict(f"มี{kind.name_th}{kind.duplicate_th}แล้ว ({kind.repository[:-1]} already registered)",
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


def without_contacts(record):
    """An organisation as anyone may see it: its contacts (people's email and phone) left out."""
    return {key: value for key, value in record.items() if key != "contacts"}


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

