"""Make the app's PNG icons from its one drawing, static/img/icon.svg.

    python deploy/icons.py [OUTPUT_DIR]        (`make icons`; OUTPUT_DIR defaults to static/img)

Browsers and phones want bitmaps: Chromium's install prompt a 192 px and a 512 px icon, Android a
"maskable" one (it cuts its own shape out of the middle 80 %, so the drawing is shrunk onto a
full-bleed background), iOS a 180 px apple-touch-icon (no transparency: iOS rounds the corners itself,
and fills transparent pixels with black). The PNGs are committed next to the SVG so that `make run`
needs no drawing library; `make test` redraws them and a test fails when they no longer match it.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "static" / "img" / "icon.svg"
SVG_NS = "http://www.w3.org/2000/svg"


class Icon(NamedTuple):
    name: str
    size: int
    # None: the drawing as it is (rounded, transparent corners); a number: the drawing scaled by it
    # onto a full square of its background colour.
    full_bleed_scale: float | None


ICONS = (
    Icon("icon-192.png", 192, None),
    Icon("icon-512.png", 512, None),
    # The maskable safe zone is a circle of 80 % of the width: the drawing's corners must fit in it.
    Icon("icon-maskable-512.png", 512, 0.76),
    Icon("apple-touch-icon.png", 180, 0.86),
)


def full_bleed(svg: str, scale: float) -> str:
    """The drawing shrunk by `scale` about its centre, on a square filled with its first shape's colour."""
    ET.register_namespace("", SVG_NS)
    root = ET.fromstring(svg)  # noqa: S314 (the project's own committed drawing)
    x, y, width, height = (float(n) for n in root.attrib["viewBox"].split())
    background = next(iter(root)).attrib["fill"]
    group = ET.Element(f"{{{SVG_NS}}}g")
    cx, cy = x + width / 2, y + height / 2
    group.attrib["transform"] = f"translate({cx} {cy}) scale({scale}) translate({-cx} {-cy})"
    group.extend(list(root))
    for child in list(root):
        root.remove(child)
    square = ET.Element(f"{{{SVG_NS}}}rect", {"x": str(x), "y": str(y), "width": str(width), "height": str(height)})
    square.attrib["fill"] = background
    root.append(square)
    root.append(group)
    return ET.tostring(root, encoding="unicode")


def render(icon: Icon, svg: str) -> bytes:
    import cairosvg  # a development dependency: only this script draws

    if icon.full_bleed_scale is not None:
        svg = full_bleed(svg, icon.full_bleed_scale)
    png: bytes = cairosvg.svg2png(bytestring=svg.encode(), output_width=icon.size, output_height=icon.size)
    return png


def main(output: Path) -> None:
    svg = SOURCE.read_text()
    output.mkdir(parents=True, exist_ok=True)
    for icon in ICONS:
        (output / icon.name).write_bytes(render(icon, svg))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE.parent)
