"""Privacy filter of the gateway: redact OTPs, passwords, ID numbers and phone numbers from chat messages.

    from gateway.privacy import Redactor, Redaction
    r = Redactor.load()          # reads patterns.yml, builds the spaCy pipeline (do it once)
    res = r.redact(text)         # Redaction(text, kinds, spans)

Importing this package does no I/O and does not import spaCy; `Redactor.load()` does.
"""
from gateway.privacy.redactor import Redaction, Redactor

__all__ = ["Redaction", "Redactor"]
