"""Helpers the test suites share: imported by tests, never a test module or conftest."""
