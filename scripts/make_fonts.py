"""Build the self-hosted web fonts in assets/fonts/ (run once; the output is committed).

The app serves Roboto (Apache License 2.0) itself instead of asking a font CDN: no request leaves
the install. The source is the `font-roboto` package on PyPI; each weight Radix uses (400, 500,
700) is cut to the Latin ranges (English, Swahili, names with accents, KES amounts) and written
as WOFF2, about 20 KB each instead of 300 KB of TTF.

    pip download --no-deps font-roboto==0.0.1 -d /tmp/fonts && tar xzf /tmp/fonts/*.tar.gz -C /tmp/fonts
    pip install fonttools brotli        # only for this script, not a runtime requirement
    python scripts/make_fonts.py /tmp/fonts/font-roboto-0.0.1/font_roboto/files
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from fontTools import subset

OUT = Path(__file__).resolve().parents[1] / "assets" / "fonts"
WEIGHTS = {"Regular": 400, "Medium": 500, "Bold": 700}
# Basic Latin, Latin-1, Latin Extended-A, and the punctuation, currency and arrows people type.
UNICODES = "U+0000-017F,U+0192,U+02C6,U+02DA,U+02DC,U+2000-206F,U+20AC,U+2122,U+2190-2193,U+2212"
NOTICE = """Roboto, by Google (https://github.com/google/roboto), Apache License 2.0 (LICENSE).
Modified for this app by scripts/make_fonts.py: subset to the Latin ranges
({ranges}) and converted to WOFF2. Source: the font-roboto 0.0.1 package on PyPI.
"""


def build(source: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for style in WEIGHTS:
        target = OUT / f"Roboto-{style}.woff2"
        subset.main(
            [
                str(source / f"Roboto-{style}.ttf"),
                f"--unicodes={UNICODES}",
                "--flavor=woff2",
                "--layout-features=kern,liga,calt,tnum,lnum",
                "--no-hinting",
                "--desubroutinize",
                f"--output-file={target}",
            ]
        )
        print(f"{target.name}: {target.stat().st_size // 1024} KB")
    shutil.copyfile(source / "LICENSE", OUT / "LICENSE")
    (OUT / "NOTICE").write_text(NOTICE.format(ranges=UNICODES))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    build(Path(sys.argv[1]))
