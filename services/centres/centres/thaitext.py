"""Thai text as people type it, folded to one search key (plain Python).

Two spellings of the same word often differ only in what the eye cannot see: spaces,
zero-width characters, a tone mark typed before the vowel above or below it, a mark typed
twice, or SARA AM typed as NIKHAHIT + SARA AA. ``search_key`` folds all of these.
"""
import re
import unicodedata

INVISIBLE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")

# Marks that sit above or below a consonant, ranked in the order a well-formed
# syllable stores them: vowel first, then tone mark, then the silent/nasal signs.
MARK_RANK = {
    **{mark: 0 for mark in "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47"},  # vowels
    **{mark: 1 for mark in "\u0e48\u0e49\u0e4a\u0e4b"},  # tone marks ่ ้ ๊ ๋
    "\u0e4c": 2,  # THANTHAKHAT ์
    "\u0e4d": 2,  # NIKHAHIT ํ
}
MARK_RUN = re.compile(f"[{''.join(MARK_RANK)}]+")
SARA_AM = "\u0e33"
NIKHAHIT_SARA_AA = "\u0e4d\u0e32"


def _fold_marks(match):
    marks = dict.fromkeys(match.group())  # drops repeats, keeps first-typed order
    return "".join(sorted(marks, key=MARK_RANK.__getitem__))


def search_key(text):
    """'ศูนย์ บ่ม เพาะ' and 'ศูนย์บ่่มเพาะ' give the same key; Latin letters are case-folded."""
    text = unicodedata.normalize("NFC", text or "")
    text = INVISIBLE.sub("", text)
    # a tone mark typed between NIKHAHIT and SARA AA belongs before the SARA AM (น้ำ)
    text = re.sub("\u0e4d([\u0e48-\u0e4b])\u0e32", f"\\1{SARA_AM}", text)
    text = text.replace(NIKHAHIT_SARA_AA, SARA_AM)
    return MARK_RUN.sub(_fold_marks, text).casefold()
