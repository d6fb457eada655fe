"""Thai search keys: what people type differently must still find the same name."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from centres.thaitext import search_key

TONE_BEFORE_VOWEL = "ก\u0e48\u0e35"     # ก + ่ + ี  (tone typed first)
VOWEL_BEFORE_TONE = "ก\u0e35\u0e48"     # กี่ as stored by a careful typist


@pytest.mark.parametrize("typed, stored", [
    ("ศูนย์ บ่มเพาะ", "ศูนย์บ่มเพาะ"),                       # spaces
    ("ศูนย์\u200bบ่มเพาะ", "ศูนย์บ่มเพาะ"),                  # zero-width space
    (TONE_BEFORE_VOWEL, VOWEL_BEFORE_TONE),                    # tone mark / vowel order
    ("บ่่มเพาะ", "บ่มเพาะ"),                                  # tone mark typed twice
    ("น\u0e4d\u0e49\u0e32", "น้ำ"),                           # NIKHAHIT + tone + SARA AA
    ("น\u0e49\u0e4d\u0e32", "น้ำ"),                           # tone + NIKHAHIT + SARA AA
    ("Ban Prang", "banprang"),                                 # Latin case
])
def test_typing_variants_fold_to_the_same_key(typed, stored):
    assert search_key(typed) == search_key(stored)


@pytest.mark.parametrize("one, other", [("ไก่", "ไก้"), ("ข้าว", "ขาว"), ("กี่", "กิ่")])
def test_different_words_stay_different(one, other):
    assert search_key(one) != search_key(other)


def test_nothing_gives_an_empty_key():
    assert search_key(None) == search_key("  ") == ""


THAI_TEXT = st.text(alphabet=st.characters(min_codepoint=0x0E01, max_codepoint=0x0E5B), max_size=20)


@given(THAI_TEXT, st.lists(st.integers(min_value=0, max_value=20), max_size=4))
def test_a_key_is_stable_and_blind_to_inserted_spaces(text, positions):
    spaced = text
    for position in sorted(positions, reverse=True):
        spaced = spaced[:position] + " \u200b" + spaced[position:]
    assert search_key(search_key(text)) == search_key(text)
    assert search_key(spaced) == search_key(text)
