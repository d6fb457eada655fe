"""How Thai readers expect money and dates: ``1,234.50 บาท``, ``30 พฤษภาคม 2566``."""
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from bahttext import bahttext

BANGKOK = ZoneInfo("Asia/Bangkok")
BUDDHIST_ERA_OFFSET = 543

MONTHS_TH = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
             "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")


def satang_to_baht(satang):
    if not isinstance(satang, int):
        raise TypeError("money is integer satang")
    return Decimal(satang) / 100


def format_baht(satang):
    """12345 → '123.45 บาท'; -500 → '-5.00 บาท'."""
    sign = "-" if satang < 0 else ""
    baht, rest = divmod(abs(satang), 100)
    return f"{sign}{baht:,}.{rest:02d} บาท"


def baht_in_words(satang):
    """123450 → 'หนึ่งพันสองร้อยสามสิบสี่บาทห้าสิบสตางค์' (Decimal, never float)."""
    return bahttext(satang_to_baht(satang))


def buddhist_year(year):
    return year + BUDDHIST_ERA_OFFSET


def thai_date(value):
    """A date, or an aware datetime shown in Asia/Bangkok: '30 พฤษภาคม 2566'."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(BANGKOK).date()
    return f"{value.day} {MONTHS_TH[value.month - 1]} {buddhist_year(value.year)}"


def thai_datetime(value):
    """'30 พฤษภาคม 2566 14:05 น.' in Asia/Bangkok."""
    local = value.astimezone(BANGKOK)
    return f"{thai_date(local.date())} {local:%H:%M} น."


def thai_month(year, month):
    """(2023, 5) → 'พฤษภาคม 2566'."""
    return f"{MONTHS_TH[month - 1]} {buddhist_year(year)}"
