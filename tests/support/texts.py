"""Staff texts that note every label a page or a report reads but content/staff.yml lacks (the page still renders
it as its key): set as an app's `texts` to prove no label is missing."""

from __future__ import annotations

from typing import Set, Tuple

from gateway.services.texts import Labels, Texts


class Recording(Texts):
    """Texts that note every label read but missing (a page still renders it as its key)."""

    def __init__(self, content_dir, overrides=None) -> None:
        super().__init__(content_dir, overrides)
        self.missing: Set[Tuple[str, str]] = set()

    def staff(self, group: str) -> Labels:
        recording = self

        class Noting(Labels):
            def __missing__(self, key):
                recording.missing.add((group, key))
                return key

        labels = Noting(super().staff(group))
        labels.group = group
        if not labels:
            self.missing.add((group, ""))
        return labels
