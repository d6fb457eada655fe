"""Bulk registration from CSV rows with Thai (or English) headers (plain Python, no I/O).

Each row goes through the same schema and the same registration as the HTTP API. Every
problem is reported with the file's row number, the column as written in the file, and the
reason; whether to keep the valid rows is the caller's decision (centres.cli).
"""
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
        **CONTACT_HEADERS,
    },
}
KINDS = {"organisations": registry.ORGANISATION, "funds": registry.FUND, "centres": registry.CENTRE}
SCHEMAS = {"organisations": schemas.OrganisationIn, "funds": schemas.FundIn, "centres": schemas.CentreIn}
REQUIRED = {"organisations": ("name_th", "subdistrict_code", "kind"),
            "funds": ("name_th", "subdistrict_code"),
            "centres": ("name_th", "subdistrict_code", "intake_year_be", "focus_areas")}


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
    missing = [HEADERS[kind][name][0] for name in REQUIRED[kind] if name not in found]
    problems += [f"ขาดคอลัมน์ '{column}' (missing column)" for column in missing]
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


def command_of(kind, values):
    """Cell texts by field → the registration command (before schema validation)."""
    command = {name: text for name, text in values.items()
               if text and not name.startswith("contact_") and name not in ("demo", "centre_name")}
    if "demo" in values:
        command["demo"] = values["demo"].casefold() in YES
    if "kind" in command:
        command["kind"] = code_of(command["kind"], registry.ORGANISATION_KINDS)
    if "focus_areas" in command:
        command["focus_areas"] = [code_of(area, registry.FOCUS_AREAS) for area in split_list(command["focus_areas"])]
    if "partner_agencies" in command:
        command["partner_agencies"] = split_list(command["partner_agencies"])
    if "intake_year_be" in command:
        year = command["intake_year_be"]
        command["intake_year_be"] = int(year) if year.isdigit() else year  # text: the schema says why
    if values.get("contact_name"):
        command["contacts"] = [{key: values[f"contact_{key}"] for key in ("name", "role", "phone", "email")
                                if values.get(f"contact_{key}")}]
        command["contacts"][0]["name_th"] = command["contacts"][0].pop("name")
    return command


def _errors_of(row_number, fields, columns, kind):
    def column_of(name):
        if name == "contacts":
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


def import_rows(kind, uow, geography, header, rows, demo=False, today=None, progress=None):
    """Register every valid row through ``uow``; returns the Outcome. Rows are dicts by column.

    A refused row writes nothing (registration checks everything before its first write).
    """
    columns = column_map(kind, header)
    outcome = Outcome()
    for row_number, row in enumerate(rows, start=2):
        values = {name: (row.get(column) or "").strip() for name, column in columns.items()}
        command = command_of(kind, values)
        if demo:
            command["demo"] = True
        try:
            if values.get("centre_name") and "centre_id" not in command:
                command["centre_id"] = centre_named(uow, values["centre_name"])
            loaded = SCHEMAS[kind]().load(command)
            outcome.imported.append(registry.register(KINDS[kind], uow, geography, loaded, today))
        except ValidationError as exc:
            outcome.rejected.append((row_number, row, _errors_of(row_number, exc.normalized_messages(), columns, kind)))
        except InvalidInput as exc:
            outcome.rejected.append((row_number, row, _errors_of(row_number, exc.fields, columns, kind)))
        except DomainError as exc:  # a duplicate: the row as a whole, named by its name
            outcome.rejected.append((row_number, row, [RowError(row_number, columns["name_th"], exc.message)]))
        if progress:
            progress()
    return outcome
