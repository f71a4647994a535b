"""Reader-facing names of the 14 PTC techniques, shared by the report, the terminal and the page."""

from __future__ import annotations

from typing import Any

LABELS = {
    "Appeal_to_Authority": "Appeal to authority",
    "Appeal_to_fear-prejudice": "Appeal to fear or prejudice",
    "Bandwagon,Reductio_ad_hitlerum": "Bandwagon, reductio ad Hitlerum",
    "Black-and-White_Fallacy": "Black-and-white fallacy",
    "Causal_Oversimplification": "Causal oversimplification",
    "Doubt": "Doubt",
    "Exaggeration,Minimisation": "Exaggeration, minimisation",
    "Flag-Waving": "Flag-waving",
    "Loaded_Language": "Loaded language",
    "Name_Calling,Labeling": "Name calling, labeling",
    "Repetition": "Repetition",
    "Slogans": "Slogans",
    "Thought-terminating_Cliches": "Thought-terminating cliches",
    "Whataboutism,Straw_Men,Red_Herring": "Whataboutism, straw men, red herring",
}

# the techniques a reader calls loaded language: emotive words and labels for people
LOADED_TECHNIQUES = ("Loaded_Language", "Name_Calling,Labeling")


def technique_label(name: Any) -> str:
    """"Name_Calling,Labeling" -> "Name calling, labeling" (an unknown name is shown as given)."""
    return LABELS.get(name) or str(name or "unknown").replace("_", " ")
