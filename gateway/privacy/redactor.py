"""Redact secrets (OTP, password, ID number, phone number) from a citizen's chat message.

The gateway calls `Redactor.redact` on every incoming message BEFORE it is stored, logged or sent to the NLU.

Design
- Rules are data: `patterns.yml` holds spaCy Matcher token patterns (kind, context tokens, which tokens are the
  secret) and word lists; this module only tokenises, matches, runs a few named post-checks (digit counts, phone
  and ID number validation, the password stop-list) and rebuilds the text.
- spaCy is used for everything, no kind fell back to plain regex: on the generated set (tools/redaction_eval.py)
  the token rules reach the required recall for every kind, and token context is what keeps dates, amounts,
  decree numbers and dossier codes intact (a number token keeps its inner dots/dashes/slashes, so "01/07/2024"
  or "000.00.12.H56-240101-0001" can never look like a run of digit groups).
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
  (the memory zone and tokenizer cache are not thread-safe); a call takes tens of microseconds.
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
_MAX_PASSES = 3


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
_PREFIX_RE = re.compile(rf"^[{_OPEN}{_EMOJI}]")
_SUFFIX_RE = re.compile(rf"[{_CLOSE}{_EMOJI}]$")
_INFIX_RE = re.compile(
    "|".join(
        [
            r"(?<=[^\W\d_])[:=](?=\S)",  # otp:123456, mk=Abc@123, sdt:0912…
            r"(?<=[^\W\d_])[(\[](?=\S)",  # sdt(0912345678)
            r"(?<=\S)[)\]](?=\S)",  # (+84)912345678
            r",(?![0-9]{3}(?![0-9]))",  # a comma, unless it groups thousands (1,500,000)
            r"(?<=[0-9]{9})[/\-;](?=\+?[0-9]{9})",  # two long numbers glued: 0912345678/0987654321
            rf"[{_EMOJI}]",
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
    text = token.doc.text
    start = text.rfind(" ", 0, token.idx) + 1
    end = text.find(" ", token.idx)
    return text[start:] if end < 0 else text[start:end]


def _fold_component(doc: Any) -> Any:
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
    variants: List[Tuple[List[Dict[str, Any]], frozenset]]  # (spaCy pattern, indices of its SECRET tokens)


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


def _expand(pattern: List[Dict[str, Any]], lists: Dict[str, List[str]]) -> List[Tuple[List[Dict[str, Any]], frozenset]]:
    """Expand PHRASE tokens (one variant per phrase) and record which pattern indices are SECRET."""
    choices: List[List[List[Tuple[Dict[str, Any], bool]]]] = []
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
            options = []
            for phrase in dict.fromkeys(fold(str(p)).strip() for p in phrases):
                options.append([({"NORM": word}, secret) for word in phrase.split()])
            choices.append(options)
        else:
            choices.append([[(_fold_norm(spec), secret)]])
    variants = []
    for combo in itertools.product(*choices):
        tokens = [tok for part in combo for tok in part]
        variants.append(([spec for spec, _ in tokens], frozenset(i for i, (_, s) in enumerate(tokens) if s)))
    return variants


# ------------------------------------------------------------------------------------------- post-checks
_DIGIT_TOKEN = re.compile(r"^[0-9]+(?:[.\-][0-9]+)*$")
_NON_DIGITS = re.compile(r"[^0-9]")
_RANGE = re.compile(r"^[0-9]{1,2}\s*[-–~/]\s*[0-9]{1,2}$")
_EDGE_PUNCT_RIGHT = ".,;:!?…)]}\"'”’»"
_EDGE_PUNCT_LEFT = "([{\"'“‘«"


def _valid_phone(tokens: Sequence[str]) -> bool:
    first = tokens[0] if tokens[0] != "(" else (tokens[1] if len(tokens) > 1 else "")
    digits = _NON_DIGITS.sub("", "".join(tokens))
    if first.startswith("+84") or (first.startswith("84") and not first.startswith("0")):
        national = digits[2:]
    elif digits.startswith("0084"):
        national = digits[4:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        return False
    if national.startswith("0") and not digits.startswith("00"):
        if first.startswith(("+84", "84")):
            national = national[1:]  # "+84 0912 …": the trunk 0 kept by mistake
    if not national or national[0] == "0":
        return False
    if len(national) == 9:
        return True  # mobile (3/5/7/8/9…) or an old 10-digit landline
    return len(national) == 10 and national[0] in "12"  # 11-digit landline (02x…) or old 11-digit mobile (01x…)


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
        return not (digits[0] != "0" and digits.endswith("000"))  # 150.000.000 (an amount), not a CMND
    return False


_VALIDATORS = {"phone": _valid_phone, "id_number": _valid_id_number}
_ASCII_LOWER = re.compile(r"[a-z]")
_ASCII_UPPER = re.compile(r"[A-Z]")


class _PasswordCheck:
    def __init__(self, conf: Dict[str, Any]):
        self.min_length = int(conf.get("min_length", 4))
        self.fillers = {fold(str(w)) for w in conf.get("fillers", [])}
        self.stopwords = {fold(str(w)) for w in conf.get("stopwords", [])} | self.fillers
        self.introducers = {fold(str(w)) for w in conf.get("introducers", [])}
        self.not_before = {fold(str(w)) for w in conf.get("not_before", [])}

    def __call__(self, candidate: str, first_norm: str, prev_norm: str, next_norm: str, mode: str) -> bool:
        if first_norm in self.fillers or first_norm in self.introducers:
            return False  # "mk=Abc@123": the candidate is "Abc@123", not "=Abc@123"
        core = candidate.rstrip(_EDGE_PUNCT_RIGHT).lstrip(_EDGE_PUNCT_LEFT)
        if _MASK in candidate or len(core) < self.min_length or not any(ch.isalnum() for ch in core):
            return False
        folded = fold(core)
        if folded in self.stopwords or _RANGE.match(core):
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
        return mode == "introduced_or_shaped" and prev_norm in self.introducers and core.isalpha()


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
        lists = {name: [str(x) for x in values] for name, values in (config.get("lists") or {}).items()}
        self._placeholders = {kind: PLACEHOLDERS[kind] for kind in KINDS}
        checks = _resolve(config.get("checks") or {}, lists)
        self._password = _PasswordCheck(checks.get("password") or {})

        if not Token.has_extension(_RUN_ATTR):
            Token.set_extension(_RUN_ATTR, getter=_run_of)
        if _FOLD_PIPE not in Language.factories:
            Language.component(_FOLD_PIPE, func=_fold_component)
        nlp = spacy.blank("xx")
        nlp.tokenizer = _build_tokenizer(nlp)
        nlp.add_pipe(_FOLD_PIPE)
        self._nlp = nlp
        self._matcher = Matcher(nlp.vocab, validate=True)
        self._rules: Dict[str, Tuple[_Rule, frozenset]] = {}
        for raw in config["rules"]:
            kind = raw.get("kind")
            if kind not in KINDS:
                raise ValueError(f"patterns.yml: rule {raw.get('id')!r} has unknown kind {kind!r}")
            check = _resolve(raw.get("check") or {}, lists)
            for key in ("not_after", "not_before"):
                if key in check:
                    check[key] = frozenset(fold(str(w)) for w in check[key])
            rule = _Rule(str(raw["id"]), kind, int(raw.get("priority", 50)), check,
                         _expand(raw["pattern"], lists))
            for n, (pattern, secret) in enumerate(rule.variants):
                if not secret:
                    raise ValueError(f"patterns.yml: rule {rule.id!r} marks no SECRET token")
                key = f"{rule.id}#{n}"
                self._matcher.add(key, [pattern])
                self._rules[key] = (rule, secret)
        self._keys = {nlp.vocab.strings[key]: key for key in self._rules}
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
                rule, secret = self._rules[self._keys[match_id]]
                idx = [start + k for k, a in enumerate(alignment) if a in secret]
                if not idx:
                    continue
                cand = self._check(rule, doc, idx[0], idx[-1] + 1)
                if cand is not None:
                    candidates.append(cand)
        return self._select(candidates, protected)

    def _check(self, rule: _Rule, doc: Any, first: int, last: int) -> Optional[_Candidate]:
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
        if check.get("whole_message"):
            if any(not doc[i].is_punct for i in range(0, first)) or any(
                not doc[i].is_punct for i in range(last, len(doc))
            ):
                return None
        if prev_norm in check.get("not_after", ()) or next_norm in check.get("not_before", ()):
            return None
        validator = check.get("validate")
        if validator and not _VALIDATORS[validator](tokens):
            return None
        start = doc[first].idx
        end = doc[last - 1].idx + len(doc[last - 1].text)
        extend = check.get("extend")
        if extend in ("run", "run_right"):
            text = doc.text
            if extend == "run":
                start = text.rfind(" ", 0, start) + 1
            stop = text.find(" ", end)
            end = len(text) if stop < 0 else stop
            mask_at = text.find(_MASK, start, end)
            if mask_at >= 0:
                end = mask_at
            if end <= start:
                return None
        if "password" in check:
            candidate = doc.text[start:end]
            after = end
            nxt = ""
            while after < len(doc.text) and doc.text[after] == " ":
                after += 1
            if after < len(doc.text):
                nxt_end = doc.text.find(" ", after)
                nxt = fold(doc.text[after:] if nxt_end < 0 else doc.text[after:nxt_end]).strip(_EDGE_PUNCT_RIGHT)
            if not self._password(candidate, doc[first].norm_, prev_norm, nxt, check["password"]):
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
