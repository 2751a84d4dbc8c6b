"""Numbers in prompts: digits, English number words ("two and a half"), Chinese numerals ("一百二十")."""

from __future__ import annotations

from museforge.errors import MuseforgeError

_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
          "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
          "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "a": 1, "an": 1}
_WORD = r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|" \
        r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)"
# "a"/"an" only lead ("a minute", "an eight bar loop"); "and" only joins ("one hundred and twenty");
# "a couple of" is two, "a few" is not a number
EN_NUM = rf"(?<![a-z])(?:an?\s+)?(?:{_WORD}(?:[\s-]+(?:and[\s-]+)?{_WORD})*)(?![a-z])" \
         r"|(?<![a-z])(?:an?|a\s+couple\s+of)(?=\s)"
NUM = rf"(?:\d+(?:\.\d+)?|{EN_NUM})"

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SCALES = {"十": 10, "百": 100, "千": 1000}
CN_NUM = r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+)"


def en_number(text: str) -> float:
    """``"one hundred and twenty"`` -> 120; ``"an eight"`` -> 8; ``"a"`` -> 1."""
    phrase = " ".join(w for w in text.lower().replace("-", " ").split() if w != "and")
    for lead, value in (("a couple of", 2.0), ("couple of", 2.0)):
        if phrase == lead:
            return value
    words = phrase.split()
    if len(words) > 1 and words[0] in ("a", "an"):
        words = words[1:]
    current = 0
    for word in words:
        if word == "hundred":
            current = (current or 1) * 100
        elif word in _UNITS:
            current += _UNITS[word]
        else:
            raise MuseforgeError(f"cannot read the number {text!r}")
    return float(current)


def cn_number(text: str) -> float:
    """``"一百二十"`` -> 120, ``"两"`` -> 2, ``"十五"`` -> 15, digits as they are.

    A last digit right after 百/千 counts in the next lower place, as people say it: ``"一百八"`` is
    180 and ``"两千五"`` 2500 (``"一百零八"``, with 零, is 108).
    """
    text = text.strip()
    if text[:1].isdigit():
        return float(text)
    total, digit, last_scale = 0, 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_SCALES:
            total += (digit or 1) * _CN_SCALES[ch]
            digit, last_scale = 0, _CN_SCALES[ch]
        else:
            raise MuseforgeError(f"cannot read the Chinese number {text!r}")
    if digit and last_scale >= 100 and text[-2] in "百千":
        digit *= last_scale // 10
    return float(total + digit)


def number(text: str) -> float:
    """Digits, English words or Chinese numerals."""
    text = text.strip()
    if text[:1].isdigit():
        return float(text)
    if text[:1] in _CN_DIGITS or text[:1] in _CN_SCALES:
        return cn_number(text)
    return en_number(text)


_ENHARMONIC = {"Cb": "B", "Fb": "E", "E#": "F", "B#": "C"}


def tonic_name(letter: str, accidental: str | None) -> str:
    """``("f", " sharp")`` -> ``"F#"``; ``("e", "♭")`` -> ``"Eb"``; ``("c", "b")`` -> ``"Cb"`` -> ``"B"``."""
    acc = (accidental or "").strip(" -").lower()
    suffix = {"#": "#", "♯": "#", "sharp": "#", "b": "b", "♭": "b", "flat": "b"}.get(acc, "")
    name = letter.upper() + suffix
    return _ENHARMONIC.get(name, name)
