#!/usr/bin/env python3
"""Draws the tray and app icons as PNGs (standard library only, no image tools needed).

Each state differs by shape as well as colour, so the icons work for colour-blind users:
  available  green disc with a check mark
  busy       red solid disc
  dnd        red disc with a horizontal bar
  away       amber disc with clock hands
  offline    grey ring with a cross
  unknown    grey dashed ring with a centre dot
  paused     blue disc with two vertical bars
  error      orange triangle with an exclamation mark
Every size is drawn from the geometry (4x4 supersampling), not scaled from another size.
The shapes and colours are the window's status dots (ui/js/status.js, ui/css/app.css); the 16 px
icons of the six presence states are also the colleagues' dots in the tray menu (src-tauri/src/tray.rs).
The app icon is also drawn in every size of the freedesktop hicolor theme (icons/app/), which
the Linux packages install to /usr/share/icons/hicolor/<size>x<size>/apps/.
Run:  python3 icons/make_icons.py
      (writes icons/tray/<state>-<size>.png, icons/app/<size>x<size>.png and icons/icon.png)
"""
import math
import os
import struct
import zlib

SIZES = [16, 20, 24, 32, 48, 64]
# The fixed sizes of the hicolor theme's apps folders (Debian's /usr/share/icons/hicolor/index.theme).
APP_SIZES = [16, 22, 24, 32, 36, 48, 64, 72, 96, 128, 192, 256, 512]
HERE = os.path.dirname(os.path.abspath(__file__))

GREEN = (46, 158, 68)
RED = (209, 52, 56)
AMBER = (232, 160, 0)
GREY = (122, 122, 122)
BLUE = (70, 96, 190)
ORANGE = (222, 96, 20)
WHITE = (255, 255, 255)


def seg_dist(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def disc(color, glyph=None):
    """A filled disc with a darker rim and an optional white glyph (a predicate on x, y)."""
    rim = tuple(int(c * 0.7) for c in color)

    def shade(x, y):
        r = math.hypot(x - 0.5, y - 0.5)
        if r > 0.47:
            return None
        if glyph and glyph(x, y):
            return WHITE
        return rim if r > 0.41 else color

    return shade


def check(x, y):
    return seg_dist(x, y, 0.28, 0.52, 0.43, 0.67) < 0.07 or seg_dist(x, y, 0.43, 0.67, 0.72, 0.35) < 0.07


def bar(x, y):
    return abs(y - 0.5) < 0.085 and abs(x - 0.5) < 0.27


def clock(x, y):
    return seg_dist(x, y, 0.5, 0.5, 0.5, 0.24) < 0.065 or seg_dist(x, y, 0.5, 0.5, 0.7, 0.58) < 0.065


def pause(x, y):
    return abs(y - 0.5) < 0.22 and (abs(x - 0.39) < 0.07 or abs(x - 0.61) < 0.07)


def ring_with_cross(x, y):
    r = math.hypot(x - 0.5, y - 0.5)
    if 0.36 < r < 0.47:
        return GREY
    if seg_dist(x, y, 0.36, 0.36, 0.64, 0.64) < 0.065 or seg_dist(x, y, 0.36, 0.64, 0.64, 0.36) < 0.065:
        return GREY
    return None


def dashed_ring(x, y):
    r = math.hypot(x - 0.5, y - 0.5)
    if 0.36 < r < 0.47:
        angle = math.atan2(y - 0.5, x - 0.5) % (2 * math.pi)
        return GREY if int(angle / (2 * math.pi) * 16) % 2 == 0 else None
    if r < 0.12:
        return GREY
    return None


def warning_triangle(x, y):
    # Triangle with corners (0.5, 0.06), (0.03, 0.92), (0.97, 0.92).
    def inside(px, py, shrink):
        if py > 0.92 - shrink:
            return False
        half = (py - 0.06) / 0.86 * 0.47 - shrink * 1.2
        return abs(px - 0.5) <= half
    if not inside(x, y, 0.0):
        return None
    if seg_dist(x, y, 0.5, 0.36, 0.5, 0.62) < 0.065 or math.hypot(x - 0.5, y - 0.77) < 0.07:
        return WHITE
    return ORANGE if inside(x, y, 0.05) else tuple(int(c * 0.7) for c in ORANGE)


def app_icon(x, y):
    # Rounded square with two presence dots joined by a bridge.
    cx, cy = abs(x - 0.5), abs(y - 0.5)
    q = math.hypot(max(cx - 0.32, 0), max(cy - 0.32, 0))
    if q > 0.14:
        return None
    if math.hypot(x - 0.3, y - 0.55) < 0.14:
        return GREEN
    if math.hypot(x - 0.7, y - 0.55) < 0.14:
        return RED
    if abs(y - 0.55) < 0.045 and 0.3 < x < 0.7:
        return WHITE
    if abs(math.hypot(x - 0.5, y - 0.62) - 0.28) < 0.035 and y < 0.55:
        return WHITE
    return (38, 52, 110)


STATES = {
    "available": disc(GREEN, check),
    "busy": disc(RED),
    "dnd": disc(RED, bar),
    "away": disc(AMBER, clock),
    "offline": ring_with_cross,
    "unknown": dashed_ring,
    "paused": disc(BLUE, pause),
    "error": warning_triangle,
}


def render(shade, size, samples=4):
    rows = []
    for py in range(size):
        row = bytearray([0])
        for px in range(size):
            acc = [0.0, 0.0, 0.0, 0.0]
            for sy in range(samples):
                for sx in range(samples):
                    c = shade((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size)
                    if c is not None:
                        acc[0] += c[0]
                        acc[1] += c[1]
                        acc[2] += c[2]
                        acc[3] += 1
            n = samples * samples
            if acc[3]:
                row += bytes([round(acc[0] / acc[3]), round(acc[1] / acc[3]), round(acc[2] / acc[3]), round(255 * acc[3] / n)])
            else:
                row += bytes(4)
        rows.append(bytes(row))
    return png(size, size, b"".join(rows))


def png(width, height, raw):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main():
    os.makedirs(os.path.join(HERE, "tray"), exist_ok=True)
    for state, shade in STATES.items():
        for size in SIZES:
            with open(os.path.join(HERE, "tray", f"{state}-{size}.png"), "wb") as f:
                f.write(render(shade, size))
    for size, name in [(256, "icon.png"), (32, "32x32.png"), (128, "128x128.png")]:
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(render(app_icon, size))
    os.makedirs(os.path.join(HERE, "app"), exist_ok=True)
    for size in APP_SIZES:
        with open(os.path.join(HERE, "app", f"{size}x{size}.png"), "wb") as f:
            f.write(render(app_icon, size))


if __name__ == "__main__":
    main()
