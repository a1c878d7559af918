"""The structure tree of a tagged PDF, written after every page has been merged.

Composition marks its content and hands over a record (:mod:`printpipe.compose.tagging`);
this module turns it into ``/StructTreeRoot`` with pypdf.  It must run after assembly: pypdf
drops a source's tree when it copies pages (shared/notes/tagging.md, trap 1).

Supplied pages join the tree too: a tagged supplied PDF keeps its own structure, grafted under
a ``Sect`` of ours; an untagged one becomes, per page, a ``Figure`` whose ``/Alt`` is the
file's ``alt:`` and whose ``/ActualText`` is the page's text, so its words stay readable.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import pypdfium2
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    PdfObject,
    TextStringObject,
)

from printpipe.assemble import Assembled, PageRange, safe_link, working_password
from printpipe.model import SuppliedPdf

log = logging.getLogger(__name__)

_SUPPLIED_KINDS = ("cover-front", "appendix", "cover-back")
MAX_GRAFTED = 200_000
_NAME_ATTRIBUTES = (
    "O",
    "ListNumbering",
    "Scope",
)  # structure elements taken from one supplied file


@dataclass
class StructureInput:
    """What the tree writer needs besides the merged file; ``notes`` says what it did."""

    record: dict[str, Any]
    supplied: dict[str, SuppliedPdf]  # by the label assembly gave its page ranges
    notes: list[str] = field(default_factory=list)
    conforming: bool = True  # False: the file is tagged but must not claim PDF/UA or PDF/A-2a


def _name(value: str) -> NameObject:
    return NameObject("/" + value)


class _Tree:
    """Structure elements being built, and the page and annotation keys of the ParentTree."""

    def __init__(self, writer: PdfWriter) -> None:
        self.writer = writer
        self.page_refs = [cast(IndirectObject, page.indirect_reference) for page in writer.pages]
        self.parents: dict[int, dict[int, IndirectObject]] = {}  # page -> mcid -> element
        self.annotation_keys: list[tuple[IndirectObject, IndirectObject]] = []  # annot, element
        self.role_map = DictionaryObject()  # custom roles of grafted files

    def element(self, role: str, parent: IndirectObject | None, **keys: PdfObject) -> Any:
        node = DictionaryObject({NameObject("/Type"): NameObject("/StructElem")})
        node[NameObject("/S")] = _name(role)
        if parent is not None:
            node[NameObject("/P")] = parent
        for key, value in keys.items():
            node[NameObject("/" + key)] = value
        return self.writer._add_object(node)

    def mark(self, page: int, mcid: int, element: IndirectObject) -> None:
        self.parents.setdefault(page, {})[mcid] = element

    def link(self, page: int, annotation: IndirectObject, parent: IndirectObject) -> Any:
        """A ``Link`` element for ``annotation`` (described, printable, in tab order)."""
        objr = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/OBJR"),
                NameObject("/Obj"): annotation,
                NameObject("/Pg"): self.page_refs[page],
            }
        )
        element = self.element("Link", parent, K=objr, Pg=self.page_refs[page])
        self.register(page, annotation, element)
        return element

    def forget(self, pages: PageRange) -> None:
        """Drop what a failed graft recorded for ``pages``."""
        numbers = range(pages.start, pages.start + pages.count)
        for page in numbers:
            self.parents.pop(page, None)
        links = {a.idnum for page in numbers for a in _links(self.writer.pages[page])}
        self.annotation_keys = [(a, e) for a, e in self.annotation_keys if a.idnum not in links]

    def register(self, page: int, annotation: IndirectObject, element: IndirectObject) -> None:
        """``annotation`` belongs to ``element``: ParentTree key, description, tab order."""
        annot = cast(DictionaryObject, annotation.get_object())
        if not str(annot.get("/Contents", "")).strip():
            annot[NameObject("/Contents")] = TextStringObject(self.describe(annot))
        annot[NameObject("/F")] = NumberObject(int(annot.get("/F", 0) or 0) | 4)
        self.writer.pages[page][NameObject("/Tabs")] = NameObject("/S")
        self.annotation_keys.append((annotation, element))

    def describe(self, annot: DictionaryObject) -> str:
        action = annot.get("/A")
        action = action.get_object() if action is not None else None
        if isinstance(action, DictionaryObject) and "/URI" in action:
            return f"Link to {action['/URI']}"
        target = annot.get("/Dest")
        if isinstance(action, DictionaryObject) and "/D" in action:
            target = action["/D"]
        page = self._dest_page(target)
        return f"Go to page {page + 1}" if page is not None else "Go to a part of this document"

    def _dest_page(self, dest: Any) -> int | None:
        dest = dest.get_object() if dest is not None else None
        if not isinstance(dest, ArrayObject):
            try:
                named = self.writer.get_named_dest_root()
                for index in range(0, len(named) - 1, 2):
                    if str(named[index]) == str(dest):
                        found = named[index + 1].get_object()
                        dest = found.get("/D") if isinstance(found, DictionaryObject) else found
                        break
            except Exception:  # a broken name tree only costs the description
                return None
        if isinstance(dest, ArrayObject) and dest:
            # pypdf's copied links point at a copy of the page that shares its content stream
            target = dest[0].get_object() if hasattr(dest[0], "get_object") else None
            contents = target.raw_get("/Contents") if isinstance(target, DictionaryObject) else None
            for index, page in enumerate(self.writer.pages):
                if page.get_object() is target or (
                    contents is not None and _same(page.raw_get("/Contents"), contents)
                ):
                    return index
        return None

    def finish(self, root_kids: list[IndirectObject], role_map: DictionaryObject) -> None:
        writer = self.writer
        nums = ArrayObject()
        for page in sorted(self.parents):
            mcids = self.parents[page]
            array = ArrayObject(mcids.get(i, NullObject()) for i in range(max(mcids) + 1))
            writer.pages[page][NameObject("/StructParents")] = NumberObject(page)
            nums.extend([NumberObject(page), writer._add_object(array)])
        key = len(writer.pages)
        for annotation, element in self.annotation_keys:
            cast(DictionaryObject, annotation.get_object())[NameObject("/StructParent")] = (
                NumberObject(key)
            )
            nums.extend([NumberObject(key), element])
            key += 1
        tree = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/StructTreeRoot"),
                NameObject("/K"): ArrayObject(root_kids),
                NameObject("/ParentTree"): writer._add_object(
                    DictionaryObject({NameObject("/Nums"): nums})
                ),
                NameObject("/ParentTreeNextKey"): NumberObject(key),
            }
        )
        if role_map:
            tree[NameObject("/RoleMap")] = role_map
        reference = writer._add_object(tree)
        for kid in root_kids:
            cast(DictionaryObject, kid.get_object())[NameObject("/P")] = reference
        root = writer.root_object
        root[NameObject("/StructTreeRoot")] = reference
        root[NameObject("/MarkInfo")] = DictionaryObject(
            {NameObject("/Marked"): BooleanObject(True)}
        )
        preferences = root.get("/ViewerPreferences")
        preferences = (
            cast(DictionaryObject, preferences.get_object()) if preferences else DictionaryObject()
        )
        preferences[NameObject("/DisplayDocTitle")] = BooleanObject(True)
        root[NameObject("/ViewerPreferences")] = preferences


def _same(one: Any, other: Any) -> bool:
    return (
        isinstance(one, IndirectObject)
        and isinstance(other, IndirectObject)
        and (one.idnum, one.pdf) == (other.idnum, other.pdf)
    )


def _set_kids(element: IndirectObject, kids: list[Any], page_ref: Any) -> None:
    node = cast(DictionaryObject, element.get_object())
    if page_ref is not None:
        node[NameObject("/Pg")] = page_ref
    if len(kids) == 1:
        node[NameObject("/K")] = kids[0]  # a bare MCID: pdfua's heading rule needs it so
    elif kids:
        node[NameObject("/K")] = ArrayObject(kids)


def _body(tree: _Tree, record: dict[str, Any], start: int, document: IndirectObject) -> list[Any]:
    """The composed body's elements under ``document``; returns Document's own kids."""
    elements = record["elements"]
    content: dict[int, list[tuple[int, int]]] = {}
    for page, mcid, element in record["content"]:
        content.setdefault(element, []).append((start + page, mcid))
    annots: dict[int, list[tuple[int, int]]] = {}
    for page, index, element in record["annots"]:
        annots.setdefault(element, []).append((start + page, index))
    children: dict[int, list[int]] = {}
    for entry in elements:
        if entry["parent"] is not None:
            children.setdefault(entry["parent"], []).append(entry["id"])

    def used(eid: int) -> bool:
        return eid in content or eid in annots or any(used(c) for c in children.get(eid, ()))

    refs: dict[int, IndirectObject] = {}

    def build(eid: int, parent: IndirectObject) -> IndirectObject:
        entry = elements[eid]
        keys: dict[str, PdfObject] = {}
        if entry.get("alt"):
            keys["Alt"] = TextStringObject(entry["alt"])
        if entry.get("lang"):
            keys["Lang"] = TextStringObject(entry["lang"])
        if entry.get("title"):
            keys["T"] = TextStringObject(entry["title"])
        if entry.get("attrs"):
            keys["A"] = DictionaryObject(
                {
                    _name(k): _name(str(v)) if k in _NAME_ATTRIBUTES else TextStringObject(v)
                    for k, v in entry["attrs"].items()
                }
            )
        ref = tree.element(entry["role"], parent, **keys)
        refs[eid] = ref
        kids: list[Any] = []
        first = content[eid][0][0] if eid in content else None
        for page, mcid in content.get(eid, ()):
            tree.mark(page, mcid, ref)
            if page == first:
                kids.append(NumberObject(mcid))
            else:
                kids.append(
                    DictionaryObject(
                        {
                            NameObject("/Type"): NameObject("/MCR"),
                            NameObject("/Pg"): tree.page_refs[page],
                            NameObject("/MCID"): NumberObject(mcid),
                        }
                    )
                )
        for page, index in annots.get(eid, ()):
            annotations = tree.writer.pages[page].get("/Annots")
            listed = annotations.get_object() if annotations is not None else []
            if index < len(listed):
                annotation = listed[index]
                if annotation.get_object().get("/Subtype") == "/Link":
                    kids.append(tree.link(page, annotation, ref))
        for child in children.get(eid, ()):
            if used(child):
                kids.append(build(child, ref))
        _set_kids(ref, kids, tree.page_refs[first] if first is not None else None)
        return ref

    return [build(child, document) for child in children.get(0, ()) if used(child)]


def _page_texts(pdf: SuppliedPdf, pages: PageRange) -> list[str]:
    """The text of each page of ``pages``, read from the supplied file with PDFium.

    PDFium reads text about ten times faster than pypdf (3 ms a page), which matters for a
    400-page appendix; a page whose text cannot be read leaves its Figure with /Alt only.
    """
    try:
        document = pypdfium2.PdfDocument(str(pdf.source), password=working_password(pdf))
    except pypdfium2.PdfiumError:
        return [""] * pages.count
    try:
        first = len(document) - pages.count if pages.kind == "cover-back" else 0
        texts = []
        for index in range(first, first + pages.count):
            try:
                text = document[index].get_textpage().get_text_range()
            except (pypdfium2.PdfiumError, IndexError):
                text = ""
            texts.append(re.sub(r"\s+", " ", text).strip())
        return texts
    finally:
        document.close()


def _figure_pages(
    tree: _Tree, pages: PageRange, pdf: SuppliedPdf, sect: IndirectObject
) -> list[Any]:
    """Each page of an untagged supplied PDF as one Figure (its links follow it)."""
    writer = tree.writer
    alt = pdf.alt or pdf.title
    kids: list[Any] = []
    texts = _page_texts(pdf, pages)
    for number, index in enumerate(range(pages.start, pages.start + pages.count), start=1):
        page = writer.pages[index]
        text = texts[number - 1]
        keys: dict[str, PdfObject] = {
            "Alt": TextStringObject(alt if pages.count == 1 else f"{alt}, page {number}")
        }
        if text:
            keys["ActualText"] = TextStringObject(text)
        figure = tree.element("Figure", sect, Pg=tree.page_refs[index], K=NumberObject(0), **keys)
        tree.mark(index, 0, figure)
        _wrap(writer, page, b"/Figure <</MCID 0>> BDC q\n", b"\nQ EMC\n")
        kids.append(figure)
        annotations = page.get("/Annots")
        for annotation in annotations.get_object() if annotations is not None else ():
            if annotation.get_object().get("/Subtype") == "/Link":
                kids.append(tree.link(index, annotation, sect))
    return kids


def _wrap(writer: PdfWriter, page: Any, prefix: bytes, suffix: bytes) -> None:
    """Put ``prefix`` before and ``suffix`` after the page's content streams."""
    contents = page.get("/Contents")
    existing = contents.get_object() if contents is not None else ArrayObject()
    middle = list(existing) if isinstance(existing, ArrayObject) else [contents]
    streams = []
    for data in (prefix, suffix):
        stream = DecodedStreamObject()
        stream.set_data(data)
        streams.append(writer._add_object(stream))
    page[NameObject("/Contents")] = ArrayObject([streams[0], *middle, streams[1]])


def _is_tagged(pdf: SuppliedPdf) -> bool:
    try:
        reader = PdfReader(pdf.source)
        if reader.is_encrypted:
            reader.decrypt(working_password(pdf) or "")
        root = cast(DictionaryObject, reader.trailer["/Root"].get_object())
        marked = root.get("/MarkInfo")
        return "/StructTreeRoot" in root and bool(
            marked and marked.get_object().get("/Marked", False)
        )
    except Exception:  # an unreadable file was reported by assembly; treat it as untagged
        return False


def write_structure(writer: PdfWriter, assembled: Assembled, structure: StructureInput) -> None:
    """Write the whole structure tree into the merged ``writer``; call it after every merge."""
    tree = _Tree(writer)
    record = structure.record
    root_entry = record["elements"][0]
    document = tree.element(root_entry["role"], None)
    body = assembled.range_of("body")
    body_kids = _body(tree, record, body[0].start, document) if body else []
    before: list[Any] = []
    after: list[Any] = []
    for pages in assembled.ranges:
        if pages.kind not in _SUPPLIED_KINDS:
            continue
        pdf = structure.supplied.get(pages.source)
        if pdf is None:
            continue
        sect = tree.element("Sect", document, T=TextStringObject(pages.title))
        if _is_tagged(pdf):
            try:
                kids = graft(tree, pdf, pages, sect, structure.notes)
            except Exception as error:  # a damaged tree must not stop the build
                tree.forget(pages)
                kids = _figure_pages(tree, pages, pdf, sect)
                structure.conforming = False  # its own marked content now sits in a Figure
                structure.notes.append(
                    f"{pdf.label} is tagged, but its structure cannot be used ({error}); its "
                    "pages are read as figures instead"
                )
        else:
            kids = _figure_pages(tree, pages, pdf, sect)
            note = (
                f"{pdf.label} is not tagged: each of its pages is read as a figure described "
                "by its alt: text, with the page's text as the figure's actual text"
            )
            if note not in structure.notes:
                structure.notes.append(note)
        _set_kids(sect, kids, None)
        (before if pages.kind == "cover-front" else after).append(sect)
    _set_kids(document, [*before, *body_kids, *after], None)
    tree.finish([document], tree.role_map)
    for note in structure.notes:
        log.warning("%s", note)


def _source_pages(reader: PdfReader, pages: PageRange) -> dict[int, int]:
    """Source page index -> merged page index for the pages of ``pages``."""
    total = len(reader.pages)
    first = total - pages.count if pages.kind == "cover-back" else 0
    return {first + i: pages.start + i for i in range(pages.count)}


def _links(page: Any) -> list[Any]:
    annotations = page.get("/Annots")
    return [
        a
        for a in (annotations.get_object() if annotations is not None else ())
        if a.get_object().get("/Subtype") == "/Link"
    ]


_COPIED_KEYS = ("/Alt", "/ActualText", "/Lang", "/T", "/E", "/A", "/C", "/ID")


def graft(
    tree: _Tree, pdf: SuppliedPdf, pages: PageRange, sect: IndirectObject, notes: list[str]
) -> list[Any]:
    """Copy a tagged supplied file's structure under ``sect``; returns the new kids.

    The pages were copied unchanged, so their MCIDs stay valid; only page references, the
    ParentTree keys and annotation references are remapped.  A source ``Document`` becomes
    a ``Part``.  Links the source left untagged get a ``Link`` element of their own.
    """
    writer = tree.writer
    reader = PdfReader(pdf.source)
    if reader.is_encrypted:
        reader.decrypt(working_password(pdf) or "")
    mapping = _source_pages(reader, pages)
    source_index = {
        page.indirect_reference.idnum: index
        for index, page in enumerate(reader.pages)
        if page.indirect_reference is not None
    }
    catalog = cast(DictionaryObject, reader.trailer["/Root"].get_object())
    root = cast(DictionaryObject, catalog["/StructTreeRoot"].get_object())
    role_map = root.get("/RoleMap")
    if role_map is not None:
        tree.role_map.update(
            {
                NameObject(k): v
                for k, v in cast(DictionaryObject, role_map.get_object()).items()
                if k not in tree.role_map
            }
        )
    registered: set[int] = set()

    def merged_page(ref: Any) -> int | None:
        index = source_index.get(getattr(ref, "idnum", -1))
        return mapping.get(index) if index is not None else None

    def annotation_for(obj: Any, source_page: int) -> Any:
        """The merged copy of a source link: same position among the page's kept links."""
        target = mapping.get(source_page)
        if target is None:
            return None
        source_links = [a for a in _links(reader.pages[source_page]) if safe_link(a.get_object())]
        position = next(
            (i for i, a in enumerate(source_links) if a.idnum == getattr(obj, "idnum", None)),
            None,
        )
        copies = _links(writer.pages[target])
        return copies[position] if position is not None and position < len(copies) else None

    seen: set[int] = set()

    def copy(node: DictionaryObject, parent: IndirectObject) -> IndirectObject | None:
        identity = node.indirect_reference.idnum if node.indirect_reference else id(node)
        if identity in seen or len(seen) > MAX_GRAFTED:
            raise ValueError("the structure tree loops or is too large")
        seen.add(identity)
        role = str(node.get("/S", "/NonStruct"))[1:]
        if role == "Document":
            role = "Part"
        keys = {key[1:]: node.raw_get(key).clone(writer) for key in _COPIED_KEYS if key in node}
        ref = tree.element(role, parent, **keys)
        page = merged_page(node.raw_get("/Pg")) if "/Pg" in node else None
        kids: list[Any] = []
        raw = node.get("/K")
        items = raw if isinstance(raw, ArrayObject) else ([raw] if raw is not None else [])
        for item in items:
            value = item.get_object()
            if isinstance(value, NumberObject | int) and not isinstance(value, bool):
                if page is not None:
                    tree.mark(page, int(value), ref)
                    kids.append(
                        DictionaryObject(
                            {
                                NameObject("/Type"): NameObject("/MCR"),
                                NameObject("/Pg"): tree.page_refs[page],
                                NameObject("/MCID"): NumberObject(int(value)),
                            }
                        )
                    )
            elif isinstance(value, DictionaryObject) and value.get("/Type") == "/MCR":
                where = merged_page(value.raw_get("/Pg")) if "/Pg" in value else page
                if where is not None and "/Stm" not in value:
                    tree.mark(where, int(cast(Any, value["/MCID"])), ref)
                    kids.append(
                        DictionaryObject(
                            {
                                NameObject("/Type"): NameObject("/MCR"),
                                NameObject("/Pg"): tree.page_refs[where],
                                NameObject("/MCID"): NumberObject(int(cast(Any, value["/MCID"]))),
                            }
                        )
                    )
            elif isinstance(value, DictionaryObject) and value.get("/Type") == "/OBJR":
                pg = value.raw_get("/Pg") if "/Pg" in value else node.raw_get("/Pg")
                index = source_index.get(getattr(pg, "idnum", -1))
                annotation = (
                    annotation_for(value.raw_get("/Obj"), index) if index is not None else None
                )
                if annotation is not None and index is not None:
                    target = mapping[index]
                    kids.append(
                        DictionaryObject(
                            {
                                NameObject("/Type"): NameObject("/OBJR"),
                                NameObject("/Obj"): annotation,
                                NameObject("/Pg"): tree.page_refs[target],
                            }
                        )
                    )
                    tree.register(target, annotation, ref)
                    registered.add(annotation.idnum)
            elif isinstance(value, DictionaryObject) and "/S" in value:
                child = copy(value, ref)
                if child is not None:
                    kids.append(child)
        if not kids:
            return None
        # Simple MCIDs written as MCRs carry their page; the first one's page is the /Pg.
        _set_kids(ref, kids, None)
        return ref

    kids: list[Any] = []
    top = root.get("/K")
    for item in top if isinstance(top, ArrayObject) else [top]:
        value = item.get_object() if item is not None else None
        if isinstance(value, DictionaryObject):
            element = copy(value, sect)
            if element is not None:
                node = cast(DictionaryObject, element.get_object())
                if "/Lang" not in node and "/Lang" in catalog:
                    node[NameObject("/Lang")] = TextStringObject(str(catalog["/Lang"]))
                kids.append(element)
    for index in range(pages.start, pages.start + pages.count):
        for annotation in _links(writer.pages[index]):
            if annotation.idnum not in registered:
                kids.append(tree.link(index, annotation, sect))
    notes.append(f"{pdf.label} is tagged: its structure is kept, under '{pages.title}'")
    return kids


__all__: Sequence[str] = ("StructureInput", "write_structure")
