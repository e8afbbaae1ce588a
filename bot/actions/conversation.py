"""The state of a guided conversation (slots) and the replies an action sends, in one helper.

Actions are functions of the tracker: they read slots and the latest message, send replies from the guide
content, and return the slot changes as events — no database, no network.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

import content

STUCK_AFTER = 3  # failures at one step before a person is offered
MISSES_BEFORE_OFFER = 2  # misunderstandings in a row before a person is offered

SLOTS = (
    "flow",
    "step",
    "problem",
    "tried",
    "step_failures",
    "misses",
    "awaiting",
    "login_outcome",
    "handoff_reason",
    "helping",
    "purpose",
)


def guide_for(tracker: Tracker) -> content.Guide:
    """The guide as the message's commune has it: one model serves every commune, whose words come with the
    message (the gateway's metadata: `commune`, its slug, for its own content edits; `commune_fields`, its name,
    hotline, hours and portal for `{commune.*}`), never from training data. Without them: the guide's defaults."""
    metadata = tracker.latest_message.get("metadata") or {}
    if not isinstance(metadata, dict):
        return content.load()
    slug, fields = metadata.get("commune"), metadata.get("commune_fields")
    try:
        guide = content.load(commune=slug) if isinstance(slug, str) else content.load()
    except ValueError:  # not a slug: the defaults (the gateway only sends its own slugs)
        guide = content.load()
    if isinstance(fields, dict):
        guide = guide.with_commune({k: v for k, v in fields.items() if isinstance(v, (str, int, float))})
    return guide


class Conversation:
    """Reads the conversation's slots, sends replies, and collects slot changes as events."""

    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker, guide: content.Guide) -> None:
        """Wraps one action run."""
        self.dispatcher = dispatcher
        self.tracker = tracker
        self.guide = guide
        self._values: Dict[str, Any] = {name: tracker.get_slot(name) for name in SLOTS}
        self._changes: Dict[str, Any] = {}
        self.helper_started = False  # helper mode began with this message (its introduction is said once)
        self._purpose_pending = False  # another purpose was named in this message: a word on it is due

    # --- state -----------------------------------------------------------------------------------------
    def get(self, name: str) -> Any:
        """Current value of a slot, including changes made in this run."""
        return self._values.get(name)

    def set(self, **changes: Any) -> None:
        """Change slots; only real changes become events, in the order first made."""
        for name, value in changes.items():
            if name not in SLOTS:
                raise KeyError(name)
            if self._values.get(name) != value or name in self._changes:
                self._changes[name] = value
            self._values[name] = value

    def events(self) -> List[Dict[Text, Any]]:
        """SlotSet events for the changes made in this run."""
        return [SlotSet(name, value) for name, value in self._changes.items()]

    @property
    def flow(self) -> Optional[str]:
        """`A`, `B`, or None when no flow is chosen."""
        flow = self.get("flow")
        return flow if flow in ("A", "B") else None

    @property
    def step(self) -> int:
        """Current step number (1-based), 0 outside a flow."""
        return int(self.get("step") or 0) if self.flow else 0

    @property
    def total(self) -> int:
        """Number of steps in the current flow."""
        return len(self.guide.steps(self.flow)) if self.flow else 0

    @property
    def intent(self) -> str:
        """Name of the latest user intent."""
        return (self.tracker.latest_message.get("intent") or {}).get("name") or ""

    @property
    def outage_notice(self) -> Optional[str]:
        """The outage notice staff switched on, passed by the gateway in the message metadata."""
        metadata = self.tracker.latest_message.get("metadata") or {}
        notice = metadata.get("outage_notice") if isinstance(metadata, dict) else None
        return notice if isinstance(notice, str) and notice.strip() else None

    def count(self, name: str) -> int:
        """A counter slot as an int."""
        return int(self.get(name) or 0)

    def entities(self, kind: str) -> List[Dict[str, Any]]:
        """The latest message's entities of one kind (set by the NLU: error, purpose, helper, sensitive)."""
        return [e for e in self.tracker.latest_message.get("entities") or [] if e.get("entity") == kind]

    @property
    def relative(self) -> Optional[str]:
        """The relative the citizen logs in for (helper mode), or None."""
        return self.get("helping") or None

    # --- what the message says besides its intent ------------------------------------------------------------
    def notice_signals(self) -> None:
        """Helper mode and another purpose, from the latest message's entities: the helper is welcomed once (who
        the bot now addresses, and that the OTP goes to the relative's phone with the relative's consent); a word
        on the other purpose is due (`mention_purpose`)."""
        helper = next((e.get("value") for e in self.entities("helper") if e.get("value")), None)
        if helper and not self.relative:
            self.start_helping(str(helper))
        purpose = next((e.get("value") for e in self.entities("purpose") if e.get("value")), None)
        if purpose and purpose != self.get("purpose"):
            self.set(purpose=str(purpose))
            self._purpose_pending = True

    def start_helping(self, relative: str) -> None:
        """Enter helper mode (or repeat its welcome): address the helper, remind whose phone and consent."""
        self.set(helping=relative)
        self.helper_started = True
        self.say("helper_intro", relative=relative)
        self.say("helper_consent", relative=relative)

    def mention_purpose(self) -> None:
        """The word on another purpose named in this message (once per purpose), after the login help."""
        if not self._purpose_pending:
            return
        self._purpose_pending = False
        key = self.get("purpose") or "other"
        names = self.guide.messages.get("purposes") or {}
        self.say("other_purpose", purpose=names.get(key) or names.get("other") or key)

    # --- replies ---------------------------------------------------------------------------------------
    def say(self, key: str, buttons: Optional[str] = None, **fields: Any) -> None:
        """Send one message from messages.yml, with a named button set."""
        self.send(self.guide.text(key, **fields), buttons)

    def send(self, text: str, buttons: Optional[str] = None) -> None:
        """Send a text, with a named button set."""
        if buttons:
            self.dispatcher.utter_message(text=text, buttons=self.guide.buttons(buttons))
        else:
            self.dispatcher.utter_message(text=text)

    def send_step(self) -> None:
        """Send the current step: its illustration, then the text with the step buttons; await the answer.

        Two messages, because channels deliver an image apart from a text; the buttons stay last.
        """
        step = self.guide.step(self.flow, self.step)
        image = self.guide.illustration_url(step.get("illustration"))
        if image:
            self.dispatcher.utter_message(image=image)
        if self.relative:  # helper mode: whose phone this step uses
            problems = step.get("problems") or []
            if "otp_not_received" in problems:
                self.say("helper_otp", relative=self.relative)
            elif "app_login_failed" in problems:
                self.say("helper_app", relative=self.relative)
        text = self.guide.text("step", step=self.step, total=self.total, text=self.guide.fill(step["text"]))
        self.send(text, "step")
        self.set(awaiting="step")

    def start_flow(self, flow: str) -> None:
        """Begin a flow at step 1."""
        data = self.guide.flow(flow)
        self.set(flow=flow, step=1.0, step_failures=0.0, problem=None, login_outcome=None)
        self.say("flow_start", flow_title=data["title"], flow_intro=self.guide.fill(data["intro"]))
        self.send_step()

    def ask_flow(self) -> None:
        """Ask which way the citizen wants to log in (after a word on another purpose just named)."""
        self.mention_purpose()
        self.say("ask_flow", "choose_flow")
        self.set(awaiting="flow_choice")

    def resume(self) -> None:
        """After an interruption: back to the current step, or offer the guide when no flow is running."""
        if self.flow and self.step:
            self.say("resume", step=self.step, total=self.total)
            self.send_step()
        else:
            self.say("offer_guide", "offer_guide")
            self.set(awaiting="guide_offer")

    def ask_outcome(self) -> None:
        """Ask whether the citizen got in; the answer is recorded in `login_outcome`."""
        self.say("ask_outcome", "outcome")
        self.set(awaiting="outcome")

    def fail_at_step(self) -> bool:
        """Count one failure at the current step; True when the citizen is now stuck there."""
        failures = self.count("step_failures") + 1
        self.set(step_failures=float(failures))
        return failures >= STUCK_AFTER

    def offer_human(self, reason: str) -> None:
        """Offer a person (`stuck`, `misses`, `in_person`); a yes hands the conversation off."""
        self.say(f"offer_human_{reason}", "offer_human")
        self.set(awaiting="human_offer", handoff_reason=reason)

    def hand_off(self, reason: str) -> None:
        """Emit the handoff payload for the gateway, which tells the citizen in one message what happens next
        (staff free, their place in the queue, off hours with a call-back offer, an outage): the bot does not know
        the queue or the hours, so it does not promise a wait."""
        self.dispatcher.utter_message(
            json_message={
                "handoff": {
                    "reason": reason,
                    "flow": self.flow,
                    "step": self.step or None,
                    "problem": self.get("problem"),
                    "tried": list(self.get("tried") or []),
                    "helper": bool(self.relative),  # a relative logs in for the account holder
                }
            }
        )
        self.set(awaiting=None, handoff_reason=reason)


class GuideAction(Action):
    """Base of every custom action: builds a Conversation, runs `act`, returns the slot events."""

    NAME = ""
    resets_misses = True  # any understood message ends a run of misunderstandings
    reads_signals = True  # helper mode and another purpose are noticed (not by the safety answers, which come first)

    def name(self) -> Text:
        """The action's name in the domain."""
        return self.NAME

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        """Runs the action against the current guide content, speaking for the conversation's commune."""
        conv = Conversation(dispatcher, tracker, guide_for(tracker))
        if self.resets_misses:
            conv.set(misses=0.0)
        if self.reads_signals:
            conv.notice_signals()
        self.act(conv)
        return conv.events()

    def act(self, conv: Conversation) -> None:  # pragma: no cover - abstract
        """The action's logic."""
        raise NotImplementedError
