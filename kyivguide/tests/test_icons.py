"""The committed PNG icons and screenshots: drawn from the SVG as deploy/icons.py draws them, of the
sizes the manifest declares, opaque where a platform needs them opaque."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from django.conf import settings
from PIL import Image

from kyivguide import pwa

STATIC = Path(settings.BASE_DIR) / "static"
BLUE = (0x0B, 0x3D, 0x91)


def _icons_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("icons", Path(settings.BASE_DIR) / "deploy" / "icons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_icons_are_what_the_script_draws_from_the_svg(tmp_path: Path) -> None:
    icons = _icons_script()
    icons.main(tmp_path)

    drawn = sorted(path.name for path in tmp_path.iterdir())
    assert drawn == ["apple-touch-icon.png", "icon-192.png", "icon-512.png", "icon-maskable-512.png"]
    for name in drawn:
        with Image.open(tmp_path / name) as fresh, Image.open(STATIC / "img" / name) as committed:
            assert fresh.size == committed.size, name
            assert fresh.tobytes() == committed.tobytes(), f"static/img/{name} is out of date: run `make icons`"


@pytest.mark.parametrize(("path", "sizes", "purpose"), pwa.ICONS)
def test_each_manifest_icon_has_its_declared_size(path: str, sizes: str, purpose: str) -> None:
    with Image.open(STATIC / path) as image:
        assert (image.format, f"{image.width}x{image.height}") == ("PNG", sizes)
        corner = image.convert("RGBA").getpixel((0, 0))
    if purpose == "maskable":
        # Full bleed: the platform cuts its own shape, so even the corners are the background.
        assert corner == (*BLUE, 255)
    else:
        # The drawing's own rounded corners are transparent.
        assert corner == (0, 0, 0, 0)


def test_the_apple_touch_icon_is_180_px_and_opaque() -> None:
    with Image.open(STATIC / pwa.APPLE_TOUCH_ICON) as image:
        assert (image.format, image.size) == ("PNG", (180, 180))
        rgba = image.convert("RGBA")
        alpha_min, alpha_max = rgba.getchannel("A").getextrema()
        assert (alpha_min, alpha_max) == (255, 255)
        assert rgba.getpixel((0, 0)) == (*BLUE, 255)


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
@pytest.mark.parametrize(("form_factor", "sizes"), pwa.SCREENSHOTS)
def test_each_screenshot_has_its_declared_size(language: str, form_factor: str, sizes: str) -> None:
    with Image.open(STATIC / pwa.screenshot_path(language, form_factor)) as image:
        assert (image.format, f"{image.width}x{image.height}") == ("PNG", sizes)
