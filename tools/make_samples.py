#!/usr/bin/env python3
"""Generate the binary sample inputs of the sample editions (editions/2019, editions/2020).

The build treats everything written here as opaque, *supplied* files (a photographer's JPEGs,
scanned signatures, the designer's cover PDF, the auditor's appendix PDF), and the outputs are
committed. This script only exists so that those files have a known, free origin and can be
regenerated:

    /tmp/probe/bin/python tools/make_samples.py            # both editions
    /tmp/probe/bin/python tools/make_samples.py --edition 2020

Requirements: Pillow (images, colour conversion) and ReportLab (PDFs). No numpy.

Determinism: every random choice comes from ``random.Random(seed)`` with fixed seeds (never
``Image.effect_noise``, which uses the C library's unseeded ``rand()``); JPEG/PNG writers get
fixed options and no EXIF dates; ReportLab runs with ``invariant=1`` and ``useA85=0``. Two runs
with the same Pillow/ReportLab/zlib/libjpeg give byte-identical files.

Every supplied PDF comes twice, as a designer exports it: the press file (``cover.pdf``,
``appendix-*.pdf``: DeviceCMYK only, photos as FOGRA39 CMYK JPEGs) and an RGB export of the same
pages for the screen and archive editions (``cover-rgb.pdf``, ``appendix-*-rgb.pdf``: DeviceRGB
only, every colour the CMYK value converted FOGRA39 -> sRGB, photos as sRGB JPEGs).

Everything generated here (images, PDFs, and the text they contain) is dedicated to the public
domain under CC0 1.0. The organisation "Harbourlight Rights Network", its people, partners,
addresses and figures are fictional.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from PIL import Image, ImageChops, ImageCms, ImageDraw, ImageFilter, ImageOps

ROOT = Path(__file__).resolve().parents[1]
FONT_DIR = ROOT / "assets" / "fonts"
ICC_DIR = ROOT / "assets" / "icc"
EDITIONS_DIR = ROOT / "editions"

RGB = tuple[int, int, int]
BICUBIC = Image.Resampling.BICUBIC
LANCZOS = Image.Resampling.LANCZOS
JPEG_QUALITY = 88


# ---------------------------------------------------------------------------------------------
# Procedural image helpers (Pillow only)
# ---------------------------------------------------------------------------------------------


def noise(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """Uniform white noise as an 'L' image, from a seeded generator."""
    w, h = size
    return Image.frombytes("L", (w, h), rng.randbytes(w * h))


def fractal(
    rng: random.Random,
    size: tuple[int, int],
    base: int = 3,
    octaves: int = 7,
    persistence: float = 0.55,
    stretch: tuple[float, float] = (1.0, 1.0),
    work: int = 4,
) -> Image.Image:
    """Fractal value noise ('L'): random grids of doubling resolution, upsampled and summed.

    Computed at 1/``work`` of the size (it is smooth anyway) and scaled up at the end.
    ``stretch`` makes the grid finer along one axis: (1, 6) gives horizontal streaks (waves on
    water, wood grain), (6, 1) vertical ones.
    """
    w, h = size
    ww, wh = max(2, w // work), max(2, h // work)
    aspect = h / w
    acc: Image.Image | None = None
    total, amp = 0.0, 1.0
    for o in range(octaves):
        cw = max(2, round(base * 2**o * stretch[0]))
        ch = max(2, round(base * 2**o * aspect * stretch[1]))
        if cw > ww and ch > wh:
            break
        layer = noise(rng, (min(cw, ww), min(ch, wh))).resize((ww, wh), BICUBIC)
        total += amp
        acc = layer if acc is None else Image.blend(acc, layer, amp / total)
        amp *= persistence
    assert acc is not None
    acc = ImageOps.autocontrast(acc, cutoff=0.5)
    return acc.resize((w, h), BICUBIC)


def ridge(
    rng: random.Random, n: int, base: int = 3, octaves: int = 7, persistence: float = 0.5
) -> list[float]:
    """1-D fractal noise in [0, 1] with n samples (for hill and skyline profiles)."""
    vals = [0.0] * n
    total, amp = 0.0, 1.0
    for o in range(octaves):
        k = base * 2**o
        pts = [rng.random() for _ in range(k + 1)]
        for i in range(n):
            t = i / (n - 1) * k
            j = min(int(t), k - 1)
            f = t - j
            f = f * f * (3 - 2 * f)
            vals[i] += amp * (pts[j] * (1 - f) + pts[j + 1] * f)
        total += amp
        amp *= persistence
    return [v / total for v in vals]


def vgradient(size: tuple[int, int], top: RGB, bottom: RGB, mid: RGB | None = None) -> Image.Image:
    """Vertical colour gradient."""
    g = Image.linear_gradient("L").resize(size, BICUBIC)
    if mid is None:
        return ImageOps.colorize(g, top, bottom)
    return ImageOps.colorize(g, top, bottom, mid)


def radial(size: tuple[int, int], centre: tuple[float, float], radius: float) -> Image.Image:
    """'L' mask: 255 at ``centre`` (pixels) falling smoothly to 0 at ``radius``."""
    r = max(2, int(radius))
    # radial_gradient() is 0 at the centre, 181 (255/sqrt 2) at the middle of each edge
    g = Image.radial_gradient("L").point(lambda v: int(255 * max(0.0, 1 - v / 181) ** 2.2))
    g = g.resize((2 * r, 2 * r), BICUBIC)
    m = Image.new("L", size, 0)
    m.paste(g, (int(centre[0]) - r, int(centre[1]) - r))
    return m


def tint(mask: Image.Image, colour: RGB) -> Image.Image:
    """A flat colour layer the size of ``mask``."""
    return Image.new("RGB", mask.size, colour)


def lay(base: Image.Image, colour: RGB | Image.Image, mask: Image.Image) -> Image.Image:
    """Paint ``colour`` (flat or an image) over ``base`` through ``mask``."""
    top = colour if isinstance(colour, Image.Image) else tint(mask, colour)
    return Image.composite(top, base, mask)


def textured(
    rng: random.Random,
    size: tuple[int, int],
    dark: RGB,
    light: RGB,
    base: int = 4,
    stretch: tuple[float, float] = (1.0, 1.0),
) -> Image.Image:
    """A colour texture: fractal noise mapped between two colours."""
    return ImageOps.colorize(fractal(rng, size, base=base, stretch=stretch), dark, light)


def grain(
    img: Image.Image, rng: random.Random, amount: int = 10, soft: float = 0.55
) -> Image.Image:
    """Zero-mean luminance grain, slightly soft, like a camera sensor at moderate ISO."""
    n = noise(rng, img.size)
    if soft:
        n = ImageOps.autocontrast(n.filter(ImageFilter.GaussianBlur(soft)), cutoff=0.2)
    up = n.point(lambda v: max(0, v - 128) * amount // 127)
    down = n.point(lambda v: max(0, 127 - v) * amount // 127)
    up3 = Image.merge("RGB", (up, up, up))
    down3 = Image.merge("RGB", (down, down, down))
    return ImageChops.subtract(ImageChops.add(img, up3), down3)


def vignette(img: Image.Image, strength: float = 0.35) -> Image.Image:
    """Darken the corners, as a real lens does."""
    g = Image.radial_gradient("L").resize(img.size, BICUBIC)
    m = g.point(lambda v: 255 - int(strength * 255 * min(1.0, v / 255) ** 2))
    return ImageChops.multiply(img, Image.merge("RGB", (m, m, m)))


def finish(
    img: Image.Image, rng: random.Random, blur: float = 0.7, grain_amount: int = 9, vig: float = 0.3
) -> Image.Image:
    """Lens softness, vignetting and sensor grain."""
    if blur:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    if vig:
        img = vignette(img, vig)
    return grain(img, rng, grain_amount)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


SKIN: list[RGB] = [
    (92, 58, 40),
    (122, 78, 52),
    (141, 85, 36),
    (170, 112, 72),
    (198, 134, 86),
    (224, 172, 125),
    (241, 194, 150),
    (206, 150, 108),
]
HAIR: list[RGB] = [
    (20, 16, 14),
    (38, 28, 22),
    (58, 40, 28),
    (90, 66, 44),
    (120, 110, 100),
    (28, 24, 24),
]
CLOTH: list[RGB] = [
    (162, 48, 46),
    (34, 74, 128),
    (220, 170, 60),
    (60, 110, 80),
    (230, 226, 214),
    (70, 70, 78),
    (150, 90, 150),
    (200, 110, 60),
    (40, 120, 140),
    (120, 30, 60),
]


@dataclass
class Figure:
    """A person seen from the waist up (or a seated person behind a table)."""

    x: float  # centre, px
    base: float  # y of the bottom of the torso, px
    scale: float  # shoulder width, px
    skin: RGB
    cloth: RGB
    hair: RGB
    long_hair: bool = False
    turn: float = 0.0  # -1..1, head offset to suggest a turned head
    face_mask: bool = False  # a surgical mask (the 2020 photos)


def draw_figure(d: ImageDraw.ImageDraw, f: Figure, colour: bool = True) -> None:
    """Draw one figure; with ``colour=False`` draw white (for masks)."""

    def c(rgb: RGB) -> RGB | int:
        return rgb if colour else 255

    s = f.scale
    sw, th = s, s * 1.05
    top = f.base - th
    hr = s * 0.22
    hx = f.x + f.turn * s * 0.06
    hy = top - hr * 0.9
    if f.long_hair:
        d.rounded_rectangle(
            [hx - hr * 1.05, hy - hr * 1.05, hx + hr * 1.05, hy + hr * 1.9],
            radius=hr,
            fill=c(f.hair),
        )
    x, low = f.x, f.base + s * 0.4
    # sloping shoulders, as (dx, dy) in shoulder widths from the neck, mirrored
    half = [(0.2, 0.0), (0.4, 0.07), (0.48, 0.18), (0.5, 0.35)]
    outline = [(x + u * sw, top + v * sw) for u, v in half]
    outline += [(x + sw * 0.5, low), (x - sw * 0.5, low)]
    outline += [(x - u * sw, top + v * sw) for u, v in reversed(half)]
    d.polygon(outline, fill=c(f.cloth))
    d.rectangle([hx - hr * 0.38, hy + hr * 0.6, hx + hr * 0.38, top + s * 0.08], fill=c(f.skin))
    d.ellipse([hx - hr * 0.82, hy - hr, hx + hr * 0.82, hy + hr], fill=c(f.skin))
    d.chord(
        [hx - hr * 0.9, hy - hr * 1.12, hx + hr * 0.9, hy + hr * 0.55], 180, 360, fill=c(f.hair)
    )
    if f.face_mask:
        d.rounded_rectangle(
            [hx - hr * 0.78, hy + hr * 0.02, hx + hr * 0.78, hy + hr * 0.82],
            radius=hr * 0.25,
            fill=c((196, 218, 232)),
        )


def paint_figures(
    img: Image.Image, figures: Sequence[Figure], blur: float, shade_rng: random.Random | None = None
) -> Image.Image:
    """Composite a group of figures at one depth, blurred by ``blur`` (depth of field)."""
    layer = img.copy()
    mask = Image.new("L", img.size, 0)
    dl, dm = ImageDraw.Draw(layer), ImageDraw.Draw(mask)
    for f in figures:
        draw_figure(dl, f)
        draw_figure(dm, f, colour=False)
    # key light from the left: people are modelled, not flat cut-outs
    light = (
        Image.linear_gradient("L")
        .rotate(90)
        .resize(img.size, BICUBIC)
        .point(lambda v: 255 - v * 90 // 255)
    )
    if shade_rng is not None:  # soft light falling across clothes and faces
        shade = fractal(shade_rng, img.size, base=6).point(lambda v: 150 + v * 105 // 255)
        light = ImageChops.multiply(light, shade)
    layer = ImageChops.multiply(layer, Image.merge("RGB", (light, light, light)))
    if blur:
        layer = layer.filter(ImageFilter.GaussianBlur(blur))
        mask = mask.filter(ImageFilter.GaussianBlur(blur))
    return Image.composite(layer, img, mask)


def random_figure(
    rng: random.Random, x: float, base: float, scale: float, masks: bool = False
) -> Figure:
    return Figure(
        x=x,
        base=base,
        scale=scale * rng.uniform(0.9, 1.1),
        skin=rng.choice(SKIN),
        cloth=rng.choice(CLOTH),
        hair=rng.choice(HAIR),
        long_hair=rng.random() < 0.4,
        turn=rng.uniform(-1, 1),
        face_mask=masks,
    )


# ---------------------------------------------------------------------------------------------
# Scenes. Each takes (rng, size, **options) and returns an RGB image.
# ---------------------------------------------------------------------------------------------


def scene_hills(rng: random.Random, size: tuple[int, int], mood: str = "clear") -> Image.Image:
    """Layered hills under a sky with clouds: a landscape for wide or full-width placement."""
    w, h = size
    if mood == "rain":
        sky_top, sky_bot, far, near = (92, 104, 118), (176, 182, 186), (120, 134, 140), (42, 64, 44)
        sun = None
    else:
        sky_top, sky_bot, far, near = (58, 112, 176), (226, 214, 190), (132, 150, 170), (50, 86, 40)
        sun = (w * rng.uniform(0.6, 0.8), h * 0.3)
    horizon = 0.52 * h
    img = vgradient(size, sky_top, sky_bot, mix(sky_top, sky_bot, 0.65))
    if sun:
        img = lay(img, (255, 236, 196), radial(size, sun, h * 0.45))
        img = lay(img, (255, 250, 236), radial(size, sun, h * 0.06))
    clouds = fractal(rng, size, base=3, stretch=(1.0, 2.2))
    lo, hi = (96, 200) if mood == "rain" else (130, 215)
    cmask = clouds.point(lambda v: 0 if v < lo else min(255, (v - lo) * 255 // (hi - lo)))
    fade = Image.linear_gradient("L").resize(size, BICUBIC).point(lambda v: max(0, 255 - v * 2))
    cmask = ImageChops.multiply(cmask, fade)
    cloud_col = (206, 208, 210) if mood == "rain" else (250, 248, 244)
    img = lay(img, textured(rng, size, mix(cloud_col, sky_top, 0.3), cloud_col), cmask)
    layers = 5
    for k in range(layers):
        t = k / (layers - 1)
        n = w // 8 + 1
        prof = ridge(rng, n, base=2 + k, persistence=0.5 + 0.04 * k)
        top = horizon - h * (0.16 - 0.03 * k) + h * 0.09 * k
        amp = h * (0.16 + 0.03 * k)
        pts = [(i * 8, top + (1 - prof[i]) * amp) for i in range(n)]
        mask = Image.new("L", size, 0)
        ImageDraw.Draw(mask).polygon([*pts, (w, h), (0, h)], fill=255)
        mask = mask.filter(ImageFilter.GaussianBlur(max(1.0, 6 * (1 - t))))
        col = mix(far, near, t)
        tex = textured(
            rng,
            size,
            mix(col, (10, 20, 10), 0.35 * t + 0.1),
            mix(col, (230, 230, 200), 0.25 * (1 - t) + 0.1),
            base=5 + 3 * k,
            stretch=(1.0, 1.6),
        )
        img = lay(img, tex, mask)
    # grass in the foreground: noise stretched vertically reads as blades
    blades = noise(rng, (w // 3, h // 40)).resize((w, h), BICUBIC)
    fg = Image.linear_gradient("L").resize(size, BICUBIC).point(lambda v: max(0, (v - 205) * 5))
    img = lay(
        img,
        ImageOps.colorize(blades, (24, 40, 18), (120, 150, 70)),
        ImageChops.multiply(fg, blades.point(lambda v: 130 + v // 2)),
    )
    if mood == "rain":
        streaks = (
            noise(rng, (w // 2, h // 60))
            .resize((w, h), BICUBIC)
            .rotate(8, resample=BICUBIC, expand=False, fillcolor=0)
        )
        img = lay(img, (225, 228, 232), streaks.point(lambda v: max(0, v - 200) * 2))
    return finish(img, rng, blur=0.8, grain_amount=6, vig=0.3)


def scene_coast(rng: random.Random, size: tuple[int, int], dawn: bool = False) -> Image.Image:
    """Sea, headland and a lighthouse: the organisation's emblem, for full-bleed pages."""
    w, h = size
    horizon = h * 0.5
    if dawn:
        sky = vgradient(size, (60, 70, 120), (250, 190, 150), (196, 140, 150))
        sea_far, sea_near = (150, 130, 150), (30, 44, 70)
        glow_col = (255, 214, 170)
    else:
        sky = vgradient(size, (52, 104, 170), (214, 226, 232), (150, 186, 212))
        sea_far, sea_near = (92, 140, 170), (18, 58, 88)
        glow_col = (255, 246, 220)
    img = sky
    sun = (w * 0.3, horizon - h * (0.06 if dawn else 0.3))
    img = lay(img, glow_col, radial(size, sun, h * (0.6 if dawn else 0.4)))
    clouds = fractal(rng, size, base=3, stretch=(1.0, 3.0)).point(lambda v: max(0, (v - 140) * 3))
    above = Image.new("L", size, 0)
    ImageDraw.Draw(above).rectangle([0, 0, w, horizon], fill=255)
    img = lay(
        img,
        mix(glow_col, (255, 255, 255), 0.4),
        ImageChops.multiply(clouds, above).point(lambda v: v * 3 // 4),
    )
    # sea: gradient plus horizontally stretched texture
    sea = vgradient(size, sea_far, sea_near)
    waves = fractal(rng, size, base=4, stretch=(1.0, 7.0), persistence=0.62)
    sea = ImageChops.multiply(sea, Image.merge("RGB", [waves.point(lambda v: 170 + v // 3)] * 3))
    glints = noise(rng, (w // 6, h // 2)).resize((w, h), BICUBIC)
    column = radial(size, (sun[0], horizon + h * 0.25), h * 0.55)
    glint_mask = ImageChops.multiply(glints.point(lambda v: max(0, v - 170) * 3), column)
    sea = lay(sea, glow_col, glint_mask)
    below = ImageOps.invert(above)
    img = Image.composite(sea, img, below)
    # headland on the right with a lighthouse
    n = w // 8 + 1
    prof = ridge(rng, n, base=3)
    pts = []
    for i in range(n):
        x = i * 8
        rise = max(0.0, (x / w - 0.55) / 0.45)
        pts.append((x, horizon + h * 0.02 - rise**0.7 * h * 0.2 - prof[i] * h * 0.04 * rise))
    cliff = [p for p in pts if p[0] >= w * 0.55]
    land = Image.new("L", size, 0)
    ImageDraw.Draw(land).polygon(
        [*cliff, (w, horizon + h * 0.1), (w * 0.56, horizon + h * 0.03)], fill=255
    )
    rock = textured(rng, size, (28, 30, 26), (110, 104, 88), base=8, stretch=(1.0, 1.4))
    img = lay(img, rock, land.filter(ImageFilter.GaussianBlur(1.5)))
    # foreground rocks, bottom left
    n2 = w // 8 + 1
    prof2 = ridge(rng, n2, base=4)
    pts2 = [
        (i * 8, h * 0.86 + prof2[i] * h * 0.1 - max(0.0, 0.4 - i * 8 / w) * h * 0.35)
        for i in range(n2)
    ]
    fg = Image.new("L", size, 0)
    ImageDraw.Draw(fg).polygon([*pts2, (w, h), (0, h)], fill=255)
    img = lay(
        img,
        textured(rng, size, (14, 16, 16), (70, 66, 58), base=10),
        fg.filter(ImageFilter.GaussianBlur(3)),
    )
    # lighthouse on the headland
    top_x = w * 0.86
    ground = min(p[1] for p in pts if abs(p[0] - top_x) < w * 0.02)
    th, tw = h * 0.2, w * 0.028
    lh = Image.new("RGB", size, (236, 232, 222))
    lm = Image.new("L", size, 0)
    dl, dm = ImageDraw.Draw(lh), ImageDraw.Draw(lm)
    body = [
        (top_x - tw, ground),
        (top_x + tw, ground),
        (top_x + tw * 0.7, ground - th),
        (top_x - tw * 0.7, ground - th),
    ]
    dm.polygon(body, fill=255)
    for b in range(2):  # red bands
        y0 = ground - th * (0.25 + 0.35 * b)
        dl.rectangle([0, y0 - th * 0.12, w, y0], fill=(170, 40, 36))
    dl.rectangle([top_x - tw, ground - th * 1.15, top_x + tw, ground - th], fill=(40, 40, 44))
    dm.rectangle([top_x - tw * 0.75, ground - th * 1.15, top_x + tw * 0.75, ground - th], fill=255)
    dm.pieslice(
        [top_x - tw * 0.8, ground - th * 1.28, top_x + tw * 0.8, ground - th * 1.02],
        180,
        360,
        fill=255,
    )
    shade = (
        Image.linear_gradient("L").rotate(90).resize(size, BICUBIC).point(lambda v: 255 - v // 3)
    )
    lh = ImageChops.multiply(lh, Image.merge("RGB", (shade, shade, shade)))
    img = Image.composite(lh, img, lm.filter(ImageFilter.GaussianBlur(1.2)))
    img = lay(img, (255, 240, 190), radial(size, (top_x, ground - th * 1.08), h * 0.05))
    return finish(img, rng, blur=0.7, grain_amount=6, vig=0.28)


def scene_workshop(
    rng: random.Random,
    size: tuple[int, int],
    people: int = 7,
    boxes: bool = False,
    masks: bool = False,
) -> Image.Image:
    """Soft-focus people around a table by a window: a training workshop or a distribution."""
    w, h = size
    wall = textured(rng, size, (150, 126, 100), (222, 206, 180), base=3)
    img = ImageChops.multiply(wall, vgradient(size, (255, 250, 240), (190, 180, 170)))
    # windows on the left let in light
    for i in range(2):
        x0 = w * (0.04 + 0.2 * i)
        win = Image.new("L", size, 0)
        ImageDraw.Draw(win).rectangle([x0, h * 0.12, x0 + w * 0.14, h * 0.55], fill=255)
        img = lay(
            img,
            vgradient(size, (236, 244, 250), (200, 220, 230)),
            win.filter(ImageFilter.GaussianBlur(w * 0.004)),
        )
        img = lay(
            img,
            (255, 252, 240),
            radial(size, (x0 + w * 0.07, h * 0.35), w * 0.22).point(lambda v: v // 2),
        )
    # a flip chart on the right
    fc = Image.new("L", size, 0)
    ImageDraw.Draw(fc).rectangle([w * 0.72, h * 0.16, w * 0.86, h * 0.56], fill=255)
    img = lay(img, (242, 240, 234), fc.filter(ImageFilter.GaussianBlur(3)))
    lines = Image.new("L", size, 0)
    dl = ImageDraw.Draw(lines)
    for k in range(6):
        y = h * (0.21 + 0.045 * k)
        dl.line(
            [(w * 0.74, y), (w * (0.76 + rng.uniform(0.03, 0.08)), y)],
            fill=255,
            width=max(2, w // 400),
        )
    img = lay(
        img,
        (40, 70, 140) if not boxes else (160, 40, 40),
        lines.filter(ImageFilter.GaussianBlur(2)),
    )
    # back row of people (far, blurred), table, front row (nearer, less blurred)
    back = [
        random_figure(rng, w * (0.12 + 0.76 * i / max(1, people // 2)), h * 0.7, w * 0.085, masks)
        for i in range(people // 2 + 1)
    ]
    img = paint_figures(img, back, blur=w * 0.003, shade_rng=rng)
    table = Image.new("L", size, 0)
    ImageDraw.Draw(table).polygon(
        [(w * 0.02, h * 0.68), (w * 0.98, h * 0.68), (w, h * 0.84), (0, h * 0.84)], fill=255
    )
    wood = textured(rng, size, (92, 60, 36), (168, 122, 80), base=4, stretch=(1.0, 6.0))
    img = lay(img, wood, table)
    # papers, cups or boxes on the table
    props = Image.new("RGB", size)
    pm = Image.new("L", size, 0)
    dp, dpm = ImageDraw.Draw(props), ImageDraw.Draw(pm)
    for _ in range(10 if boxes else 8):
        x = rng.uniform(0.05, 0.9) * w
        y = rng.uniform(0.7, 0.8) * h
        if boxes:
            bw, bh = w * rng.uniform(0.05, 0.09), h * rng.uniform(0.06, 0.1)
            col = mix((190, 150, 100), (220, 190, 140), rng.random())
            dp.rectangle([x, y - bh, x + bw, y], fill=col)
            dpm.rectangle([x, y - bh, x + bw, y], fill=255)
        else:
            pw = w * rng.uniform(0.04, 0.07)
            dp.rectangle([x, y, x + pw, y + pw * 0.3], fill=(244, 244, 240))
            dpm.rectangle([x, y, x + pw, y + pw * 0.3], fill=255)
    img = Image.composite(props, img, pm.filter(ImageFilter.GaussianBlur(1.5)))
    front = [
        random_figure(
            rng, w * (0.06 + 0.88 * i / max(1, people - people // 2 - 1)), h * 1.08, w * 0.16, masks
        )
        for i in range(people - people // 2)
    ]
    img = paint_figures(img, front, blur=w * 0.006, shade_rng=rng)
    return finish(img, rng, blur=0.9, grain_amount=10, vig=0.35)


def scene_portrait(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """Head and shoulders against leafy bokeh: a portrait of a defender (portrait format)."""
    w, h = size
    img = vgradient(size, (70, 100, 60), (40, 60, 40))
    img = ImageChops.multiply(
        img, Image.merge("RGB", [fractal(rng, size, base=3).point(lambda v: 140 + v // 2)] * 3)
    )
    bokeh = Image.new("RGB", size, (0, 0, 0))
    db = ImageDraw.Draw(bokeh)
    for _ in range(60):
        r = w * rng.uniform(0.02, 0.07)
        x, y = rng.uniform(0, w), rng.uniform(0, h * 0.7)
        col = rng.choice([(210, 230, 140), (250, 240, 190), (160, 200, 110), (255, 255, 220)])
        db.ellipse([x - r, y - r, x + r, y + r], fill=mix((0, 0, 0), col, rng.uniform(0.3, 0.8)))
    img = ImageChops.add(img, bokeh.filter(ImageFilter.GaussianBlur(w * 0.012)))
    img = img.filter(ImageFilter.GaussianBlur(w * 0.006))
    f = Figure(
        x=w * 0.52,
        base=h * 1.12,
        scale=w * 0.78,
        skin=rng.choice(SKIN[1:6]),
        cloth=(44, 70, 110),
        hair=rng.choice(HAIR[:3]),
        long_hair=True,
        turn=0.4,
    )
    img = paint_figures(img, [f], blur=w * 0.005, shade_rng=rng)
    # key light from the left
    img = lay(
        img, (255, 240, 220), radial(size, (w * 0.2, h * 0.35), w * 0.9).point(lambda v: v // 5)
    )
    return finish(img, rng, blur=0.6, grain_amount=9, vig=0.4)


def scene_vigil(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """Candles and silhouettes at night: a vigil for detained defenders."""
    w, h = size
    img = vgradient(size, (8, 10, 26), (40, 28, 30))
    img = ImageChops.multiply(
        img, Image.merge("RGB", [fractal(rng, size).point(lambda v: 170 + v // 3)] * 3)
    )
    lights = Image.new("RGB", size)
    dl = ImageDraw.Draw(lights)
    for _ in range(140):
        y = h * rng.uniform(0.45, 0.95)
        depth = (y - h * 0.45) / (h * 0.5)
        r = w * (0.004 + 0.02 * depth) * rng.uniform(0.7, 1.3)
        x = rng.uniform(-0.02, 1.02) * w
        col = mix((255, 150, 50), (255, 230, 160), rng.random())
        dl.ellipse([x - r, y - r, x + r, y + r], fill=mix((0, 0, 0), col, 0.5 + 0.5 * depth))
    glow = lights.filter(ImageFilter.GaussianBlur(w * 0.01))
    img = ImageChops.add(img, glow)
    img = ImageChops.add(img, lights.filter(ImageFilter.GaussianBlur(w * 0.002)))
    sil = [
        Figure(
            x=w * rng.uniform(0, 1),
            base=h * rng.uniform(0.9, 1.25),
            scale=w * rng.uniform(0.1, 0.2),
            skin=(14, 12, 14),
            cloth=(10, 10, 14),
            hair=(8, 8, 10),
            long_hair=rng.random() < 0.5,
            turn=rng.uniform(-1, 1),
        )
        for _ in range(6)
    ]
    img = paint_figures(img, sil, blur=w * 0.004)
    # rim light on the silhouettes from the candles below
    img = lay(
        img,
        (255, 170, 90),
        Image.linear_gradient("L").resize(size, BICUBIC).point(lambda v: max(0, v - 170) // 3),
    )
    return finish(img, rng, blur=0.5, grain_amount=14, vig=0.45)


def scene_videocall(
    rng: random.Random, size: tuple[int, int], tiles: tuple[int, int] = (3, 3)
) -> Image.Image:
    """A laptop screen showing a grid of video-call participants (an online training)."""
    w, h = size
    img = vgradient(size, (34, 34, 40), (20, 20, 24))
    cols, rows = tiles
    mx, my, gap = w * 0.05, h * 0.07, w * 0.008
    tw = (w - 2 * mx - gap * (cols - 1)) / cols
    th = (h - 2 * my - gap * (rows - 1) - h * 0.06) / rows
    for r in range(rows):
        for c in range(cols):
            x0, y0 = mx + c * (tw + gap), my + r * (th + gap)
            tile_size = (int(tw), int(th))
            room = textured(
                rng,
                tile_size,
                mix(rng.choice(CLOTH), (60, 60, 60), 0.6),
                mix(rng.choice(CLOTH), (235, 230, 220), 0.7),
                base=2,
            )
            room = (
                vgradient(tile_size, (250, 246, 236), (150, 140, 130)).convert("RGB")
                if rng.random() < 0.3
                else room
            )
            f = random_figure(rng, tw * rng.uniform(0.4, 0.6), th * 1.1, tw * 0.42)
            room = paint_figures(room, [f], blur=tw * 0.004, shade_rng=rng)
            room = grain(room, rng, 16, soft=0.9)  # webcams are noisy
            img.paste(room, (int(x0), int(y0)))
            bar = Image.new("L", size, 0)
            ImageDraw.Draw(bar).rectangle(
                [x0 + tw * 0.03, y0 + th * 0.86, x0 + tw * 0.4, y0 + th * 0.95], fill=150
            )
            img = lay(img, (10, 10, 10), bar)
    # control bar and the screen's glare
    ctl = Image.new("L", size, 0)
    dc = ImageDraw.Draw(ctl)
    for k in range(5):
        cx = w * (0.38 + 0.06 * k)
        dc.ellipse(
            [cx - h * 0.018, h * 0.955 - h * 0.018, cx + h * 0.018, h * 0.955 + h * 0.018], fill=255
        )
    img = lay(img, (200, 60, 60), ctl)
    img = lay(
        img, (255, 255, 255), radial(size, (w * 0.8, h * 0.1), w * 0.6).point(lambda v: v // 10)
    )
    return finish(img, rng, blur=1.0, grain_amount=8, vig=0.5)


def scene_march(rng: random.Random, size: tuple[int, int], masks: bool = False) -> Image.Image:
    """A street filled with marchers carrying placards."""
    w, h = size
    img = vgradient(size, (150, 176, 200), (220, 220, 214))
    # buildings either side, in perspective
    for side in (0, 1):
        for k in range(6):
            x0 = w * (0.02 + 0.06 * k) if side == 0 else w * (0.98 - 0.06 * k)
            bw = w * (0.09 - 0.008 * k)
            top = h * (0.05 + 0.06 * k + rng.uniform(0, 0.05))
            b = Image.new("L", size, 0)
            xa, xb = (x0 - bw * 0.5, x0 + bw) if side == 0 else (x0 - bw, x0 + bw * 0.5)
            ImageDraw.Draw(b).rectangle([xa, top, xb, h], fill=255)
            col = mix(
                rng.choice([(180, 150, 120), (200, 190, 170), (150, 110, 90), (210, 200, 186)]),
                (200, 210, 220),
                0.12 * k,
            )
            img = lay(img, textured(rng, size, mix(col, (20, 20, 20), 0.3), col, base=12), b)
            win = Image.new("L", size, 0)
            dw = ImageDraw.Draw(win)
            for yy in range(int(top + h * 0.03), int(h * 0.6), int(h * 0.06)):
                for xx in range(int(xa + bw * 0.12), int(xb - bw * 0.12), int(bw * 0.3)):
                    dw.rectangle([xx, yy, xx + bw * 0.14, yy + h * 0.03], fill=220)
            img = lay(img, (50, 56, 64), win)
    img = img.filter(ImageFilter.GaussianBlur(w * 0.002))
    # the crowd: many rows, further rows smaller and blurrier
    for row in range(7):
        depth = row / 6
        y = h * (0.58 + 0.08 * row)
        s = w * (0.03 + 0.07 * depth)
        n = int(26 - 16 * depth)
        crowd = [
            random_figure(rng, w * (i + rng.uniform(-0.3, 0.3)) / (n - 1), y, s, masks)
            for i in range(n)
        ]
        img = paint_figures(img, crowd, blur=w * (0.0025 + 0.004 * depth), shade_rng=None)
        if row in (1, 3, 5):
            signs = Image.new("L", size, 0)
            sc = img.copy()
            ds, dsc = ImageDraw.Draw(signs), ImageDraw.Draw(sc)
            for _ in range(4 - row // 2):
                x = rng.uniform(0.1, 0.9) * w
                pw, ph = s * rng.uniform(1.2, 1.8), s * rng.uniform(0.7, 1.0)
                py = y - s * 2.6
                ds.rectangle([x - s * 0.04, py, x + s * 0.04, y - s], fill=255)
                dsc.rectangle([x - s * 0.04, py, x + s * 0.04, y - s], fill=(120, 90, 60))
                ds.rectangle([x - pw / 2, py - ph, x + pw / 2, py], fill=255)
                dsc.rectangle(
                    [x - pw / 2, py - ph, x + pw / 2, py],
                    fill=rng.choice([(250, 248, 240), (250, 210, 60), (230, 90, 60)]),
                )
                for ln in range(3):
                    ly = py - ph * (0.75 - 0.25 * ln)
                    dsc.line(
                        [(x - pw * 0.35, ly), (x + pw * rng.uniform(0.1, 0.35), ly)],
                        fill=(30, 30, 40),
                        width=max(2, int(ph * 0.08)),
                    )
            blur = w * (0.002 + 0.003 * depth)
            img = Image.composite(
                sc.filter(ImageFilter.GaussianBlur(blur)),
                img,
                signs.filter(ImageFilter.GaussianBlur(blur)),
            )
    return finish(img, rng, blur=0.7, grain_amount=10, vig=0.3)


SCENES: dict[str, Callable[..., Image.Image]] = {
    "hills": scene_hills,
    "coast": scene_coast,
    "workshop": scene_workshop,
    "portrait": scene_portrait,
    "vigil": scene_vigil,
    "videocall": scene_videocall,
    "march": scene_march,
}


@dataclass(frozen=True)
class PhotoSpec:
    """One sample photo: where it goes, what it shows, how big it is stored."""

    name: str  # file name under photos/
    scene: str  # key of SCENES
    size: tuple[int, int]  # pixels as *stored* in the file
    seed: int
    options: dict[str, object] = field(default_factory=dict)
    orientation: int = 1  # EXIF Orientation; 6 = stored rotated, display turned 90 deg CW
    render_scale: int = 1  # render at this multiple and downsample (the low-res snapshot)
    quality: int = JPEG_QUALITY


def srgb_icc() -> bytes:
    return (ICC_DIR / "sRGB.icc").read_bytes()


def make_photo(spec: PhotoSpec) -> Image.Image:
    """Render the scene as it should *display* (already upright)."""
    rng = random.Random(spec.seed)
    w, h = spec.size
    if spec.orientation in (6, 8):
        w, h = h, w  # the scene is portrait; the file stores it on its side
    s = spec.render_scale
    img = SCENES[spec.scene](rng, (w * s, h * s), **spec.options)
    if s != 1:
        img = img.resize((w, h), LANCZOS)
        img = grain(img, rng, 6, soft=0)
    return img


def save_photo(spec: PhotoSpec, img: Image.Image, path: Path) -> None:
    """Write a JPEG as a camera would: sRGB profile, optional Orientation tag, no dates."""
    kwargs: dict[str, object] = {
        "quality": spec.quality,
        "icc_profile": srgb_icc(),
        "optimize": False,
        "progressive": False,
        "subsampling": 2,
    }
    if spec.orientation == 6:
        img = img.transpose(Image.Transpose.ROTATE_90)  # viewer rotates it back 90 deg CW
        exif = Image.Exif()
        exif[0x0112] = 6
        kwargs["exif"] = exif.tobytes()
    elif spec.orientation != 1:
        raise ValueError(f"orientation {spec.orientation} not supported here")
    assert img.size == spec.size, (img.size, spec.size)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "JPEG", **kwargs)


# ---------------------------------------------------------------------------------------------
# Signatures
# ---------------------------------------------------------------------------------------------


def catmull_rom(
    points: Sequence[tuple[float, float]], steps: int = 12
) -> list[tuple[float, float]]:
    """A smooth curve through the points (Catmull-Rom spline)."""
    out: list[tuple[float, float]] = []
    p = [points[0], *points, points[-1]]
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        for s in range(steps):
            t = s / steps
            t2, t3 = t * t, t * t * t
            out.append(
                tuple(  # type: ignore[arg-type]
                    0.5
                    * (
                        2 * p1[k]
                        + (-p0[k] + p2[k]) * t
                        + (2 * p0[k] - 5 * p1[k] + 4 * p2[k] - p3[k]) * t2
                        + (-p0[k] + 3 * p1[k] - 3 * p2[k] + p3[k]) * t3
                    )
                    for k in (0, 1)
                )
            )
    out.append(points[-1])
    return out


def pen(
    d: ImageDraw.ImageDraw, pts: Sequence[tuple[float, float]], width: float, rng: random.Random
) -> None:
    """Ink a stroke: thinner where the pen moves fast, heavier where it slows."""
    n = len(pts)
    for i in range(1, n):
        (x0, y0), (x1, y1) = pts[i - 1], pts[i]
        speed = math.hypot(x1 - x0, y1 - y0)
        taper = min(1.0, i / 6, (n - i) / 8)
        wd = max(1.0, width * (1.25 - min(0.6, speed / (width * 6))) * (0.35 + 0.65 * taper))
        d.line([(x0, y0), (x1, y1)], fill=255, width=round(wd))
        r = wd / 2
        d.ellipse([x1 - r, y1 - r, x1 + r, y1 + r], fill=255)


def cursive(
    rng: random.Random, x0: float, x1: float, base: float, xh: float
) -> list[tuple[float, float]]:
    """A run of joined, looping letters between x0 and x1 (a written word)."""
    pts: list[tuple[float, float]] = []
    x = x0
    while x < x1:
        kind = rng.random()
        step = xh * rng.uniform(0.55, 0.9)
        if kind < 0.22:  # ascender loop (l, h, k)
            pts += [
                (x + step * 0.1, base - xh * rng.uniform(2.0, 2.6)),
                (x - step * 0.15, base - xh * 1.5),
                (x + step * 0.3, base),
            ]
        elif kind < 0.34:  # descender loop (g, y)
            pts += [
                (x + step * 0.2, base - xh),
                (x + step * 0.45, base + xh * rng.uniform(1.2, 1.7)),
                (x + step * 0.05, base + xh * 0.6),
                (x + step * 0.55, base),
            ]
        else:  # an x-height hump (n, m, u)
            pts += [
                (x + step * 0.25, base - xh * rng.uniform(0.8, 1.1)),
                (x + step * 0.6, base + xh * 0.05),
            ]
        x += step
    return pts


def make_signature(seed: int, size: tuple[int, int] = (900, 300), ss: int = 3) -> Image.Image:
    """A handwritten-looking signature: an initial, a surname and an underline flourish."""
    rng = random.Random(seed)
    W, H = size[0] * ss, size[1] * ss
    mask = Image.new("L", (W, H), 0)
    d = ImageDraw.Draw(mask)
    width = 3.2 * ss
    base, xh = H * 0.6, H * 0.12
    slant = rng.uniform(0.18, 0.32)

    def sl(pts: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(x + (base - y) * slant, y) for x, y in pts]

    # capital initial: one of a few hands
    cx = W * rng.uniform(0.05, 0.1)
    caps = [
        [(0.0, -0.3), (0.4, 2.8), (1.6, 3.0), (1.2, 1.6), (0.2, 1.3), (1.5, 0.6), (1.1, -0.2)],
        [(1.5, 2.4), (0.9, 3.0), (0.2, 2.3), (1.2, 1.2), (1.3, 0.2), (0.1, -0.2), (-0.2, 0.4)],
        [(0.0, -0.2), (0.3, 2.7), (0.8, 0.6), (1.3, 2.7), (1.7, 0.0)],
        [(0.6, 3.0), (0.3, 0.2), (0.0, -0.2), (-0.3, 0.3), (0.8, 1.5), (1.8, 1.8)],
    ]
    cap = [(cx + u * xh, base - v * xh) for u, v in rng.choice(caps)]
    pen(d, catmull_rom(sl(cap), 14), width * 1.1, rng)
    # first name (short), then a gap, then the surname
    xa = cx + xh * 2.0
    w1 = cursive(rng, xa, xa + W * rng.uniform(0.06, 0.14), base, xh)
    pen(d, catmull_rom(sl([(xa, base), *w1]), 10), width, rng)
    cx2 = xa + W * rng.uniform(0.17, 0.23)
    cap2 = [(cx2 + u * xh, base - v * xh) for u, v in rng.choice(caps)]
    xb = cap2[-1][0] + xh * 0.3
    w2 = cursive(rng, xb, W * rng.uniform(0.74, 0.86), base, xh)
    pen(d, catmull_rom(sl([*cap2, *w2]), 10), width, rng)
    end = sl(w2[-1:])[0]
    if rng.random() < 0.5:  # underline flourish sweeping back under the name
        fl = [
            end,
            (end[0] + W * 0.04, base - xh * 1.2),
            (end[0] - W * 0.05, base + xh * 1.3),
            (W * 0.45, base + xh * 1.9),
            (W * 0.12, base + xh * 1.6),
        ]
    else:  # a rising tail
        fl = [
            end,
            (end[0] + W * 0.03, base + xh * 0.4),
            (end[0] + W * 0.09, base - xh * 0.2),
            (min(W * 0.97, end[0] + W * 0.14), base - xh * 1.8),
        ]
    pen(d, catmull_rom(fl, 24), width * 0.8, rng)
    dot = (W * rng.uniform(0.5, 0.6), base - xh * 2.0)
    d.ellipse([dot[0] - width, dot[1] - width, dot[0] + width, dot[1] + width], fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(ss * 0.4)).resize(size, LANCZOS)
    # ink density varies a little along the line
    density = fractal(rng, size, base=6, work=1).point(lambda v: 200 + v * 55 // 255)
    alpha = ImageChops.multiply(mask, density)
    sig = Image.new("RGBA", size, (24, 30, 66, 0))
    sig.putalpha(alpha)
    return sig


# ---------------------------------------------------------------------------------------------
# PDFs (ReportLab): embedded Noto TTFs only, CMYK only (or RGB only), deterministic
# ---------------------------------------------------------------------------------------------


def pdf_setup() -> None:
    """Register the bundled fonts and make ReportLab deterministic and pass JPEGs through."""
    from reportlab import rl_config
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    rl_config.useA85 = 0
    rl_config.invariant = 1
    for family, stem in (("Serif", "NotoSerif"), ("Sans", "NotoSans")):
        for suffix, style, bold, italic in (
            ("", "Regular", 0, 0),
            ("-Bold", "Bold", 1, 0),
            ("-Italic", "Italic", 0, 1),
            ("-BoldItalic", "BoldItalic", 1, 1),
        ):
            name = family + suffix
            if name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / f"{stem}-{style}.ttf")))
            addMapping(family, bold, italic, name)


# The colour space the PDF builders write: "cmyk" for the press files, "rgb" for the RGB
# exports. Set it with ``pdf_colour()``; the designs themselves are specified in CMYK only.
_PDF_SPACE = "cmyk"


@contextmanager
def pdf_colour(space: str) -> Iterator[None]:
    """Build the PDFs inside this block in ``space`` ("cmyk" or "rgb")."""
    global _PDF_SPACE
    if space not in ("cmyk", "rgb"):
        raise ValueError(space)
    saved, _PDF_SPACE = _PDF_SPACE, space
    try:
        yield
    finally:
        _PDF_SPACE = saved


@lru_cache(maxsize=1)
def _fogra39_to_srgb() -> ImageCms.ImageCmsTransform:
    return ImageCms.buildTransform(
        ImageCms.getOpenProfile(str(ICC_DIR / "FOGRA39L-argyll.icc")),
        ImageCms.getOpenProfile(str(ICC_DIR / "sRGB.icc")),
        "CMYK",
        "RGB",
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
    )


@cache
def cmyk_to_srgb(c: float, m: float, y: float, k: float) -> RGB:
    """A process colour (ink fractions, FOGRA39) as the 8-bit sRGB value that shows it."""
    ink = tuple(round(v * 255) for v in (c, m, y, k))
    out = ImageCms.applyTransform(Image.new("CMYK", (1, 1), ink), _fogra39_to_srgb())
    assert out is not None
    r, g, b = out.getpixel((0, 0))  # type: ignore[misc]
    return (r, g, b)


def cmyk(c: float, m: float, y: float, k: float):  # -> CMYKColor, or Color in an RGB export
    """A design colour given in CMYK; in an RGB export, its sRGB equivalent (through FOGRA39)."""
    from reportlab.lib.colors import CMYKColor, Color

    if _PDF_SPACE == "rgb":
        r, g, b = cmyk_to_srgb(c, m, y, k)
        return Color(r / 255, g / 255, b / 255)
    return CMYKColor(c, m, y, k)


@dataclass(frozen=True)
class Palette:
    """The designer's colours for one edition's cover (process CMYK)."""

    deep: tuple[float, float, float, float]  # main block colour
    accent: tuple[float, float, float, float]  # highlight
    tint: tuple[float, float, float, float]  # pale background


def crop_photo(src: Path, box: tuple[int, int], crop_centre: tuple[float, float]) -> Image.Image:
    """Crop a photo (upright) to the aspect ratio of ``box`` around ``crop_centre``, scale it."""
    im: Image.Image = Image.open(src)
    im = ImageOps.exif_transpose(im)
    target = box[0] / box[1]
    w, h = im.size
    if w / h > target:
        cw, ch = round(h * target), h
    else:
        cw, ch = w, round(w / target)
    cx = min(max(crop_centre[0] * w - cw / 2, 0), w - cw)
    cy = min(max(crop_centre[1] * h - ch / 2, 0), h - ch)
    return im.crop((round(cx), round(cy), round(cx) + cw, round(cy) + ch)).resize(box, LANCZOS)


def to_cmyk_jpeg(
    src: Path, dst: Path, box: tuple[int, int], crop_centre: tuple[float, float]
) -> None:
    """Crop/scale a sRGB photo to ``box`` pixels and convert it to FOGRA39 CMYK (Adobe JPEG)."""
    im = crop_photo(src, box, crop_centre)
    src_prof = ImageCms.getOpenProfile(str(ICC_DIR / "sRGB.icc"))
    dst_prof = ImageCms.getOpenProfile(str(ICC_DIR / "FOGRA39L-argyll.icc"))
    t = ImageCms.buildTransform(
        src_prof,
        dst_prof,
        "RGB",
        "CMYK",
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
    )
    out = ImageCms.applyTransform(im.convert("RGB"), t)
    assert out is not None
    out.save(dst, "JPEG", quality=80, optimize=False, progressive=False)
    if Image.open(dst).info.get("adobe") is None:  # pitfalls §2: would render inverted
        raise RuntimeError(f"{dst}: CMYK JPEG without the Adobe marker")


def to_rgb_jpeg(
    src: Path, dst: Path, box: tuple[int, int], crop_centre: tuple[float, float]
) -> None:
    """Crop/scale a sRGB photo to ``box`` pixels and keep it sRGB (for the RGB export)."""
    im = crop_photo(src, box, crop_centre).convert("RGB")
    im.save(dst, "JPEG", quality=80, optimize=False, progressive=False)
    if Image.open(dst).mode != "RGB":
        raise RuntimeError(f"{dst}: not an RGB JPEG")


def logo(c, x: float, y: float, size: float, ring, beam) -> None:
    """The Harbourlight mark: a lamp with three beams inside a ring."""
    c.saveState()
    c.setStrokeColor(ring)
    c.setLineWidth(size * 0.07)
    c.circle(x, y, size / 2, stroke=1, fill=0)
    c.setFillColor(beam)
    for a in (-28, 0, 28):
        p = c.beginPath()
        r = size * 0.42
        p.moveTo(x, y + size * 0.02)
        a0, a1 = math.radians(90 + a - 9), math.radians(90 + a + 9)
        p.lineTo(x + r * math.cos(a0), y + r * math.sin(a0))
        p.lineTo(x + r * math.cos(a1), y + r * math.sin(a1))
        p.close()
        c.drawPath(p, stroke=0, fill=1)
    c.setFillColor(ring)
    c.rect(x - size * 0.07, y - size * 0.33, size * 0.14, size * 0.33, stroke=0, fill=1)
    c.rect(x - size * 0.16, y - size * 0.36, size * 0.32, size * 0.05, stroke=0, fill=1)
    c.restoreState()


@dataclass(frozen=True)
class CoverText:
    """Words printed on the designer's cover for one edition."""

    year: int
    title: str
    organisation: str
    letter_heading: str
    letter: list[str]
    letter_sign: str
    photo_credit: str
    back_blurb: str
    inside_back_heading: str
    inside_back: list[str]


ADDRESS = [
    "Harbourlight Rights Network",
    "Lantern House, 14 Quayside Row",
    "Harbourford HF1 4LQ, United Kingdom",
]
CONTACTS = [
    ("Telephone", "+44 20 7946 0321"),
    ("Email", "hello@example.org"),
    ("Web", "example.org/harbourlight"),
    ("Emergency line for defenders", "+44 20 7946 0999 (24 hours, encrypted messaging)"),
]
REGISTRATION = (
    "Registered charity no. 1 999 999 (sample)  ·  Company limited by guarantee "
    "no. 09 999 999 (sample)"
)
FICTION = (
    "Harbourlight Rights Network is a fictional organisation. This report is sample "
    "content for the printpipe project; its text, figures, photographs and signatures "
    "are invented and dedicated to the public domain (CC0 1.0)."
)


def make_cover(
    path: Path,
    text: CoverText,
    palette: Palette,
    photo: Path,
    photo_centre: tuple[float, float],
    tmp: Path,
) -> None:
    """The designer's 4-page cover: A4 trim + 3 mm bleed, TrimBox/BleedBox on every page.

    In CMYK (the press file) or, inside ``pdf_colour("rgb")``, RGB (the screen export).
    """
    from reportlab.lib.enums import TA_LEFT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Paragraph

    W, H, B = 210 * mm, 297 * mm, 3 * mm
    deep, accent, paper_tint = cmyk(*palette.deep), cmyk(*palette.accent), cmyk(*palette.tint)
    white, ink = cmyk(0, 0, 0, 0), cmyk(0, 0, 0, 0.9)
    c = Canvas(
        str(path),
        pagesize=(W + 2 * B, H + 2 * B),
        invariant=1,
        initialFontName="Sans",
        enforceColorSpace=_PDF_SPACE,
        pageCompression=1,
        trimBox=(B, B, B + W, B + H),
        bleedBox=(0, 0, W + 2 * B, H + 2 * B),
    )
    c.setTitle(f"{text.organisation} — {text.title} — cover")
    c.setAuthor(f"{text.organisation} (design studio: sample)")
    c.setSubject(f"Cover, inside covers and back cover of the {text.year} annual report")
    c.setCreator("printpipe tools/make_samples.py")

    def para(txt: str, style: ParagraphStyle, x: float, y_top: float, width: float) -> float:
        p = Paragraph(txt, style)
        _, ph = p.wrapOn(c, width, H)
        p.drawOn(c, x, y_top - ph)
        return y_top - ph

    base = ParagraphStyle(
        "base",
        fontName="Serif",
        fontSize=10.5,
        leading=15,
        textColor=ink,
        alignment=TA_LEFT,
        bulletFontName="Sans",
        spaceAfter=6,
    )
    sans = ParagraphStyle("sans", parent=base, fontName="Sans", fontSize=8.5, leading=12)

    # ---- page 1: front cover ----------------------------------------------------------------
    c.translate(B, B)
    split = H * 0.37
    px = (2600, round(2600 * (H - split + B) / (W + 2 * B)))  # ~306 ppi
    jpg = tmp / f"cover-{text.year}-{_PDF_SPACE}.jpg"
    (to_rgb_jpeg if _PDF_SPACE == "rgb" else to_cmyk_jpeg)(photo, jpg, px, photo_centre)
    c.drawImage(ImageReader(str(jpg)), -B, split, W + 2 * B, H - split + B)
    c.setFillColor(deep)
    c.rect(-B, -B, W + 2 * B, split + B, stroke=0, fill=1)
    c.setFillColor(accent)
    c.rect(-B, split - 2.5 * mm, W + 2 * B, 5 * mm, stroke=0, fill=1)
    m = 16 * mm
    logo(c, m + 9 * mm, split - 24 * mm, 18 * mm, white, accent)
    c.setFillColor(white)
    c.setFont("Sans-Bold", 10)
    c.drawString(m + 23 * mm, split - 22 * mm, text.organisation.upper(), charSpace=1.6)
    c.setFont("Sans", 8.5)
    c.drawString(m + 23 * mm, split - 27.5 * mm, "Supporting human rights defenders since 2005")
    c.setFont("Serif-Bold", 40)
    c.drawString(m, split - 58 * mm, f"Annual Report {text.year}")
    c.setFillColor(accent)
    c.setFont("Serif-Italic", 19)
    c.drawString(m, split - 71 * mm, text.title)
    c.setFillColor(white)
    c.setFont("Sans", 7)
    c.drawRightString(W - m, 10 * mm, text.photo_credit)
    c.showPage()

    # ---- page 2: inside front cover: a short letter and contacts -------------------------
    c.translate(B, B)
    c.setFillColor(paper_tint)
    c.rect(-B, -B, W + 2 * B, H + 2 * B, stroke=0, fill=1)
    c.setFillColor(deep)
    c.rect(-B, H - 12 * mm, W + 2 * B, 12 * mm + B, stroke=0, fill=1)
    m = 22 * mm
    head = ParagraphStyle(
        "h",
        parent=base,
        fontName="Serif-Bold",
        fontSize=22,
        leading=27,
        textColor=deep,
        spaceAfter=10,
    )
    y = para(text.letter_heading, head, m, H - 32 * mm, W - 2 * m) - 6 * mm
    for p_txt in text.letter:
        y = para(p_txt, base, m, y, W - 2 * m - 30 * mm) - 3 * mm
    y = para(f"<i>{text.letter_sign}</i>", base, m, y - 2 * mm, W - 2 * m)
    c.setStrokeColor(accent)
    c.setLineWidth(1.2)
    c.line(m, 92 * mm, W - m, 92 * mm)
    label = ParagraphStyle(
        "lab", parent=sans, fontName="Sans-Bold", textColor=deep, fontSize=8, leading=11
    )
    para("CONTACT US", label, m, 84 * mm, 80 * mm)
    yy = para("<br/>".join(ADDRESS), sans, m, 77 * mm, 80 * mm)
    yy = 77 * mm
    for k, v in CONTACTS:
        yy = para(f"<b>{k}</b><br/>{v}", sans, m + 88 * mm, yy, W - 2 * m - 88 * mm) - 2 * mm
    para(
        f"Cover photograph: {text.photo_credit.removeprefix('Cover photo: ')}. "
        "Printed on paper from responsibly managed forests.",
        sans,
        m,
        26 * mm,
        W - 2 * m,
    )
    c.showPage()

    # ---- page 3: inside back cover --------------------------------------------------------
    c.translate(B, B)
    c.setFillColor(white)
    c.rect(-B, -B, W + 2 * B, H + 2 * B, stroke=0, fill=1)
    c.setFillColor(accent)
    c.rect(-B, -B, 62 * mm + B, H + 2 * B, stroke=0, fill=1)
    logo(c, 31 * mm, H - 40 * mm, 30 * mm, deep, white)
    side = ParagraphStyle("side", parent=sans, textColor=deep, fontSize=9, leading=13)
    para(
        "<b>Thank you</b><br/>for reading, sharing and supporting the work of defenders.",
        side,
        10 * mm,
        H - 70 * mm,
        44 * mm,
    )
    m0 = 74 * mm
    y = para(text.inside_back_heading, head, m0, H - 32 * mm, W - m0 - 18 * mm) - 4 * mm
    for p_txt in text.inside_back:
        y = para(p_txt, base, m0, y, W - m0 - 18 * mm) - 3 * mm
    c.showPage()

    # ---- page 4: back cover ----------------------------------------------------------------
    c.translate(B, B)
    c.setFillColor(deep)
    c.rect(-B, -B, W + 2 * B, H + 2 * B, stroke=0, fill=1)
    c.setFillColor(accent)
    c.rect(-B, H * 0.62, W + 2 * B, 2 * mm, stroke=0, fill=1)
    logo(c, W / 2, H * 0.78, 34 * mm, white, accent)
    c.setFillColor(white)
    c.setFont("Sans-Bold", 12)
    c.drawCentredString(W / 2, H * 0.78 - 30 * mm, text.organisation.upper(), charSpace=2)
    blurb = ParagraphStyle(
        "blurb",
        parent=base,
        fontName="Serif-Italic",
        fontSize=13,
        leading=19,
        textColor=white,
        alignment=1,
    )
    para(text.back_blurb, blurb, 30 * mm, H * 0.55, W - 60 * mm)
    small = ParagraphStyle(
        "small", parent=sans, textColor=white, alignment=1, fontSize=8.5, leading=12.5
    )
    para(
        "<br/>".join(ADDRESS) + "<br/>" + "  ·  ".join(v for _, v in CONTACTS[:3]),
        small,
        25 * mm,
        62 * mm,
        W - 50 * mm,
    )
    para(REGISTRATION, small, 25 * mm, 36 * mm, W - 50 * mm)
    tiny = ParagraphStyle("tiny", parent=small, fontSize=6.5, leading=9)
    para(FICTION, tiny, 30 * mm, 24 * mm, W - 60 * mm)
    c.showPage()
    c.save()


# ---- appendices ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One line of the statement of financial activities."""

    label: str
    total: dict[int, int]  # year -> total (GBP)
    restricted: int = 0  # restricted part of the *current* year's figure


INCOME = [
    Line("Donations from individuals", {2018: 412_300, 2019: 468_950, 2020: 521_400}),
    Line("Legacies", {2018: 38_000, 2019: 61_250, 2020: 22_800}),
    Line("Grants from trusts and foundations", {2018: 1_106_400, 2019: 1_284_700, 2020: 1_391_200}),
    Line("Grants from governments and institutions", {2018: 602_000, 2019: 655_300, 2020: 748_900}),
    Line("Training and consultancy fees", {2018: 41_900, 2019: 47_100, 2020: 12_350}),
    Line("Investment income", {2018: 6_210, 2019: 7_480, 2020: 3_115}),
]
RESTRICTED_INCOME = {
    2019: [52_000, 0, 812_400, 655_300, 0, 0],
    2020: [118_500, 0, 904_300, 748_900, 0, 0],
}
EXPENDITURE = [
    Line("Raising funds", {2018: 198_400, 2019: 214_650, 2020: 205_900}),
    Line("Protection and emergency support", {2018: 611_800, 2019: 702_350, 2020: 912_600}),
    Line("Training and accompaniment", {2018: 548_200, 2019: 596_100, 2020: 488_750}),
    Line("International advocacy", {2018: 472_900, 2019: 519_800, 2020: 534_200}),
    Line("Research and monitoring", {2018: 241_300, 2019: 266_400, 2020: 301_850}),
]
RESTRICTED_EXPENDITURE = {
    2019: [0, 521_900, 402_300, 311_000, 168_600],
    2020: [0, 771_300, 331_800, 322_500, 197_650],
}
FUNDS_AT_START_2019 = {"unrestricted": 734_100, "restricted": 368_200}


def funds(year: int) -> dict[str, dict[str, int]]:
    """Funds brought and carried forward by fund, derived from the lines (so they add up)."""
    start = dict(FUNDS_AT_START_2019)
    for y in range(2019, year + 1):
        r_in, r_out = sum(RESTRICTED_INCOME[y]), sum(RESTRICTED_EXPENDITURE[y])
        t_in = sum(li.total[y] for li in INCOME)
        t_out = sum(li.total[y] for li in EXPENDITURE)
        end = {
            "restricted": start["restricted"] + r_in - r_out,
            "unrestricted": start["unrestricted"] + (t_in - r_in) - (t_out - r_out),
        }
        if y == year:
            return {"start": start, "end": end}
        start = end
    raise ValueError(year)


def totals(year: int) -> dict[str, int]:
    t_in = sum(li.total[year] for li in INCOME)
    t_out = sum(li.total[year] for li in EXPENDITURE)
    return {"income": t_in, "expenditure": t_out, "net": t_in - t_out}


def money(v: int) -> str:
    """Accounts style: thousands separators, negatives in brackets, nil as a dash."""
    if v == 0:
        return "–"
    return f"({-v:,})" if v < 0 else f"{v:,}"


def appendix_styles():
    from reportlab.lib.styles import ParagraphStyle

    ink = cmyk(0, 0, 0, 0.92)
    body = ParagraphStyle(
        "body",
        fontName="Serif",
        fontSize=9.5,
        leading=13.5,
        textColor=ink,
        spaceAfter=6,
        bulletFontName="Sans",
    )
    return {
        "body": body,
        "h1": ParagraphStyle(
            "h1",
            parent=body,
            fontName="Sans-Bold",
            fontSize=17,
            leading=22,
            textColor=cmyk(1, 0.72, 0.25, 0.35),
            spaceAfter=10,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=body,
            fontName="Sans-Bold",
            fontSize=11,
            leading=15,
            spaceBefore=8,
            spaceAfter=4,
            textColor=cmyk(1, 0.72, 0.25, 0.35),
        ),
        "small": ParagraphStyle("small", parent=body, fontName="Sans", fontSize=7.5, leading=10),
        "cell": ParagraphStyle(
            "cell", parent=body, fontName="Sans", fontSize=8.5, leading=11, spaceAfter=0
        ),
    }


def appendix_doc(
    path: Path, pagesize: tuple[float, float], title: str, footer: str, margins: float
):
    """A plain ReportLab document: embedded fonts only, CMYK (or RGB) only, footer with folio."""
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    def on_page(canv, doc) -> None:
        canv.saveState()
        canv.setFillColor(cmyk(0, 0, 0, 0.6))
        canv.setFont("Sans", 7.5)
        canv.drawString(margins, margins * 0.5, footer)
        canv.drawRightString(pagesize[0] - margins, margins * 0.5, f"Page {doc.page}")
        canv.setStrokeColor(cmyk(1, 0.72, 0.25, 0.35))
        canv.setLineWidth(0.6)
        canv.line(
            margins, pagesize[1] - margins * 0.6, pagesize[0] - margins, pagesize[1] - margins * 0.6
        )
        canv.restoreState()

    doc = BaseDocTemplate(
        str(path),
        pagesize=pagesize,
        leftMargin=margins,
        rightMargin=margins,
        topMargin=margins,
        bottomMargin=margins,
        title=title,
        author="Harbourlight Rights Network (sample)",
        subject=title,
        creator="printpipe tools/make_samples.py",
        invariant=1,
        initialFontName="Sans",
        enforceColorSpace=_PDF_SPACE,
    )
    frame = Frame(margins, margins, pagesize[0] - 2 * margins, pagesize[1] - 2 * margins, id="main")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page)])
    return doc


def table_style(header_rows: int, total_rows: Sequence[int], n_rows: int):
    from reportlab.platypus import TableStyle

    deep, tint = cmyk(1, 0.72, 0.25, 0.35), cmyk(0.08, 0.03, 0, 0.02)
    cmds: list[tuple] = [
        ("FONTNAME", (0, 0), (-1, -1), "Sans"),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("LEADING", (0, 0), (-1, -1), 11),
        ("TEXTCOLOR", (0, 0), (-1, -1), cmyk(0, 0, 0, 0.92)),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("FONTNAME", (0, 0), (-1, header_rows - 1), "Sans-Bold"),
        ("TEXTCOLOR", (0, 0), (-1, header_rows - 1), deep),
        ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.8, deep),
        ("TOPPADDING", (0, 0), (-1, -1), 2.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
    ]
    for r in total_rows:
        cmds += [
            ("FONTNAME", (0, r), (-1, r), "Sans-Bold"),
            ("LINEABOVE", (1, r), (-1, r), 0.5, cmyk(0, 0, 0, 0.7)),
            ("BACKGROUND", (0, r), (-1, r), tint),
        ]
    cmds.append(("LINEBELOW", (1, n_rows - 1), (-1, n_rows - 1), 1.2, cmyk(0, 0, 0, 0.8)))
    return TableStyle(cmds)


def make_accounts(path: Path, year: int) -> None:
    """'Audited financial statements': 4 A4 pages, exactly trim size, no TrimBox."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, Spacer, Table

    st = appendix_styles()
    prior = year - 1
    doc = appendix_doc(
        path,
        A4,
        f"Harbourlight Rights Network — Financial statements {year}",
        f"Harbourlight Rights Network  ·  Financial statements for the year "
        f"ended 31 December {year}  ·  Sample figures, fictional organisation",
        18 * mm,
    )
    f = funds(year)
    fp = funds(prior) if prior >= 2019 else None
    t, tp = totals(year), totals(prior)
    story: list = []
    P = Paragraph

    # page 1: auditor's report
    auditor = "Marlowe Keane & Partners LLP (a fictional firm)"
    story += [
        P(f"Audited financial statements {year}", st["h1"]),
        P("Independent auditor’s report to the trustees of Harbourlight Rights Network", st["h2"]),
        P(
            "<b>Opinion.</b> We have audited the financial statements of Harbourlight Rights "
            f"Network for the year ended 31 December {year}, which comprise the statement of "
            "financial activities, the balance sheet and the related notes. In our opinion "
            "they give a true and fair view of the state of the charity’s affairs at that date "
            "and of its incoming resources and application of resources for the year, and have "
            "been prepared in accordance with the applicable accounting framework for charities.",
            st["body"],
        ),
        P(
            "<b>Basis for opinion.</b> We conducted our audit under the applicable auditing "
            "standards. Our responsibilities are described below. We are independent of the "
            "charity and have fulfilled our other ethical responsibilities. We believe the "
            "evidence we obtained is sufficient and appropriate to provide a basis for our "
            "opinion.",
            st["body"],
        ),
        P(
            "<b>Going concern.</b> We have concluded that the trustees’ use of the going concern "
            "basis of accounting is appropriate. The charity holds free reserves equal to "
            f"roughly {round(f['end']['unrestricted'] / (t['expenditure'] / 12), 1)} months of "
            "total expenditure, within the range set by its reserves policy.",
            st["body"],
        ),
        P(
            "<b>Other information.</b> The trustees are responsible for the other information "
            "in the annual report. Our opinion does not cover it, and we do not express any "
            "form of assurance on it; we have read it and found nothing inconsistent with the "
            "financial statements.",
            st["body"],
        ),
        P(
            "<b>Responsibilities of trustees.</b> The trustees are responsible for preparing "
            "financial statements that give a true and fair view, and for such internal "
            "control as they determine is necessary to prevent material misstatement, whether "
            "due to fraud or error.",
            st["body"],
        ),
        P(
            "<b>Auditor’s responsibilities.</b> Our objectives are to obtain reasonable "
            "assurance about whether the financial statements as a whole are free from "
            "material misstatement and to issue a report that includes our opinion. Reasonable "
            "assurance is a high level of assurance but is not a guarantee that an audit will "
            "always detect a material misstatement when it exists.",
            st["body"],
        ),
        Spacer(1, 6 * mm),
        P(
            f"{auditor}<br/>Statutory auditor, Harbourford<br/>"
            f"{'14 April' if year == 2019 else '9 April'} {year + 1}",
            st["body"],
        ),
        Spacer(1, 8 * mm),
        P(
            "All figures in this appendix are in pounds sterling and are invented for the "
            "printpipe sample edition.",
            st["small"],
        ),
        PageBreak(),
    ]

    # page 2: statement of financial activities
    head = [
        "",
        "Unrestricted\nfunds £",
        "Restricted\nfunds £",
        f"Total\n{year} £",
        f"Total\n{prior} £",
    ]
    rows: list[list[str]] = [head, ["Income from", "", "", "", ""]]
    for li, r in zip(INCOME, RESTRICTED_INCOME[year], strict=True):
        tot = li.total[year]
        rows.append(
            ["    " + li.label, money(tot - r), money(r), money(tot), money(li.total[prior])]
        )
    r_in = sum(RESTRICTED_INCOME[year])
    rows.append(
        [
            "Total income",
            money(t["income"] - r_in),
            money(r_in),
            money(t["income"]),
            money(tp["income"]),
        ]
    )
    total_rows = [len(rows) - 1]
    rows.append(["Expenditure on", "", "", "", ""])
    for li, r in zip(EXPENDITURE, RESTRICTED_EXPENDITURE[year], strict=True):
        tot = li.total[year]
        rows.append(
            ["    " + li.label, money(tot - r), money(r), money(tot), money(li.total[prior])]
        )
    r_out = sum(RESTRICTED_EXPENDITURE[year])
    rows.append(
        [
            "Total expenditure",
            money(t["expenditure"] - r_out),
            money(r_out),
            money(t["expenditure"]),
            money(tp["expenditure"]),
        ]
    )
    total_rows.append(len(rows) - 1)
    rows.append(
        [
            "Net income and net movement in funds",
            money(t["net"] - (r_in - r_out)),
            money(r_in - r_out),
            money(t["net"]),
            money(tp["net"]),
        ]
    )
    total_rows.append(len(rows) - 1)
    tot_start = sum(f["start"].values())
    tot_start_prior = (
        sum(fp["start"].values()) if fp else sum(FUNDS_AT_START_2019.values()) - tp["net"]
    )
    rows.append(["Reconciliation of funds", "", "", "", ""])
    rows.append(
        [
            "    Total funds brought forward",
            money(f["start"]["unrestricted"]),
            money(f["start"]["restricted"]),
            money(tot_start),
            money(tot_start_prior),
        ]
    )
    rows.append(
        [
            "    Total funds carried forward",
            money(f["end"]["unrestricted"]),
            money(f["end"]["restricted"]),
            money(sum(f["end"].values())),
            money(tot_start),
        ]
    )
    total_rows.append(len(rows) - 1)
    cw = [66 * mm, 26 * mm, 26 * mm, 28 * mm, 28 * mm]
    sofa = Table(rows, colWidths=cw, repeatRows=1)
    sofa.setStyle(table_style(1, total_rows, len(rows)))
    story += [
        P(
            f"Statement of financial activities for the year ended 31\u00a0December {year}",
            st["h1"],
        ),
        P(
            "Incorporating an income and expenditure account. All income and expenditure "
            "derive from continuing activities; there were no other recognised gains or "
            "losses.",
            st["body"],
        ),
        Spacer(1, 3 * mm),
        sofa,
        Spacer(1, 6 * mm),
        P(
            "Restricted funds are grants and donations given for a named programme or country; "
            "they are spent only on that purpose. Unrestricted funds may be used for any of the "
            "charity’s objects and carry the cost of raising funds and of governance.",
            st["body"],
        ),
        PageBreak(),
    ]

    # page 3: balance sheet (cash is whatever makes it balance, as in life)
    end_total = sum(f["end"].values())
    fixed = {2019: 84_600, 2020: 71_250}[year]
    debtors = {2019: 212_400, 2020: 248_900}[year]
    creditors = {2019: 163_250, 2020: 188_400}[year]
    cash = end_total - fixed - debtors + creditors
    prior_total = tot_start
    pfixed, pdebt, pcred = {2019: (92_800, 187_300, 141_900), 2020: (84_600, 212_400, 163_250)}[
        year
    ]
    pcash = prior_total - pfixed - pdebt + pcred
    bs = [
        ["", f"{year} £", f"{prior} £"],
        ["Fixed assets", "", ""],
        ["    Tangible assets (office and IT equipment)", money(fixed), money(pfixed)],
        ["Current assets", "", ""],
        ["    Debtors and prepayments", money(debtors), money(pdebt)],
        ["    Cash at bank and in hand", money(cash), money(pcash)],
        ["Total current assets", money(debtors + cash), money(pdebt + pcash)],
        ["Creditors: amounts falling due within one year", money(-creditors), money(-pcred)],
        ["Net current assets", money(debtors + cash - creditors), money(pdebt + pcash - pcred)],
        ["Total net assets", money(end_total), money(prior_total)],
        ["Funds of the charity", "", ""],
        [
            "    Unrestricted funds",
            money(f["end"]["unrestricted"]),
            money(f["start"]["unrestricted"]),
        ],
        ["    Restricted funds", money(f["end"]["restricted"]), money(f["start"]["restricted"])],
        ["Total funds", money(end_total), money(prior_total)],
    ]
    assert fixed + debtors + cash - creditors == end_total
    bst = Table(bs, colWidths=[110 * mm, 32 * mm, 32 * mm])
    bst.setStyle(table_style(1, [6, 8, 9, 13], len(bs)))
    story += [
        P(f"Balance sheet at 31 December {year}", st["h1"]),
        Spacer(1, 3 * mm),
        bst,
        Spacer(1, 8 * mm),
        P(
            "The financial statements were approved by the board of trustees and signed on its "
            "behalf by the Chair and the Treasurer. The notes on the following page form part "
            "of these financial statements.",
            st["body"],
        ),
        PageBreak(),
    ]

    # page 4: notes
    staff = {2019: (38, 1_402_600), 2020: (41, 1_517_900)}[year]
    story += [
        P("Notes to the financial statements", st["h1"]),
        P("1. Accounting policies", st["h2"]),
        P(
            "The financial statements are prepared under the historical cost convention and "
            "in accordance with the charities statement of recommended practice. Income is "
            "recognised when the charity is entitled to it, receipt is probable and the amount "
            "can be measured reliably. Expenditure is recognised on an accruals basis and "
            "allocated to activities; support costs are apportioned on staff time.",
            st["body"],
        ),
        P("2. Expenditure on charitable activities", st["h2"]),
    ]
    prog = [["", "Direct costs £", "Support costs £", f"Total {year} £"]]
    for li in EXPENDITURE[1:]:
        tot = li.total[year]
        support = round(tot * 0.12 / 50) * 50
        prog.append([li.label, money(tot - support), money(support), money(tot)])
    ch = sum(li.total[year] for li in EXPENDITURE[1:])
    ch_sup = sum(round(li.total[year] * 0.12 / 50) * 50 for li in EXPENDITURE[1:])
    prog.append(["Total charitable activities", money(ch - ch_sup), money(ch_sup), money(ch)])
    pt = Table(prog, colWidths=[70 * mm, 34 * mm, 34 * mm, 34 * mm])
    pt.setStyle(table_style(1, [len(prog) - 1], len(prog)))
    story += [
        pt,
        P("3. Staff", st["h2"]),
        P(
            f"The average number of employees during the year was {staff[0]}, and total staff "
            f"costs were £{staff[1]:,}. No trustee received any remuneration; travel expenses "
            "of trustees attending board meetings are reimbursed at cost.",
            st["body"],
        ),
        P("4. Reserves", st["h2"]),
        P(
            f"Unrestricted funds at the year end were £{f['end']['unrestricted']:,}. The "
            "trustees aim to hold free reserves of between four and six months of running "
            "costs so that emergency support to defenders can continue through a sudden loss "
            "of income.",
            st["body"],
        ),
        P("5. Related parties", st["h2"]),
        P("There were no related-party transactions during the year.", st["body"]),
    ]
    doc.build(story)


PARTNERS = [
    ("Coastal Voices Collective", "Kenya", "Land and environmental defenders"),
    ("Riverbend Legal Aid Centre", "Philippines", "Legal support for detained activists"),
    ("Open Door Journalists’ Union", "Colombia", "Safety of reporters"),
    ("Mesa Women’s Rights Forum", "Guatemala", "Women human rights defenders"),
    ("Northern Steppe Watch", "Kyrgyzstan", "Monitoring of trials"),
    ("Blue Hour Digital Safety Lab", "Brazil", "Digital security training"),
    ("Lakeside Pride Alliance", "Uganda", "LGBTI defenders"),
    ("Cedar Mountain Human Rights Centre", "Lebanon", "Documentation of violations"),
    ("Saltmarsh Indigenous Council", "Honduras", "Indigenous land rights"),
    ("Granite Street Law Clinic", "Zimbabwe", "Strategic litigation"),
    ("Second Dawn Support Network", "Sri Lanka", "Families of the disappeared"),
    ("Harbour Gate Refugee Advocates", "Greece", "Rights at borders"),
    ("Tidewater Trade Union Federation", "Bangladesh", "Labour rights defenders"),
    ("Skylark Youth Assembly", "Nigeria", "Youth and student activists"),
    ("Palmgrove Community Radio", "Cameroon", "Community media"),
    ("Lantern Alliance for Accountability", "Mexico", "Anti-corruption defenders"),
    ("Quiet Rivers Psychosocial Support", "Nepal", "Wellbeing of defenders"),
    ("Morning Star Disability Rights Group", "Ghana", "Disability rights"),
    ("Silverline Media Defence Fund", "Serbia", "Legal defence for journalists"),
    ("Highland Water Rights Network", "Peru", "Water and environmental defenders"),
    ("Olive Branch Justice Centre", "Tunisia", "Access to justice"),
    ("Redwood Migrant Workers’ Centre", "Malaysia", "Migrant workers’ rights"),
    ("Eastern Shore Housing Rights Initiative", "South Africa", "Housing and eviction"),
    ("Four Winds Indigenous Media", "Canada", "Indigenous journalists"),
    ("Clearwater Climate Defenders", "Indonesia", "Climate activists"),
    ("Stonebridge Prisoners’ Families Group", "Egypt", "Detention and fair trial"),
]


COALITIONS = [
    "<b>Defenders’ Protection Roundtable</b> – twenty-two international organisations that "
    "coordinate emergency responses so that no request falls between the cracks.",
    "<b>Civic Space Watch Alliance</b> – a monitoring coalition that maintained the shared "
    "tracker of pandemic emergency measures in 2020.",
    "<b>Safe Newsrooms Coalition</b> – press freedom groups sharing legal and security "
    "resources for journalists at risk.",
    "<b>Land and Environment Defenders Platform</b> – community organisations and lawyers "
    "working on land, water and climate.",
    "<b>Wellbeing in Human Rights Work Network</b> – practitioners who develop psychosocial "
    "support for activists and their families.",
]
PRO_BONO = [
    "Harbourford Bar Pro Bono Unit (legal advice and trial observation)",
    "Northgate Translators’ Cooperative (translation into eleven languages in 2020)",
    "Open Circuit Security Volunteers (remote digital security clinics)",
    "Quayside Counselling Collective (confidential psychological support)",
    "Lanternwick Chartered Accountants (financial management training for partners)",
    "Saltbox Design Studio (the design of this report)",
]


def make_partners(path: Path, year: int) -> None:
    """A 2-page US Letter appendix listing partner organisations (to be scaled to fit A4)."""
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, Spacer, Table

    st = appendix_styles()
    doc = appendix_doc(
        path,
        letter,
        f"Harbourlight Rights Network — Partners {year}",
        f"Harbourlight Rights Network  ·  Partner organisations {year}  ·  "
        "US Letter original, supplied by the partnerships team",
        0.75 * 72,
    )
    rows = [["Partner organisation", "Country", "Focus of the partnership"]]
    rows += [[Paragraph(n, st["cell"]), c_, Paragraph(f_, st["cell"])] for n, c_, f_ in PARTNERS]
    tab = Table(rows, colWidths=[70 * mm, 30 * mm, 72 * mm], repeatRows=1)
    ts = table_style(1, [], len(rows))
    ts.add("ALIGN", (1, 0), (-1, -1), "LEFT")
    ts.add("VALIGN", (0, 0), (-1, -1), "TOP")
    for r in range(2, len(rows), 2):
        ts.add("BACKGROUND", (0, r), (-1, r), cmyk(0.05, 0.02, 0, 0.01))
    tab.setStyle(ts)
    story = [
        Paragraph(f"Our partners in {year}", st["h1"]),
        Paragraph(
            "Harbourlight works through local organisations that defenders already "
            "trust. In a year when almost nobody could travel, these partners carried "
            "the programme: they ran the trainings online, delivered emergency grants "
            "and kept the lines open. The list includes only partners who agreed to be "
            "named; a further eleven asked us not to publish their names for their own "
            "safety. All organisations named here are fictional.",
            st["body"],
        ),
        Spacer(1, 4 * mm),
        tab,
        PageBreak(),
        Paragraph("Coalitions and professional partners", st["h1"]),
        Paragraph(
            "Beyond the organisations we fund, Harbourlight belongs to coalitions that share "
            "information and speak with one voice, and relies on professional bodies whose "
            "members give their time without charge.",
            st["body"],
        ),
        Spacer(1, 3 * mm),
        Paragraph("Coalitions and networks", st["h2"]),
        *[Paragraph(t, st["body"], bulletText="•") for t in COALITIONS],
        Paragraph("Pro bono and professional partners", st["h2"]),
        *[Paragraph(t, st["body"], bulletText="•") for t in PRO_BONO],
        Spacer(1, 6 * mm),
        Paragraph(
            "To propose a partnership, write to partnerships@example.org. We reply to every "
            "enquiry within four weeks.",
            st["small"],
        ),
    ]
    doc.build(story)


# ---------------------------------------------------------------------------------------------
# Editions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EditionSpec:
    """What one sample edition needs."""

    year: int
    photos: list[PhotoSpec]
    signatures: dict[str, int]  # file stem -> seed
    cover: CoverText
    palette: Palette
    cover_photo: str
    cover_photo_centre: tuple[float, float]
    partners: bool = False


EDITIONS: dict[int, EditionSpec] = {
    2019: EditionSpec(
        year=2019,
        photos=[
            PhotoSpec("workshop.jpg", "workshop", (2400, 1600), 1901),
            PhotoSpec("coast.jpg", "coast", (5400, 3600), 1902),
            PhotoSpec("hills.jpg", "hills", (5400, 3600), 1903),
            PhotoSpec("defender-portrait.jpg", "portrait", (2400, 1600), 1904, orientation=6),
            PhotoSpec("vigil.jpg", "vigil", (2400, 1600), 1905),
            PhotoSpec(
                "partner-snapshot.jpg",
                "workshop",
                (800, 533),
                1906,
                {"people": 5},
                render_scale=3,
                quality=80,
            ),
        ],
        signatures={"director": 1911, "chair": 1912},
        cover=CoverText(
            year=2019,
            title="Standing with those who stand up",
            organisation="Harbourlight Rights Network",
            letter_heading="Welcome to our 2019 report",
            letter=[
                "Every page that follows was made possible by people who decided that the "
                "safety of a stranger was their business too. Some of you gave money, some "
                "gave time, a few gave the kind of expertise that cannot be bought.",
                "This report shows what that generosity did in twelve months: the lawyers "
                "who reached a courtroom in time, the trainers who taught a village to "
                "document a land grab, the campaigners who got a name read aloud in Geneva.",
                "Read it, argue with it, and pass it on. Defenders are safer when more "
                "people know their names.",
            ],
            letter_sign="Rosalind Achterberg, Chair of the Board",
            photo_credit="Cover photo: Harbourlight / sample image (CC0)",
            back_blurb="Defenders protect everyone’s rights. We protect defenders.",
            inside_back_heading="Ways to stand with defenders",
            inside_back=[
                "<b>Give monthly.</b> A regular gift lets us promise a defender that help "
                "will still be there next month. Set one up at example.org/give.",
                "<b>Leave a legacy.</b> Gifts in wills funded two of our emergency grants "
                "this year. Our legacy guide explains how, with no obligation.",
                "<b>Lend your skills.</b> Lawyers, translators, psychologists and IT security "
                "specialists volunteer with our pro bono panel.",
                "<b>Speak up.</b> Join our case alerts and write to officials when a defender "
                "is detained. Letters are read, and they are counted.",
                "<b>Regional desks</b><br/>Africa: africa@example.org<br/>"
                "Americas: americas@example.org<br/>Asia and Pacific: asia@example.org<br/>"
                "Europe and Central Asia: europe@example.org<br/>"
                "Middle East and North Africa: mena@example.org",
            ],
        ),
        palette=Palette(
            deep=(1, 0.72, 0.25, 0.35), accent=(0, 0.35, 0.95, 0), tint=(0.04, 0.02, 0.06, 0)
        ),
        cover_photo="coast.jpg",
        cover_photo_centre=(0.62, 0.42),
    ),
    2020: EditionSpec(
        year=2020,
        photos=[
            PhotoSpec("online-training.jpg", "videocall", (2400, 1600), 2001),
            PhotoSpec("harbour-dawn.jpg", "coast", (5400, 3600), 2002, {"dawn": True}),
            PhotoSpec("hills-rain.jpg", "hills", (4000, 3000), 2003, {"mood": "rain"}),
            PhotoSpec("defender-portrait.jpg", "portrait", (2400, 1600), 2004, orientation=6),
            PhotoSpec("march.jpg", "march", (2400, 1600), 2005, {"masks": True}),
            PhotoSpec(
                "parcel-packing.jpg",
                "workshop",
                (2400, 1600),
                2006,
                {"people": 6, "boxes": True, "masks": True},
            ),
            PhotoSpec(
                "messaging-snapshot.jpg", "march", (800, 533), 2007, render_scale=3, quality=78
            ),
        ],
        signatures={"director": 1911, "chair": 1912},  # same signatories as 2019
        cover=CoverText(
            year=2020,
            title="Keeping the lights on",
            organisation="Harbourlight Rights Network",
            letter_heading="A year like no other",
            letter=[
                "When borders closed in March, the defenders we work with did not stop. "
                "Neither did we. Trainings moved to laptops and phones, emergency grants "
                "moved faster than ever, and our partners found ways to reach people that "
                "no lockdown could shut out.",
                "This report is a record of a year in which solidarity had to travel without "
                "a passport. It is also a thank-you to everyone who kept it moving.",
                "The lights stayed on. With you, they will stay on in 2021.",
            ],
            letter_sign="Rosalind Achterberg, Chair of the Board",
            photo_credit="Cover photo: Harbourlight / sample image (CC0)",
            back_blurb="When the world shut its doors, defenders kept theirs open.",
            inside_back_heading="Stay connected",
            inside_back=[
                "<b>Give monthly.</b> Regular gifts let us answer an emergency call the same "
                "day. Set one up at example.org/give.",
                "<b>Join a briefing.</b> Our online supporter briefings run every quarter; "
                "defenders join us live to talk about their work.",
                "<b>Lend your skills.</b> Our pro bono panel needs lawyers, translators, "
                "counsellors and digital security specialists.",
                "<b>Speak up.</b> Case alerts tell you when a defender needs letters, calls "
                "or public support.",
                "<b>Regional desks</b><br/>Africa: africa@example.org<br/>"
                "Americas: americas@example.org<br/>Asia and Pacific: asia@example.org<br/>"
                "Europe and Central Asia: europe@example.org<br/>"
                "Middle East and North Africa: mena@example.org",
            ],
        ),
        palette=Palette(
            deep=(0.85, 0.2, 0.45, 0.4), accent=(0, 0.62, 0.62, 0), tint=(0.03, 0.0, 0.04, 0)
        ),
        cover_photo="harbour-dawn.jpg",
        cover_photo_centre=(0.55, 0.42),
        partners=True,
    ),
}


def build_edition(spec: EditionSpec, tmp: Path) -> list[Path]:
    out = EDITIONS_DIR / str(spec.year)
    written: list[Path] = []
    for p in spec.photos:
        path = out / "photos" / p.name
        save_photo(p, make_photo(p), path)
        written.append(path)
        print(f"  {path.relative_to(ROOT)}  {p.size[0]}x{p.size[1]}", file=sys.stderr)
    for stem, seed in spec.signatures.items():
        path = out / "signatures" / f"{stem}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        make_signature(seed).save(path, "PNG", optimize=False)
        written.append(path)
    pdf_setup()
    for space, suffix in (("cmyk", ""), ("rgb", "-rgb")):  # press file, then the RGB export
        with pdf_colour(space):
            make_cover(
                out / f"cover{suffix}.pdf",
                spec.cover,
                spec.palette,
                out / "photos" / spec.cover_photo,
                spec.cover_photo_centre,
                tmp,
            )
            written.append(out / f"cover{suffix}.pdf")
            make_accounts(out / f"appendix-accounts{suffix}.pdf", spec.year)
            written.append(out / f"appendix-accounts{suffix}.pdf")
            if spec.partners:
                make_partners(out / f"appendix-partners{suffix}.pdf", spec.year)
                written.append(out / f"appendix-partners{suffix}.pdf")
    return written


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--edition",
        type=int,
        action="append",
        choices=sorted(EDITIONS),
        help="only this edition (repeatable); default: all",
    )
    ap.add_argument(
        "--figures",
        action="store_true",
        help="print the financial totals used in the sample text and exit",
    )
    args = ap.parse_args(argv)
    years = args.edition or sorted(EDITIONS)
    if args.figures:
        for y in years:
            print(y, totals(y), funds(y))
        return 0
    with tempfile.TemporaryDirectory(prefix="printpipe-samples-") as tmp:
        for y in years:
            print(f"edition {y}", file=sys.stderr)
            for path in build_edition(EDITIONS[y], Path(tmp)):
                print(f"{path.stat().st_size:>10,}  {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
