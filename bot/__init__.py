"""Trợ lý VNeID: the Rasa project (NLU components, custom actions, domain and data)."""
