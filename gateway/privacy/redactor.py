"""Redact secrets (OTP, password, ID number, phone number) from a citizen's chat message.

The gateway calls `Redactor.redact` on every incoming message BEFORE it is stored, logged or sent to the NLU.

Design
- Rules are data: `patterns.yml` holds spaCy Matcher token patterns (kind, context tokens, which tokens are the
  secret) and word lists; this module only tokenises, matches, runs a few named post-checks (digit counts, phone
  and ID number validation, the password stop-list) and rebuilds the text.
- No kind fell back to plain regex. Measured with tools/redaction_eval.py (2,400 generated messages, 2,742
  secrets, seed 20240701): these token rules recall 100 % of every kind with 0/146 false positives, where the
  bot's regex second line (bot/nlu/sensitive.find_raw) recalls 78 % OTP, 70 % passwords, 85 % ID numbers,
  89 % phones with 2/146 false positives (an amount, an error code). Token context is what keeps dates, amounts,
  decree numbers and dossier codes intact: a number token keeps its inner dots/dashes/slashes, so "01/07/2024"
  or "000.00.12.H56-240101-0001" never looks like a run of digit groups. (Regex is used only inside the rules:
  spaCy REGEX token predicates, the tokenizer's affix rules, and the phone / ID number validators.)
- The pipeline is `spacy.blank("xx")` with our own tokenizer rules (see `_build_tokenizer`) and one component
  that sets each token's NORM to its lowercase form without diacritics, so a rule written "mật khẩu" also
  matches "mat khau", "MẬT KHẨU" or "mặt khẩu".
- Matching runs on a normalised copy of the text (NFC, zero-width and control characters removed, whitespace
  collapsed, full-width/Unicode digits as ASCII). Every character of the copy remembers the range of the
  original it came from, so spans index the ORIGINAL text.
- Placeholders already in the text are masked before tokenising (one opaque token), so they are neither
  re-reported nor used as context. `redact` then re-runs on its own output until nothing new is found (at most
  three passes), which makes it idempotent by construction.
- spaCy's vocabulary would otherwise keep every token string it ever saw, secrets included, for the life of the
  process: each message is processed inside `nlp.memory_zone()`, which frees them. A lock serialises calls
  (the memory zone and tokenizer cache are not thread-safe); a chat message takes about half a millisecond.
"""
from __future__ import annotations

import bisect
import functools
import itertools
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from bot.nlu.sensitive import KINDS, PLACEHOLDERS

PATTERNS_FILE = Path(__file__).with_name("patterns.yml")

_MASK = "\ue000"  # private-use character that stands for a placeholder already in the text
_RUN_ATTR = "privacy_run"  # Token extension: the whitespace-delimited run the token belongs to
_FOLD_PIPE = "privacy_fold"
_TEXT_KEY = "privacy_text"
_FIRST_ATTR = "privacy_first"  # Token extension: the first non-punctuation token of the message
_MAX_PASSES = 3


_BUTTON_PAYLOAD = re.compile(r"/[a-z_]{1,64}")


@dataclass(frozen=True)
class Redaction:
    """The redacted text, the kinds of secret found (in KINDS order) and their spans in the original text."""

    text: str
    kinds: List[str] = field(default_factory=list)
    spans: List[Tuple[str, int, int]] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------ folding
@functools.lru_cache(maxsize=8192)
def _fold_char(c: str) -> str:
    """One character lowercased without Vietnamese marks; always exactly one character."""
    if c in "đĐðÐ":
        return "d"
    low = c.lower()
    if len(low) != 1:
        low = c
    base = "".join(x for x in unicodedata.normalize("NFD", low) if not unicodedata.combining(x))
    return base if len(base) == 1 else low


def fold(text: str) -> str:
    """`Mật Khẩu` → `mat khau`: lowercase, no diacritics, same length as the input."""
    return "".join(map(_fold_char, text))


# ------------------------------------------------------------------------------------------ normalisation
# A text that matches none of these is already NFC, single-spaced and free of odd characters: fast path.
_NEEDS_WORK = re.compile(
    r"[^\S ]|  |^ | $|[\x00-\x1f\x7f-\x9f\u00ad\u00d0\u00f0\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e"
    r"\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ue000-\uf8ff\uff01-\uff5e"
    r"\U000e0000-\U000e007f\U000f0000-\U0010ffff\ud800-\udfff]|(?![0-9])\d"
)


@dataclass
class _Normalized:
    text: str
    starts: Optional[List[int]]  # original start of each character; None = identity
    ends: Optional[List[int]]

    def to_original(self, start: int, end: int) -> Tuple[int, int]:
        if self.starts is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


def _map_char(ch: str) -> str:
    o = ord(ch)
    if 0xFF01 <= o <= 0xFF5E:  # full-width ASCII
        return chr(o - 0xFEE0)
    if ch in "ðÐ":
        return "đ" if ch == "ð" else "Đ"
    if not ("0" <= ch <= "9") and ch.isdecimal():
        return str(unicodedata.decimal(ch, 0))
    cat = unicodedata.category(ch)
    if cat == "Co":  # private use, including our mask character
        return "\ufffd"
    return ch


def _normalize(text: str) -> _Normalized:
    if not _NEEDS_WORK.search(text) and unicodedata.is_normalized("NFC", text):
        return _Normalized(text, None, None)
    out: List[str] = []
    starts: List[int] = []
    ends: List[int] = []
    n = len(text)
    i = 0
    category = unicodedata.category
    while i < n:
        c = text[i]
        if c.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                starts.append(i)
                ends.append(i + 1)
            i += 1
            continue
        cat = category(c)
        if cat in ("Cc", "Cf", "Cs") or c in "\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0" or "\ufe00" <= c <= "\ufe0f":
            i += 1  # invisible: dropped (its index still falls inside any span around it)
            continue
        j = i + 1
        while j < n and category(text[j]).startswith("M"):
            j += 1
        cluster = unicodedata.normalize("NFC", text[i:j]) if j - i > 1 or not c.isascii() else c
        for ch in cluster:
            out.append(_map_char(ch))
            starts.append(i)
            ends.append(j)
        i = j
    while out and out[-1] == " ":
        out.pop()
        starts.pop()
        ends.pop()
    return _Normalized("".join(out), starts, ends)


# ---------------------------------------------------------------------------------------------- tokenizer
_EMOJI = "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\ufffd"
_OPEN = r"\(\[\{<\"'“”‘’«»\*•·…,;!?\-–—"
_CLOSE = r"\)\]\}>\"'“”‘’«»,;:!?…\."
_PREFIX_RE = re.compile(rf"^(?:[{_OPEN}{_EMOJI}]|{_MASK}+)")
_SUFFIX_RE = re.compile(rf"(?:[{_CLOSE}{_EMOJI}]|{_MASK}+)$")
_INFIX_RE = re.compile(
    "|".join(
        [
            r"(?<=[^\W\d_])[:=](?=\S)",  # otp:123456, mk=Abc@123, sdt:0912…
            r"(?<=[^\W\d_:=])[(\[](?=\S)|(?<=[:=])[(\[]",  # sdt(0912345678), sdt:(+84) 912…
            r"(?<=\S)[)\]](?=\S)",  # (+84)912345678
            r",(?![0-9]{3}(?![0-9]))",  # a comma, unless it groups thousands (1,500,000)
            r"(?<=[0-9]{9})[/\-;](?=\+?[0-9]{9})",  # two long numbers glued: 0912345678/0987654321
            r"(?<=[^\W\d_])(?=\+?[0-9]{9})",  # a word glued to a long number: CCCD038176002913, sdt0912345678
            r"(?<=[oO][tT][pP])(?=[0-9]{4})",  # otp482913
            rf"[{_EMOJI}]",
            rf"{_MASK}+",  # a placeholder glued to a word: "[mã OTP]482913"
            r"…",
            r"\.{2,}",
        ]
    )
)


def _build_tokenizer(nlp: Any) -> Any:
    from spacy.tokenizer import Tokenizer

    return Tokenizer(
        nlp.vocab,
        rules={},
        prefix_search=_PREFIX_RE.search,
        suffix_search=_SUFFIX_RE.search,
        infix_finditer=_INFIX_RE.finditer,
    )


def _run_of(token: Any) -> str:
    text = token.doc.user_data.get(_TEXT_KEY)
    if text is None:
        text = token.doc.user_data[_TEXT_KEY] = token.doc.text
    start = text.rfind(" ", 0, token.idx) + 1
    end = text.find(" ", token.idx)
    return text[start:] if end < 0 else text[start:end]


def _content_bounds(doc: Any) -> Tuple[int, int]:
    """Index of the first non-punctuation token and one past the last (cached on the doc)."""
    bounds = doc.user_data.get("privacy_bounds")
    if bounds is None:
        n = len(doc)
        first = next((i for i in range(n) if not doc[i].is_punct), n)
        last = next((i + 1 for i in range(n - 1, -1, -1) if not doc[i].is_punct), 0)
        bounds = doc.user_data["privacy_bounds"] = (first, last)
    return bounds


def _is_first_content(token: Any) -> bool:
    return token.i == _content_bounds(token.doc)[0]


def _fold_component(doc: Any) -> Any:
    doc.user_data[_TEXT_KEY] = doc.text  # `Doc.text` is rebuilt on every access: keep it once
    for token in doc:
        token.norm_ = fold(token.text)
    return doc


# ---------------------------------------------------------------------------------------------- the rules
@dataclass
class _Rule:
    id: str
    kind: str
    priority: int
    check: Dict[str, Any]
    variants: List["_Variant"]


def _resolve(value: Any, lists: Dict[str, List[str]]) -> Any:
    """Replace "$name" by the list of that name, recursively."""
    if isinstance(value, str) and value.startswith("$") and len(value) > 1:
        name = value[1:]
        if name not in lists:
            raise ValueError(f"patterns.yml: unknown list ${name}")
        return lists[name]
    if isinstance(value, list):
        out: List[Any] = []
        for v in value:
            r = _resolve(v, lists)
            out.extend(r) if isinstance(v, str) and v.startswith("$") and len(v) > 1 else out.append(r)
        return out
    if isinstance(value, dict):
        return {k: _resolve(v, lists) for k, v in value.items()}
    return value


def _fold_norm(spec: Dict[str, Any]) -> Dict[str, Any]:
    """NORM values in patterns are folded the same way token norms are."""
    if "NORM" not in spec:
        return spec
    value = spec["NORM"]
    if isinstance(value, str):
        value = fold(value)
    elif isinstance(value, dict):
        value = {k: ([fold(str(x)) for x in v] if isinstance(v, list) else v) for k, v in value.items()}
    return {**spec, "NORM": value}


@dataclass
class _Variant:
    pattern: List[Dict[str, Any]]  # the spaCy Matcher pattern
    secret: frozenset  # indices of its SECRET tokens
    phrases: List[Tuple[Tuple[int, ...], frozenset]]  # PHRASE token indices and the word tuples allowed there


def _expand(pattern: List[Dict[str, Any]], lists: Dict[str, List[str]]) -> List[_Variant]:
    """Turn a rule's pattern into Matcher patterns.

    A PHRASE token becomes one token per word. To keep the number of Matcher patterns small (the Matcher's cost
    grows with patterns x tokens), phrases of the same length share one pattern whose k-th token accepts any k-th
    word; after a match, `_phrases_ok` checks that the words seen form one of the listed phrases.
    """
    choices: List[List[List[Tuple[Dict[str, Any], bool, Optional[frozenset]]]]] = []
    for raw in pattern:
        spec = dict(_resolve(raw, lists))
        secret = bool(spec.pop("SECRET", False))
        if "PHRASE" in spec:
            name = raw["PHRASE"]
            phrases = lists.get(name) if isinstance(name, str) else name
            if not phrases:
                raise ValueError(f"patterns.yml: PHRASE needs a non-empty list, got {name!r}")
            extra = {k: v for k, v in spec.items() if k != "PHRASE"}
            if extra:
                raise ValueError(f"patterns.yml: PHRASE takes no other key ({sorted(extra)})")
            by_length: Dict[int, set] = {}
            for phrase in phrases:
                words = tuple(fold(str(phrase)).split())
                if words:
                    by_length.setdefault(len(words), set()).add(words)
            options = []
            for length, group in sorted(by_length.items()):
                allowed = frozenset(group)
                options.append(
                    [({"NORM": {"IN": sorted({w[k] for w in group})}}, secret, allowed if k == 0 else None)
                     for k in range(length)]
                )
            choices.append(options)
        else:
            choices.append([[(_fold_norm(spec), secret, None)]])
    variants = []
    for combo in itertools.product(*choices):
        tokens = [tok for part in combo for tok in part]
        phrase_checks = []
        for i, (_, _, allowed) in enumerate(tokens):
            if allowed is not None:
                length = len(next(iter(allowed)))
                if len(allowed) > 1 and length > 1:
                    phrase_checks.append((tuple(range(i, i + length)), allowed))
        variants.append(
            _Variant([spec for spec, _, _ in tokens], frozenset(i for i, (_, s, _) in enumerate(tokens) if s),
                     phrase_checks)
        )
    return variants


def _phrases_ok(variant: _Variant, doc: Any, start: int, alignment: Sequence[int]) -> bool:
    for indices, allowed in variant.phrases:
        words = tuple(doc[start + k].norm_ for k, a in enumerate(alignment) if a in indices)
        if words not in allowed:
            return False
    return True


# ------------------------------------------------------------------------------------------- post-checks
_DIGIT_TOKEN = re.compile(r"^[0-9]+(?:[.\-][0-9]+)*$")
_NON_DIGITS = re.compile(r"[^0-9]")
_RANGE = re.compile(r"^[0-9]{1,2}\s*[-–~/]\s*[0-9]{1,2}$")
_EDGE_PUNCT_RIGHT = ".,;:!?…)]}\"'”’»"
_EDGE_PUNCT_LEFT = "([{\"'“‘«"


def _trim_run_end(text: str, start: int, end: int) -> int:
    """Leave out of an extended password the clause punctuation after it: "Thu@1979," or "(Thu@1979)"."""
    while end > start + 1:
        ch = text[end - 1]
        if ch in ",;" or (ch in _CLOSERS and _CLOSERS[ch] not in text[start:end - 1]):
            end -= 1
        else:
            break
    return end


_CLOSERS = {")": "(", "]": "[", "}": "{", "”": "“", "»": "«"}


def _valid_phone(tokens: Sequence[str]) -> bool:
    """A Vietnamese phone number: 0 + 9 digits (mobile, old landline) or 0 + 10 digits (02x landline, old 01x
    mobile), or the same national number after +84 / 84 / 0084 (a trunk 0 kept after the prefix is allowed)."""
    first = next((t for t in tokens if t not in "()"), "")
    digits = _NON_DIGITS.sub("", "".join(tokens))
    if first.startswith(("+84", "84")):
        national = digits[2:]
    elif first.startswith(("0084", "+0084")):
        national = digits[4:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        return False
    if first.startswith(("+84", "84", "0084", "+0084")) and national.startswith("0"):
        national = national[1:]  # "+84 0912 345 678"
    if not national or national[0] == "0":
        return False
    if len(national) == 9:
        return True
    return len(national) == 10 and national[0] in "12"


def _valid_id_number(tokens: Sequence[str]) -> bool:
    digits = _NON_DIGITS.sub("", "".join(tokens))
    groups = [len(g) for tok in tokens for g in re.split(r"[.\-]", tok) if g]
    if len(digits) == 12:
        if len(groups) > 1 and not all(2 <= g <= 6 for g in groups):
            return False
        money = len(groups) > 1 and digits[0] != "0" and all(g == 3 for g in groups[1:]) and digits.endswith("000")
        return not money
    if len(digits) == 9:
        if len(groups) > 1 and groups != [3, 3, 3]:
            return False
        # 150.000.000 or 150000000 is an amount, not a CMND (one CMND in 10,000 ends in 0000)
        dotted = any(sep in "".join(tokens) for sep in ".,")
        return not (digits[0] != "0" and (digits.endswith("0000") or (dotted and digits.endswith("000"))))
    return False


_VALIDATORS = {"phone": _valid_phone, "id_number": _valid_id_number}
_ASCII_LOWER = re.compile(r"[a-z]")
_ASCII_UPPER = re.compile(r"[A-Z]")


class _PasswordCheck:
    def __init__(self, conf: Dict[str, Any]):
        self.min_length = int(conf.get("min_length", 4))
        self.fillers = {fold(str(w)) for w in conf.get("fillers", [])}
        self.soft_stopwords = {fold(str(w)) for w in conf.get("soft_stopwords", [])}
        self.stopwords = {fold(str(w)) for w in conf.get("stopwords", [])} | (self.fillers - self.soft_stopwords)
        self.introducers = {fold(str(w)) for w in conf.get("introducers", [])}
        self.not_before = {fold(str(w)) for w in conf.get("not_before", [])}
        self.single_word = re.compile(conf["single_word_regex"]) if conf.get("single_word_regex") else None

    def __call__(self, candidate: str, first_norm: str, glued_left: bool, prev_norm: str, next_norm: str,
                 mode: str) -> bool:
        if glued_left and (first_norm in self.fillers or first_norm in self.introducers):
            return False  # "mk=Abc@123": the candidate is "Abc@123", not "=Abc@123" (but "-Yen6835" is one)
        core = candidate.rstrip(_EDGE_PUNCT_RIGHT).lstrip(_EDGE_PUNCT_LEFT)
        if _MASK in candidate or len(core) < self.min_length or not any(ch.isalnum() for ch in core):
            return False
        folded = fold(core)
        if folded in self.stopwords or _RANGE.match(core):
            return False
        introduced = prev_norm in self.introducers
        if folded in self.soft_stopwords and not introduced:
            return False
        if next_norm in self.not_before and sum(ch.isdigit() for ch in core) <= 2:
            return False
        has_digit = any(ch.isdigit() for ch in core)
        has_symbol = any(not ch.isalnum() for ch in core)
        mixed = bool(_ASCII_LOWER.search(core)) and bool(_ASCII_UPPER.search(core[1:]))
        shaped = has_digit or has_symbol or mixed
        if not has_digit and folded != core.lower():
            return False  # letters with Vietnamese marks and no digit: a word, not a password
        if shaped:
            return True
        if self.single_word is not None and self.single_word.match(folded):
            return False
        return mode == "introduced_or_shaped" and introduced and core.isalpha()


# --------------------------------------------------------------------------------------------- redactor
@dataclass
class _Candidate:
    priority: int
    kind: str
    start: int  # in the normalised text
    end: int


class Redactor:
    """Finds and replaces secrets. Build once with `Redactor.load()`; `redact` is safe to call from threads."""

    def __init__(self, config: Dict[str, Any]):
        import spacy
        from spacy.language import Language
        from spacy.matcher import Matcher
        from spacy.tokens import Token

        if not isinstance(config, dict) or not config.get("rules"):
            raise ValueError("patterns: no rules")
        lists: Dict[str, List[str]] = {}
        for name, values in (config.get("lists") or {}).items():
            for x in values or []:
                if isinstance(x, bool) or x is None:
                    raise ValueError(f"patterns.yml: list {name} has {x!r}: quote words like \"no\", \"on\", \"yes\"")
            lists[name] = [str(x) for x in values or []]
        self._placeholders = {kind: PLACEHOLDERS[kind] for kind in KINDS}
        checks = _resolve(config.get("checks") or {}, lists)
        self._password = _PasswordCheck(checks.get("password") or {})

        if not Token.has_extension(_RUN_ATTR):
            Token.set_extension(_RUN_ATTR, getter=_run_of)
        if not Token.has_extension(_FIRST_ATTR):
            Token.set_extension(_FIRST_ATTR, getter=_is_first_content)
        if _FOLD_PIPE not in Language.factories:
            Language.component(_FOLD_PIPE, func=_fold_component)
        nlp = spacy.blank("xx")
        nlp.tokenizer = _build_tokenizer(nlp)
        nlp.add_pipe(_FOLD_PIPE)
        self._nlp = nlp
        self._matcher = Matcher(nlp.vocab, validate=True)
        self._rules: Dict[str, Tuple[_Rule, _Variant]] = {}
        for raw in config["rules"]:
            kind = raw.get("kind")
            if kind not in KINDS:
                raise ValueError(f"patterns.yml: rule {raw.get('id')!r} has unknown kind {kind!r}")
            check = _resolve(raw.get("check") or {}, lists)
            for key in ("not_after", "not_before", "context_not", "whole_message"):
                if isinstance(check.get(key), list):
                    check[key] = frozenset(fold(str(w)) for w in check[key])
            rule = _Rule(str(raw["id"]), kind, int(raw.get("priority", 50)), check,
                         _expand(raw["pattern"], lists))
            for n, variant in enumerate(rule.variants):
                if not variant.secret:
                    raise ValueError(f"patterns.yml: rule {rule.id!r} marks no SECRET token")
                key = f"{rule.id}#{n}"
                self._matcher.add(key, [variant.pattern])
                self._rules[key] = (rule, variant)
        self._keys = {nlp.vocab.strings[key]: key for key in self._rules}
        # Words of the lists become permanent vocabulary entries now, outside any memory zone: per message, only
        # words not seen here are created (and freed) again. No message text ever enters the permanent vocabulary.
        words = {w for values in lists.values() for phrase in values for w in phrase.split()}
        words |= {fold(w) for w in words} | {w.capitalize() for w in words} | {w.upper() for w in words}
        self._nlp(" ".join(sorted(words)))
        # Placeholders already in the text, compared folded (so "[ma otp]" is one too).
        alternatives = "|".join(
            r"\[\s*" + r"\s+".join(map(re.escape, fold(p).strip("[]").split())) + r"\s*\]"
            for p in self._placeholders.values()
        )
        self._placeholder_re = re.compile(alternatives)
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Optional[Path | str] = None) -> "Redactor":
        """Read `patterns.yml` (or the given file) and build the spaCy pipeline and matcher."""
        import yaml

        data = yaml.safe_load(Path(path or PATTERNS_FILE).read_text(encoding="utf-8"))
        return cls(data)

    # ----------------------------------------------------------------------------------------- matching
    def _find(self, norm: str) -> List[Tuple[str, int, int]]:
        """Secret spans (kind, start, end) in the normalised text `norm`."""
        masked = norm
        protected: List[Tuple[int, int]] = []
        if "[" in norm:
            folded = fold(norm)
            chars = list(norm)
            for m in self._placeholder_re.finditer(folded):
                protected.append((m.start(), m.end()))
                chars[m.start():m.end()] = _MASK * (m.end() - m.start())
            masked = "".join(chars)
        if not masked.strip():
            return []
        candidates: List[_Candidate] = []
        with self._nlp.memory_zone():
            doc = self._nlp(masked)
            for match_id, start, end, alignment in self._matcher(doc, with_alignments=True):
                rule, variant = self._rules[self._keys[match_id]]
                idx = [start + k for k, a in enumerate(alignment) if a in variant.secret]
                if not idx or (variant.phrases and not _phrases_ok(variant, doc, start, alignment)):
                    continue
                cand = self._check(rule, doc, idx[0], idx[-1] + 1, start, end)
                if cand is not None:
                    candidates.append(cand)
        return self._select(candidates, protected)

    def _check(self, rule: _Rule, doc: Any, first: int, last: int, m_start: int, m_end: int) -> Optional[_Candidate]:
        """Post-checks of a match [m_start, m_end) whose secret tokens are [first, last); a candidate or None."""
        check = rule.check
        tokens = [doc[i].text for i in range(first, last)]
        if _MASK in "".join(tokens):
            return None
        prev_norm = doc[first - 1].norm_ if first > 0 else ""
        next_norm = doc[last].norm_ if last < len(doc) else ""
        if "digits" in check:
            lo, hi = check["digits"]
            count = sum(ch.isdigit() for tok in tokens for ch in tok)
            if not lo <= count <= hi:
                return None
        if check.get("maximal"):
            if first > 0 and _DIGIT_TOKEN.match(doc[first - 1].text) and len(doc[first - 1].text) >= 2:
                return None
            if last < len(doc) and _DIGIT_TOKEN.match(doc[last].text) and len(doc[last].text) >= 2:
                return None
        whole = check.get("whole_message")
        if whole:
            # Only punctuation, or the listed particles, outside the secret. The patterns anchor these matches
            # at the first word of the message, so this scan runs a few times per message at most.
            allowed = whole if isinstance(whole, frozenset) else frozenset()
            content_first, content_last = _content_bounds(doc)
            for i in itertools.chain(range(content_first, first), range(last, content_last)):
                if not doc[i].is_punct and doc[i].norm_ not in allowed:
                    return None
        if prev_norm in check.get("not_after", ()) or next_norm in check.get("not_before", ()):
            return None
        blockers = check.get("context_not")
        if blockers and any(doc[i].norm_ in blockers for i in range(max(0, m_start - 2), m_end)):
            return None
        validator = check.get("validate")
        if validator and not _VALIDATORS[validator](tokens):
            return None
        text = doc.user_data[_TEXT_KEY]
        start = doc[first].idx
        end = doc[last - 1].idx + len(doc[last - 1].text)
        extend = check.get("extend")
        if extend in ("run", "run_right"):
            if extend == "run":
                start = text.rfind(" ", 0, start) + 1
            stop = text.find(" ", end)
            end = len(text) if stop < 0 else stop
            mask_at = text.find(_MASK, start, end)
            if mask_at >= 0:
                end = mask_at
            end = _trim_run_end(text, start, end)
            if end <= start:
                return None
        if "password" in check:
            candidate = text[start:end]
            after = end
            nxt = ""
            while after < len(text) and text[after] == " ":
                after += 1
            if after < len(text):
                nxt_end = text.find(" ", after)
                nxt = fold(text[after:] if nxt_end < 0 else text[after:nxt_end]).strip(_EDGE_PUNCT_RIGHT)
            if not self._password(candidate, doc[first].norm_, first > 0 and not doc[first - 1].whitespace_,
                                  prev_norm, nxt, check["password"]):
                return None
        return _Candidate(rule.priority, rule.kind, start, end)

    @staticmethod
    def _select(candidates: List[_Candidate], protected: List[Tuple[int, int]]) -> List[Tuple[str, int, int]]:
        """Non-overlapping candidates: lower priority number first, then longer, then earlier."""
        chosen_starts: List[int] = []
        chosen: List[Tuple[int, int, str]] = []
        taken = sorted(protected)
        taken_starts = [s for s, _ in taken]

        def overlaps(starts: List[int], spans: List[Tuple[int, int]], s: int, e: int) -> bool:
            k = bisect.bisect_left(starts, s)
            if k < len(spans) and spans[k][0] < e:
                return True
            return k > 0 and spans[k - 1][1] > s

        spans: List[Tuple[int, int]] = []
        for c in sorted(candidates, key=lambda c: (c.priority, c.start - c.end, c.start)):
            if overlaps(taken_starts, taken, c.start, c.end) or overlaps(chosen_starts, spans, c.start, c.end):
                continue
            k = bisect.bisect_left(chosen_starts, c.start)
            chosen_starts.insert(k, c.start)
            spans.insert(k, (c.start, c.end))
            chosen.insert(k, (c.start, c.end, c.kind))
        return [(kind, s, e) for s, e, kind in chosen]

    # ----------------------------------------------------------------------------------------- redaction
    def _spans_once(self, text: str) -> List[Tuple[str, int, int]]:
        norm = _normalize(text)
        found = []
        for kind, s, e in self._find(norm.text):
            start, end = norm.to_original(s, e)
            found.append((kind, start, end))
        return found

    def _apply(self, text: str, spans: List[Tuple[str, int, int]]) -> Tuple[str, List[Tuple[int, int, int]]]:
        """The text with spans replaced; plus (new_start, new_end, shift) pieces to map back unreplaced parts."""
        out: List[str] = []
        pieces: List[Tuple[int, int, int]] = []  # a kept piece: [new_start, new_end) = original + shift
        pos = 0
        length = 0
        for kind, s, e in spans:
            if s > pos:
                pieces.append((length, length + s - pos, pos - length))
                out.append(text[pos:s])
                length += s - pos
            placeholder = self._placeholders[kind]
            out.append(placeholder)
            length += len(placeholder)
            pos = e
        if pos < len(text):
            pieces.append((length, length + len(text) - pos, pos - length))
            out.append(text[pos:])
        return "".join(out), pieces

    def redact(self, text: str) -> Redaction:
        """Replace every secret in `text` by its placeholder. Never raises on any string input."""
        if text is None:
            return Redaction("", [], [])
        if not isinstance(text, str):
            text = str(text)
        if _BUTTON_PAYLOAD.fullmatch(text):  # "/step_done": a button's payload cannot hold a secret (half the traffic)
            return Redaction(text, [], [])
        with self._lock:
            spans = sorted(self._spans_once(text), key=lambda x: x[1])
            if not spans:
                return Redaction(text, [], [])
            redacted, pieces = self._apply(text, spans)
            for _ in range(_MAX_PASSES - 1):
                more = self._spans_once(redacted)
                if not more:
                    break
                starts = [p[0] for p in pieces]
                added = False
                for kind, s, e in more:
                    k = bisect.bisect_right(starts, s) - 1
                    if k < 0 or not (pieces[k][0] <= s and e <= pieces[k][1]):
                        continue  # touches a placeholder: cannot happen (they are masked), but be safe
                    shift = pieces[k][2]
                    spans.append((kind, s + shift, e + shift))
                    added = True
                if not added:
                    break
                spans.sort(key=lambda x: x[1])
                redacted, pieces = self._apply(text, spans)
        kinds = [kind for kind in KINDS if any(k == kind for k, _, _ in spans)]
        return Redaction(redacted, kinds, spans)
