"""Draw the app's icons into assets/ (run once; the PNG/ICO files are committed).

A white house on the theme's accent (Radix "teal", rxconfig.py): a rounded tile for favicons and
"any" icons; a full-bleed square with the house inside the central safe zone for the maskable
icon and the Apple touch icon (those platforms cut their own shape).

    pip install pillow        # only for this script, not a runtime requirement
    python scripts/make_icons.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ASSETS = Path(__file__).resolve().parents[1] / "assets"
ACCENT = (0x12, 0xA5, 0x94, 255)  # Radix teal-9, the theme's accent; also manifest theme_color
WHITE = (255, 255, 255, 255)
SCALE = 4  # drawn at 4x and scaled down, for smooth edges


def _house(draw: ImageDraw.ImageDraw, size: int, box: float) -> None:
    """A house centred in a square of side `box` x size: roof, walls, a door in the accent."""
    s = size * box
    left, top = (size - s) / 2, (size - s) / 2
    x = lambda f: left + f * s  # noqa: E731
    y = lambda f: top + f * s  # noqa: E731
    draw.polygon([(x(0.5), y(0.08)), (x(0.98), y(0.50)), (x(0.02), y(0.50))], fill=WHITE)
    draw.rectangle([x(0.16), y(0.46), x(0.84), y(0.92)], fill=WHITE)
    draw.rectangle([x(0.70), y(0.14), x(0.82), y(0.40)], fill=WHITE)  # chimney
    draw.rounded_rectangle(
        [x(0.41), y(0.62), x(0.59), y(0.92)], radius=s * 0.04, fill=ACCENT
    )  # door


def icon(size: int, maskable: bool = False) -> Image.Image:
    big = size * SCALE
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    if maskable:  # full bleed; the house stays inside the 80% safe circle
        draw.rectangle([0, 0, big, big], fill=ACCENT)
        _house(draw, big, 0.50)
    else:
        draw.rounded_rectangle([0, 0, big - 1, big - 1], radius=big * 0.22, fill=ACCENT)
        _house(draw, big, 0.66)
    return img.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    icons = ASSETS / "icons"
    icons.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        icon(size).save(icons / f"icon-{size}.png", optimize=True)
        icon(size, maskable=True).save(icons / f"maskable-{size}.png", optimize=True)
    icon(180, maskable=True).convert("RGB").save(ASSETS / "apple-touch-icon.png", optimize=True)
    icon(256).save(ASSETS / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
    for path in sorted(ASSETS.rglob("*")):
        if path.suffix in (".png", ".ico"):
            print(f"{path.relative_to(ASSETS)}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
