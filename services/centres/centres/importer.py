"""Bulk registration from CSV rows with Thai (or English) headers (plain Python, no I/O): centres,
organisations, funds, distribution centres and community business plans.

Each row goes through the same schema and the same registration as the HTTP API. Every
problem is reported with the file's row number, the column as written in the file, and the
reason; whether to keep the valid rows is the caller's decision (centres.cli).
"""
import re
from dataclasses import dataclass, field

from marshmallow import ValidationError

from chassis.errors import DomainError, InvalidInput
from chassis.thai import search_key
from centres import registry, schemas

# Column of a rejects file: ignored on import, so a corrected rejects file can be imported again.
REJECT_COLUMN = "ข้อผิดพลาด (errors)"
LIST_SEPARATORS = (";", "|", ",")
YES = {"1", "true", "yes", "y", "ใช่", "จริง", "x", "✓"}

COMMON_HEADERS = {
    "name_th": ("ชื่อ", "ชื่อภาษาไทย", "name_th"),
    "name_en": ("ชื่อภาษาอังกฤษ", "name_en"),
    "subdistrict_code": ("รหัสตำบล", "subdistrict_code"),
    "centre_id": ("รหัสศูนย์", "centre_id"),
    "demo": ("ข้อมูลตัวอย่าง", "demo"),
}
# Operators know their centre by name, not by id: organisations and funds may name it.
CENTRE_NAME = {"centre_name": ("ชื่อศูนย์", "centre_name")}
CONTACT_HEADERS = {
    "contact_name": ("ผู้ประสานงาน", "ผู้ติดต่อ", "contact_name"),
    "contact_role": ("ตำแหน่ง", "contact_role"),
    "contact_phone": ("โทรศัพท์", "เบอร์โทร", "contact_phone"),
    "contact_email": ("อีเมล", "contact_email"),
}
STATUS = {"status": ("สถานะ", "status")}
HEADERS = {
    "organisations": {
        **COMMON_HEADERS,
        **CENTRE_NAME,
        "organisation_id": ("รหัสองค์กร", "organisation_id"),
        "kind": ("ประเภท", "kind"),
        "home_fund_id": ("รหัสกองทุน", "home_fund_id"),
        "juristic_id": ("เลขทะเบียนนิติบุคคล", "juristic_id"),
        "tax_id": ("เลขประจำตัวผู้เสียภาษี", "tax_id"),
    },
    "funds": {**COMMON_HEADERS, **CENTRE_NAME, "fund_id": ("รหัสกองทุน", "fund_id")},
    "centres": {
        **COMMON_HEADERS,
        "intake_year_be": ("ปีที่รับเข้า", "ปี พ.ศ.", "intake_year_be"),
        "focus_areas": ("ประเด็นงาน", "ด้าน", "focus_areas"),
        "partner_agencies": ("หน่วยงานภาคี", "partner_agencies"),
        **STATUS,
        **CONTACT_HEADERS,
    },
    "distribution_centres": {
        **{name: aliases for name, aliases in COMMON_HEADERS.items() if name != "centre_id"},
        "distribution_centre_id": ("รหัสศูนย์กระจายสินค้า", "distribution_centre_id"),
        "address": ("ที่อยู่", "address"),
        "opening_hours": ("เวลาทำการ", "เวลาเปิด", "opening_hours"),
        "serves_groups": ("กลุ่มจังหวัดที่ให้บริการ", "กลุ่มจังหวัด", "serves_groups"),
        **STATUS,
        **CONTACT_HEADERS,
    },
    "community_plans": {
        "plan_id": ("รหัสแผน", "plan_id"),
        "organisation_id": ("รหัสองค์กร", "organisation_id"),
        "organisation_name": ("ชื่อองค์กร", "organisation_name"),
        "subdistrict_code": ("รหัสตำบล", "subdistrict_code"),
        "year_be": ("ปี พ.ศ.", "ปีของแผน", "year_be"),
        "focus": ("ด้าน", "ประเด็น", "focus"),
        **STATUS,
        "demo": ("ข้อมูลตัวอย่าง", "demo"),
    },
}
KINDS = {"organisations": registry.ORGANISATION, "funds": registry.FUND, "centres": registry.CENTRE,
         "distribution_centres": registry.DISTRIBUTION_CENTRE, "community_plans": registry.COMMUNITY_PLAN}
SCHEMAS = {"organisations": schemas.OrganisationIn, "funds": schemas.FundIn, "centres": schemas.CentreIn,
           "distribution_centres": schemas.DistributionCentreIn, "community_plans": schemas.CommunityPlanIn}
# a tuple of fields: any one of them will do
REQUIRED = {"organisations": ("name_th", "subdistrict_code", "kind"),
            "funds": ("name_th", "subdistrict_code"),
            "centres": ("name_th", "subdistrict_code", "intake_year_be", "focus_areas"),
            "distribution_centres": ("name_th", "subdistrict_code", "address", "opening_hours", "serves_groups",
                                     "contact_name", "contact_phone"),
            "community_plans": (("organisation_id", "organisation_name"), "subdistrict_code", "year_be", "focus")}
STATUS_LABELS = {"centres": registry.CENTRE_STATUSES, "distribution_centres": registry.DISTRIBUTION_CENTRE_STATUSES,
                 "community_plans": registry.PLAN_STATUSES}
# The fields that are not the command's own, and the column a duplicate row is reported on
NOT_COMMANDS = ("demo", "centre_name", "organisation_name")
NAMING_FIELDS = ("name_th", "organisation_name", "organisation_id")


@dataclass(frozen=True)
class RowError:
    row: int          # the line of the file, the header being line 1
    column: str       # as written in the file's header
    reason: str

    def __str__(self):
        return f"แถว {self.row} คอลัมน์ '{self.column}': {self.reason}"


class BadHeader(Exception):
    """The file's header cannot be imported as this kind: nothing is read."""


@dataclass
class Outcome:
    imported: list = field(default_factory=list)
    rejected: list = field(default_factory=list)   # (row number, original row, [RowError])

    @property
    def errors(self):
        return [error for _, _, errors in self.rejected for error in errors]


def column_map(kind, header):
    """{field: column as written} for ``header``; BadHeader for unknown or missing columns."""
    aliases = {alias.casefold(): name for name, names in HEADERS[kind].items() for alias in names}
    found, problems = {}, []
    for column in header:
        name = aliases.get(column.strip().casefold())
        if name in found:
            problems.append(f"คอลัมน์ '{found[name]}' และ '{column}' ซ้ำกัน (same field twice)")
        elif name is not None:
            found[name] = column
        elif column != REJECT_COLUMN:
            problems.append(f"ไม่รู้จักคอลัมน์ '{column}' (unknown column)")
    for required in REQUIRED[kind]:
        alternatives = required if isinstance(required, tuple) else (required,)
        if not any(name in found for name in alternatives):
            columns = "' หรือ '".join(HEADERS[kind][name][0] for name in alternatives)
            problems.append(f"ขาดคอลัมน์ '{columns}' (missing column)")
    if problems:
        raise BadHeader("; ".join(problems))
    return found


def split_list(text):
    for separator in LIST_SEPARATORS:
        if separator in text:
            return [part.strip() for part in text.split(separator) if part.strip()]
    return [text.strip()]


def code_of(value, labels):
    """A code given as itself or as its Thai label."""
    by_label = {label: code for code, label in labels.items()}
    return by_label.get(value, value)


def _number(text):
    return int(text) if text.isdigit() else text  # text: the schema says why


# Days as codes (mon), English names or Thai names, with or without วัน; ranges with -, – or ถึง
DAY_NAMES = {**{code: code for code in registry.WEEKDAYS},
             **{name_th: code for code, name_th in registry.WEEKDAYS.items()},
             "monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu", "friday": "fri",
             "saturday": "sat", "sunday": "sun", "พฤหัส": "thu"}
TO = r"\s*(?:-|–|ถึง)\s*"
PERIOD = re.compile(rf"^(?P<days>.+?)\s+(?P<opens>\d{{1,2}}[:.]\d{{2}}){TO}(?P<closes>\d{{1,2}}[:.]\d{{2}})\s*(?:น\.?)?$")
OPENING_HOURS_EXAMPLE = "จันทร์-ศุกร์ 08:30-16:30; เสาร์ 08:30-12:00"


def _day(text):
    return DAY_NAMES.get(text.strip().casefold().removeprefix("วัน"))


def _days(text):
    """'จันทร์-ศุกร์', 'mon, wed' or 'เสาร์ และ อาทิตย์' → day codes; None if a day is not one."""
    order, days = list(registry.WEEKDAYS), []
    for token in re.split(r"\s*(?:,|และ)\s*|\s+", re.sub(TO, "-", text.strip())):
        first, _, last = token.partition("-")
        start, end = _day(first), _day(last or first)
        if start is None or end is None:
            return None
        span = (order.index(end) - order.index(start)) % 7  # ศุกร์-จันทร์: over the weekend
        days += [order[(order.index(start) + step) % 7] for step in range(span + 1)]
    return days


def opening_hours_of(text):
    """A cell such as 'จันทร์-ศุกร์ 08:30-16:30; เสาร์ 8.30-12.00 น.' → opening periods.

    Written here: the opening-hours parsers kept on PyPI read OpenStreetMap's English syntax, not
    Thai day names."""
    periods = []
    for part in re.split(r"\s*[;|\n]\s*", text.strip()):
        match = PERIOD.match(part)
        days = match and _days(match["days"])
        if not days:
            raise InvalidInput({"opening_hours": [
                f"อ่านเวลาทำการ '{part}' ไม่ได้ ให้เขียนเช่น '{OPENING_HOURS_EXAMPLE}' (cannot read the opening hours)"]})
        periods.append({"days": days, **{edge: "{:0>5}".format(match[edge].replace(".", ":"))
                                         for edge in ("opens", "closes")}})
    return periods


def _contact(values):
    contact = {key: values[f"contact_{key}"] for key in ("name", "role", "phone", "email") if values.get(f"contact_{key}")}
    if "name" in contact:
        contact["name_th"] = contact.pop("name")
    return contact


def command_of(kind, values):
    """Cell texts by field → the registration command (before schema validation); InvalidInput for a
    cell that cannot be read at all."""
    command = {name: text for name, text in values.items()
               if text and not name.startswith("contact_") and name not in NOT_COMMANDS}
    if "demo" in values:
        command["demo"] = values["demo"].casefold() in YES
    if "kind" in command:
        command["kind"] = code_of(command["kind"], registry.ORGANISATION_KINDS)
    if "focus_areas" in command:
        command["focus_areas"] = [code_of(area, registry.FOCUS_AREAS) for area in split_list(command["focus_areas"])]
    if "focus" in command:
        command["focus"] = code_of(command["focus"], registry.PLAN_FOCUSES)
    if "status" in command:
        command["status"] = code_of(command["status"], STATUS_LABELS[kind])
    if "partner_agencies" in command:
        command["partner_agencies"] = split_list(command["partner_agencies"])
    if "serves_groups" in command:
        command["serves_groups"] = [_number(group) for group in split_list(command["serves_groups"])]
    if "opening_hours" in command:
        command["opening_hours"] = opening_hours_of(command["opening_hours"])
    for year in ("intake_year_be", "year_be"):
        if year in command:
            command[year] = _number(command[year])
    if kind == "distribution_centres":
        command["contact"] = _contact(values)
    elif values.get("contact_name"):
        command["contacts"] = [_contact(values)]
    return command


def _errors_of(row_number, fields, columns, kind):
    def column_of(name):
        if name in ("contacts", "contact"):
            return columns.get("contact_phone") or columns.get("contact_name", name)
        return columns.get(name) or HEADERS[kind].get(name, (name,))[0]

    return [RowError(row_number, column_of(name), message)
            for name, messages in fields.items() for message in _flat(messages)]


def _flat(messages):
    """marshmallow nests the messages of list items and nested fields: one line each."""
    if isinstance(messages, dict):
        return [f"{key}: {message}" for key, inner in messages.items() for message in _flat(inner)]
    if isinstance(messages, (list, tuple)):
        return [message for inner in messages for message in _flat(inner)]
    return [str(messages)]


def centre_named(uow, name):
    """The id of the one centre called ``name`` (however spaced or typed)."""
    found = uow.centres.named(search_key(name))
    if len(found) == 1:
        return found[0]["centre_id"]
    reason = (f"ไม่พบศูนย์ชื่อ {name} (no such centre)" if not found else
              f"มีศูนย์ชื่อ {name} {len(found)} แห่ง ให้ใช้รหัสศูนย์ (ambiguous: give the centre id)")
    raise InvalidInput({"centre_name": [reason]})


def organisation_named(uow, name, subdistrict_code):
    """The id of the organisation called ``name`` in the subdistrict, or else of the one so called anywhere."""
    key = search_key(name)
    here = uow.organisations.find(name_key=key, subdistrict_code=subdistrict_code)
    if here is not None:
        return here["organisation_id"]
    found = uow.organisations.named(key)
    if len(found) == 1:
        return found[0]["organisation_id"]
    reason = (f"ไม่พบองค์กรชื่อ {name} (no such organisation)" if not found else
              f"มีองค์กรชื่อ {name} {len(found)} แห่งนอกตำบลนี้ ให้ใช้รหัสองค์กร (ambiguous: give the organisation id)")
    raise InvalidInput({"organisation_name": [reason]})


def import_rows(kind, uow, geography, header, rows, demo=False, today=None, progress=None):
    """Register every valid row through ``uow``; returns the Outcome. Rows are dicts by column.

    A refused row writes nothing (registration checks everything before its first write).
    """
    columns = column_map(kind, header)
    named_by = next(columns[name] for name in NAMING_FIELDS if name in columns)
    outcome = Outcome()
    for row_number, row in enumerate(rows, start=2):
        values = {name: (row.get(column) or "").strip() for name, column in columns.items()}
        try:
            command = command_of(kind, values)
            if demo:
                command["demo"] = True
            if values.get("centre_name") and "centre_id" not in command:
                command["centre_id"] = centre_named(uow, values["centre_name"])
            if values.get("organisation_name") and "organisation_id" not in command:
                command["organisation_id"] = organisation_named(uow, values["organisation_name"],
                                                                values.get("subdistrict_code"))
            loaded = SCHEMAS[kind]().load(command)
            outcome.imported.append(registry.register(KINDS[kind], uow, geography, loaded, today))
        except ValidationError as exc:
            outcome.rejected.append((row_number, row, _errors_of(row_number, exc.normalized_messages(), columns, kind)))
        except InvalidInput as exc:
            outcome.rejected.append((row_number, row, _errors_of(row_number, exc.fields, columns, kind)))
        except DomainError as exc:  # a duplicate: the row as a whole, named by its name
            outcome.rejected.append((row_number, row, [RowError(row_number, named_by, exc.message)]))
        if progress:
            progress()
    return outcome
