"""Commune names that are also ordinary words (decided with data, see tests/bot/test_build_communes.py).

A name compatible with one of `ORDINARY_WORDS` below, or of one syllable (the old `Xã Nưa`: `nữa`), counts only
with a kind word before it or a district right after it (`is_ordinary` tells). The list holds every name whose
spelling, with or without its marks, is an ordinary multi-word entry of underthesea's Viet22K word list (e.g.
`Thành Công`, `Quảng Trường`, `Thắng Lợi`, `Trung Thành`, `Tân Tiến`, `Tân Thành` ~ `tán thành`, `Đồng Tiến` ~
`đồng tiền`, `Tam Thanh` ~ `tâm thành`); a few common words of the larger Viet74K list (`yên tâm`, `hợp lý`,
`đông nam`, `văn hoá` ~ `Vạn Hòa`, `thanh long`, `sao vàng`, `đồng lương`); the province names some units share
(`Quảng Bình`, `Quảng Ninh`, `Vĩnh Phúc`, `Vĩnh Long`, `Hà Giang`, `Điện Biên`, `Thanh Hóa` ~ `Thanh Hòa`); a few
well-known districts of other provinces (`Ba Đình`, `Tây Hồ`, `Thanh Xuân`, `Hà Đông`, `Tân Bình`, `Hạ Long` ~
`Hà Long`); and word sequences of the bot's own NLU data that read as a name without marks (`năm đóng` ~
`Nam Động`, `khai trương trung tâm` ~ `Trường Trung`). With its marks typed, a name that is not itself the
ordinary word needs nothing more (`Tân Thành` typed with its marks is the unit; `tan thanh` alone is not).

Pure Python; the spellings are read into a table at first use.
"""

from __future__ import annotations

import functools
from typing import Dict, List, Tuple

from gateway.communes.typed_words import Sig, TypedText, agree, pattern

ORDINARY_WORDS = (
    # Viet22K multi-word entries a name spells exactly, marks and all
    "ban công",
    "bình minh",
    "công chính",
    "cẩm châu",
    "cẩm thạch",
    "cẩm tú",
    "dân quyền",
    "hải hà",
    "hồi xuân",
    "khuyến nông",
    "nam tiến",
    "nga văn",
    "nông trường",
    "quảng giao",
    "quảng trường",
    "sơn hà",
    "sơn thủy",
    "thiết kế",
    "thành công",
    "thành tâm",
    "thắng lợi",
    "thống nhất",
    "trung thành",
    "tân tiến",
    # Viet22K entries a name spells once its marks are dropped
    "cát vần",
    "cấm binh",
    "cam lòng",
    "cầm lòng",
    "cấm thành",
    "cam tâm",
    "giáo án",
    "hoàng kim",
    "hoàng thành",
    "hoang thai",
    "hoang tàn",
    "hoàng yến",
    "hoang dại",
    "hoang đảo",
    "hoàng đạo",
    "hả lòng",
    "hà tiện",
    "hạ tiện",
    "hạ tần",
    "hài hoà",
    "hài hòa",
    "hai lòng",
    "hài lòng",
    "quang minh",
    "quang vinh",
    "tâm thành",
    "thanh quản",
    "thiều quang",
    "thanh minh",
    "thợ điện",
    "thổ dân",
    "thợ sơn",
    "thỏ thẻ",
    "tàn binh",
    "tân binh",
    "tấn phong",
    "tán thành",
    "vinh quang",
    "văn hóa",
    "văn hoá",
    "diễn biến",
    "đồng tiền",
    "động tiên",
    "đóng yên",
    "đình công",
    "cảm tử",
    "cầm chầu",
    "cầm tù",
    "thanh tâm",
    "tằn tiện",
    # common words of Viet74K
    "yên tâm",
    "hợp lý",
    "hợp thành",
    "đông nam",
    "thanh xuân",
    "trường thi",
    "trường giang",
    "sao vàng",
    "đồng lương",
    "bậc lương",
    "thanh long",
    "thanh lọc",
    "tiền nong",
    "tướng lĩnh",
    "vinh hoa",
    "điện quang",
    "đồng hoá",
    "đồng hóa",
    "đồng hương",
    "đồng minh",
    "đồng thanh",
    "động thổ",
    "dính liền",
    # province names some units share
    "thanh hóa",
    "quảng bình",
    "quảng ninh",
    "vĩnh phúc",
    "vĩnh long",
    "hà giang",
    "điện biên",
    # well-known districts of other provinces
    "ba đình",
    "tây hồ",
    "hà đông",
    "tân bình",
    "hạ long",
    # read as a name, without marks, in the bot's NLU data (bot/data/nlu, tests/nlu/heldout.yml)
    "năm đóng",
    "trương trung",
    "đóng tiền",
)


@functools.lru_cache(maxsize=1)
def _spellings() -> Dict[Tuple[str, ...], List[Tuple[Sig, ...]]]:
    """Every ordinary word by its folded words: the marks of each spelling."""
    spellings: Dict[Tuple[str, ...], List[Tuple[Sig, ...]]] = {}
    for word in ORDINARY_WORDS:
        words, sigs = pattern(word)
        spellings.setdefault(words, []).append(sigs)
    return spellings


def is_ordinary(t: TypedText, i: int, j: int, key: Tuple[str, ...]) -> bool:
    """Whether words i..j-1 of the message (folded: `key`) may be an ordinary word rather than a name: one syllable,
    or a spelling of `ORDINARY_WORDS` whose marks agree with those typed."""
    if j - i == 1:
        return True
    spellings = _spellings().get(key)
    return bool(spellings) and any(agree(t.sigs(i, j), s) for s in spellings)
