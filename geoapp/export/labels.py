"""Commune and district names on the printed map, with no two labels overlapping.

Each commune is labelled inside its polygon if the name fits (trying two lines and smaller
type); otherwise beside it with a leader line; a name is dropped only when neither fits.
"""

from __future__ import annotations

import math
import numpy as np
import shapely
from matplotlib.colors import to_rgb
from matplotlib.transforms import Bbox

from geoapp.export.typeface import font

INK = "#222222"
INSIDE_SIZES = (6.5, 5.5, 5.0)  # points: the usual size first, smaller before giving up
LEADER_SIZE = 5.5
LEADER_RADII = (10, 16, 24, 34, 46)  # points from the commune's centre to the label
LEADER_ANGLES = (45, 135, 315, 225, 0, 180, 90, 270)
PAD_PT = 1.5
TYPE_PREFIX = {"Thị trấn": "TT. ", "Phường": "P. ", "Xã": ""}
# A light box behind names drawn over other units (not a path-effect halo: that would turn SVG text into paths).
BACKDROP = {"boxstyle": "square,pad=0.12", "facecolor": "white", "edgecolor": "none", "alpha": 0.75}


def short_name(name: str, unit_type: str | None) -> str:
    """Return the name as printed on maps: "Xã Xuất Lễ" -> "Xuất Lễ", "Thị trấn Cao Lộc" -> "TT. Cao Lộc"."""
    if unit_type and name.startswith(f"{unit_type} "):
        return TYPE_PREFIX.get(unit_type, "") + name[len(unit_type) + 1:]
    return name


def district_label(name: str) -> str:
    """Return a district name as printed on province maps: "Huyện Cao Lộc" -> "CAO LỘC", "Thành phố Lạng Sơn" -> "TP. LẠNG SƠN"."""
    for prefix, short in (("Huyện ", ""), ("Thành phố ", "TP. "), ("Thị xã ", "TX. ")):
        if name.startswith(prefix):
            return (short + name[len(prefix):]).upper()
    return name.upper()


def label_color(fill: str) -> str:
    """Return white on dark fills, ink on light ones."""
    r, g, b = to_rgb(fill)
    return "#ffffff" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45 else INK


class Placement:
    """Boxes and leader lines already on the map, in display pixels; new labels must avoid them."""

    def __init__(self, boxes: list[Bbox], frame: Bbox) -> None:
        self.frame = frame
        self.extents = np.empty((0, 4))
        self.shapes = np.empty(0, dtype=object)
        self.lines: list[shapely.LineString] = []
        for box in boxes:
            self.take(box)

    def take(self, box: Bbox, line: shapely.LineString | None = None) -> None:
        self.extents = np.vstack([self.extents, [box.x0, box.y0, box.x1, box.y1]])
        self.shapes = np.append(self.shapes, shapely.box(box.x0, box.y0, box.x1, box.y1))
        if line is not None:
            self.lines.append(line)

    def free(self, box: Bbox) -> bool:
        """True when the box is inside the map and touches no label, reserved box or leader line."""
        f = self.frame
        if box.x0 < f.x0 or box.y0 < f.y0 or box.x1 > f.x1 or box.y1 > f.y1:
            return False
        e = self.extents
        if len(e) and np.any((e[:, 0] < box.x1) & (e[:, 2] > box.x0) & (e[:, 1] < box.y1) & (e[:, 3] > box.y0)):
            return False
        shape = shapely.box(box.x0, box.y0, box.x1, box.y1)
        return not any(shape.intersects(line) for line in self.lines)

    def crosses(self, line: shapely.LineString) -> bool:
        return bool(len(self.shapes)) and bool(shapely.intersects(self.shapes, line).any())


class TextSizes:
    """Text sizes in pixels, from each character's advance measured once (no layout per candidate).

    Widths are rounded up by a few percent so that the real text is never wider than its box.
    """

    REFERENCE = 10.0
    SLACK = 1.04

    def __init__(self, ax, renderer) -> None:
        self.ax, self.renderer = ax, renderer
        self.chars: dict[tuple[str, str], float] = {}
        self.lines: dict[str, float] = {}

    def _char(self, ch: str, weight: str) -> float:
        key = (ch, weight)
        if key not in self.chars:
            w, _, _ = self.renderer.get_text_width_height_descent(ch, font(self.REFERENCE, weight), ismath=False)
            self.chars[key] = w
        return self.chars[key]

    def _line_height(self, weight: str) -> float:
        if weight not in self.lines:
            probe = self.ax.text(0, 0, "Ảg\nẢg", fontproperties=font(self.REFERENCE, weight), linespacing=1.0)
            self.lines[weight] = probe.get_window_extent(self.renderer).height / 2
            probe.remove()
        return self.lines[weight]

    def __call__(self, text: str, size: float, weight: str = "normal") -> tuple[float, float]:
        scale = size / self.REFERENCE
        rows = text.split("\n")
        width = max(sum(self._char(ch, weight) for ch in row) for row in rows)
        return width * scale * self.SLACK, len(rows) * self._line_height(weight) * scale * self.SLACK


def centred_box(x: float, y: float, width: float, height: float, pad: float) -> Bbox:
    return Bbox.from_extents(x - width / 2 - pad, y - height / 2 - pad, x + width / 2 + pad, y + height / 2 + pad)


def anchored_box(x: float, y: float, width: float, height: float, ha: str, va: str) -> Bbox:
    """Return the box of a text whose (ha, va) corner or edge is at (x, y)."""
    left = {"left": x, "right": x - width, "center": x - width / 2}[ha]
    bottom = {"bottom": y, "top": y - height, "center": y - height / 2}[va]
    return Bbox.from_bounds(left, bottom, width, height)


def interior_points(geoms) -> np.ndarray:
    """Return the centre of each polygon's largest inscribed circle (where a label has most room)."""
    centres = shapely.get_point(shapely.maximum_inscribed_circle(geoms, 20.0), 0)
    return shapely.get_coordinates(centres)


def place_inside(ax, sizes: TextSizes, placement: Placement, geom, point, name: str, fill: str, gid: str):
    """Draw a label inside its polygon if one of the variants fits there; return the artist or None."""
    to_data = ax.transData.inverted()
    cx, cy = ax.transData.transform(point)
    pad = PAD_PT * ax.figure.dpi / 72
    variants = [name] + ([name.replace(" ", "\n", 1)] if " " in name else [])
    for size in INSIDE_SIZES:
        for text in variants:
            box = centred_box(cx, cy, *sizes(text, size), pad)
            (x0, y0), (x1, y1) = to_data.transform([[box.x0, box.y0], [box.x1, box.y1]])
            if geom.contains(shapely.box(x0, y0, x1, y1)) and placement.free(box):
                artist = ax.text(point[0], point[1], text, ha="center", va="center", fontproperties=font(size),
                                 color=label_color(fill), linespacing=1.0, multialignment="center", gid=gid)
                placement.take(box)
                return artist
    return None


def leader_offsets():
    """Yield (dx, dy, ha, va) in points around a centre, nearest first."""
    for radius in LEADER_RADII:
        for angle in LEADER_ANGLES:
            dx, dy = radius * math.cos(math.radians(angle)), radius * math.sin(math.radians(angle))
            ha = "left" if dx > 1 else "right" if dx < -1 else "center"
            va = "bottom" if dy > 1 else "top" if dy < -1 else "center"
            yield dx, dy, ha, va


def place_with_leader(ax, sizes: TextSizes, placement: Placement, point, name: str, gid: str):
    """Draw a label beside its commune with a leader line, where there is room; return the artist or None."""
    cx, cy = ax.transData.transform(point)
    scale = ax.figure.dpi / 72
    width, height = sizes(name, LEADER_SIZE)
    pad = PAD_PT * scale
    for dx, dy, ha, va in leader_offsets():
        x, y = cx + dx * scale, cy + dy * scale
        box = anchored_box(x, y, width, height, ha, va).padded(pad)
        line = shapely.LineString([(cx, cy), (x, y)])
        if not placement.free(box) or placement.crosses(line):
            continue
        relpos = ({"left": 0, "right": 1, "center": 0.5}[ha], {"bottom": 0, "top": 1, "center": 0.5}[va])
        artist = ax.annotate(
            name, xy=point, xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
            fontproperties=font(LEADER_SIZE), color=INK, bbox=BACKDROP, gid=gid,
            arrowprops={"arrowstyle": "-", "lw": 0.5, "color": INK, "shrinkA": 0, "shrinkB": 0, "relpos": relpos},
        )
        placement.take(box, line)
        return artist
    return None


def draw_commune_labels(ax, renderer, frame, placement: Placement) -> list:
    """Label every commune that fits (inside, else with a leader line); return the label artists."""
    sizes = TextSizes(ax, renderer)
    geoms = frame.geometry.values
    points = interior_points(geoms)
    names = [
        short_name(str(n), None if t is None else str(t)) for n, t in zip(frame["commune_name"], frame["commune_type"])
    ]
    gids = [f"label-{code}" for code in frame["commune_code"]]
    drawn, pending = [], []
    for geom, point, name, fill, gid in zip(geoms, points, names, frame["color"], gids):
        if not placement.frame.contains(*ax.transData.transform(point)):
            continue  # the commune's centre is outside the map's extent ("this view")
        artist = place_inside(ax, sizes, placement, geom, point, name, fill, gid)
        if artist is None:
            pending.append((point, name, gid))
        else:
            drawn.append(artist)
    for point, name, gid in pending:
        artist = place_with_leader(ax, sizes, placement, point, name, gid)
        if artist is not None:
            drawn.append(artist)
    return drawn


def draw_district_names(ax, renderer, districts, placement: Placement, *, size: float = 8.0,
                        color: str = INK, weight: str = "bold") -> list:
    """Write district names at their interior points, on a light box, reserved so commune labels avoid them."""
    sizes = TextSizes(ax, renderer)
    drawn = []
    for point, name, code in zip(interior_points(districts.geometry.values), districts["district_name"],
                                 districts["district_code"]):
        text = district_label(str(name))
        cx, cy = ax.transData.transform(point)
        box = centred_box(cx, cy, *sizes(text, size, weight), PAD_PT * ax.figure.dpi / 72)
        if not placement.free(box):
            continue
        drawn.append(ax.text(point[0], point[1], text, ha="center", va="center", fontproperties=font(size, weight),
                             color=color, bbox=BACKDROP, gid=f"district-{code}", zorder=4))
        placement.take(box)
    return drawn
