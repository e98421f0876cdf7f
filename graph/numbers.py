"""Numbers as the articles write them: 4.5亿元, 2000万元, 1.05亿, 两千万元, 3.05万条, 2017年."""
from __future__ import annotations

import math
import re
from typing import NamedTuple

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_MULTIPLIERS = {"万亿": 1e12, "千亿": 1e11, "百亿": 1e10, "亿": 1e8, "千万": 1e7, "百万": 1e6, "万": 1e4, "千": 1e3}
_NUMBER = r"(\d+(?:,\d{3})*(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+(?:点[零〇一二三四五六七八九]+)?)"
_MULT = "|".join(sorted(_MULTIPLIERS, key=len, reverse=True))
_CURRENCIES = {"美元": "USD", "欧元": "EUR", "港元": "HKD", "港币": "HKD", "元": "CNY"}
# spaces only after a part that is there: two \s* side by side would try every split of a run of spaces (a table
# set in spaces took minutes)
_GAP = r"\s*(?:(?:多|余)\s*)?"  # 300余万元, 5000 多万元
_AMOUNT = re.compile(rf"{_NUMBER}{_GAP}(?:({_MULT})\s*)?(?:(?:多|余)\s*)?(美元|欧元|港元|港币|元)")
# 二十二亿八千万元, 1亿2000万元: 亿 and then the rest in 万
_COMPOUND = re.compile(rf"{_NUMBER}\s*亿\s*零?{_NUMBER}\s*(千万|百万|万){_GAP}(美元|欧元|港元|港币|元)")
_COUNT = re.compile(rf"{_NUMBER}{_GAP}(?:({_MULT})\s*)?(?:(?:多|余)\s*)?"
                    r"(千瓦时|人次|对|家|个|人|名|所|批|条|项|户|亩|吨|次|座|场|期|县|镇|村|市|套|批次)")
_HEADING_UNIT = re.compile(rf"({_MULT})?元")
YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{2})\s*年")


class Quantity(NamedTuple):
    start: int
    end: int
    value: float
    unit: str  # a currency code for money, else the counting word as written


def parse_number(text: str) -> float:
    """A number written in digits (1,175 or 4.5) or in Chinese (两千三百, 三点五); ValueError if it is none, or
    too long for a float."""
    text = text.replace(",", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return _finite(float(text), text)
    whole, _, frac = text.partition("点")
    total = section = 0
    digit = None
    for ch in whole:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            section += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
        else:
            raise ValueError(f"not a number: {text}")
    total = section + (digit or 0)
    if frac:
        total += float("0." + "".join(str(_DIGITS[ch]) for ch in frac))
    return float(total)


_BARE_AMOUNT = re.compile(rf"(?<=资金|经费|款项|捐款|援款)(?:[^,;。\d]{{0,4}}?){_NUMBER}{_GAP}({_MULT})(?!{_GAP}(?:美元|欧元|港元|港币|元|{_MULT}))")


def amounts(text: str, start: int = 0, end: int | None = None) -> list[Quantity]:
    """Sums of money in text[start:end], in units of their currency (yuan for 元); 资金5000万 counts too."""
    end = len(text) if end is None else end
    found = [q for m in _COMPOUND.finditer(text, start, end) if (q := _compound(m))] if text.find("亿", start, end) >= 0 else []
    found += [q for m in _AMOUNT.finditer(text, start, end) if (q := _quantity(m, _CURRENCIES[m.group(3)]))]
    found += [q for m in _BARE_AMOUNT.finditer(text, start, end) if (q := _quantity(m, "CNY", number_at=m.start(1)))]
    if len(found) < 2:
        return found
    kept: list[Quantity] = []
    for q in sorted(found, key=lambda q: (q.start, -q.end)):  # 八千万元 inside 二十二亿八千万元 is not a sum of its own
        if not kept or q.start >= kept[-1].end:
            kept.append(q)
    return kept


def _finite(value: float, text: str) -> float:
    # 400 digits read as infinity, which no JSON or xsd:decimal can hold: no number, not a crash downstream
    if not math.isfinite(value):
        raise ValueError(f"out of range: {text[:20]}…")
    return value


def _compound(m: re.Match) -> Quantity | None:
    try:
        value = _finite(parse_number(m.group(1)) * 1e8 + parse_number(m.group(2)) * _MULTIPLIERS[m.group(3)], m.group())
    except ValueError:
        return None
    return Quantity(m.start(), m.end(), round(value, 2), _CURRENCIES[m.group(4)])


def counts(text: str, start: int = 0, end: int | None = None) -> list[Quantity]:
    """Counted figures (236对, 135家, 3.05万条) in text[start:end]."""
    return [q for m in _COUNT.finditer(text, start, len(text) if end is None else end)
            if (q := _quantity(m, m.group(3)))]


def _quantity(m: re.Match, unit: str, number_at: int | None = None) -> Quantity | None:
    try:
        value = _finite(round(parse_number(m.group(1)) * _MULTIPLIERS.get(m.group(2) or "", 1), 2), m.group())  # 2.24亿 is 224000000, not …0003
    except ValueError:
        return None
    return Quantity(m.start() if number_at is None else number_at, m.end(), value, unit)


def unit_of(heading: str) -> float | None:
    """What a table heading counts its amounts of money in: 资金（万元） → 10,000 yuan; None without a unit."""
    m = _HEADING_UNIT.search(heading)
    return _MULTIPLIERS.get(m.group(1) or "", 1.0) if m else None


def years(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, int]]:
    """(start, end, year) of every 20xx年 in text[start:end]."""
    return [(m.start(), m.end(), int(m.group(1))) for m in YEAR.finditer(text, start, len(text) if end is None else end)]
