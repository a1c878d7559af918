"""Stage 5: make the merged file what its target promises.

Page labels and the outline follow the page map from assembly; metadata (Info and XMP), the
output intent and ``/ID`` are written from the edition and the build date only, never the
clock or a random source, so two builds of the same inputs are byte-identical.  Actions and
scripts from supplied files are removed: nothing executable reaches our output.
"""

from __future__ import annotations

import hashlib
import os
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast
from xml.sax.saxutils import escape

from pypdf import PdfReader, PdfWriter
from pypdf.constants import PageLabelStyle
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    ContentStream,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    RectangleObject,
    StreamObject,
    TextStringObject,
)

from printpipe import __version__
from printpipe.assemble import Assembled, safe_link, set_annotations
from printpipe.errors import UsageError
from printpipe.model import Edition
from printpipe.structure import StructureInput, write_structure
from printpipe.targets import Target

DECIMAL = PageLabelStyle.DECIMAL
ROMAN = PageLabelStyle.LOWERCASE_ROMAN
NAMESPACE = uuid.UUID("6c1f5f0e-3d0b-4c8e-9a57-7072696e7470")  # printpipe's, for stable UUIDs


@dataclass(frozen=True)
class Heading:
    """A heading to put in the outline: title, level, 0-based page index in the merged file."""

    title: str
    level: int
    page_index: int


def build_date(edition: Edition) -> datetime:
    """The date written into the PDF: SOURCE_DATE_EPOCH, else the edition's date or year."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except (ValueError, OverflowError):
            raise UsageError(
                f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds",
                hint="set it to e.g. $(git log -1 --format=%ct) or unset it",
            ) from None
    day = date.fromisoformat(edition.date) if edition.date else date(edition.year, 12, 31)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def pdf_date(moment: datetime) -> str:
    """The PDF date syntax, always in UTC so the bytes do not depend on the machine's zone."""
    return moment.strftime("D:%Y%m%d%H%M%S+00'00'")


def xmp_date(moment: datetime) -> str:
    """The XMP (ISO 8601) date, in UTC, matching the Info dates to the second."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


_PDFUA_EXTENSION = """\
  <rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
    xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
    xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
   <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
    <pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
    <pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
    <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
    <pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
     <pdfaProperty:name>part</pdfaProperty:name>
     <pdfaProperty:valueType>Integer</pdfaProperty:valueType>
     <pdfaProperty:category>internal</pdfaProperty:category>
     <pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed\
</pdfaProperty:description>
    </rdf:li></rdf:Seq></pdfaSchema:property>
   </rdf:li></rdf:Bag></pdfaExtension:schemas>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
   <pdfuaid:part>1</pdfuaid:part>
  </rdf:Description>
"""


def _xmp(
    edition: Edition,
    target: Target,
    moment: datetime,
    document_id: str,
    producer: str,
    tagged: bool = False,
) -> bytes:
    """The XMP packet, written out in full: pypdf has no setter for the PDF/X identifiers.

    ``tagged``: the structure tree was written, so the file declares PDF/UA-1 and an archive
    PDF/A-2 level a; without it an archive claims only level b.
    """
    when = xmp_date(moment)
    standard = _PDFUA_EXTENSION if tagged else ""
    if target.standard == "PDF/X-4":
        standard = (
            '  <rdf:Description rdf:about="" xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/">\n'
            "   <pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>\n"
            "  </rdf:Description>\n"
        )
    elif target.standard is not None and target.standard.startswith("PDF/A-2"):
        level = "A" if tagged else "B"
        standard += (
            '  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">\n'
            "   <pdfaid:part>2</pdfaid:part>\n"
            f"   <pdfaid:conformance>{level}</pdfaid:conformance>\n"
            "  </rdf:Description>\n"
        )
    # PDF/X requires the trapping state; PDF/A-1 validators reject pdf:Trapped, so only press.
    trapped = "   <pdf:Trapped>False</pdf:Trapped>\n" if target.standard == "PDF/X-4" else ""
    title = escape(edition.title)
    description = escape(edition.subtitle or edition.title)
    language = escape(edition.language)
    packet = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{description}</rdf:li></rdf:Alt>
   </dc:description>
   <dc:creator><rdf:Seq><rdf:li>{escape(edition.organisation)}</rdf:li></rdf:Seq></dc:creator>
   <dc:language><rdf:Bag><rdf:li>{language}</rdf:li></rdf:Bag></dc:language>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <xmp:CreateDate>{when}</xmp:CreateDate>
   <xmp:ModifyDate>{when}</xmp:ModifyDate>
   <xmp:MetadataDate>{when}</xmp:MetadataDate>
   <xmp:CreatorTool>printpipe {__version__}</xmp:CreatorTool>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Producer>{escape(producer)}</pdf:Producer>
{trapped}  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/">
   <xmpMM:DocumentID>uuid:{document_id}</xmpMM:DocumentID>
   <xmpMM:InstanceID>uuid:{document_id}</xmpMM:InstanceID>
   <xmpMM:RenditionClass>default</xmpMM:RenditionClass>
   <xmpMM:VersionID>1</xmpMM:VersionID>
  </rdf:Description>
{standard} </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return packet.encode("utf-8")


def _content_digest(writer: PdfWriter) -> bytes:
    digest = hashlib.md5(usedforsecurity=False)
    for page in writer.pages:
        contents = page.get_contents()
        if contents is not None:
            digest.update(contents.get_data())
        digest.update(repr([float(v) for v in page.mediabox]).encode())
    return digest.digest()


def _strip_actions(writer: PdfWriter, keep_links: bool) -> None:
    """Remove scripts and actions from the catalog, pages and annotations."""
    root = writer.root_object
    for key in ("/OpenAction", "/AA"):
        if key in root:
            del root[NameObject(key)]
    names = root.get("/Names")
    if names is not None:
        names = names.get_object()
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if key in names:
                del names[NameObject(key)]
    for page in writer.pages:
        if "/AA" in page:
            del page[NameObject("/AA")]
        annotations = page.get("/Annots")
        if annotations is None:
            continue
        kept = ArrayObject()
        for ref in annotations.get_object():
            annotation = ref.get_object()
            if annotation.get("/Subtype") != "/Link" or not keep_links:
                continue
            if not safe_link(annotation):
                continue
            if "/AA" in annotation:
                del annotation[NameObject("/AA")]
            # PDF/A: every annotation prints and is not hidden (ISO 19005-2, 6.3.2).
            annotation[NameObject("/F")] = NumberObject(4)
            kept.append(ref)
        set_annotations(page, kept)
    if "/AcroForm" in root:
        del root[NameObject("/AcroForm")]


def _roman_front_pages(headings: Sequence[Heading], body_start: int) -> int:
    """Body pages before the first section heading are front matter (numbered in roman)."""
    firsts = [h.page_index for h in headings if h.level == 1]
    return max(0, min(firsts) - body_start) if firsts else 0


def _labels(
    writer: PdfWriter, assembled: Assembled, headings: Sequence[Heading], folio_start: int
) -> None:
    letters = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    cover_pages = 0
    for page_range in assembled.ranges:
        first, last = page_range.start, page_range.start + page_range.count - 1
        if page_range.kind in ("cover-front", "cover-back"):
            writer.set_page_label(first, last, prefix="C", style=DECIMAL, start=cover_pages + 1)
            cover_pages += page_range.count
        elif page_range.kind == "body":
            roman = _roman_front_pages(headings, first)
            if roman:
                writer.set_page_label(first, first + roman - 1, style=ROMAN, start=1)
            if first + roman <= last:
                writer.set_page_label(first + roman, last, style=DECIMAL, start=folio_start)
        elif page_range.kind == "appendix":
            writer.set_page_label(first, last, prefix=f"{next(letters)}-", style=DECIMAL, start=1)
        else:
            writer.set_page_label(first, last, prefix="Blank-", style=DECIMAL, start=1)


def _outline(writer: PdfWriter, assembled: Assembled, headings: Sequence[Heading]) -> None:
    for page_range in assembled.ranges:
        if page_range.kind == "cover-front":
            writer.add_outline_item(title="Cover", page_number=page_range.start)
        elif page_range.kind == "body":
            parent = None
            for heading in headings:
                if heading.level == 1:
                    parent = writer.add_outline_item(
                        title=heading.title, page_number=heading.page_index
                    )
                elif heading.level == 2:
                    writer.add_outline_item(
                        title=heading.title, page_number=heading.page_index, parent=parent
                    )
        elif page_range.kind == "appendix":
            writer.add_outline_item(title=page_range.title, page_number=page_range.start)


def _output_intent(writer: PdfWriter, target: Target, edition: Edition) -> None:
    press = edition.layout.press
    if target.output_intent is None:
        return
    cmyk = target.output_intent == "/GTS_PDFX"
    profile = press.cmyk_profile if cmyk else press.rgb_profile
    if profile is None:
        raise UsageError(
            f"the {target.name} target needs an ICC profile (colour_management."
            f"{'cmyk' if cmyk else 'rgb'}_profile in the layout)",
            hint="name the profile in the layout",
        )
    data = Path(profile).read_bytes()
    stream = StreamObject()
    stream._data = zlib.compress(data, 9)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    stream[NameObject("/N")] = NumberObject(4 if cmyk else 3)
    identifier = press.output_condition_identifier if cmyk else "sRGB IEC61966-2.1"
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject(target.output_intent),
            NameObject("/OutputConditionIdentifier"): TextStringObject(identifier),
            NameObject("/OutputCondition"): TextStringObject(
                press.output_condition if cmyk else "sRGB IEC61966-2.1"
            ),
            NameObject("/RegistryName"): TextStringObject(press.registry),
            NameObject("/Info"): TextStringObject(identifier),
            NameObject("/DestOutputProfile"): writer._add_object(stream),
        }
    )
    writer.root_object[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])


MARK_SLUG = 30.0  # points beyond the bleed for crop and registration marks
MARK_GAP = 3.0  # marks start this far outside the bleed, so they never print on the piece


def _registration_colour(writer: PdfWriter) -> DictionaryObject:
    """``/Separation /All``: marks that print on every plate, as printers expect."""
    function = DictionaryObject(
        {
            NameObject("/FunctionType"): NumberObject(2),
            NameObject("/Domain"): ArrayObject([NumberObject(0), NumberObject(1)]),
            NameObject("/C0"): ArrayObject([NumberObject(0)] * 4),
            NameObject("/C1"): ArrayObject([NumberObject(1)] * 4),
            NameObject("/N"): NumberObject(1),
        }
    )
    space = ArrayObject(
        [
            NameObject("/Separation"),
            NameObject("/All"),
            NameObject("/DeviceCMYK"),
            writer._add_object(function),
        ]
    )
    return DictionaryObject({NameObject("/PPRegistration"): writer._add_object(space)})


def _marks_stream(trim: Sequence[float], bleed: float) -> bytes:
    """Crop marks at the four corners and a registration target on each side."""
    left, bottom, right, top = trim
    near = bleed + MARK_GAP
    far = bleed + MARK_SLUG - 2
    ops = ["q", "/PPRegistration CS", "1 SCN", "0.25 w"]
    for x in (left, right):
        for y, sign in ((bottom, -1), (top, 1)):
            ops.append(f"{x:.3f} {y + sign * near:.3f} m {x:.3f} {y + sign * far:.3f} l S")
    for y in (bottom, top):
        for x, sign in ((left, -1), (right, 1)):
            ops.append(f"{x + sign * near:.3f} {y:.3f} m {x + sign * far:.3f} {y:.3f} l S")
    radius = 5.0
    middle_x, middle_y = (left + right) / 2, (bottom + top) / 2
    centre = bleed + (MARK_SLUG + MARK_GAP) / 2
    for cx, cy in (
        (middle_x, bottom - centre),
        (middle_x, top + centre),
        (left - centre, middle_y),
        (right + centre, middle_y),
    ):
        ops.append(f"{cx - radius - 2:.3f} {cy:.3f} m {cx + radius + 2:.3f} {cy:.3f} l S")
        ops.append(f"{cx:.3f} {cy - radius - 2:.3f} m {cx:.3f} {cy + radius + 2:.3f} l S")
        k = 0.5523 * radius  # Bezier handle length for a quarter circle
        quarters = (
            (radius, k, k, radius, 0, radius),
            (-k, radius, -radius, k, -radius, 0),
            (-radius, -k, -k, -radius, 0, -radius),
            (k, -radius, radius, -k, radius, 0),
        )
        path = [f"{cx + radius:.3f} {cy:.3f} m"]
        for x1, y1, x2, y2, x3, y3 in quarters:
            path.append(
                f"{cx + x1:.3f} {cy + y1:.3f} {cx + x2:.3f} {cy + y2:.3f} "
                f"{cx + x3:.3f} {cy + y3:.3f} c"
            )
        ops.append(" ".join(path) + " S")
    ops.append("Q")
    return ("\n".join(ops) + "\n").encode()


def add_marks(writer: PdfWriter, bleed: float) -> None:
    """Enlarge every page beyond the bleed and draw crop and registration marks there.

    Content is never moved or scaled: the MediaBox grows outwards (negative origin is valid
    PDF) and TrimBox and BleedBox stay exactly where they were.
    """
    colour = _registration_colour(writer)
    for page in writer.pages:
        media = page.mediabox
        grown = [
            float(media.left) - MARK_SLUG,
            float(media.bottom) - MARK_SLUG,
            float(media.right) + MARK_SLUG,
            float(media.top) + MARK_SLUG,
        ]
        trim = [float(v) for v in page.trimbox]
        resources = cast(DictionaryObject, page[NameObject("/Resources")].get_object())
        spaces = resources.get("/ColorSpace")
        if spaces is None:
            resources[NameObject("/ColorSpace")] = DictionaryObject(colour)
        else:
            cast(DictionaryObject, spaces.get_object()).update(colour)
        contents = page.get_contents()
        body = contents.get_data() if contents is not None else b""
        stream = contents if contents is not None else ContentStream(None, writer)
        stream.set_data(b"q\n" + body + b"\nQ\n" + _marks_stream(trim, bleed))
        page.replace_contents(stream)
        page.mediabox = RectangleObject(grown)
        page.cropbox = RectangleObject(grown)


def _subset_tag(font_program: bytes) -> str:
    """Six capital letters derived from the embedded font program."""
    number = int.from_bytes(hashlib.sha256(font_program).digest()[:8], "big")
    letters = []
    for _ in range(6):
        number, index = divmod(number, 26)
        letters.append(chr(ord("A") + index))
    return "".join(letters)


def _fonts_of(resources: object, seen: set[int]) -> list[DictionaryObject]:
    """Font dictionaries reachable from a resource dictionary, forms included."""
    found: list[DictionaryObject] = []
    if not isinstance(resources, DictionaryObject):
        return found
    fonts = cast(DictionaryObject, (resources.get("/Font") or DictionaryObject()).get_object())
    for font in fonts.values():
        font_dict = font.get_object()
        if id(font_dict) not in seen:
            seen.add(id(font_dict))
            found.append(font_dict)
            for descendant in font_dict.get("/DescendantFonts", ArrayObject()).get_object():
                found.append(descendant.get_object())
    xobjects = cast(
        DictionaryObject, (resources.get("/XObject") or DictionaryObject()).get_object()
    )
    for xobject in xobjects.values():
        form = xobject.get_object()
        if form.get("/Subtype") == "/Form" and id(form) not in seen:
            seen.add(id(form))
            found.extend(_fonts_of(form.get("/Resources", DictionaryObject()).get_object(), seen))
    return found


def _unique_subset_tags(writer: PdfWriter) -> None:
    """Give every font subset a tag derived from its content.

    ReportLab names its first subset of every font ``AAAAAA+``; a cover, a body and an
    appendix made with it then carry different subsets under one name, which some RIPs merge
    (and print the wrong glyphs). A content-derived tag keeps the names distinct and stable.
    """
    seen: set[int] = set()
    for page in writer.pages:
        resources = page.get("/Resources")
        for font in _fonts_of(resources.get_object() if resources else None, seen):
            base = str(font.get("/BaseFont", ""))
            if len(base) < 8 or base[7] != "+" or not base[1:7].isupper():
                continue
            reference = font.get("/FontDescriptor")
            descriptor = cast(DictionaryObject, reference.get_object()) if reference else None
            program = None
            if descriptor is not None:
                for key in ("/FontFile2", "/FontFile3", "/FontFile"):
                    if key in descriptor:
                        program = cast(StreamObject, descriptor[key].get_object()).get_data()
                        break
            if program is None or descriptor is None:
                continue
            name = NameObject(f"/{_subset_tag(program + base.encode())}+{base[8:]}")
            font[NameObject("/BaseFont")] = name
            descriptor[NameObject("/FontName")] = name


def _default_cmyk(writer: PdfWriter, profile: Path) -> None:
    """Map DeviceCMYK in supplied pages to the press profile, as PDF/A allows.

    A designer's cover is CMYK; under an sRGB output intent PDF/A forbids bare DeviceCMYK but
    accepts it under a /DefaultCMYK ICC space, which also tells viewers how to show it.
    """
    stream = StreamObject()
    stream._data = zlib.compress(profile.read_bytes(), 9)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    stream[NameObject("/N")] = NumberObject(4)
    space = writer._add_object(ArrayObject([NameObject("/ICCBased"), writer._add_object(stream)]))
    for page in writer.pages:
        resources = cast(DictionaryObject, page[NameObject("/Resources")].get_object())
        spaces = resources.get("/ColorSpace")
        if spaces is None:
            resources[NameObject("/ColorSpace")] = DictionaryObject(
                {NameObject("/DefaultCMYK"): space}
            )
        else:
            cast(DictionaryObject, spaces.get_object())[NameObject("/DefaultCMYK")] = space


def finish(
    assembled: Assembled,
    edition: Edition,
    target: Target,
    headings: Sequence[Heading],
    moment: datetime,
    structure: StructureInput | None = None,
) -> PdfWriter:
    """Apply the target's promises to the merged writer and return it, ready to write.

    With ``structure`` (a tagged target) the structure tree is written, after the links that
    may not stay are gone, so every link left has its ``Link`` element.
    """
    writer = assembled.writer
    _strip_actions(writer, keep_links=target.links)
    if structure is not None:
        write_structure(writer, assembled, structure)
    _labels(writer, assembled, headings, edition.layout.folio_start)
    _outline(writer, assembled, headings)
    if target.open_outline:
        writer.page_mode = "/UseOutlines"
    writer.root_object[NameObject("/Lang")] = TextStringObject(edition.language)
    _output_intent(writer, target, edition)
    _unique_subset_tags(writer)
    if target.output_intent == "/GTS_PDFA1" and edition.layout.press.cmyk_profile is not None:
        _default_cmyk(writer, edition.layout.press.cmyk_profile)
    if target.bleed and edition.layout.press.marks and target.name == "press":
        add_marks(writer, edition.layout.page.bleed_pt)
    for page in writer.pages:
        page.compress_content_streams()
    digest = _content_digest(writer)
    document_id = str(uuid.uuid5(NAMESPACE, digest.hex() + target.name))
    producer = f"printpipe {__version__}"
    info = {
        "/Title": edition.title,
        "/Author": edition.organisation,
        "/Subject": edition.subtitle or edition.title,
        "/Creator": f"printpipe {__version__}",
        "/Producer": producer,
        "/CreationDate": pdf_date(moment),
        "/ModDate": pdf_date(moment),
    }
    if target.standard == "PDF/X-4":
        info["/GTS_PDFXVersion"] = "PDF/X-4"
    writer.metadata = info
    info_dict = cast(DictionaryObject, writer._info.get_object())  # type: ignore[union-attr]
    if target.standard == "PDF/X-4":
        info_dict[NameObject("/Trapped")] = NameObject("/False")
    metadata = StreamObject()
    metadata._data = _xmp(
        edition,
        target,
        moment,
        document_id,
        producer,
        tagged=structure is not None and structure.conforming,
    )
    metadata[NameObject("/Type")] = NameObject("/Metadata")
    metadata[NameObject("/Subtype")] = NameObject("/XML")
    writer.root_object[NameObject("/Metadata")] = writer._add_object(metadata)
    writer.pdf_header = f"%PDF-{target.pdf_version}"
    writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    drop_unreachable(writer)
    return writer


def drop_unreachable(writer: PdfWriter) -> int:
    """Free every object the catalog, Info and trailer cannot reach; returns how many.

    pypdf's own clean-up keeps any object that some object refers to, so a cycle survives it:
    a page copied only because a link's destination named it, and that page's own link
    annotations pointing back, stay in the file though nothing in the page tree reaches them
    (found by a print shop's check).  This walks from the roots instead.
    """
    # pypdf patches links copied from other files to the merged pages only when writing,
    # after copying their destination pages a second time; patch them now, so those copies
    # are unreachable below rather than left behind by the writer.
    writer._resolve_links()
    objects = writer._objects
    seen: set[int] = set()
    info = writer._info
    roots = [writer.root_object.indirect_reference, info.indirect_reference if info else None]
    stack: list[Any] = [r for r in roots if r is not None]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if item.pdf is not writer or item.idnum in seen or item.idnum > len(objects):
                continue
            seen.add(item.idnum)
            item = objects[item.idnum - 1]
        if isinstance(item, DictionaryObject):  # streams too
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    dropped = 0
    for index, obj in enumerate(objects):
        if obj is not None and index + 1 not in seen:
            objects[index] = None
            dropped += 1
    return dropped


def stamp_pages(writer: PdfWriter, overlay_path: Path) -> None:
    """Merge the one-page proof overlay on top of every page of ``writer``.

    The guides go over the artwork, not under it, because a full-bleed photo would otherwise
    hide exactly the lines a proof reader needs.  Call it before :func:`finish`, which then
    gives the overlay's font subset its own tag, compresses the merged streams, shares the
    overlay's resources between pages and counts the stamp in the document ``/ID``.
    """
    overlay = PdfReader(overlay_path).pages[0]
    for page in writer.pages:
        page.merge_page(overlay, over=True)
