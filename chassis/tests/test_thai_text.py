"""Thai text: amounts in words as on cheques and receipts, and one search key for what people type."""
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pythainlp.util import bahttext as pythainlp_bahttext
from pythainlp.util import num_to_thaiword

from chassis.thai import baht_in_words, search_key

# --- amounts in words ------------------------------------------------------------------


@pytest.mark.parametrize("satang, words", [
    (0, "ศูนย์บาทถ้วน"),
    (1, "หนึ่งสตางค์"),
    (25, "ยี่สิบห้าสตางค์"),
    (50, "ห้าสิบสตางค์"),
    (100, "หนึ่งบาทถ้วน"),
    (101, "หนึ่งบาทหนึ่งสตางค์"),
    (1_000, "สิบบาทถ้วน"),
    (1_100, "สิบเอ็ดบาทถ้วน"),
    (2_100, "ยี่สิบเอ็ดบาทถ้วน"),
    (2_121, "ยี่สิบเอ็ดบาทยี่สิบเอ็ดสตางค์"),
    (10_100, "หนึ่งร้อยเอ็ดบาทถ้วน"),
    (21_110, "สองร้อยสิบเอ็ดบาทสิบสตางค์"),
    (100_100, "หนึ่งพันเอ็ดบาทถ้วน"),
    (110_000, "หนึ่งพันหนึ่งร้อยบาทถ้วน"),
    (123_450, "หนึ่งพันสองร้อยสามสิบสี่บาทห้าสิบสตางค์"),
    (2_500_075, "สองหมื่นห้าพันบาทเจ็ดสิบห้าสตางค์"),
    (100_000_000, "หนึ่งล้านบาทถ้วน"),
    (100_000_100, "หนึ่งล้านเอ็ดบาทถ้วน"),
    (100_000_001, "หนึ่งล้านบาทหนึ่งสตางค์"),
    (1_100_000_000, "สิบเอ็ดล้านบาทถ้วน"),
    (10_100_000_000, "หนึ่งร้อยเอ็ดล้านบาทถ้วน"),
    # the Royal Institute's own example, ๕๐๑,๗๔๑,๒๒๑
    (50_174_122_100, "ห้าร้อยเอ็ดล้านเจ็ดแสนสี่หมื่นหนึ่งพันสองร้อยยี่สิบเอ็ดบาทถ้วน"),
    (500_100_050_000, "ห้าพันเอ็ดล้านห้าร้อยบาทถ้วน"),
    (100_000_000_000_000, "หนึ่งล้านล้านบาทถ้วน"),
    (-55_025, "ลบห้าร้อยห้าสิบบาทยี่สิบห้าสตางค์"),
    (-1, "ลบหนึ่งสตางค์"),
])
def test_amounts_are_written_as_a_thai_reader_writes_them_on_a_cheque(satang, words):
    assert baht_in_words(satang) == words


@pytest.mark.parametrize("satang, words", [
    (1, "หนึ่งสตางค์"),                  # bahttext: ศูนย์บาทเอ็ดสตางค์
    (50, "ห้าสิบสตางค์"),                 # bahttext: ศูนย์บาทห้าสิบสตางค์
    (10_001, "หนึ่งร้อยบาทหนึ่งสตางค์"),      # bahttext: หนึ่งร้อยบาทเอ็ดสตางค์
    # bahttext formats through a float, which past 2**46 baht no longer holds every satang:
    # it wrote ...หกสิบสี่บาทห้าสตางค์ for 4 satang
    (7_036_874_417_766_404,
     "เจ็ดสิบล้านสามแสนหกหมื่นแปดพันเจ็ดร้อยสี่สิบสี่ล้านหนึ่งแสนเจ็ดหมื่นเจ็ดพันหกร้อยหกสิบสี่บาทสี่สตางค์"),
])
def test_the_amounts_the_bahttext_package_wrote_wrongly(satang, words):
    assert baht_in_words(satang) == words


def expected_by_pythainlp(satang):
    """PyThaiNLP reads the numbers; the cheque convention puts them together."""
    baht, rest = divmod(satang, 100)
    if rest == 0:
        return num_to_thaiword(baht) + "บาทถ้วน"
    return (num_to_thaiword(baht) + "บาท" if baht else "") + num_to_thaiword(rest) + "สตางค์"


@settings(max_examples=3000)
@given(st.integers(min_value=0, max_value=10**14 - 1))
@example(1)
@example(101)
@example(100_000_100)
@example(10**14 - 1)
def test_words_agree_with_pythainlp_below_a_million_million_baht(satang):
    assert baht_in_words(satang) == expected_by_pythainlp(satang)
    assert baht_in_words(-satang) == ("ลบ" if satang else "") + expected_by_pythainlp(satang)


def test_every_amount_up_to_a_thousand_baht_agrees_with_pythainlp():
    for satang in range(100_001):
        assert baht_in_words(satang) == expected_by_pythainlp(satang), satang


@settings(max_examples=1000)
@given(st.integers(min_value=100, max_value=10**13 - 1))
def test_whole_texts_agree_with_pythainlp_bahttext_from_one_baht(satang):
    # PyThaiNLP's bahttext takes a float, which below 10**13 satang still rounds to the right
    # satang; under one baht it writes ศูนย์บาท… where the convention writes the satang alone
    assert baht_in_words(satang) == pythainlp_bahttext(satang / 100)


def test_a_million_counted_by_a_larger_number_follows_the_same_rule():
    # 1,000,001 ล้าน is read as the number 1,000,001 (หนึ่งล้านเอ็ด) counted in ล้าน; PyThaiNLP
    # reads the group 000001 on its own (หนึ่งล้านหนึ่งล้าน). Only amounts of a million
    # million baht or more differ.
    assert baht_in_words(1_000_001_000_000 * 100) == "หนึ่งล้านเอ็ดล้านบาทถ้วน"
    assert baht_in_words(2_000_001_000_001 * 100) == "สองล้านเอ็ดล้านเอ็ดบาทถ้วน"


@pytest.mark.parametrize("not_satang", [100.0, Decimal("100"), True, "100"])
def test_money_must_be_integer_satang(not_satang):
    with pytest.raises(TypeError):
        baht_in_words(not_satang)


# --- search keys -----------------------------------------------------------------------

NIKHAHIT, SARA_AA, MAI_THO, SARA_E = "\u0e4d", "\u0e32", "\u0e49", "\u0e40"


@pytest.mark.parametrize("typed, stored", [
    # SARA AM typed as NIKHAHIT + SARA AA, with the tone mark before, between or after
    ("น" + NIKHAHIT + MAI_THO + SARA_AA + "พริก", "น้ำพริก"),
    ("น" + MAI_THO + NIKHAHIT + SARA_AA + "ผึ้ง", "น้ำผึ้ง"),
    ("นำ" + MAI_THO + "ตาลโตนด", "น้ำตาลโตนด"),         # tone mark typed after SARA AM
    ("ล\u0e33\u0e48", "ล่ำ"),
    # a mark typed twice
    ("ข" + MAI_THO + MAI_THO + "าวหอมมะลิ", "ข้าวหอมมะลิ"),
    ("ศูนย์บ่่มเพาะ", "ศูนย์บ่มเพาะ"),
    # two SARA E typed for SARA AE
    (SARA_E + SARA_E + "ม่", "แม่"),
    ("ผ้าไหม" + SARA_E + SARA_E + "พรวา", "ผ้าไหมแพรวา"),
    # marks in another order than the careful typist's
    ("ท\u0e48\u0e35", "ที่"),                              # tone mark before SARA II
    ("ก\u0e49\u0e38ง", "กุ้ง"),                            # tone mark before SARA U
    # invisible characters pasted from web pages, and spaces
    ("ข้าว\u200bหอม\u200bมะลิ", "ข้าวหอมมะลิ"),
    ("\ufeffผ้า\u2060ทอ\u200cมือ\u200d", "ผ้าทอมือ"),
    ("มะ\u00adม่วง", "มะม่วง"),                            # soft hyphen
    ("ศูนย์ บ่ม เพาะ", "ศูนย์บ่มเพาะ"),
    ("ศูนย์\u00a0บ่มเพาะ\u3000บ้านปรางค์", "ศูนย์บ่มเพาะบ้านปรางค์"),
    # Thai digits, Latin case and full-width letters
    ("ข้าวสาร ๕ กิโลกรัม", "ข้าวสาร 5 กิโลกรัม"),
    ("  Jasmine   RICE ", "jasmine rice"),
    ("ＯＴＯＰ", "otop"),
    ("Ban Prang", "banprang"),
])
def test_what_is_typed_and_what_is_stored_share_one_key(typed, stored):
    assert typed != stored
    assert search_key(typed) == search_key(stored)


@pytest.mark.parametrize("one, other", [("ไก่", "ไก้"), ("ข้าว", "ขาว"), ("กี่", "กิ่"), ("แม่", "เม่"),
                                        ("น้ำ", "นำ"), ("ข้าว 5", "ข้าว 6")])
def test_different_words_stay_different(one, other):
    assert search_key(one) != search_key(other)


def test_a_stored_key_is_in_the_careful_typists_form():
    assert search_key("น" + NIKHAHIT + MAI_THO + SARA_AA) == "น้ำ"
    assert search_key(SARA_E + SARA_E + "ตงโม ๒ ลูก") == "แตงโม2ลูก"


def test_nothing_gives_an_empty_key():
    assert search_key(None) == search_key("  \u200b") == ""


THAI_TEXT = st.text(alphabet=st.characters(min_codepoint=0x0E01, max_codepoint=0x0E5B), max_size=20)
INVISIBLES = st.sampled_from([" ", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u00a0"])


@given(THAI_TEXT, st.lists(st.tuples(st.integers(min_value=0, max_value=20), INVISIBLES), max_size=4))
def test_a_key_is_blind_to_inserted_invisible_characters(text, insertions):
    spaced = text
    for position, invisible in sorted(insertions, reverse=True):
        spaced = spaced[:position] + invisible + spaced[position:]
    assert search_key(spaced) == search_key(text)


@settings(max_examples=500)
@given(st.one_of(THAI_TEXT, st.text(max_size=20)))
def test_a_key_is_its_own_key(text):
    # stored keys are matched against keys of queries: folding a key again changes nothing
    assert search_key(search_key(text)) == search_key(text)
