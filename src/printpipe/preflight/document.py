"""Opening a file, and the document-level checks: encryption, intent, XMP, Info, actions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree import ElementTree

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError
from pypdf.generic import (
    ArrayObject,
    IndirectObject,
    NameObject,
    PdfObject,
    StreamObject,
)

from printpipe.errors import (
    BadInputFileError,
    MissingInputError,
)
from printpipe.preflight.pdfobjects import (
    _BROKEN,
    DataOnDemand,
    _annotations,
    _resolve,
    _why,
)
from printpipe.preflight.profiles import (
    _INTENT_RULES,
    PreflightProfile,
)
from printpipe.preflight.report import (
    _Findings,
)

_SUPPLIED_ENCRYPTED_HINT = (
    "printpipe can read it, but ask the designer for an unencrypted export: the merged file "
    "must not carry restrictions"
)


def _open(path: Path, name: str, password: str | None) -> PdfReader:
    """Open with pypdf's forgiving parser; only a file it cannot read at all is fatal.

    The reader reads objects from the open file as the checks ask for them (given a path,
    pypdf would read the whole file into memory) and keeps no image data (:class:`_Reader`),
    so checking a 500 MB press file takes the memory of its pages, not of its photos.  The
    caller closes ``reader.stream``.
    """
    if not path.is_file():
        raise MissingInputError(f"{name}: no such file", hint="check the path")
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise _unreadable(name, exc) from exc
    try:
        return _read(handle, name, password)
    except BaseException:
        handle.close()
        raise


def _read(handle: BinaryIO, name: str, password: str | None) -> PdfReader:
    try:
        reader = _Reader(handle, strict=False)
        if reader.is_encrypted and reader.decrypt(password or "") == PasswordType.NOT_DECRYPTED:
            if password is None:
                raise BadInputFileError(
                    f"{name} is encrypted with a password",
                    hint="supply the password (password: key) in the edition, or ask for an "
                    "unencrypted export",
                )
            raise BadInputFileError(
                f"{name}: the password given does not open it",
                hint="supply the password (password: key) that opens the file",
            )
        reader.trailer["/Root"].get_object()
    except DependencyError as exc:
        raise BadInputFileError(
            f"{name} uses encryption this installation cannot read ({exc})",
            hint="install pypdf[crypto] (the cryptography package)",
        ) from exc
    except (*_BROKEN, OSError) as exc:
        raise _unreadable(name, exc) from exc
    return reader


class _Reader(PdfReader):
    """pypdf's reader, caching image XObjects without their data.

    pypdf reads a stream's bytes with its dictionary and caches every object it reads, so
    looking at each image's ``/Width`` and ``/ColorSpace`` kept every photo of the file in
    memory.  Preflight reads image dictionaries only; should anything ask for an image's
    data, :class:`_ImageDictionary` reads it again from the file.
    """

    def cache_indirect_object(
        self, generation: int, idnum: int, obj: PdfObject | None
    ) -> PdfObject | None:
        if isinstance(obj, StreamObject) and obj.get("/Subtype") == "/Image":
            lean = _ImageDictionary(self, idnum, generation)
            lean.update(obj)
            obj = lean
        return super().cache_indirect_object(generation, idnum, obj)


class _ImageDictionary(DataOnDemand):
    """An image XObject read from a file, whose data is read again each time it is asked for."""

    def __init__(self, reader: PdfReader, idnum: int, generation: int) -> None:
        super().__init__()
        self._source = (reader, idnum, generation)

    def fetch(self) -> bytes:
        reader, idnum, generation = self._source
        saved = reader.resolved_objects.pop((generation, idnum), None)
        try:
            fresh = PdfReader.get_object(reader, IndirectObject(idnum, generation, reader))
        finally:
            reader.resolved_objects[(generation, idnum)] = saved
        return fresh._data if isinstance(fresh, StreamObject) else b""


def _unreadable(name: str, exc: BaseException) -> BadInputFileError:
    return BadInputFileError(
        f"{name} cannot be read as a PDF ({_why(exc)})",
        hint="re-export it from the application that made it (or repair it with qpdf) and "
        "check that the copy is complete",
    )


def _report_encryption(prof: PreflightProfile, with_password: bool, out: _Findings) -> None:
    how = "opened with the password given" if with_password else "owner password only"
    if prof.forbid_encryption:
        out.add("error", "security.encrypted", f"the file is encrypted ({how})")
    else:
        out.add(
            "warning",
            "security.encrypted",
            f"the file is encrypted ({how})",
            hint=_SUPPLIED_ENCRYPTED_HINT,
        )


def _check_document(reader: PdfReader, prof: PreflightProfile, out: _Findings) -> None:
    try:
        root = reader.trailer["/Root"].get_object()
        _check_intent(root, prof, out)
        _check_xmp(root, prof, out)
        _check_info(reader, prof, out)
        _check_document_actions(root, prof, out)
    except _BROKEN as exc:
        out.add("error", "file.broken", f"unreadable document catalog ({_why(exc)})")


def _check_intent(root: Any, prof: PreflightProfile, out: _Findings) -> None:
    if prof.output_intent is None:
        return
    want = prof.output_intent
    intents = [i.get_object() for i in _resolve(root.get("/OutputIntents")) or ()]
    matching = [i for i in intents if isinstance(i, dict) and i.get("/S") == want]
    if not matching:
        out.add("error", "intent.missing", f"no {want[1:]} output intent")
        return
    rule = _INTENT_RULES.get(want)
    for intent in matching:
        problems = []
        icc = _resolve(intent.get("/DestOutputProfile"))
        if not isinstance(icc, StreamObject):
            problems.append("no DestOutputProfile stream")
        elif rule is not None:
            n = icc.get("/N")
            if n != rule.components:
                problems.append(f"profile /N is {n}, not {rule.components}")
            data = icc.get_data()
            if len(data) >= 128 and data[36:40] == b"acsp" and data[16:20] != rule.icc_space:
                problems.append(f"the ICC profile is {data[16:20].decode('latin-1').strip()}")
        if not intent.get("/OutputConditionIdentifier"):
            problems.append("no /OutputConditionIdentifier")
        if problems:
            out.add("error", "intent.malformed", f"{want[1:]} output intent: {'; '.join(problems)}")


def _check_xmp(root: Any, prof: PreflightProfile, out: _Findings) -> None:
    if not prof.require_xmp:
        return
    meta = _resolve(root.get("/Metadata"))
    if not isinstance(meta, StreamObject):
        out.add("error", "xmp.missing", "no XMP metadata stream in the catalog")
        return
    if meta.get("/Type") != "/Metadata" or meta.get("/Subtype") != "/XML":
        out.add("error", "xmp.malformed", "the metadata stream lacks /Type /Metadata /Subtype /XML")
    try:
        tree = ElementTree.fromstring(meta.get_data())
    except ElementTree.ParseError as exc:
        out.add("error", "xmp.malformed", f"the XMP packet is not well-formed XML ({exc})")
        return
    rule = _INTENT_RULES.get(prof.output_intent or "")
    if (
        rule is not None
        and prof.claims_standard
        and not _xmp_has(tree, rule.xmp_namespace, rule.xmp_property)
    ):
        out.add("error", "xmp.malformed", f"the XMP packet has no {rule.xmp_label}")


def _xmp_has(tree: ElementTree.Element, namespace: str, prop: str) -> bool:
    """True if the property appears as an element or as an attribute (both are valid XMP)."""
    qualified = f"{{{namespace}}}{prop}"
    return any(el.tag == qualified or qualified in el.attrib for el in tree.iter())


def _check_info(reader: PdfReader, prof: PreflightProfile, out: _Findings) -> None:
    rule = _INTENT_RULES.get(prof.output_intent or "")
    if rule is None or not rule.trapped_is_name:
        return
    info = _resolve(reader.trailer.get("/Info"))
    trapped = info.get("/Trapped") if isinstance(info, dict) else None
    if trapped is not None and not isinstance(trapped, NameObject):
        out.add("error", "info.trapped", f"Info /Trapped is the string {str(trapped)!r}")


_BAD_ACTIONS = {"/JavaScript": "runs JavaScript", "/Launch": "launches an application"}


def _bad_actions(action: Any, seen: set[int] | None = None) -> Iterator[str]:
    """What a (chain of) action(s) does that a print file must not, following /Next."""
    seen = set() if seen is None else seen
    action = _resolve(action)
    if isinstance(action, ArrayObject):
        for a in action:
            yield from _bad_actions(a, seen)
        return
    if not isinstance(action, dict) or id(action) in seen or len(seen) > 100:
        return
    seen.add(id(action))
    verb = _BAD_ACTIONS.get(str(action.get("/S", "")))
    if verb:
        yield verb
    yield from _bad_actions(action.get("/Next"), seen)


def _additional(holder: Any) -> Iterator[str]:
    """Bad actions of ``/A`` and every ``/AA`` trigger of a dictionary."""
    yield from _bad_actions(holder.get("/A"))
    aa = _resolve(holder.get("/AA"))
    if isinstance(aa, dict):
        for trigger in aa.values():
            yield from _bad_actions(trigger)


def _js_severity(prof: PreflightProfile) -> str:
    return "error" if prof.forbid_javascript else "warning"


def _check_document_actions(root: Any, prof: PreflightProfile, out: _Findings) -> None:
    sev = _js_severity(prof)
    names = _resolve(root.get("/Names"))
    if isinstance(names, dict) and names.get("/JavaScript") is not None:
        out.add(sev, "security.javascript", "document-level JavaScript (/Names /JavaScript)")
    for verb in _bad_actions(root.get("/OpenAction")):
        out.add(sev, "security.javascript", f"the open action {verb}")
    for verb in _additional(root):
        out.add(sev, "security.javascript", f"a document action (/AA) {verb}")
    acro = _resolve(root.get("/AcroForm"))
    for holder, what in _walk_tree(acro.get("/Fields") if isinstance(acro, dict) else None):
        for verb in _additional(holder):
            out.add(sev, "security.javascript", f"form field {what} {verb}")
    outlines = _resolve(root.get("/Outlines"))
    first = outlines.get("/First") if isinstance(outlines, dict) else None
    for holder, what in _walk_outline(first):
        for verb in _bad_actions(holder.get("/A")):
            out.add(sev, "security.javascript", f"bookmark {what} {verb}")


def _walk_tree(kids: Any, limit: int = 50_000) -> Iterator[tuple[Any, str]]:
    """Form fields and their /Kids, iteratively and with a visited set."""
    stack, seen = [kids], set[int]()
    while stack and len(seen) < limit:
        items = _resolve(stack.pop())
        for item in items if isinstance(items, ArrayObject) else ():
            node = _resolve(item)
            if isinstance(node, dict) and id(node) not in seen:
                seen.add(id(node))
                yield node, repr(str(node.get("/T", "")))
                stack.append(node.get("/Kids"))


def _walk_outline(first: Any, limit: int = 50_000) -> Iterator[tuple[Any, str]]:
    """Outline items through /First and /Next, iteratively and with a visited set."""
    stack, seen = [first], set[int]()
    while stack and len(seen) < limit:
        node = _resolve(stack.pop())
        if isinstance(node, dict) and id(node) not in seen:
            seen.add(id(node))
            yield node, repr(str(node.get("/Title", "")))
            stack.extend((node.get("/Next"), node.get("/First")))


def _check_page_actions(page: Any, number: int, prof: PreflightProfile, out: _Findings) -> None:
    sev = _js_severity(prof)
    aa = _resolve(page.get("/AA"))
    for trigger, when in (("/O", "page-open"), ("/C", "page-close")):
        for verb in _bad_actions(aa.get(trigger) if isinstance(aa, dict) else None):
            out.add(sev, "security.javascript", f"the {when} action {verb}", number)
    for annot in _annotations(page):
        for verb in _additional(annot):
            kind = str(annot.get("/Subtype", "/Annot"))[1:]
            out.add(sev, "security.javascript", f"a {kind} annotation {verb}", number)
