"""Thai search keys: what people type differently must still find the same name."""
import pytest

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
