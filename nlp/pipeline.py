"""Builds and saves the project's spaCy pipeline.

``spacy.blank("en")`` with an ``entity_ruler`` by default, because spaCy's published English
models cannot be installed on the machines this runs on. A deployment that can install
``en_core_web_md`` sets ``SPACY_BASE_MODEL=en_core_web_md`` and the same patterns are added
in front of that model's statistical entity recogniser.

    python -m nlp.pipeline [--out models/spacy/en_safeguarding] [--base blank|en_core_web_md]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import spacy
from spacy.language import Language

from nlp.patterns import all_patterns

DEFAULT_OUTPUT = Path("models/spacy/en_safeguarding")
BLANK = "blank"


def build(base: str = BLANK) -> Language:
    """A pipeline whose ``doc.ents`` carry this project's labels (see ``nlp.patterns``)."""
    if base == BLANK:
        nlp = spacy.blank("en")
        ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    else:
        nlp = spacy.load(base)
        # Our patterns run first and win over the statistical recogniser where they overlap.
        before = "ner" if "ner" in nlp.pipe_names else None
        ruler = nlp.add_pipe("entity_ruler", before=before, config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(all_patterns())
    nlp.meta["name"] = "safeguarding"
    nlp.meta["description"] = "Southampton safeguarding assistant: entity_ruler patterns (nlp/patterns.py)"
    return nlp


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--base", default=os.environ.get("SPACY_BASE_MODEL") or BLANK)
    args = parser.parse_args()
    nlp = build(args.base)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(args.out)
    print(f"spaCy pipeline ({args.base}, {len(nlp.get_pipe('entity_ruler'))} patterns) saved to {args.out}")


if __name__ == "__main__":
    main()
