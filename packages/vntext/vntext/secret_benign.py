"""Number shapes that are clearly not secrets: dates, times, amounts and counts with their unit, decree and
document numbers, versions, dossier codes. `benign_mask` marks the view characters inside them.

Part of `vntext.secrets`; pure, no I/O.
"""

from __future__ import annotations

import re

_UNIT_MONEY = r"(?:d|dong|vnd|k|nghin|ngan|trieu|tr|ty|ti|usd|\$|%)"
_UNIT_COUNT = r"(?:tuoi|nguoi|ky tu|chu so|km|kg|luot|phut|giay|tuan|ho so|mb|gb|met|lit|chiec|lan|buoc)"
_BENIGN = [
    # times: 8h30, 14:00, 8g, 08:30:15
    re.compile(r"(?<![0-9])(?:[01]?[0-9]|2[0-4])(?::|h|g)[0-5][0-9](?::[0-5][0-9])?(?![0-9])"),
    re.compile(r"(?<![0-9])(?:[01]?[0-9]|2[0-4])h(?![a-z0-9])"),
    # decree and document numbers: 59/2022/nd-cp, 06/qd-ttg, 123/ubnd
    re.compile(r"(?<![0-9])[0-9]{1,5}/(?:(?:19|20)[0-9]{2}/)?[a-z]{2,}(?:[-a-z0-9]*[a-z0-9])?"),
    # dossier and receipt codes: H56.22-250102-0192
    re.compile(r"(?<![a-z0-9])[a-z][0-9]{2}(?:[.\-][0-9]{2,}){2,}(?![0-9])"),
    # versions after a word that announces one: VNeID 2.1.8, iOS 17.5, v2.3
    re.compile(
        r"(?:\bv|\bver|version|phien ban|\bban|\bios|android|vneid|\bapp|zalo|chrome|windows|cap nhat)"
        r" ?[0-9]{1,3}(?:\.[0-9]{1,3}){1,3}(?![0-9])"
    ),
    # amounts: 1.500.000d, 50.000 dong, 200k, 1,5 trieu, 12%; thousands ending in 000 (1.500.000)
    re.compile(r"(?<![0-9.,])[0-9]+(?:[.,][0-9]+)* ?" + _UNIT_MONEY + r"(?![a-z0-9])"),
    re.compile(r"(?<![0-9.,])[0-9]{1,3}(?:[.,]000)+(?![0-9.,])"),
    # counts with their unit: 1200 nguoi, 82 tuoi, 8 ky tu, 8-20 ky tu
    re.compile(r"(?<![0-9.,])[0-9]+(?: ?[-~] ?[0-9]+)? ?" + _UNIT_COUNT + r"(?![a-z0-9])"),
    # a document's number after its kind: nghi dinh 59/2022, thong tu 17/2024, quyet dinh so 1686
    re.compile(
        r"(?:nghi dinh|quyet dinh|thong tu|nghi quyet|cong van|luat|\bnd|\bqd|\btt|\bnq|\bcv) ?(?:so )?"
        r"[0-9]{1,5}(?:/(?:19|20)[0-9]{2})?(?![0-9])"
    ),
]
# a dossier number (mã hồ sơ)
_BENIGN.append(re.compile(r"(?<![0-9])[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[a-z][0-9]{2}-[0-9]{6}-[0-9]{4}(?![0-9])"))
_DATE = re.compile(r"(?<![0-9])([0-9]{1,2})([/.\-])([0-9]{1,2})(?:\2([0-9]{4}|[0-9]{2}))?(?![0-9])")
_ISO_DATE = re.compile(r"(?<![0-9])(?:19|20)[0-9]{2}([/.\-])[01]?[0-9]\1[0-3]?[0-9](?![0-9])")
_MONTH_YEAR = re.compile(r"(?<![0-9])(?:0?[1-9]|1[0-2])[/\-](?:19|20)[0-9]{2}(?![0-9])")


def benign_mask(text: str) -> bytearray:
    """1 for each view character inside a clearly-not-secret number shape (date, time, amount, …)."""
    mask = bytearray(len(text))

    def mark(s: int, e: int) -> None:
        mask[s:e] = b"\x01" * (e - s)

    for rx in _BENIGN:
        for m in rx.finditer(text):
            mark(m.start(), m.end())
    for m in _DATE.finditer(text):
        day, month, year = int(m.group(1)), int(m.group(3)), m.group(4)
        if 1 <= day <= 31 and 1 <= month <= 12 and (year is None or len(year) == 2 or 1900 <= int(year) <= 2099):
            mark(m.start(), m.end())
    for rx in (_ISO_DATE, _MONTH_YEAR):
        for m in rx.finditer(text):
            mark(m.start(), m.end())
    return mask
