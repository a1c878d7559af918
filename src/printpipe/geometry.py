"""Box maths shared by image preparation and composition (pure functions, points).

Images are prepared *before* composing, at the size they will be placed, so the placed size
must be computable from the layout and the image's pixel size alone.  Both stages call these
functions, which keeps the two in agreement by construction.
"""

from __future__ import annotations

from printpipe.model import PageGeometry, mm_to_pt

MAX_PHOTO_SHARE = 0.6  # a photo in the flow takes at most this share of the text height
SIGNATURE_HEIGHT_MM = 15.0


def fit_within(px_w: int, px_h: int, max_w: float, max_h: float) -> tuple[float, float]:
    """The largest size with the image's aspect ratio inside ``max_w`` x ``max_h``."""
    scale = min(max_w / px_w, max_h / px_h)
    return px_w * scale, px_h * scale


def cover(px_w: int, px_h: int, box_w: float, box_h: float) -> tuple[float, float]:
    """The smallest size with the image's aspect ratio that covers ``box_w`` x ``box_h``."""
    scale = max(box_w / px_w, box_h / px_h)
    return px_w * scale, px_h * scale


PAGE_PHOTO_MIN_SHARE = 0.45  # a photo promoted to a full-bleed page keeps this much of each side


def fills_a_page(px_w: int, px_h: int, page: PageGeometry, min_ppi: float) -> bool:
    """Whether a photo of ``px_w`` x ``px_h`` can become a full-bleed page (``lone_photos``).

    It must stand the crop (keep at least :data:`PAGE_PHOTO_MIN_SHARE` of each side) and keep
    ``min_ppi`` at the layout's bleed, for every target alike.  Composition asks this when a
    photo is left alone on a page; the image stage asks it before, to prepare the page version
    with the others (in parallel, from the same decode) rather than one by one mid-layout.
    """
    media = page.media_pt
    placed = cover(px_w, px_h, *media)
    kept = min(media[0] / placed[0], media[1] / placed[1])
    return kept >= PAGE_PHOTO_MIN_SHARE and px_w * 72.0 / placed[0] >= min_ppi


def photo_size(
    placement: str, px_w: int, px_h: int, page: PageGeometry, bleed_pt: float
) -> tuple[float, float]:
    """Placed size of a photo: column or text width (height capped), or covering the page."""
    if placement == "full-bleed":
        trim_w, trim_h = page.trim_pt
        return cover(px_w, px_h, trim_w + 2 * bleed_pt, trim_h + 2 * bleed_pt)
    width = page.column_width_pt if placement == "column" else page.text_width_pt
    return fit_within(px_w, px_h, width, page.text_height_pt * MAX_PHOTO_SHARE)


def focus_in_crop(
    focus: tuple[float, float], crop: tuple[float, float, float, float] | None
) -> tuple[float, float]:
    """``focus`` (fractions of the whole image) as fractions of the part ``crop`` keeps."""
    fx, fy = focus
    if crop is None:
        return fx, fy
    x, y, w, h = crop
    return (min(1.0, max(0.0, (fx - x) / w)), min(1.0, max(0.0, (fy - y) / h)))


def focus_in_window(
    px_w: int, px_h: int, box_w: float, box_h: float, focus: tuple[float, float]
) -> tuple[float, float]:
    """Where ``focus`` lands (fractions) in the part of an image that covers a box's shape.

    The same window image preparation cuts: the focus as central as the edges allow.
    """
    fx, fy = focus
    image, box = px_w / px_h, box_w / box_h
    if image > box:  # wider than the box: the sides go
        keep = box / image
        start = min(max(fx - keep / 2, 0.0), 1.0 - keep)
        return (fx - start) / keep, fy
    keep = image / box
    start = min(max(fy - keep / 2, 0.0), 1.0 - keep)
    return fx, (fy - start) / keep


def signature_size(px_w: int, px_h: int, cell_width: float) -> tuple[float, float]:
    """Placed size of a signature image: a fixed height, narrower than its cell."""
    return fit_within(px_w, px_h, cell_width - 6, mm_to_pt(SIGNATURE_HEIGHT_MM))


def signature_cell_width(page: PageGeometry, signatories: int) -> float:
    """Signatures share the column width."""
    return page.column_width_pt / signatories
