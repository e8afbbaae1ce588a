"""Thanh Hóa's commune-level units (the province edition): names.py reads content/communes/thanh-hoa.yml and finds
the unit a citizen names, current or former (pure Python, no Flask, no database)."""
