"""Baht as people type it, to the integer satang the APIs take: exact, never through a float."""
import re

BAHT = re.compile(r"^([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]{1,2}))?$")  # ASCII digits only
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
MAX_SATANG = 10**11 * 10  # far above any price the marketplace takes: the API says what is too much
NOT_BAHT = "จำนวนเงินเป็นบาท ทศนิยมไม่เกิน 2 ตำแหน่ง เช่น 45.50 (baht with at most 2 decimals, e.g. 45.50)"


def parse_baht(text):
    """Integer satang of ``text`` ("45.50" → 4550, "1,234.5" → 123450, "45" → 4500, Thai digits too); ValueError
    with a Thai message for anything else (a third decimal, a sign, letters, an empty box)."""
    text = (text or "").strip().replace(" ", "").translate(THAI_DIGITS)  # ๔๕.๕๐ is 45.50
    match = BAHT.fullmatch(text)
    if match is None:
        raise ValueError(NOT_BAHT)
    whole, fraction = match.group(1).replace(",", ""), (match.group(2) or "").ljust(2, "0")
    satang = int(whole) * 100 + int(fraction)
    if satang > MAX_SATANG:
        raise ValueError("จำนวนเงินมากเกินไป (too large an amount)")
    return satang


def baht_text(satang):
    """``satang`` as a form shows it back ("45.50"): what parse_baht reads."""
    return f"{satang // 100}.{satang % 100:02d}"
