"""What a message says besides its intent (bot/nlu/signals.yml): another purpose (land papers, a birth registration,
a pension…) and a relative the citizen is logging in for.

Pure Python, no Rasa: the ContextSignals component (bot/nlu/context_signals.py) turns the findings into the entities
`purpose` and `helper`. Words are compared with and without diacritics, after the tokenizer's shorthand expansion:
a phrase written with diacritics matches the same words with them, or the words typed without any; a phrase
written without diacritics matches only words typed without any ("me" is "mẹ" in "giup me", never "mê").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from vntext.normalize import strip_diacritics

from bot.nlu import text as vi
from bot.nlu.errors import _near as one_letter_off  # the catalogue's "one letter off"

__all__ = [
    "Tok",
    "Finding",
    "tokens",
    "purposes",
    "helper",
    "mentions_login",
    "about_logging_in",
    "about_another_service",
    "SIGNALS_FILE",
]

SIGNALS_FILE = Path(__file__).with_name("signals.yml")
_WORD = re.compile(r"\w+")
LOGIN_WINDOW = 4  # an owned relative counts when a login word follows within this many words
DOING_WINDOW = 6  # "cho" + a relative counts when a doing word comes within this many words before
PLAIN_SHARE = 0.15  # a message with fewer words than this carrying diacritics is "typed without diacritics"
NOT_RELATIVES = (("bà", "con"), ("ba", "con"))  # "bà con" = fellow villagers


@dataclass(frozen=True)
class Tok:
    """A word of the message (shorthand expanded): as written (lowercase), folded, its span, typed plain."""

    text: str
    folded: str
    start: int
    end: int
    plain: bool  # typed without diacritics


@dataclass(frozen=True)
class Finding:
    """A signal found: its value (purpose key, or how the bot names the relative) and its span."""

    value: str
    start: int
    end: int


def tokens(message: str) -> List[Tok]:
    """The message's words (NFC, lowercase, `ð` → `đ`), shorthand expanded, with their spans.

    A word counts as typed without diacritics (`plain`) only in a message typed without diacritics: in
    "Bà tôi vẫn giữ thói quen", "quen" is "quen", not a "quên" missing its mark.
    """
    table = vi.shorthand_table()
    text = unicodedata.normalize("NFC", message or "")
    found = [(m, m.group(0).lower().replace("ð", "đ")) for m in _WORD.finditer(text)]
    marked = sum(1 for _, w in found if strip_diacritics(w) != w)
    plain_message = marked < PLAIN_SHARE * max(1, len(found))
    out: List[Tok] = []
    for m, written in found:
        for part in table.get(written, written).split(" "):
            folded = strip_diacritics(part)
            out.append(Tok(part, folded, m.start(), m.end(), plain_message and part == folded))
    return out


@dataclass(frozen=True)
class _Phrase:
    words: Tuple[str, ...]
    folded: Tuple[str, ...]
    accented: bool  # written with diacritics
    strict: bool = False  # one accented word matches only as written ("đất", never a plain "dat": "đặt", "đạt")

    def at(self, toks: Sequence[Tok], i: int) -> bool:
        """Does the phrase start at toks[i]?"""
        if i < 0 or i + len(self.words) > len(toks):
            return False
        for k, word in enumerate(self.words):
            tok = toks[i + k]
            if tok.text == word:
                continue
            if not (self.accented and tok.plain and tok.folded == self.folded[k]):
                return False
        if self.strict and self.accented and len(self.words) == 1 and toks[i].text != self.words[0]:
            return False
        return True

    def ending_at(self, toks: Sequence[Tok], i: int) -> bool:
        """Does the phrase end just before toks[i]?"""
        return self.at(toks, i - len(self.words))


def _phrase(value: str, strict: bool = False) -> _Phrase:
    written = tuple(w for w in vi.normalize(value).split(" ") if w)
    folded = tuple(strip_diacritics(w) for w in written)
    return _Phrase(written, folded, written != folded, strict)


@functools.lru_cache(maxsize=1)
def _tables() -> Dict[str, Any]:
    import yaml  # local: no I/O at import time

    data = yaml.safe_load(SIGNALS_FILE.read_text(encoding="utf-8")) or {}
    helper = data.get("helper") or {}
    relatives = [
        (_phrase(k, strict=True), str(v.get("name") or k), bool(v.get("alone")))
        for k, v in (helper.get("relatives") or {}).items()
    ]
    relatives.sort(key=lambda r: -len(r[0].words))  # longest first: "ông nội" before "ông"
    return {
        "purposes": {
            key: sorted((_phrase(p, strict=True) for p in phrases), key=lambda p: -len(p.words))
            for key, phrases in (data.get("purposes") or {}).items()
        },
        "relatives": relatives,  # one accented word ("cụ", "má", "dì") never matches a plain one ("cu", "ma", "di")
        "cues": [_phrase(p) for p in helper.get("cues") or []],
        "owners": sorted((_phrase(p) for p in helper.get("owners") or []), key=lambda p: -len(p.words)),
        "login": [_phrase(p) for p in helper.get("login_words") or []],
        "for": _phrase("cho"),
        "doing": [_phrase(p) for p in helper.get("doing_words") or []],
        "account": [_phrase("tài khoản của"), _phrase("tài khoản")],
        "problem": [_phrase(p) for p in data.get("problem_words") or []],
        "other_services": [_phrase(p) for p in data.get("other_services") or []],
        "vneid": [_phrase(p) for p in data.get("vneid_words") or []],
    }


def purposes(message: str) -> List[Finding]:
    """The other purposes mentioned, first mention of each, in the order they appear."""
    toks = tokens(message)
    found: Dict[str, Finding] = {}
    for key, phrases in _tables()["purposes"].items():
        for i in range(len(toks)):
            phrase = next((p for p in phrases if p.at(toks, i)), None)
            if phrase:
                found[key] = Finding(key, toks[i].start, toks[i + len(phrase.words) - 1].end)
                break
    return sorted(found.values(), key=lambda f: f.start)


def helper(message: str) -> Optional[Finding]:
    """The relative the citizen is logging in for, if the message says so (see signals.yml), else None."""
    toks = tokens(message)
    tables = _tables()
    for i in range(len(toks)):
        for phrase, name, alone in tables["relatives"]:
            if not phrase.at(toks, i):
                continue
            after = i + len(phrase.words)
            if after < len(toks) and (toks[i].folded, toks[after].folded) in NOT_RELATIVES:
                break
            owner = next((o for o in tables["owners"] if o.at(toks, after)), None)
            cue = any(c.ending_at(toks, i) for c in tables["cues"]) or (
                tables["for"].ending_at(toks, i)  # "đăng nhập dịch vụ công cho ông nội"
                and any(d.at(toks, k) for k in range(max(0, i - 1 - DOING_WINDOW), i - 1) for d in tables["doing"])
            )
            found = Finding(name, toks[i].start, toks[after - 1].end)
            if cue and (alone or owner):
                return found
            if owner:
                rest = after + len(owner.words)
                if any(a.ending_at(toks, i) for a in tables["account"]) or any(
                    w.at(toks, k) for k in range(rest, min(len(toks), rest + LOGIN_WINDOW)) for w in tables["login"]
                ):
                    return found
            break  # the longest relative at i decided
    return None


def mentions_login(message: str) -> bool:
    """Does the message use a login word (signals.yml `helper.login_words`: đăng nhập, mật khẩu, mã, OTP, …)?"""
    toks = tokens(message)
    return any(w.at(toks, i) for i in range(len(toks)) for w in _tables()["login"])


LENIENT_LETTERS = 5  # words this long may differ by a letter or by their diacritics ("khỏan", "vneidd")


def _lenient(phrase: _Phrase, toks: Sequence[Tok], i: int) -> bool:
    """Like _Phrase.at, and a word of LENIENT_LETTERS letters or more may differ by one letter or by its diacritics
    (shorter Vietnamese words that differ by one letter or mark are other words: "nhập"/"nhạt", "quên"/"quen")."""
    if phrase.at(toks, i):
        return True
    if i + len(phrase.words) > len(toks):
        return False
    for k, folded in enumerate(phrase.folded):
        tok = toks[i + k]
        if tok.text == phrase.words[k] or (tok.plain and tok.folded == folded):
            continue
        if len(folded) < LENIENT_LETTERS or not (tok.folded == folded or one_letter_off(folded, tok.folded)):
            return False
    return True


def about_logging_in(message: str) -> bool:
    """Does the message use any word of a login problem (signals.yml `problem_words`), leniently?"""
    toks = tokens(message)
    return any(_lenient(w, toks, i) for i in range(len(toks)) for w in _tables()["problem"])


def about_another_service(message: str) -> bool:
    """Does the message name another service's account (Facebook, Zalo, a bank, wifi…) and nothing of VNeID or the
    public-service portal (signals.yml `other_services`, `vneid_words`)?"""
    toks = tokens(message)

    def named(key: str) -> bool:
        return any(w.at(toks, i) for i in range(len(toks)) for w in _tables()[key])

    return named("other_services") and not named("vneid")
