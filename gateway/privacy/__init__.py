"""Privacy filter of the gateway: mask OTPs, passwords, ID numbers and phone numbers in chat messages.

    from gateway.privacy import Redactor
    r = Redactor(lambda: ["024.38541051"])     # the commune's published numbers are kept
    res = r.redact(text, previous=None)       # Redaction(text, kinds, spans, previous_text, previous_spans)

The detection itself is `vntext.secrets` (packages/vntext), shared with the bot's NLU.
"""

from vntext.secrets import Redaction

from gateway.privacy.redactor import Redactor

__all__ = ["Redaction", "Redactor"]
