"""Thai QR Payment (PromptPay credit transfer): the payload a buyer's bank app scans, and its image.

The payload is an EMVCo merchant-presented QR (EMV QRCPS v1.1, Bank of Thailand's Thai QR Payment
standard): Tag-Length-Value fields, lengths in characters, ending in a CRC-16/CCITT-FALSE of
everything before it, "6304" included. It is written here rather than with PyPI's ``promptpay``
(1.1.9) because that library takes the amount as a float (it rounds 72.985 to "72.98"), accepts
any digits as an ID without checking them, and pulls in qrcode and Pillow for a 40-line format.

Fields are emitted in the order the widely used open-source generators emit them (00 01 29 58 53
54 63: dtinth/promptpay-qr, jojoee/promptpay), so payloads are byte-identical to theirs; EMVCo
leaves the order free between 00 (first) and 63 (last). As in every PromptPay credit-transfer QR,
there is no merchant category, name or city (tags 52, 59, 60): the bank app shows the name
registered to the PromptPay ID, which is what the buyer should check.
"""
import binascii
import io
import re
from dataclasses import dataclass

import phonenumbers
import segno
from stdnum.th import tin

from chassis.errors import InvalidInput
from chassis.thai import THAI_DIGITS

PROMPTPAY_AID = "A000000677010111"  # PromptPay credit transfer (tag 29, sub-tag 00)
MOBILE, NATIONAL_OR_TAX_ID, E_WALLET = "01", "02", "03"  # tag 29 sub-tags
ID_LENGTHS = {MOBILE: 13, NATIONAL_OR_TAX_ID: 13, E_WALLET: 15}
THB, THAILAND = "764", "TH"
DYNAMIC = "12"  # point of initiation: a one-time QR for one amount
MAX_AMOUNT_SATANG = 999_999_999_999  # tag 54 holds at most 13 characters: 9999999999.99
SEPARATORS = re.compile(r"[\s\-.()]")


@dataclass(frozen=True)
class PromptPayId:
    """A PromptPay proxy as the QR carries it: ``sub_tag`` 01 (mobile, as 0066XXXXXXXXX),
    02 (13-digit national ID or tax ID) or 03 (15-digit e-wallet ID). Build one from what a person
    typed with :func:`promptpay_id`, which checks it; this constructor only checks the shape."""

    sub_tag: str
    value: str

    def __post_init__(self):
        if ID_LENGTHS.get(self.sub_tag) != len(self.value) or not self.value.isascii() \
                or not self.value.isdigit():
            raise ValueError(f"not a PromptPay proxy: {self.sub_tag} {self.value!r}")

    @property
    def text(self):
        """As a person writes it: a mobile number as 0812345678, an ID as its digits."""
        return "0" + self.value[4:] if self.sub_tag == MOBILE else self.value


def _refuse(field, why):
    return InvalidInput({field: [f"หมายเลขพร้อมเพย์ไม่ถูกต้อง: {why[0]} (invalid PromptPay ID: {why[1]})"]})


def promptpay_id(text, field="promptpay_id"):
    """The PromptPay ID in ``text``: a Thai mobile number (08X-XXX-XXXX or +66 8X XXX XXXX), a
    13-digit national ID or juristic tax ID with a valid check digit, or a 15-digit e-wallet ID.
    Dashes, spaces and Thai digits are accepted; anything else is refused with InvalidInput on
    ``field``."""
    if not isinstance(text, str):
        raise _refuse(field, ("ต้องเป็นข้อความ", "must be text"))
    digits = SEPARATORS.sub("", text.translate(THAI_DIGITS))
    if digits.startswith("+"):
        return _mobile(digits, field)
    if not (digits.isascii() and digits.isdigit()):
        raise _refuse(field, ("ต้องเป็นตัวเลข", "digits only"))
    if len(digits) == 13:
        if tin.is_valid(digits):  # a person's national ID or a juristic person's tax ID
            return PromptPayId(NATIONAL_OR_TAX_ID, digits)
        raise _refuse(field, ("เลขประจำตัวประชาชนหรือเลขผู้เสียภาษี 13 หลักมีเลขตรวจสอบไม่ถูกต้อง",
                              "a 13-digit national ID or tax ID whose check digit is wrong"))
    if len(digits) == 15:
        return PromptPayId(E_WALLET, digits)
    return _mobile(digits, field)


def _mobile(digits, field):
    try:
        number = phonenumbers.parse(digits, "TH")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or number.country_code != 66 or not phonenumbers.is_valid_number(number) \
            or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        raise _refuse(field, (
            "ต้องเป็นเบอร์มือถือไทย 10 หลัก เลขประจำตัว 13 หลัก หรือเลขวอลเล็ต 15 หลัก",
            "must be a Thai mobile number, a 13-digit national or tax ID or a 15-digit e-wallet ID"))
    return PromptPayId(MOBILE, f"0066{number.national_number}")


def amount_text(amount_satang, field="amount_satang"):
    """Tag 54's value: baht with exactly two decimals, from integer satang (12345 → "123.45")."""
    if type(amount_satang) is not int or not 0 < amount_satang <= MAX_AMOUNT_SATANG:
        raise InvalidInput({field: [
            f"จำนวนเงินต้องเป็นสตางค์จำนวนเต็มระหว่าง 1 ถึง {MAX_AMOUNT_SATANG:,} "
            f"(the amount must be whole satang from 1 to {MAX_AMOUNT_SATANG:,})"]})
    baht, satang = divmod(amount_satang, 100)
    return f"{baht}.{satang:02d}"


def _field(tag, value):
    return f"{tag}{len(value):02d}{value}"


def crc16_ccitt_false(text):
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR) as 4 hex digits;
    the standard library's crc_hqx is exactly that CRC given 0xFFFF as the start value."""
    return f"{binascii.crc_hqx(text.encode('ascii'), 0xFFFF):04X}"


def payload(recipient, amount_satang):
    """The Thai QR payload asking for exactly ``amount_satang`` to be sent to ``recipient``
    (a PromptPayId)."""
    merchant = _field("00", PROMPTPAY_AID) + _field(recipient.sub_tag, recipient.value)
    body = (_field("00", "01") + _field("01", DYNAMIC) + _field("29", merchant)
            + _field("58", THAILAND) + _field("53", THB) + _field("54", amount_text(amount_satang))
            + "6304")
    return body + crc16_ccitt_false(body)


def _qr(text):
    # Error correction M, as Thai banks print their own QR; segno picks the smallest version.
    return segno.make_qr(text, error="m")


def qr_png(text, scale=8):
    """The QR code of ``text`` as PNG bytes, with the quiet zone scanners need."""
    out = io.BytesIO()
    _qr(text).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def qr_svg(text, scale=8):
    """The QR code of ``text`` as an SVG document (bytes, UTF-8)."""
    out = io.BytesIO()
    _qr(text).save(out, kind="svg", scale=scale, border=4, xmldecl=True)
    return out.getvalue()
