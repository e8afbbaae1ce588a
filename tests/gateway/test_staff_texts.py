"""The staff consoles' words live in content/staff.yml, not in Python.

- No gateway module holds Vietnamese words outside comments and docstrings (read with `tokenize`), except an
  explicit allow-list of literals that are logic, not words.
- content/staff.yml has a label for every code the code produces (states, statuses, reasons, outcomes, audit
  actions, …) and for every group and key the code names; pages and reports read no label that is missing.
- A missing label shows as its key (the page still renders: see `gateway.services.texts.Labels`), and an edit of
  staff.yml shows on the next page without a restart.
"""

from __future__ import annotations

import ast
import io
import re
import shutil
import tokenize
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest
import yaml

from bot.nlu.sensitive import KINDS
from gateway.blueprints.console import layout as console
from gateway.channels.zalo import delivery, events
import content
from gateway.services import admin, analytics, content_edit, handoff, hotline, staff_accounts, states
from gateway.services.texts import StaffError, Texts
from gateway.web import answers
from tests.support.gateway import build_app, login, make_settings
from tests.support.analytics import seed as seed_analytics
from tests.support.conversations import make_handoff
from tests.support.texts import Recording

ROOT = Path(__file__).resolve().parents[2]
STAFF_YML = ROOT / "content" / "staff.yml"

# Letters that only Vietnamese words carry here (ASCII-only text cannot be told from English).
VIETNAMESE = re.compile("[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.IGNORECASE)
# Literals that are logic, not words, by module: the alphabet that tells Vietnamese text in a content edit; the
# letters the redactor folds; and LAST_RESORT, said when the content files themselves cannot be read.
ALLOWED = {
    "gateway/services/content_edit_validation.py": lambda value: set(value) <= content_edit.VIETNAMESE_LETTERS,
    "gateway/privacy/redactor.py": lambda value: set(value) <= set("đĐðÐ"),
    "gateway/web/answers.py": lambda value: value == answers.LAST_RESORT,
    # place-name matching data (kind words, names that are ordinary words): read, never shown to anyone
    "gateway/communes/names.py": lambda value: True,
    "gateway/communes/ordinary_words.py": lambda value: True,
    "gateway/communes/typed_words.py": lambda value: True,
    "gateway/communes/units.py": lambda value: True,
    "gateway/communes/words_before.py": lambda value: True,
}
_TEXT_TOKENS = {tokenize.STRING} | ({tokenize.FSTRING_MIDDLE} if hasattr(tokenize, "FSTRING_MIDDLE") else set())
_SKIP = {tokenize.NL, tokenize.COMMENT}


def vietnamese_literals(root: Path) -> List[Tuple[str, int, str]]:
    """(module, line, literal) for string literals with Vietnamese letters in the gateway's Python under `root`,
    leaving out comments and docstrings (a string, or implicitly joined strings, standing as a statement)."""
    found = []
    for path in sorted((root / "gateway").rglob("*.py")):
        name = path.relative_to(root).as_posix()
        if name.startswith("gateway/migrations/"):  # data a migration writes once (the demo commune's name)
            continue
        tokens = [
            t
            for t in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
            if t.type not in _SKIP
        ]
        for i, token in enumerate(tokens):
            if token.type not in _TEXT_TOKENS or not VIETNAMESE.search(token.string):
                continue
            if token.type == tokenize.STRING and _is_docstring(tokens, i):
                continue
            try:
                value = ast.literal_eval(token.string) if token.type == tokenize.STRING else token.string
            except ValueError:  # an f-string (one token before Python 3.12): never on the allow-list
                value = None
            if not isinstance(value, str) or not ALLOWED.get(name, lambda _v: False)(value):
                found.append((name, token.start[0], token.string[:80]))
    return found


def _is_docstring(tokens, i: int) -> bool:
    start = i
    while start > 0 and tokens[start - 1].type == tokenize.STRING:
        start -= 1
    end = i
    while end + 1 < len(tokens) and tokens[end + 1].type == tokenize.STRING:
        end += 1
    before = tokens[start - 1].type if start else tokenize.NEWLINE
    after = tokens[end + 1].type if end + 1 < len(tokens) else tokenize.ENDMARKER
    return before in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING) and after in (
        tokenize.NEWLINE,
        tokenize.ENDMARKER,
    )


def test_no_vietnamese_words_in_gateway_python():
    assert vietnamese_literals(ROOT) == []


def test_the_scan_finds_words_and_skips_comments_and_docstrings(tmp_path):
    module = tmp_path / "gateway" / "m.py"
    module.parent.mkdir()
    module.write_text(
        '"""Trợ lý: docstring."""\n# Cán bộ: comment\n\n\ndef f():\n    """Đã kết thúc."""\n'
        '    return {"a": "Đang chờ", "b": f"Bước {1}"}\n',
        encoding="utf-8",
    )
    found = vietnamese_literals(tmp_path)
    assert [line for _, line, _ in found] == [7, 7] and found[0][2] == '"Đang chờ"' and "Bước" in found[1][2]


# --- every code has a label ----------------------------------------------------------------------------------------


def staff_yml() -> Dict:
    return yaml.safe_load(STAFF_YML.read_text(encoding="utf-8"))


def modules(*folders: str) -> Iterator[Tuple[str, ast.Module]]:
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def strings(node) -> Set[str]:
    """The string constants a value can be: a constant, either side of `a if c else b`, items of a tuple/list/set."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return strings(node.body) | strings(node.orelse)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return set().union(*(strings(e) for e in node.elts)) if node.elts else set()
    return set()


def assigned(tree: ast.Module, attribute: str) -> Set[str]:
    """Constants compared with, assigned to (also in tuple assignments) or passed as keyword `attribute`."""
    out: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) and node.left.attr == attribute:
            out |= set().union(*(strings(c) for c in node.comparators))
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                pairs = (
                    zip(target.elts, node.value.elts)
                    if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple)
                    else [(target, node.value)]
                )
                out |= set().union(
                    set(), *(strings(v) for t, v in pairs if isinstance(t, ast.Attribute) and t.attr == attribute)
                )
        elif isinstance(node, ast.keyword) and node.arg == attribute:
            out |= strings(node.value)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "in_"
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == attribute
        ):
            out |= set().union(set(), *(strings(a) for a in node.args))
    return out


def calls(tree: ast.Module, name: str) -> Iterator[ast.Call]:
    """Calls of a function or method called `name`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Name) and func.id == name) or (
                isinstance(func, ast.Attribute) and func.attr == name
            ):
                yield node


def audit_actions(tree: ast.Module) -> Set[str]:
    """Actions passed to audit.record: constants, or a name set by a tuple assignment in the module."""
    tuples: Dict[str, List[ast.AST]] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Tuple)
            and isinstance(node.value, ast.Tuple)
        ):
            for target, value in zip(node.targets[0].elts, node.value.elts):
                if isinstance(target, ast.Name):
                    tuples.setdefault(target.id, []).append(value)
    out: Set[str] = set()
    for call in calls(tree, "record"):
        if (
            isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == "audit"
        ):
            action = call.args[2]
            out |= (
                strings(action)
                if not isinstance(action, ast.Name)
                else set().union(set(), *(strings(v) for v in tuples.get(action.id, [])))
            )
    return out


def codes_in_use() -> Dict[str, Set[str]]:
    """staff.yml group → the codes the project's code produces for it."""
    gateway, bot = list(modules("gateway")), list(modules("bot/actions"))
    handoff_module = dict(gateway)["gateway/services/handoff.py"]
    return {
        "outcomes": set(handoff.OUTCOMES),
        "channels": set(analytics.CHANNELS),
        "report_titles": set(analytics.REPORTS),
        "analytics_columns": set(analytics.REPORTS),
        "analytics_answers": set(analytics.ANSWERS),
        "roles": set(staff_accounts.ROLES),
        "console_pages": set(console.STAFF_PAGES + console.ADMIN_PAGES),
        "delivery": {delivery.Outcome.BLOCKED, delivery.Outcome.FAILED},
        "zalo_media": {"other", "oa_admin"},
        # the states have one owner (gateway/services/states.py); the scans check nobody sets another word
        "conversation_states": {s.value for s in states.ConversationState}
        | set().union(*(assigned(tree, "state") for _, tree in gateway)),
        "handoff_statuses": {s.value for s in states.HandoffStatus}
        | assigned(handoff_module, "status")
        | set().union(
            *(
                strings(k.value)
                for _, tree in gateway
                for call in calls(tree, "Handoff")
                for k in call.keywords
                if k.arg == "status"
            )
        ),
        "handoff_reasons": {events.ECHO_TAKEOVER_REASON}
        | {
            a.value
            for _, tree in bot
            for name in ("offer_human", "hand_off")
            for call in calls(tree, name)
            for a in call.args
            if isinstance(a, ast.Constant)
        },
        "handoff_errors": set().union(
            *(strings(call.args[1]) for _, tree in gateway for call in calls(tree, "HandoffError"))
        ),
        "authors": set().union(*(assigned(tree, "author") for _, tree in gateway))
        | set().union(
            *(
                strings(call.args[2])
                for _, tree in gateway
                for call in calls(tree, "add_outbound")
                if len(call.args) > 2
            )
        ),
        "login_outcomes": set().union(*(assigned(tree, "login_outcome") for _, tree in bot)),
        "audit_actions": set().union(*(audit_actions(tree) for _, tree in gateway)),
    }


def test_every_code_the_code_produces_has_a_label():
    labels = staff_yml()
    found = codes_in_use()
    # the scans see what they should (a scan finding nothing would pass vacuously)
    assert {"bot", "waiting", "with_staff", "closed"} <= found["conversation_states"]
    assert {"waiting", "claimed", "returned", "resolved"} <= found["handoff_statuses"]
    assert {"requested", "stuck", "misses", "in_person", "zalo_admin"} <= found["handoff_reasons"]
    assert {"login", "content_edit", "content_review", "hotline_call", "staff_activate"} <= found["audit_actions"]
    assert {"citizen", "bot", "staff", "system"} <= found["authors"] and found["login_outcomes"] == {"got_in", "not_in"}
    missing = {group: sorted(codes - set(labels.get(group) or {})) for group, codes in found.items()}
    assert {group: codes for group, codes in missing.items() if codes} == {}
    messages = yaml.safe_load((ROOT / "content" / "messages.yml").read_text(encoding="utf-8"))
    assert set(KINDS) <= set(messages["secret_kinds"])  # the console names secrets as citizens read them


def staff_errors() -> Dict[str, str]:
    """Every StaffError subclass (of the modules imported) by name → its staff.yml group."""
    out, todo = {}, list(StaffError.__subclasses__())
    while todo:
        cls = todo.pop()
        out[cls.__name__] = cls.group
        todo += cls.__subclasses__()
    return out


def wrappers(tree: ast.Module) -> Dict[str, Tuple]:
    """The module's functions that read a label with one of their parameters as group or key (e.g.
    `def _say(key): return texts.staff_label("admin_done", key)`): name → (group, key), each a parameter position
    or the constant given."""
    found: Dict[str, Tuple] = {}
    for function in (
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name not in ("staff", "staff_label")
    ):  # Texts itself
        params = [a.arg for a in function.args.posonlyargs + function.args.args]
        for name, arity in (("staff_label", 2), ("staff", 1)):
            for call in calls(function, name):
                specs = tuple(
                    params.index(a.id) if isinstance(a, ast.Name) and a.id in params else a for a in call.args[:arity]
                )
                if any(isinstance(spec, int) for spec in specs):
                    found[function.name] = specs
    return found


def label_reads(tree: ast.Module, shared: Dict[str, Tuple]) -> Iterator[Tuple[Set[str], Set[str]]]:
    """(groups, keys) named by `staff_label(group, key)` and `staff(group)` calls (keys empty), also through the
    module's own wrappers and the `shared` ones of other modules (public names)."""
    for name, arity in (("staff_label", 2), ("staff", 1)):
        for call in calls(tree, name):
            yield strings(call.args[0]), strings(call.args[1]) if arity == 2 else set()
    for name, specs in {**shared, **wrappers(tree)}.items():
        for call in calls(tree, name):
            values = [
                strings(call.args[spec]) if isinstance(spec, int) and spec < len(call.args) else strings(spec)
                for spec in specs
            ]
            yield values[0], values[1] if len(values) > 1 else set()


def test_every_group_and_key_named_in_the_code_exists():
    labels = staff_yml()
    groups = staff_errors()
    assert {
        cls.__name__
        for cls in (admin.AdminError, staff_accounts.AccountError, hotline.HotlineError, analytics.FilterError)
    } <= set(groups)
    gateway = list(modules("gateway"))
    shared = {name: specs for _, tree in gateway for name, specs in wrappers(tree).items() if not name.startswith("_")}
    named: List[Tuple[str, str, str]] = []  # (module, group, key or "")
    for module, tree in gateway:
        for name, group in groups.items():
            for call in calls(tree, name):
                named += [(module, group, key) for key in strings(call.args[0])]
        for found_groups, keys in label_reads(tree, shared):
            named += [(module, g, k) for g in found_groups for k in (keys or {""})]
    assert len(named) > 60
    assert ("gateway/blueprints/content_admin.py", "content_admin", "saved") in named  # through its `_say`
    assert ("gateway/blueprints/admin.py", "access", "admin_only") in named  # through common.access_refused
    unknown = []
    for module, group, key in named:
        try:
            node = content.get_path(labels, group)
        except KeyError:
            unknown.append((module, group, key))
            continue
        if key and key not in node:
            unknown.append((module, group, key))
    assert unknown == []


def csrf_token(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/auth/login").get_data(as_text=True)).group(1)


def test_pages_and_exports_read_no_missing_label(tmp_path):
    app = build_app(make_settings(tmp_path))
    svc = app.extensions["vneid"]
    svc.texts = texts = Recording(svc.settings.content_dir, svc.settings.content_overrides)
    seed_analytics(app)
    conv_id, handoff_id = make_handoff(app, staff_username="quantri")
    as_admin, as_staff = app.test_client(), app.test_client()
    assert login(as_admin, "quantri").status_code == 302 and login(as_staff).status_code == 302
    pages = [
        "/console/",
        f"/console/conversations/{conv_id}",
        "/console/search?from=x&to=y&step=99&problem=z&outcome=z",
        "/console/search?from=2026-11-10&to=2026-11-01",
        "/console/admin/staff",
        "/console/admin/settings",
        "/console/admin/audit",
        "/console/admin/access",
        "/console/admin/access?conversation=x",
        "/console/script/?flow=B&step=3&problem=phone_number_changed",
        "/console/analytics/?from=2026-11-02&to=2026-11-10&period=week",
        "/console/analytics/?period=month",
        "/api/staff/analytics",
        "/console/content/",
        "/console/content/edit?key=messages:buttons.step.0.title",
        "/api/staff/search?from=bad",
    ]
    pages += [
        f"/api/staff/analytics/{name}.{kind}?channel=zalo" for name in analytics.REPORTS for kind in ("json", "csv")
    ]
    for url in pages:
        assert as_admin.get(url).status_code in (200, 400), url
    for url in ("/console/admin/staff", "/console/analytics/", "/api/staff/analytics", "/console/content/"):
        assert as_staff.get(url).status_code == 403, url
    token = csrf_token(as_admin)
    forms = [
        ("/console/admin/staff", {"username": "x y", "password": "short"}),
        ("/console/admin/settings/hours", {"days": "0", "start1": "9h"}),
        ("/console/admin/settings/outage", {"on": "1", "text": "x" * 600}),
        (f"/console/handoffs/{handoff_id}/resolve", {"outcome": "got_in"}),
        (f"/console/conversations/{conv_id}/reply", {"text": ""}),
        ("/console/script/calls", {"flow": "A", "last_step": "9"}),
        ("/console/content/preview", {"key": "guide:flows.A.steps.0.check", "value": "Bấm {x} " + "y" * 200}),
    ]
    for url, data in forms:
        assert as_admin.post(url, data={"csrf_token": token, **data}).status_code in (200, 302, 400), url
    assert texts.missing == set()


# --- a missing label, an edited label -------------------------------------------------------------------------------


def content_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    folder.mkdir()
    for name in ("guide.yml", "messages.yml", "staff.yml"):
        shutil.copy(ROOT / "content" / name, folder / name)
    return folder


def staff_app(tmp_path: Path, folder: Path):
    settings = make_settings(tmp_path)
    settings.content_dir = folder
    app = build_app(settings)
    client = app.test_client()
    assert login(client).status_code == 302
    return app, client


def edit_staff_yml(folder: Path, change) -> None:
    data = yaml.safe_load((folder / "staff.yml").read_text(encoding="utf-8"))
    change(data)
    (folder / "staff.yml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_a_missing_label_shows_its_key_instead_of_failing(tmp_path):
    folder = content_copy(tmp_path)
    edit_staff_yml(
        folder,
        lambda d: (
            d["conversation_states"].pop("waiting"),
            d.pop("handoff_reasons"),
            d["console_pages"].pop("script_aid.page"),
        ),
    )
    texts = Texts(folder)
    assert texts.staff_label("conversation_states", "waiting") == "waiting"
    assert texts.staff_label("conversation_states", "closed") == "Đã kết thúc"
    assert texts.staff("handoff_reasons")["stuck"] == "stuck" and texts.staff("no_such_group") == {}
    assert texts.staff("conversation_states").get("waiting", "—") == "—"  # .get keeps its default
    refusal = analytics.FilterError("bad_channel")
    assert texts.explain(refusal) == "Kênh không hợp lệ." and str(refusal) == "bad_channel"
    app, client = staff_app(tmp_path, folder)
    conv_id, _ = make_handoff(app, status="waiting")
    page = client.get(f"/console/conversations/{conv_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<span class="pill pill-state-waiting">waiting</span>' in html
    assert "<dd>requested</dd>" in html  # the reason, with no label group at all
    assert '/console/script/">script_aid.page</a>' in html  # the header's link to a page with no title


def test_an_edit_of_staff_yml_shows_on_the_next_page(tmp_path):
    folder = content_copy(tmp_path)
    app, client = staff_app(tmp_path, folder)
    conv_id, _ = make_handoff(app, status="waiting")
    before = client.get(f"/console/conversations/{conv_id}").get_data(as_text=True)
    assert '<span class="pill pill-state-waiting">Đang chờ cán bộ</span>' in before
    edit_staff_yml(folder, lambda d: d["conversation_states"].update(waiting="Đang đợi cán bộ xã nhận"))
    after = client.get(f"/console/conversations/{conv_id}").get_data(as_text=True)
    assert '<span class="pill pill-state-waiting">Đang đợi cán bộ xã nhận</span>' in after
    assert "Đang chờ cán bộ<" not in after


@pytest.mark.parametrize("code,words", [("bad_step", "Bước không hợp lệ."), ("bad_outcome", "Chọn kết quả cuộc gọi.")])
def test_a_refusal_reaches_the_api_in_the_words_of_staff_yml(tmp_path, code, words):
    folder = content_copy(tmp_path)
    app, client = staff_app(tmp_path, folder)
    token = csrf_token(client)
    body = {"flow": "A", "last_step": 99, "outcome": "got_in"} if code == "bad_step" else {"flow": "A"}
    answer = client.post("/console/script/calls", json=body, headers={"X-CSRFToken": token})
    assert answer.status_code == 400 and answer.get_json() == {"error": code, "message": words}
    edit_staff_yml(folder, lambda d: d["hotline_errors"].update({code: "Sửa lại: " + words}))
    again = client.post("/console/script/calls", json=body, headers={"X-CSRFToken": token})
    assert again.get_json()["message"] == "Sửa lại: " + words


def test_a_handoff_refusal_reaches_the_staff_api_in_words(tmp_path):
    folder = content_copy(tmp_path)
    app, client = staff_app(tmp_path, folder)
    answer = client.post("/api/staff/handoffs/999/claim", headers={"X-CSRFToken": csrf_token(client)})
    assert answer.status_code == 404
    assert answer.get_json() == {"error": "not_found", "message": "Không tìm thấy yêu cầu hỗ trợ này."}
