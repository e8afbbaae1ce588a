"""A message as a channel hands it to the inbound pipeline (gateway/services/inbound.py), before redaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from gateway.services.communes import CommuneInfo


@dataclass
class Inbound:
    """A message from a channel, before redaction."""

    channel: str
    sender: str
    text: str
    key: Optional[str] = None
    # the client's number for the message in its conversation (services/ordering.py), as `sequence_number` read it
    seq: Optional[int] = None
    # the client's address, for the limits per address on new conversations and handoffs (services/admission.py)
    client: Optional[str] = None
    # the commune the message is for (services/communes.py; REST `metadata.commune`, the widget's data-commune,
    # the Zalo OA); None: the conversation's own, or the installation's default for a new one
    commune: Optional[CommuneInfo] = None
