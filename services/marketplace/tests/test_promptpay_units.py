"""The Thai QR (PromptPay) payload and its images, checked against what others independently wrote:

- payloads published as expected outputs by the two most used open-source generators:
  dtinth/promptpay-qr (JavaScript, index.test.js) and jojoee/promptpay (Python, PyPI ``promptpay``,
  tests/test_qrcode_generate_payload.py); only their cases with a valid ID and an exact satang
  amount are used, plus dtinth's all-zero mobile number through the unchecked constructor;
- an independent EMV QRCPS parser and checker (PyPI ``cemacqr``) for the structure;
- an independent CRC library (PyPI ``crc``) configured with CRC-16/CCITT-FALSE's parameters;
- a QR decoder (zxing-cpp) reading the PNG and the SVG back.
"""
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from io import BytesIO

import numpy as np
import pytest
import zxingcpp
from cemacqr import EMVCO, parse_payload, validate
from crc import Calculator, Configuration
from hypothesis import given, strategies as st
from PIL import Image

from chassis.errors import InvalidInput
from marketplace.promptpay import (
    MAX_AMOUNT_SATANG, PromptPayId, amount_text, crc16_ccitt_false, payload, promptpay_id, qr_png,
    qr_svg)

CCITT_FALSE = Calculator(Configuration(width=16, polynomial=0x1021, init_value=0xFFFF,
                                       final_xor_value=0, reverse_input=False, reverse_output=False))

# (PromptPay ID as typed, amount in satang, the payload the source expects)
PUBLISHED = [
    # jojoee/promptpay tests/test_qrcode_generate_payload.py
    ("0801234567", 45625,
     "00020101021229370016A000000677010111011300668012345675802TH53037645406456.256304483D"),
    ("0819837638", 547652150,
     "00020101021229370016A000000677010111011300668198376385802TH530376454105476521.506304EA3B"),
    ("0849488172", 8154541575,
     "00020101021229370016A000000677010111011300668494881725802TH5303764541181545415.756304D28D"),
    ("0871255555", 486468823,
     "00020101021229370016A000000677010111011300668712555555802TH530376454104864688.236304E369"),
    ("8512819188690", 54123,
     "00020101021229370016A000000677010111021385128191886905802TH53037645406541.23630437F5"),
    ("4912419510270", 458548554,  # jojoee asks for 4585485.5415 baht; .54 is what it encodes
     "00020101021229370016A000000677010111021349124195102705802TH530376454104585485.546304DF31"),
    ("0023637209811", 7298,  # a juristic tax ID; jojoee asks for 72.985 and its float rounds down
     "00020101021229370016A000000677010111021300236372098115802TH5303764540572.986304E802"),
    ("004999000288505", 151575,
     "00020101021229390016A00000067701011103150049990002885055802TH530376454071515.756304522C"),
    ("012345678901234", 987488700,
     "00020101021229390016A00000067701011103150123456789012345802TH530376454109874887.0063047158"),
]


@pytest.mark.parametrize("typed, satang, expected", PUBLISHED)
def test_payloads_equal_the_published_ones(typed, satang, expected):
    assert payload(promptpay_id(typed), satang) == expected


def test_dtinth_amount_example_through_the_unchecked_constructor():
    # dtinth/promptpay-qr index.test.js, "Amount": 000-000-0000 with 4.22 baht (not a real number)
    assert payload(PromptPayId("01", "0066000000000"), 422) == (
        "00020101021229370016A000000677010111011300660000000005802TH530376454044.226304E469")


def test_the_crc_is_ccitt_false():
    assert crc16_ccitt_false("123456789") == "29B1" == f"{CCITT_FALSE.checksum(b'123456789'):04X}"


def parsed(text):
    qr = parse_payload(text)
    crc_input = text[:-4].encode("ascii")
    assert text[-8:-4] == "6304" and text[-4:] == f"{CCITT_FALSE.checksum(crc_input):04X}"
    assert qr.crc_ok
    return qr


def test_an_independent_emvco_parser_reads_what_was_asked():
    text = payload(promptpay_id("089-123-4567"), 123456)
    qr = parsed(text)
    assert (qr.payload_format_indicator, qr.point_of_initiation) == ("01", "12")
    assert (qr.currency, qr.country_code, qr.amount_decimal) == ("764", "TH", Decimal("1234.56"))
    assert qr.merchant_accounts == {"29": {"00": "A000000677010111", "01": "0066891234567"}}
    # What a PromptPay credit transfer leaves out, as every Thai bank's own QR does: the app shows
    # the name registered to the PromptPay ID instead. Nothing else may be wrong.
    problems = {(v.code, v.tag) for v in validate(qr, profile=EMVCO).violations}
    assert problems == {("MANDATORY_MISSING", "52"), ("MANDATORY_MISSING", "59"),
                        ("MANDATORY_MISSING", "60")}


ids = st.one_of(
    st.sampled_from(["0801234567", "+66 62 345 6789", "๐๙๑-๒๓๔-๕๖๗๘", "3100600445635",
                     "0994000617721", "004999000288505"]))


@given(recipient=ids, satang=st.integers(1, MAX_AMOUNT_SATANG))
def test_any_amount_is_read_back_to_the_satang(recipient, satang):
    qr = parsed(payload(promptpay_id(recipient), satang))
    assert qr.amount_decimal * 100 == satang
    assert re.fullmatch(r"\d+\.\d\d", qr.amount)


@pytest.mark.parametrize("typed, sub_tag, value", [
    ("0812345678", "01", "0066812345678"),
    ("+66-81-234-5678", "01", "0066812345678"),
    ("๐๘๑ ๒๓๔ ๕๖๗๘", "01", "0066812345678"),
    ("1-2345-45678-78-1", "02", "1234545678781"),  # python-stdnum's valid national ID example
    ("0-99-4-000-61772-1", "02", "0994000617721"),  # and its juristic tax ID example
    ("004999000288505", "03", "004999000288505"),
])
def test_ids_are_normalised(typed, sub_tag, value):
    assert promptpay_id(typed) == PromptPayId(sub_tag, value)


@pytest.mark.parametrize("typed", [
    "1-2345-45678-78-9",  # wrong check digit
    "0-99-4-000-61772-3",
    "021234567",  # a Bangkok landline: PromptPay registers mobile numbers only
    "+1 415 555 2671",
    "08123", "081234567890", "", "   ", "08l2345678", "0812345678x", None, 812345678,
])
def test_bad_ids_are_refused_in_thai_then_english(typed):
    with pytest.raises(InvalidInput) as refused:
        promptpay_id(typed, field="seller_promptpay_id")
    (message,) = refused.value.fields["seller_promptpay_id"]
    thai_then_english = r"หมายเลขพร้อมเพย์ไม่ถูกต้อง: [^()]*[\u0e00-\u0e7f][^()]* \(invalid PromptPay ID: .+\)"
    assert re.fullmatch(thai_then_english, message)


@pytest.mark.parametrize("satang, text", [(1, "0.01"), (100, "1.00"), (123456, "1234.56"),
                                          (MAX_AMOUNT_SATANG, "9999999999.99")])
def test_amounts_are_two_decimals_from_satang(satang, text):
    assert amount_text(satang) == text


@pytest.mark.parametrize("bad", [0, -100, MAX_AMOUNT_SATANG + 1, 12.5, 100.0, Decimal("1.5"), True,
                                 "100", None])
def test_amounts_that_are_not_whole_satang_are_refused(bad):
    with pytest.raises(InvalidInput) as refused:
        payload(promptpay_id("0812345678"), bad)
    assert "(the amount must be whole satang" in refused.value.fields["amount_satang"][0]


def decoded(image):
    results = zxingcpp.read_barcodes(image)
    assert [r.format for r in results] == [zxingcpp.BarcodeFormat.QRCode]
    return results[0].text


def svg_raster(svg):
    """Draw segno's SVG (one path of horizontal strokes: M/m moves, h runs) into pixels."""
    root = ET.fromstring(svg)
    (path,) = root.iter("{http://www.w3.org/2000/svg}path")
    scale = float(re.fullmatch(r"scale\((\d+)\)", path.get("transform"))[1])
    modules = int(float(root.get("width")) / scale)
    pixels = np.full((modules, modules), 255, dtype=np.uint8)
    x = y = 0.0
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path.get("d")):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            pixels[int(y), int(x):int(x + float(a))] = 0
            x += float(a)
    return Image.fromarray(pixels).resize((modules * 8, modules * 8), Image.NEAREST)


def test_the_png_scans_back_to_the_payload():
    text = payload(promptpay_id("0812345678"), 250_00)
    png = qr_png(text)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert decoded(Image.open(BytesIO(png))) == text


def test_the_svg_scans_back_to_the_payload():
    text = payload(promptpay_id("0994000617721"), 99_999_99)
    svg = qr_svg(text)
    assert svg.startswith(b"<?xml")
    assert decoded(svg_raster(svg)) == text
