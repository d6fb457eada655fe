"""Thai text as Thai readers expect it and as Thai people type it.

Money and dates: ``1,234.50 บาท``, ``หนึ่งพันสองร้อยสามสิบสี่บาทห้าสิบสตางค์``, ``30 พฤษภาคม 2566``.
Search: ``search_key`` folds the spellings that look the same on screen into one key.
"""
import datetime as dt
import re
import unicodedata
from zoneinfo import ZoneInfo

THAI_TIME = ZoneInfo("Asia/Bangkok")  # all Thailand: UTC+7, no daylight saving
BUDDHIST_ERA_OFFSET = 543

MONTHS_TH = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
             "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")


def format_baht(satang):
    """12345 → '123.45 บาท'; -500 → '-5.00 บาท'."""
    sign = "-" if satang < 0 else ""
    baht, rest = divmod(abs(satang), 100)
    return f"{sign}{baht:,}.{rest:02d} บาท"


# --- amounts in words (บาทตัวอักษร) ----------------------------------------------------
# As on Thai cheques and receipts, from integer satang. Digits หนึ่ง…เก้า with their places สิบ
# ร้อย พัน หมื่น แสน; สิบ not หนึ่งสิบ, ยี่สิบ not สองสิบ. The last digit 1 of a number of two or more
# digits is เอ็ด (Royal Institute, อ่านอย่างไรและเขียนอย่างไร: ๑๑ สิบเอ็ด, ๑๐๑ หนึ่งร้อยเอ็ด,
# ๑๐๐๑ หนึ่งพันเอ็ด, ๕๐๑,๗๔๑,๒๒๑ ห้าร้อยเอ็ดล้าน…ยี่สิบเอ็ด; also Excel's BAHTTEXT; some libraries
# write หนึ่งร้อยหนึ่ง, which the Institute does not), and the number counted by each ล้าน is read
# by the same rule: 1,000,001 หนึ่งล้านเอ็ด, 11,000,000 สิบเอ็ดล้าน, 101,000,000 หนึ่งร้อยเอ็ดล้าน.
# Whole baht end in บาทถ้วน. Satang are the number they are (1 satang is หนึ่งสตางค์, not เอ็ด)
# + สตางค์, alone when there is no baht (ห้าสิบสตางค์, as BAHTTEXT; not ศูนย์บาทห้าสิบสตางค์).
# Zero is ศูนย์บาทถ้วน; a negative amount (a refund, a reversal) is ลบ + the amount, as BAHTTEXT.
DIGIT_WORDS = ("ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า")
PLACE_WORDS = ("", "สิบ", "ร้อย", "พัน", "หมื่น", "แสน")
MILLION = 1_000_000


def _number_in_words(number):
    """A positive integer in Thai words: 21 → 'ยี่สิบเอ็ด', 1_000_001 → 'หนึ่งล้านเอ็ด'."""
    millions, rest = divmod(number, MILLION)
    words = f"{_number_in_words(millions)}ล้าน" if millions else ""
    for place in range(len(PLACE_WORDS) - 1, -1, -1):
        digit = rest // 10 ** place % 10
        if digit == 0:
            continue
        if place == 1:
            words += ("" if digit == 1 else "ยี่" if digit == 2 else DIGIT_WORDS[digit]) + "สิบ"
        elif place == 0 and digit == 1 and number >= 10:
            words += "เอ็ด"
        else:
            words += DIGIT_WORDS[digit] + PLACE_WORDS[place]
    return words


def baht_in_words(satang):
    """123450 → 'หนึ่งพันสองร้อยสามสิบสี่บาทห้าสิบสตางค์'; 50 → 'ห้าสิบสตางค์'; 0 → 'ศูนย์บาทถ้วน'."""
    if not isinstance(satang, int) or isinstance(satang, bool):
        raise TypeError("money is integer satang")
    if satang < 0:
        return "ลบ" + baht_in_words(-satang)
    baht, rest = divmod(satang, 100)
    if rest == 0:
        return f"{_number_in_words(baht) if baht else DIGIT_WORDS[0]}บาทถ้วน"
    return (f"{_number_in_words(baht)}บาท" if baht else "") + f"{_number_in_words(rest)}สตางค์"


# --- dates -------------------------------------------------------------------------------

def buddhist_year(year):
    return year + BUDDHIST_ERA_OFFSET


def thai_date(value):
    """A date, or an aware datetime shown in Asia/Bangkok: '30 พฤษภาคม 2566'."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(THAI_TIME).date()
    return f"{value.day} {MONTHS_TH[value.month - 1]} {buddhist_year(value.year)}"


def thai_datetime(value):
    """'30 พฤษภาคม 2566 14:05 น.' in Asia/Bangkok."""
    local = value.astimezone(THAI_TIME)
    return f"{thai_date(local.date())} {local:%H:%M} น."


def thai_month(year, month):
    """(2023, 5) → 'พฤษภาคม 2566'."""
    return f"{MONTHS_TH[month - 1]} {buddhist_year(year)}"


# --- search keys -------------------------------------------------------------------------
# Thai is typed in several code point sequences that look the same on screen. What one
# person stores and another types must give the same key, so a substring match finds it.

# Spaces (Thai puts them between phrases, not words), zero-width characters pasted from web
# pages (ZWSP, ZWNJ, ZWJ, WORD JOINER, BOM) and the soft hyphen: none is seen, none counts.
INVISIBLE = re.compile(r"[\s\u00ad\u200b\u200c\u200d\u2060\ufeff]+")
SARA_E, SARA_AE = "\u0e40", "\u0e41"
NIKHAHIT, SARA_AA, SARA_AM = "\u0e4d", "\u0e32", "\u0e33"
TONE_MARKS = "\u0e48\u0e49\u0e4a\u0e4b"  # ่ ้ ๊ ๋
# Marks above or below a consonant, ranked in the order a well-formed syllable stores them
# (vowel, then tone mark, then the silent or nasal signs): ที่ is ท + ี + ่, น้ำ is น + ้ + ำ.
MARK_RANK = {
    **dict.fromkeys("\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47", 0),  # ั ิ ี ึ ื ุ ู ฺ ็
    **dict.fromkeys(TONE_MARKS, 1),
    "\u0e4c": 2, "\u0e4e": 2,  # THANTHAKHAT ์, YAMAKKAN ๎
    NIKHAHIT: 3,  # last, so that it meets the SARA AA of a SARA AM typed in two halves
}
MARK_RUN = re.compile(f"[{''.join(MARK_RANK)}]+")
# A tone mark typed after SARA AM belongs before it: ล + ำ + ่ is ล่ำ.
TONE_AFTER_SARA_AM = re.compile(f"((?:{NIKHAHIT}{SARA_AA})+)([{TONE_MARKS}]+)")
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def _mark_order(mark):
    # within a rank, Unicode's canonical order (PHINTHU before SARA U), so NFC keeps the result
    return MARK_RANK[mark], unicodedata.combining(mark)


def _fold_marks(match):
    marks = dict.fromkeys(match.group())  # a mark typed twice counts once; first-typed order kept
    return "".join(sorted(marks, key=_mark_order))


def search_key(text):
    """'ศูนย์ บ่ม\u200bเพาะ', 'ศูนย์บ่่มเพาะ' and 'ศูนย์บ่มเพาะ' give one key; so do 'เเม่' and 'แม่'.

    Also folded: Latin case and compatibility forms (NFKC, e.g. full-width letters), Thai
    digits (๕ is 5), two SARA E typed for SARA AE, SARA AM typed as NIKHAHIT + SARA AA, and
    marks typed twice or out of order.
    """
    text = INVISIBLE.sub("", text or "")
    # NFKC takes SARA AM apart into NIKHAHIT + SARA AA, so both ways of typing it meet; the
    # final NFC joins a Latin letter and an accent that a removed space kept apart
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    text = unicodedata.normalize("NFC", INVISIBLE.sub("", text))
    text = text.translate(THAI_DIGITS).replace(SARA_E + SARA_E, SARA_AE)
    text = MARK_RUN.sub(_fold_marks, text)
    text = TONE_AFTER_SARA_AM.sub(r"\2\1", text)
    text = MARK_RUN.sub(_fold_marks, text)  # the moved tone mark may now repeat one before it
    return text.replace(NIKHAHIT + SARA_AA, SARA_AM)
