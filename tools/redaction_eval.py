"""Evaluate the gateway's privacy filter (gateway/privacy): recall per kind, false positives, speed.

    python -m tools.redaction_eval            # from /work/main, with the app environment
    python -m tools.redaction_eval --n 3000 --seed 7 --show-misses

The generated set is deterministic (seeded): secrets (OTP, password, ID number, phone) of varied shapes embedded in
varied Vietnamese chat sentences: accented, unaccented, shorthand ("ma otp la", "mk cua e la", "sdt:"), with
greetings, emoji, odd spacing, NFD and zero-width characters around them. Each case knows where its secrets are.
The ordinary texts (tests/gateway/data/ordinary_texts.txt) contain no secret: any span there is a false positive.
The bot's NLU examples (bot/data/nlu, all intents but share_secret) are reported as a second, larger
false-positive set when present.
"""
from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parents[1]
ORDINARY_FILE = ROOT / "tests" / "gateway" / "data" / "ordinary_texts.txt"
NLU_DIR = ROOT / "bot" / "data" / "nlu"
KINDS = ("otp", "password", "id_number", "phone")


@dataclass
class Secret:
    kind: str
    value: str  # exactly as written in the text
    start: int
    end: int


@dataclass
class Case:
    text: str
    secrets: List[Secret] = field(default_factory=list)


# ----------------------------------------------------------------------------------------------- secrets
_PROVINCES = ["001", "002", "004", "008", "010", "019", "022", "024", "025", "026", "027", "030", "031", "033",
              "034", "035", "036", "037", "038", "040", "042", "044", "045", "046", "048", "049", "051", "052",
              "054", "056", "058", "060", "062", "064", "066", "067", "068", "070", "072", "074", "075", "077",
              "079", "080", "082", "083", "084", "086", "087", "089", "091", "092", "093", "094", "095", "096"]
_MOBILE = ["32", "33", "34", "35", "36", "37", "38", "39", "52", "56", "58", "59", "70", "76", "77", "78", "79",
           "81", "82", "83", "84", "85", "86", "88", "89", "90", "91", "92", "93", "94", "96", "97", "98", "99"]
_LANDLINE = ["24", "28", "237", "236", "238", "203", "204", "205", "206", "207", "208", "209", "210", "211",
             "212", "213", "214", "215", "216", "218", "219", "220", "221", "222", "225", "226", "227", "228",
             "229", "232", "233", "234", "235", "239", "251", "252", "254", "255", "256", "257", "258", "259",
             "260", "261", "262", "263", "269", "270", "271", "272", "273", "274", "275", "276", "277", "290",
             "291", "292", "293", "294", "296", "297", "299"]
_NAMES = ["lan", "tuan", "hoa", "minh", "thu", "huong", "nam", "hung", "mai", "linh", "dung", "hai", "long", "ha",
          "trang", "quang", "ngoc", "binh", "son", "thao", "phuong", "duc", "anh", "vinh", "yen", "khanh"]
_WORDS = ["hoabinh", "matkhau", "vneid", "thanhhoa", "quanglong", "meyeu", "giadinh", "bongsen", "mattroi",
          "hanoi", "saigon", "iloveyou", "admin", "congdan", "dichvucong", "chaobuoisang", "hoahong"]
_SPECIALS = "@#$%&*!?._-+="


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def make_otp(rng: random.Random) -> str:
    n = rng.choices([4, 5, 6, 7, 8], weights=[10, 5, 70, 5, 10])[0]
    code = _digits(rng, n)
    style = rng.random()
    if style < 0.12 and n >= 6:
        half = n // 2
        return code[:half] + " " + code[half:]
    if style < 0.16 and n == 6:
        return code[:4] + " " + code[4:]
    return code


def make_password(rng: random.Random, style: str) -> str:
    name = rng.choice(_NAMES)
    if style == "strong":  # what VNeID requires: 8–20 chars with digit, upper, lower, special
        while True:
            parts = [name.capitalize() if rng.random() < 0.7 else name.upper()[:2] + name[2:],
                     rng.choice(_SPECIALS), _digits(rng, rng.choice([2, 4, 4, 6]))]
            if rng.random() < 0.4:
                parts.append(rng.choice(["abc", "xyz", "vn", "Th", "!", "@", "#", "xx"]))
            rng.shuffle(parts)
            pw = "".join(parts)
            if (8 <= len(pw) <= 20 and re.search(r"[a-z]", pw) and re.search(r"[A-Z]", pw)
                    and re.search(r"[0-9]", pw) and re.search(r"[^A-Za-z0-9]", pw)):
                return pw
            if len(pw) < 8:
                continue
    if style == "name_year":
        base = rng.choice([name, name.capitalize(), rng.choice(_WORDS)])
        return base + rng.choice([_digits(rng, 4), "19" + _digits(rng, 2), _digits(rng, 3), "2024"])
    if style == "lower_symbol":
        return rng.choice(_WORDS) + rng.choice("@#!.") + _digits(rng, rng.choice([2, 3, 4]))
    if style == "letters":  # only when explicitly introduced ("mk là hoabinh")
        return rng.choice(_WORDS + [n + m for n in _NAMES[:6] for m in ("yeu", "xinh", "vn")])
    if style == "digits":
        return _digits(rng, rng.choice([6, 8]))
    raise ValueError(style)


def make_id_number(rng: random.Random) -> str:
    if rng.random() < 0.15:  # old 9-digit CMND
        raw = rng.choice(["17", "18", "01", "02", "03", "12", "24", "27"]) + _digits(rng, 7)
        style = rng.random()
        if style < 0.7:
            return raw
        sep = rng.choice([" ", ".", "-"])
        return sep.join([raw[:3], raw[3:6], raw[6:]])
    raw = rng.choice(_PROVINCES) + rng.choice("0123") + _digits(rng, 2) + _digits(rng, 6)
    style = rng.random()
    if style < 0.55:
        return raw
    sep = rng.choice([" ", " ", ".", "-"])
    if style < 0.8:
        return sep.join([raw[0:3], raw[3:6], raw[6:9], raw[9:12]])
    if style < 0.95:
        return sep.join([raw[0:4], raw[4:8], raw[8:12]])
    return raw[:6] + " " + raw[6:]


def make_phone(rng: random.Random) -> str:
    if rng.random() < 0.12:  # landline 02x, 11 digits
        area = rng.choice(_LANDLINE)
        local = _digits(rng, 10 - len(area))
        national = area + local
        style = rng.random()
        if style < 0.3:
            return "0" + national
        if style < 0.6:
            return "0" + area + "." + local
        if style < 0.8:
            return "0" + area + " " + local[:4] + " " + local[4:]
        if style < 0.9:
            return "(0" + area + ") " + local
        return "+84 " + area + " " + local
    national = rng.choice(_MOBILE) + _digits(rng, 7)  # 9 digits after the trunk 0
    a, b, c = national[:3], national[3:6], national[6:]
    forms = [
        "0" + national,
        "0" + national,
        f"0{a} {b} {c}",
        f"0{a}.{b}.{c}",
        f"0{a}-{b}-{c}",
        f"0{national[:2]} {national[2:5]} {national[5:]}",
        f"0{national[:2]}.{national[2:5]}.{national[5:]}",
        f"0{national[:4]} {national[4:]}",
        f"+84{national}",
        f"+84 {a} {b} {c}",
        f"+84 {national}",
        f"(+84) {a}-{b}-{c}",
        f"(+84) {national}",
        f"84{national}",
        f"84 {a} {b} {c}",
        f"0084 {a} {b} {c}",
        f"+84.{a}.{b}.{c}",
        f"0{a}{b} {c}",
    ]
    return rng.choice(forms)


# --------------------------------------------------------------------------------------------- sentences
# "{}" marks the secret. Templates are written with diacritics; a share of them is used without diacritics.
OTP_TEMPLATES = [
    "mã OTP là {}", "mã OTP của tôi là {}", "mã otp vừa về là {}", "Mã OTP: {}", "OTP: {}", "otp:{}", "otp {}",
    "OTP code: {}", "code {}", "mã xác thực {} nhé", "mã xác nhận: {}", "mã xác thực của em là {}",
    "tin nhắn gửi về {}", "tin nhắn báo mã {} mà nhập không được", "sms gửi mã {} cho em",
    "em nhập mã {} nhưng báo sai", "mã vừa nhận được là {}", "mã của em là {} ạ", "mã: {}", "ma {} nha",
    "{} là mã OTP của em", "{} là mã otp", "{} đây là mã xác thực", "{}", "{}", "{}",
    "nhận được mã OTP {} rồi, giờ làm gì tiếp", "mã otp gửi về điện thoại là {}, nhập vào đâu ạ",
    "bạn ơi OTP {} có đúng không", "cho hỏi mã {} còn dùng được không", "mình nhận được tin nhắn SMS: {}",
    "mã OTP {} hết hạn rồi ạ", "tôi đã nhập sai 3 lần, mã otp mới là {}", "mã kích hoạt là {}",
    "otp của mẹ em là {}", "OTP={}", "mã OTP nhận lúc 10:30 là {}", "OTP về máy là {}, sao không vào được",
]
OTP_SHORTHAND = [
    "ma otp la {}", "ma otp cua e la {}", "otp e nhan dc {}", "ma xac thuc {} a", "ma vua nhan dc la {}",
    "ma otp: {} nhe ad", "e nhap ma {} ma ko dc", "otp la {} do", "ma xn {}?", "tin nhan gui ma {}",
]
PASSWORD_TEMPLATES = [  # (template, introduced by là/:/=)
    ("mật khẩu của tôi là {}", True), ("mật khẩu là {}", True), ("mật khẩu: {}", True), ("Mật khẩu {}", False),
    ("mật khẩu mới là {}", True), ("mật khẩu em đặt là {}", True), ("mật khẩu VNeID của mẹ tôi là {}", True),
    ("pass của tôi là {}", True), ("pass: {}", True), ("password {}", False), ("Password: {}", True),
    ("pw {}", False), ("mật mã là {}", True), ("mật khẩu đăng nhập: {} có đúng không", True),
    ("đăng nhập hộ em với mk {}", False), ("tài khoản của bố em, mật khẩu {} nhé", False),
    ("em đổi mật khẩu thành {} rồi", True), ("mật khẩu {} mà báo sai", False), ("mk={}", True),
    ("mật khẩu = {}", True), ("mật khẩu hiện tại là {}", True), ("PASS: {}", True),
]
PASSWORD_SHORTHAND = [
    ("mk là {}", True), ("mk: {}", True), ("mk cua e la {}", True), ("mk {}", False), ("mat khau la {}", True),
    ("mat khau cua toi la {}", True), ("mk moi {}", False), ("pass {} nhe", False), ("mk e dat la {}", True),
    ("mk:{}", True), ("mat khau: {}", True), ("mk vneid la {}", True),
]
PASSWORD_SHAPE_ONLY = [  # no keyword: only strong passwords; or a keyword after it
    "em đặt {} rồi mà vẫn báo sai", "tôi nhập {} mà không được", "{} có đủ mạnh không", "vào bằng {} được không",
    "{} là mật khẩu của em", "{} la mk cua e",
]
ID_TEMPLATES = [
    "số CCCD của tôi là {}", "cccd: {}", "so dinh danh {}", "số định danh cá nhân {} đăng nhập không được",
    "căn cước {}", "số căn cước của tôi là {}", "{}", "mã định danh {}", "đây là số căn cước của bố tôi {}",
    "cccd e: {}", "so can cuoc {}", "CMND cũ của tôi {}", "số định danh {} báo không tồn tại",
    "tài khoản {} mà không đăng nhập được", "username {}", "số {}, bạn kiểm tra giúp", "ID {} nhé",
    "cháu đăng nhập hộ bác, số {}", "so cccd cua me e la {} a", "nhập {} vào ô số định danh đúng không",
]
PHONE_TEMPLATES = [
    "sdt: {}", "sđt của tôi là {}", "số điện thoại của tôi là {}", "so dt {}", "gọi lại cho tôi số {}",
    "sđt đăng ký VNeID là {}", "số {} không nhận được otp", "zalo {}", "{}", "điện thoại nhận mã của tôi là {}",
    "so dien thoai cua toi la {}", "sdt e {}", "liên hệ {} nhé", "số của mẹ tôi {}", "sim {} bị mất rồi",
    "tôi đổi số rồi, số mới {}", "cho em xin số, em là {}", "sđt:{}", "ĐT: {}", "số cũ là {} giờ không dùng",
]
COMBOS = [
    ("số định danh {id_number} mật khẩu {password}", {"password": False}),
    ("cccd {id_number} pass {password} login hộ", {"password": False}),
    ("sdt {phone}, otp {otp}", {}),
    ("số điện thoại {phone} và mã OTP là {otp}", {}),
    ("tài khoản {id_number}, mk là {password}, otp {otp}", {"password": True}),
    ("mk: {password} - sđt {phone}", {"password": True}),
    ("so cccd {id_number} sdt {phone}", {}),
    ("em gửi mã {otp} và số {phone}", {}),
]
PREFIXES = ["", "", "", "", "chào bạn, ", "ad ơi ", "dạ ", "cho em hỏi, ", "Bạn ơi! ", "anh chị ơi ", "alo ",
            "cháu chào chú, ", "e hỏi chút, "]
SUFFIXES = ["", "", "", "", " ạ", " nhé", " 🙏", " 😭", " giúp em với", "!", ".", " ?", " cảm ơn", " nha ad",
            "\n", " 👍👍", " ..."]
_ZW = ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060"]


def strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def _noise(rng: random.Random, text: str, mode: Dict[str, bool]) -> str:
    """Transform a piece of sentence around a secret (never the secret itself)."""
    if mode["plain"]:
        text = strip_marks(text)
    if mode["lower"]:
        text = text.lower()
    if mode["nfd"]:
        text = unicodedata.normalize("NFD", text)
    if mode["zw"] and text:
        i = rng.randrange(len(text) + 1)
        text = text[:i] + rng.choice(_ZW) + text[i:]
    if mode["spaces"]:
        text = text.replace(" ", rng.choice(["  ", "\u00a0", " \n", "\t"]), 1)
    return text


def _fill(rng: random.Random, template: str, secrets: Dict[str, Tuple[str, str]], mode: Dict[str, bool]) -> Case:
    """Build a case from a template with {}/{kind} slots; `secrets` maps slot → (kind, value)."""
    pieces = re.split(r"(\{[a-z_]*\})", template)
    text = _noise(rng, rng.choice(PREFIXES), mode)
    found: List[Secret] = []
    for piece in pieces:
        if re.fullmatch(r"\{[a-z_]*\}", piece):
            kind, value = secrets[piece[1:-1]]
            found.append(Secret(kind, value, len(text), len(text) + len(value)))
            text += value
        else:
            text += _noise(rng, piece, mode)
    text += rng.choice(SUFFIXES)
    return Case(text, found)


def _mode(rng: random.Random, template: str) -> Dict[str, bool]:
    return {
        "plain": rng.random() < 0.3,
        "lower": rng.random() < 0.2,
        "nfd": rng.random() < 0.05,
        "zw": rng.random() < 0.04,
        "spaces": rng.random() < 0.05 and " " in template,
    }


def _password_style(rng: random.Random, introduced: bool) -> str:
    styles = ["strong", "name_year", "lower_symbol", "digits"] + (["letters"] if introduced else [])
    weights = [50, 25, 12, 5] + ([8] if introduced else [])
    return rng.choices(styles, weights=weights)[0]


def generate_cases(n: int = 2400, seed: int = 20240701) -> List[Case]:
    """`n` messages with secrets: a quarter per kind, about one in eight holding two or three secrets."""
    rng = random.Random(seed)
    cases: List[Case] = []
    for i in range(n):
        if i % 8 == 7:
            template, intro = rng.choice(COMBOS)
            slots: Dict[str, Tuple[str, str]] = {}
            for kind in re.findall(r"\{([a-z_]+)\}", template):
                if kind == "otp":
                    slots[kind] = (kind, make_otp(rng))
                elif kind == "password":
                    slots[kind] = (kind, make_password(rng, _password_style(rng, intro.get("password", False))))
                elif kind == "id_number":
                    slots[kind] = (kind, make_id_number(rng))
                else:
                    slots[kind] = (kind, make_phone(rng))
            cases.append(_fill(rng, template, slots, _mode(rng, template)))
            continue
        kind = KINDS[i % 4]
        if kind == "otp":
            template = rng.choice(OTP_TEMPLATES + OTP_SHORTHAND)
            if template == "{}":
                prefix_free = Case("", [])
                value = make_otp(rng)
                lead, trail = rng.choice([("", ""), (" ", " "), ("", "\n"), ("  ", "")])
                prefix_free.text = lead + value + trail
                prefix_free.secrets = [Secret("otp", value, len(lead), len(lead) + len(value))]
                cases.append(prefix_free)
                continue
            value = make_otp(rng)
        elif kind == "password":
            if rng.random() < 0.15:
                template = rng.choice(PASSWORD_SHAPE_ONLY)
                value = make_password(rng, "strong" if "{} l" not in template else rng.choice(["strong", "name_year"]))
            else:
                template, introduced = rng.choice(PASSWORD_TEMPLATES + PASSWORD_SHORTHAND)
                value = make_password(rng, _password_style(rng, introduced))
        elif kind == "id_number":
            template = rng.choice(ID_TEMPLATES)
            value = make_id_number(rng)
        else:
            template = rng.choice(PHONE_TEMPLATES)
            value = make_phone(rng)
        cases.append(_fill(rng, template, {"": (kind, value)}, _mode(rng, template)))
    return cases


# ------------------------------------------------------------------------------------------ ordinary texts
def load_ordinary(path: Path = ORDINARY_FILE) -> List[str]:
    """Texts with no secret, one a line (blank lines and lines starting with # are skipped)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.lstrip().startswith("#")]


def load_nlu_examples(nlu_dir: Path = NLU_DIR) -> List[str]:
    """The bot's NLU training examples, except the share_secret intent (which holds placeholders and secrets)."""
    if not nlu_dir.is_dir():
        return []
    import yaml

    texts: List[str] = []
    for path in sorted(nlu_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if not isinstance(block, dict) or block.get("intent") in (None, "share_secret"):
                continue
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    texts.append(re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line[2:]))  # drop entity annotations
    return texts


# ----------------------------------------------------------------------------------------------- scoring
@dataclass
class Report:
    total: Dict[str, int]
    recalled: Dict[str, int]  # covered by spans of the right kind
    covered: Dict[str, int]  # covered by spans of any kind (nothing of it left in the text)
    leaks: List[Tuple[str, str, str]]  # (kind, secret, redacted text)
    misses: List[Tuple[str, str, str, List[Tuple[str, int, int]]]]
    extra_spans: int  # spans in the generated set that touch no secret
    fp_texts: List[Tuple[str, List[Tuple[str, int, int]]]]
    ordinary_count: int
    timings_us: List[float]

    def recall(self, kind: Optional[str] = None) -> float:
        if kind is None:
            return sum(self.recalled.values()) / max(1, sum(self.total.values()))
        return self.recalled[kind] / max(1, self.total[kind])

    def fp_rate(self) -> float:
        return len(self.fp_texts) / max(1, self.ordinary_count)


def _covered(spans: Sequence[Tuple[str, int, int]], secret: Secret, kind: Optional[str]) -> bool:
    need = [i for i in range(secret.start, secret.end) if not secret.value[i - secret.start].isspace()]
    ok = set()
    for k, s, e in spans:
        if kind is None or k == kind:
            ok.update(range(max(s, secret.start), min(e, secret.end)))
    return all(i in ok for i in need)


def leaked(secret: Secret, redacted: str) -> bool:
    """True when the secret, as written or as its bare digits/characters, is still in the redacted text."""
    if secret.value in redacted:
        return True
    if secret.kind == "password":
        return False  # letters: "matkhau" must not match the words "mat khau" around it
    bare = re.sub(r"[\s.\-()+]", "", secret.value)
    squashed = re.sub(r"[\s.\-()\u200b-\u200f\u2060\ufeff]", "", redacted)
    return len(bare) >= 4 and bare in squashed


def evaluate(redactor, cases: Iterable[Case], ordinary: Sequence[str]) -> Report:
    total = {k: 0 for k in KINDS}
    recalled = {k: 0 for k in KINDS}
    covered = {k: 0 for k in KINDS}
    leaks, misses, timings = [], [], []
    extra = 0
    for case in cases:
        t0 = time.perf_counter()
        res = redactor.redact(case.text)
        timings.append((time.perf_counter() - t0) * 1e6)
        for secret in case.secrets:
            total[secret.kind] += 1
            if _covered(res.spans, secret, secret.kind):
                recalled[secret.kind] += 1
            else:
                misses.append((secret.kind, secret.value, case.text, res.spans))
            if _covered(res.spans, secret, None) and not leaked(secret, res.text):
                covered[secret.kind] += 1
            else:
                leaks.append((secret.kind, secret.value, res.text))
        for _, s, e in res.spans:
            if not any(s < sec.end and sec.start < e for sec in case.secrets):
                extra += 1
    fp = []
    for text in ordinary:
        t0 = time.perf_counter()
        res = redactor.redact(text)
        timings.append((time.perf_counter() - t0) * 1e6)
        if res.spans:
            fp.append((text, res.spans))
    return Report(total, recalled, covered, leaks, misses, extra, fp, len(ordinary), timings)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2400, help="generated messages (default 2400)")
    parser.add_argument("--seed", type=int, default=20240701)
    parser.add_argument("--show-misses", action="store_true", help="print missed secrets and false positives")
    args = parser.parse_args(argv)

    from gateway.privacy import Redactor

    t0 = time.perf_counter()
    redactor = Redactor.load()
    load_s = time.perf_counter() - t0
    cases = generate_cases(args.n, args.seed)
    ordinary = load_ordinary()
    report = evaluate(redactor, cases, ordinary)
    secrets = sum(report.total.values())
    print(f"generated: {len(cases)} messages, {secrets} secrets (seed {args.seed}); ordinary texts: {len(ordinary)}")
    print(f"{'kind':<10} {'secrets':>8} {'recall':>8} {'no leak':>8}")
    for kind in KINDS:
        print(f"{kind:<10} {report.total[kind]:>8} {report.recall(kind):>8.2%} "
              f"{report.covered[kind] / max(1, report.total[kind]):>8.2%}")
    print(f"{'all':<10} {secrets:>8} {report.recall():>8.2%} {sum(report.covered.values()) / max(1, secrets):>8.2%}")
    print(f"spans touching no secret in the generated set: {report.extra_spans}")
    print(f"false positives: {len(report.fp_texts)}/{report.ordinary_count} ordinary texts = {report.fp_rate():.2%}")
    nlu = load_nlu_examples()
    if nlu:
        nlu_report = evaluate(redactor, [], nlu)
        print(f"false positives on the bot's NLU examples (not share_secret): {len(nlu_report.fp_texts)}/{len(nlu)}"
              f" = {nlu_report.fp_rate():.2%}")
        if args.show_misses:
            for text, spans in nlu_report.fp_texts:
                print(f"  NLU FP: {text!r} {spans}")
    timings = sorted(report.timings_us)
    mean = statistics.fmean(timings)
    print(f"speed: median {statistics.median(timings):.0f} µs/message, p95 {timings[int(0.95 * len(timings))]:.0f} µs,"
          f" {1e6 / mean:.0f} messages/s (one thread); load {load_s:.2f} s")
    long_text = " ".join(case.text for case in cases)[:100_000]
    t0 = time.perf_counter()
    redactor.redact(long_text)
    print(f"one 100,000-character message: {(time.perf_counter() - t0) * 1e3:.0f} ms")
    if args.show_misses:
        for kind, value, text, spans in report.misses:
            print(f"  MISS {kind}: {value!r} in {text!r} -> {spans}")
        for kind, value, text in report.leaks:
            print(f"  LEAK {kind}: {value!r} -> {text!r}")
        for text, spans in report.fp_texts:
            print(f"  FP: {text!r} {spans}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
