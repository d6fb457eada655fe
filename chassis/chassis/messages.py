"""marshmallow's validation messages in Thai, the English after: "ต้องระบุข้อมูลช่องนี้ (missing data
for required field)".

marshmallow speaks English only, and its messages are formatted with the validator's values
("Length must be between 1 and 300."), so each template below is matched against the formatted
message and the values carried over. ``chassis.http.load`` applies it to every refusal; a message
already written in Thai (a schema's own) is left as it is. Written here because marshmallow has no
catalogue of its own and the one gettext patch on PyPI (marshmallow-i18n-messages) has no Thai and
no "ไทย (English)" form; the tests check that every message our schemas can produce is covered.
"""
import re

# marshmallow's English template → the Thai; {names} are the values marshmallow formatted in
THAI = {
    # any field, any schema
    "Missing data for required field.": "ต้องระบุข้อมูลช่องนี้",
    "Field may not be null.": "ต้องไม่เป็นค่าว่าง (null)",
    "Invalid value.": "ค่าไม่ถูกต้อง",
    "Unknown field.": "ไม่มีช่องนี้ในคำขอ",
    "Invalid input type.": "ต้องเป็นออบเจกต์ JSON",
    "Invalid type.": "ต้องเป็นออบเจกต์ JSON",
    "Invalid input.": "ข้อมูลไม่ถูกต้อง",
    # field types
    "Not a valid string.": "ต้องเป็นข้อความ",
    "Not a valid utf-8 string.": "ไม่ใช่ข้อความ UTF-8 ที่ถูกต้อง",
    "Not a valid integer.": "ต้องเป็นจำนวนเต็ม",
    "Not a valid number.": "ต้องเป็นตัวเลข",
    "Number too large.": "ตัวเลขใหญ่เกินไป",
    "Special numeric values (nan or infinity) are not permitted.": "ไม่รับค่า nan หรือ infinity",
    "Not a valid boolean.": "ต้องเป็น true หรือ false",
    "Not a valid UUID.": "ไม่ใช่ UUID",
    "Not a valid email address.": "ไม่ใช่อีเมลที่ถูกต้อง",
    "Not a valid URL.": "ไม่ใช่ URL ที่ถูกต้อง",
    "Not a valid list.": "ต้องเป็นรายการ (JSON array)",
    "Not a valid tuple.": "ต้องเป็นรายการ (JSON array)",
    "Not a valid mapping type.": "ต้องเป็นออบเจกต์ JSON",
    "Not a valid datetime.": "ไม่ใช่วันเวลา ISO 8601",
    "Not a valid aware datetime.": "ต้องเป็นวันเวลา ISO 8601 ที่มีเขตเวลา เช่น 2026-01-15T09:30:00+07:00",
    "Not a valid naive datetime.": "ต้องเป็นวันเวลา ISO 8601 ที่ไม่มีเขตเวลา",
    "Not a valid date.": "ไม่ใช่วันที่ ISO 8601 (YYYY-MM-DD)",
    "Not a valid time.": "ไม่ใช่เวลา ISO 8601 (HH:MM)",
    "Not a valid period of time.": "ไม่ใช่ช่วงเวลาที่ถูกต้อง",
    "Not a valid IP address.": "ไม่ใช่ IP address ที่ถูกต้อง",
    # validators
    "Length must be between {min} and {max}.": "ความยาวต้องอยู่ระหว่าง {min} ถึง {max}",
    "Shorter than minimum length {min}.": "ความยาวต้องไม่น้อยกว่า {min}",
    "Longer than maximum length {max}.": "ความยาวต้องไม่เกิน {max}",
    "Length must be {equal}.": "ความยาวต้องเท่ากับ {equal}",
    "Must be one of: {choices}.": "ต้องเป็นหนึ่งใน {choices}",
    "Must be equal to {other}.": "ต้องเท่ากับ {other}",
    "String does not match expected pattern.": "รูปแบบไม่ถูกต้อง",
    "One or more of the choices you made was not in: {choices}.": "มีตัวเลือกที่ไม่อยู่ใน {choices}",
    "One or more of the choices you made was in: {values}.": "มีตัวเลือกที่ห้ามใช้ ({values})",
}
# validate.Range builds its messages from these phrases ("Must be greater than or equal to {min}.")
RANGE_MIN = {"greater than or equal to": "ไม่น้อยกว่า", "greater than": "มากกว่า"}
RANGE_MAX = {"less than or equal to": "ไม่เกิน", "less than": "น้อยกว่า"}
THAI.update({f"Must be {english} {{min}}.": f"ต้อง{thai} {{min}}" for english, thai in RANGE_MIN.items()})
THAI.update({f"Must be {english} {{max}}.": f"ต้อง{thai} {{max}}" for english, thai in RANGE_MAX.items()})
THAI.update({f"Must be {min_en} {{min}} and {max_en} {{max}}.": f"ต้อง{min_th} {{min}} และ{max_th} {{max}}"
             for min_en, min_th in RANGE_MIN.items() for max_en, max_th in RANGE_MAX.items()})


def _pattern(template):
    return re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+)", re.escape(template)), re.DOTALL)


# the longest first, so "Must be greater than {min}." never takes "… or equal to 1"
_TEMPLATES = [(_pattern(english), thai)
              for english, thai in sorted(THAI.items(), key=lambda item: -len(item[0]))]


def in_thai(message):
    """``message`` as "ไทย (english)" if it is one of marshmallow's; any other message unchanged."""
    for pattern, thai in _TEMPLATES:
        match = pattern.fullmatch(message)
        if match:
            english = message.rstrip(".")
            return f"{thai.format(**match.groupdict())} ({english[:1].lower()}{english[1:]})"
    return message


def messages_in_thai(messages):
    """marshmallow's normalized messages (nested dicts and lists of strings), translated."""
    if isinstance(messages, str):
        return in_thai(messages)
    if isinstance(messages, dict):
        return {key: messages_in_thai(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [messages_in_thai(value) for value in messages]
    return messages
