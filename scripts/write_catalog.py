"""Write a Swahili catalog file from a Python dict of translations (a translator's helper).

    python scripts/write_catalog.py translations.py services

`translations.py` defines SW (msgid → translation) and optionally PLURALS (singular →
(plural, form for one, form for many)); the result is pms_app/locale/sw/LC_MESSAGES/<name>.po,
merged with what that file already holds (the new text wins)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

FOLDER = Path(__file__).resolve().parent.parent / "pms_app" / "locale" / "sw" / "LC_MESSAGES"


def main(source: str, name: str) -> None:
    values = runpy.run_path(source)
    path = FOLDER / f"{name}.po"
    FOLDER.mkdir(parents=True, exist_ok=True)
    if path.exists():
        with path.open("rb") as handle:
            cat = read_po(handle, locale="sw")
    else:
        cat = Catalog(locale="sw", project="pms", language_team="Swahili")
    for msgid, text in values.get("SW", {}).items():
        if msgid in cat:
            del cat[msgid]
        cat.add(msgid, text)
    for one, (many, sw_one, sw_many) in values.get("PLURALS", {}).items():
        if one in cat:
            del cat[one]
        cat.add((one, many), (sw_one, sw_many))
    with path.open("wb") as handle:
        write_po(handle, cat, width=100, sort_output=True)
    print(f"{path}: {len(cat)} entries")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
