"""Marked content for tagged PDF: what composition draws is marked, and recorded as data.

ReportLab has no structure API, so composition only writes ``BDC``/``EMC`` operators around
what each tagged flowable draws and returns a JSON-able record of the structure; the
finishing stage (:mod:`printpipe.structure`) writes the structure tree with pypdf *after*
every supplied PDF has been merged, because merging drops a tree written earlier
(shared/notes/tagging.md).

- The story builder creates the elements in reading order (:meth:`Recorder.element`) and
  attaches an element to each *leaf* flowable it creates (:func:`tagged`); containers (lists,
  quotes, boxes) are elements without content of their own, so marked content never nests.
- A tagged flowable's class is swapped for a cached subclass whose ``drawOn`` brackets the
  drawing with ``/Role <</MCID n>> BDC ... EMC`` and whose ``split`` passes the tag on to the
  parts.  It works for any flowable class (ReportLab's Paragraph or our own).
- :class:`TagCanvas` marks everything else drawn on a page as an artifact when the page ends:
  page furniture is ``/Pagination`` (see :func:`mark_page_furniture`), the rest (rules, box
  backgrounds, table lines) a plain artifact.  Nothing real can be left unmarked by accident;
  the structure tests check that every piece of text is reachable from the tree.
- Words broken at a line end get a real space (PDF 1.7, 10.7), so extracted text reads
  "structure element", not "structureelement".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table
from reportlab.platypus.tableofcontents import TableOfContents

Tag = tuple["Recorder", int]

PAGINATION = "/Artifact <</Type /Pagination>> BDC"
ARTIFACT = "/Artifact BMC"


class Recorder:
    """The structure of one composition: elements (logical order) and where content landed.

    ``content`` rows are ``[page, mcid, element]`` (page 0-based in the composed body),
    ``annots`` rows ``[page, index in the page's /Annots, element]``.  A multi-pass build
    records content again on each pass; :meth:`restart` keeps only the last pass.
    """

    def __init__(self) -> None:
        self.elements: list[dict[str, Any]] = []
        self.content: list[list[int]] = []
        self.annots: list[list[int]] = []
        self._next_mcid: dict[int, int] = {}
        self._open: int | None = None
        self.drawn: set[int] = set()

    def element(self, role: str, parent: int | None, **extra: Any) -> int:
        """A new structure element under ``parent``; children keep creation order."""
        entry: dict[str, Any] = {"id": len(self.elements), "role": role, "parent": parent}
        entry.update({key: value for key, value in extra.items() if value is not None})
        self.elements.append(entry)
        return entry["id"]

    def restart(self) -> None:
        """Forget the content of an earlier layout pass."""
        self.content.clear()
        self.annots.clear()
        self._next_mcid.clear()
        self._open = None
        self.drawn.clear()

    def begin(self, canvas: Any, element: int) -> int:
        """Open a marked-content sequence for ``element`` on the current page."""
        if self._open is not None:
            raise RuntimeError("marked content must not nest: tag leaves only")
        page = canvas.getPageNumber() - 1
        mcid = self._next_mcid.get(page, 0)
        self._next_mcid[page] = mcid + 1
        role = self.elements[element]["role"]
        canvas.addLiteral(f"/{role} <</MCID {mcid}>> BDC")
        self.content.append([page, mcid, element])
        self.drawn.add(element)
        self._open = element
        return page

    def end(self, canvas: Any) -> None:
        canvas.addLiteral("EMC")
        self._open = None

    def record(self) -> dict[str, Any]:
        """The JSON-able record the tree writer reads."""
        return {"elements": self.elements, "content": self.content, "annots": self.annots}


@contextmanager
def marked(canvas: Any, tag: Tag | None) -> Iterator[None]:
    """Mark what is drawn inside the block as the content of ``tag`` (nothing if None).

    A table's header cell drawn again at the top of a continued table is a pagination
    artifact the second time: its element already has its content.
    """
    if tag is None:
        yield
        return
    recorder, element = tag
    if recorder.elements[element].get("repeats") and element in recorder.drawn:
        canvas.addLiteral(PAGINATION)
        try:
            yield
        finally:
            canvas.addLiteral("EMC")
        return
    before = len(canvas._annotationrefs)
    page = recorder.begin(canvas, element)
    try:
        yield
    finally:
        recorder.end(canvas)
    for index in range(before, len(canvas._annotationrefs)):
        recorder.annots.append([page, index, element])


_SWAPPED: dict[type, type] = {}


def _tagged_class(cls: type) -> type:
    """A cached subclass of ``cls`` that marks its drawing and keeps its tag when split."""
    if getattr(cls, "_pp_tagging", False):
        return cls
    found = _SWAPPED.get(cls)
    if found is not None:
        return found
    base: Any = cls

    def drawOn(self: Any, canvas: Any, x: float, y: float, _sW: float = 0) -> None:
        with marked(canvas, self._pp_tag):
            base.drawOn(self, canvas, x, y, _sW)

    def split(self: Any, width: float, height: float) -> list[Any]:
        parts = base.split(self, width, height)
        for part in parts:
            if part is not self and isinstance(part, Flowable):
                tag_flowable(part, self._pp_tag)
        return parts

    swapped = type(f"Tagged{cls.__name__}", (cls,), {"drawOn": drawOn, "split": split})
    swapped._pp_tagging = True  # type: ignore[attr-defined]
    _SWAPPED[cls] = swapped
    return swapped


def tag_flowable(flowable: Any, tag: Tag) -> Any:
    """Give ``flowable`` (a leaf) the element of ``tag``; returns the same object."""
    # object.__setattr__: a chart Drawing validates its attributes and would ignore the class.
    object.__setattr__(flowable, "__class__", _tagged_class(type(flowable)))
    object.__setattr__(flowable, "_pp_tag", tag)
    return flowable


def tagged(
    flowable: Any, recorder: Recorder | None, role: str, parent: int | None, **extra: Any
) -> Any:
    """Tag a leaf flowable with a new element (a no-op on an untagged target)."""
    if recorder is None:
        return flowable
    return tag_flowable(flowable, (recorder, recorder.element(role, parent, **extra)))


def _word_space_text_out(self: PDFTextObject, text: str, TStar: int = 0) -> None:
    """ReportLab's ``_textOut``, with a real space where a line ends between two words."""
    ends_word = bool(text) and not text[-1].isspace() and text[-1] not in "-\u00ad/"
    if TStar and ends_word and getattr(self._canvas, "_pp_word_spaces", False):
        text += " "
    self._code.append(f"{self._formatText(text)}{' T*' if TStar else ''}")


PDFTextObject._textOut = _word_space_text_out


class TagCanvas(Canvas):
    """A canvas that marks as an artifact everything not inside marked content.

    Works on ReportLab's list of operator chunks when a page ends: each chunk is a whole
    graphics object (a BT..ET text object, a path, an image), so wrapping runs of unmarked
    chunks in ``/Artifact BMC ... EMC`` never splits one.
    """

    _pp_word_spaces = True

    def showPage(self) -> None:
        code: list[str] = []
        depth = 0
        loose: list[str] = []

        def flush() -> None:
            if any(chunk.strip() for chunk in loose):
                code.extend([ARTIFACT, *loose, "EMC"])
            else:
                code.extend(loose)
            loose.clear()

        for chunk in self._code:
            opens = chunk.endswith((" BDC", " BMC"))
            if depth == 0 and not opens:
                loose.append(chunk)
                continue
            flush()
            code.append(chunk)
            if opens:
                depth += 1
            elif chunk == "EMC":
                depth -= 1
        flush()
        self._code[:] = code
        super().showPage()


def mark_page_furniture(doc: Any, recorder: Recorder) -> None:
    """Running heads and folios (drawn when a page ends) become pagination artifacts.

    Also restarts the recorder at each layout pass, so only the final pass's content counts.
    """
    for template in doc.pageTemplates:
        end = template.onPageEnd

        def furniture(canvas: Any, document: Any, end: Any = end) -> None:
            canvas.addLiteral(PAGINATION)
            try:
                end(canvas, document)
            finally:
                canvas.addLiteral("EMC")

        template.onPageEnd = furniture
    begin = doc.handle_documentBegin

    def document_begin() -> None:
        recorder.restart()
        begin()

    doc.handle_documentBegin = document_begin


def leaves(flowable: Any) -> Iterator[Any]:
    """The drawable leaves of a box, quote or photo block, in reading order (no spacers)."""
    if isinstance(flowable, KeepTogether):
        for item in flowable._content:
            yield from leaves(item)
    elif isinstance(flowable, Table):
        for row in flowable._cellvalues:
            for cell in row:
                for item in cell if isinstance(cell, list | tuple) else [cell]:
                    yield from leaves(item)
    elif isinstance(flowable, Flowable) and not isinstance(flowable, Spacer):
        yield flowable


class TaggedContents(TableOfContents):
    """The contents list as ``TOC > TOCI > P + Reference`` (entry text, then page number).

    ReportLab makes new entry paragraphs at every wrap; entry *n* keeps its elements across
    layout passes, and elements a pass did not draw are dropped by the tree writer.  The page
    number is drawn by a callback *before* the entry's text; it gets a marked sequence of its
    own (a ``Reference`` after the ``P``), so the entry reads "title, page", not "page title".
    """

    _pp_recorder: Recorder
    _pp_parent: int
    _pp_items: list[tuple[int, int]]

    def wrap(self, width: float, height: float) -> tuple[float, float]:
        size = super().wrap(width, height)
        recorder = self._pp_recorder
        numbers: dict[int, int] = {}
        for number, leaf in enumerate(leaves(self._table)):
            if number == len(self._pp_items):
                item = recorder.element("TOCI", self._pp_parent)
                self._pp_items.append(
                    (recorder.element("P", item), recorder.element("Reference", item))
                )
            text, page = self._pp_items[number]
            numbers[text] = page
            tag_flowable(leaf, (recorder, text))
        draw_number = self.canv.getNamedCB("drawTOCEntryEnd")

        def page_number(canvas: Any, kind: str, label: str) -> None:
            entry = recorder._open
            if entry not in numbers:
                draw_number(canvas, kind, label)
                return
            recorder.end(canvas)
            recorder.begin(canvas, numbers[entry])
            try:
                draw_number(canvas, kind, label)
            finally:
                recorder.end(canvas)
                recorder.begin(canvas, entry)

        self.canv.setNamedCB("drawTOCEntryEnd", page_number)
        return size


def tag_contents(toc: TableOfContents, recorder: Recorder, parent: int | None) -> None:
    """Make ``toc`` tag its entries under the ``TOC`` element ``parent``."""
    toc.__class__ = TaggedContents
    toc._pp_recorder = recorder
    toc._pp_parent = parent
    toc._pp_items = []


def _tag_table(table: Table, recorder: Recorder, parent: int | None) -> None:
    """A data table: ``Table > TR > TH (/Scope /Column) | TD``, the cells' paragraphs as leaves."""
    element = recorder.element("Table", parent)
    for number, row in enumerate(table._cellvalues):
        row_element = recorder.element("TR", element)
        for cell in row:
            for leaf in leaves(cell if isinstance(cell, Flowable) else Spacer(0, 0)):
                if number == 0:
                    tag_flowable(
                        leaf,
                        (
                            recorder,
                            recorder.element(
                                "TH",
                                row_element,
                                attrs={"O": "Table", "Scope": "Column"},
                                repeats=True,
                            ),
                        ),
                    )
                else:
                    tag_flowable(leaf, (recorder, recorder.element("TD", row_element)))


def tag_data(items: list[Any], recorder: Recorder, parent: int | None) -> None:
    """Tables, charts and key figures (compose/tables.py, charts.py, keyfigures.py).

    A data table (marked ``_pp_table``) becomes a ``Table``; a chart drawing (marked
    ``_pp_alt``) a ``Figure`` with that alt text (the chart's ``alt:`` or its data summary);
    titles, captions and source notes are ``Caption`` beside them; key figures are a ``Div``
    of paragraphs.
    """
    for item in items:
        if isinstance(item, KeepTogether):
            tag_data(list(item._content), recorder, parent)
        elif isinstance(item, Table) and getattr(item, "_pp_table", None) is not None:
            _tag_table(item, recorder, parent)
        elif isinstance(item, Table):
            group = recorder.element("Div", parent)
            for leaf in leaves(item):
                tag_flowable(leaf, (recorder, recorder.element("P", group)))
        elif getattr(item, "_pp_alt", None):
            tag_flowable(item, (recorder, recorder.element("Figure", parent, alt=item._pp_alt)))
        elif isinstance(item, Flowable) and not isinstance(item, Spacer):
            tag_flowable(item, (recorder, recorder.element("Caption", parent)))
