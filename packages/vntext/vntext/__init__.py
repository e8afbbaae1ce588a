"""Vietnamese chat text, shared by the gateway and the bot (both Python environments install this package).

- `vntext.normalize`: NFC, invisible characters, digit forms, diacritic folding — with offsets into the original.
- `vntext.secrets`: the one detector of citizens' secrets (OTP, password, ID number, phone number) and its masking.
  Its parts are the `vntext.secret_*` modules (atoms, tables, benign shapes, numbers, context, number kinds,
  passwords, spans); `vntext.secret_words` holds the words they read.

Pure Python, no dependencies, no I/O at import time.
"""
