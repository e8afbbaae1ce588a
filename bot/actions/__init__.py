"""Custom actions of Trợ lý VNeID, one module per topic; the action server loads this package."""

from bot.actions.flow import (  # noqa: F401
    ActionAnswer,
    ActionAskFlow,
    ActionChooseFlow,
    ActionGreet,
    ActionHelper,
    ActionLoginSuccess,
    ActionResume,
    ActionStepDone,
    ActionStepFailed,
    ActionUnsureFlow,
)
from bot.actions.handoff import ActionFallback, ActionHandoff  # noqa: F401
from bot.actions.info import ActionAnswerInfo, ActionGoodbye  # noqa: F401
from bot.actions.problems import ActionHandleProblem  # noqa: F401
from bot.actions.safety import ActionScamWarning, ActionSecretWarning  # noqa: F401
