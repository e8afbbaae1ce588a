"""Read the NLU training data and the held-out set, and compare them (plain Python, no Rasa import)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List

import yaml

from bot.nlu.text import folded

ROOT = Path(__file__).resolve().parents[1]
TRAIN_DIR = ROOT / "bot" / "data" / "nlu"
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
_PUNCT = re.compile(r"[^\w ]+")


def overlap_key(text: str) -> str:
    """What two texts share when they differ only in case, diacritics, shorthand or punctuation."""
    return " ".join(_PUNCT.sub(" ", folded(text)).split())


def training_examples(directory: Path = TRAIN_DIR) -> List[Dict[str, str]]:
    """Every training example as {"text", "intent"}."""
    out = []
    for path in sorted(directory.glob("*.yml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if "intent" not in item:
                continue
            for line in item["examples"].splitlines():
                line = line.strip()
                if line.startswith("- "):
                    out.append({"text": line[2:].strip(), "intent": item["intent"]})
    return out


def heldout_examples(path: Path = HELDOUT) -> List[Dict[str, str]]:
    """Every held-out example as {"text", "intent", "slice"}."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))["examples"]


def overlaps(train: List[Dict[str, str]], heldout: List[Dict[str, str]]) -> List[Dict[str, str]]:
    """Held-out examples that also stand in the training data (by `overlap_key`)."""
    keys = {overlap_key(e["text"]) for e in train}
    return [e for e in heldout if overlap_key(e["text"]) in keys]


if __name__ == "__main__":
    # `python -m tools.nlu_data "text" ...`: does a held-out candidate collide with the training data?
    # `python -m tools.nlu_data --against-heldout "text" ...`: does a training candidate collide with the
    # held-out set? (Says only ok/COLLIDES, so a writer of one set never reads the other.)
    import sys

    args = sys.argv[1:]
    against_heldout = bool(args) and args[0] == "--against-heldout"
    keys = {overlap_key(e["text"]) for e in (heldout_examples() if against_heldout else training_examples())}
    for text in args[1:] if against_heldout else args:
        print(("COLLIDES " if overlap_key(text) in keys else "ok       ") + text)
