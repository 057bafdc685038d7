"""Safe XML parsing for the vendor ECG readers (GE MUSE, Philips, CardioSoft, HL7 aECG).

Every XML reader of LeadSynth parses through :func:`parse_xml`, which uses ``defusedxml``:
entity declarations (billion-laughs "entity bombs") and external entities (which would let
a file make the reader open ``/etc/passwd`` or a URL) are refused before they expand, and a
file larger than :data:`MAX_XML_BYTES` is refused before it is read, so memory and time stay
bounded whatever the file holds.  A plain ``DOCTYPE`` naming an external DTD (GE MUSE writes
``<!DOCTYPE RestingECG SYSTEM "restecg.dtd">``) is accepted: the DTD is never fetched.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as StdET
from collections.abc import Iterator
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from ..errors import RecordFormatError
from ._common import read_head

__all__ = [
    "MAX_XML_BYTES",
    "parse_xml",
    "xml_root_name",
    "local",
    "child",
    "children",
    "find_path",
    "first",
    "text_of",
    "iter_local",
]

#: Largest XML file a reader opens (a 10-s 12-lead export is 0.1-1 MB; a long aECG a few
#: tens of MB).  Beyond it the file is refused before it is read.
MAX_XML_BYTES = 128 * 2**20

Element = StdET.Element

_PROLOG_RE = re.compile(rb"\s*(<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(\[.*?\])?\s*>)", re.S)
_ROOT_RE = re.compile(rb"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)[\s>/]")


def _decode_head(head: bytes) -> bytes:
    """The first bytes of an XML file as ASCII-compatible bytes (UTF-16 files decoded)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) > 1 and head[1:2] == b"\x00" and head[0:1] == b"<"):
        enc = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-16-le"
        return head.decode(enc, "ignore").encode("utf-8", "ignore")
    return head


def xml_root_name(path: Path, head: bytes | None = None) -> str | None:
    """Local name of the root element of an XML file, from its first 8 KiB (None if not XML).

    Cheap: used to recognise a vendor export by its content, not by its extension.
    """
    if head is None:
        head = read_head(path)
        if head is None:
            return None
    text = _decode_head(head).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"<"):
        return None
    # Skip the prolog: the declaration, comments, processing instructions and the DOCTYPE.
    pos = 0
    while True:
        m = _PROLOG_RE.match(text, pos)
        if not m:
            break
        pos = m.end()
    m = _ROOT_RE.match(text[pos:].lstrip())
    return m.group(2).decode("ascii", "replace") if m else None


def parse_xml(path: Path, what: str) -> Element:
    """Parse ``path`` safely and return its root element.

    Parameters
    ----------
    what
        The format expected, for messages ("GE MUSE XML").

    Raises
    ------
    RecordFormatError
        For a file too large, an entity declaration or external reference (refused
        unexpanded), or XML that is not well formed; the message names the file.
    """
    where = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise RecordFormatError(f"{where}: cannot read the file: {exc.strerror or exc}") from None
    if size > MAX_XML_BYTES:
        raise RecordFormatError(
            f"{where}: {what} file of {size / 2**20:.0f} MiB is larger than the {MAX_XML_BYTES // 2**20} MiB "
            "an XML export can plausibly be; refused"
        )
    if size == 0:
        raise RecordFormatError(f"{where}: empty file (0 bytes), not a {what} document")
    try:
        tree = SafeET.parse(str(path), forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        name = getattr(exc, "name", None)
        system_id = getattr(exc, "sysid", None)
        what_entity = f"an external entity {name!r} ({system_id})" if system_id else f"an entity {name!r}"
        raise RecordFormatError(
            f"{where}: the XML declares {what_entity}; refused unexpanded "
            "(entity expansion is how XML bombs and file-disclosure attacks work)"
        ) from None
    except StdET.ParseError as exc:
        raise RecordFormatError(f"{where}: not well-formed XML ({exc}); not a readable {what} document") from None
    except (OSError, UnicodeError, ValueError, LookupError) as exc:
        # LookupError: the declaration names an encoding Python does not know.
        text = "".join(c if c.isprintable() else "?" for c in str(exc))[:160]
        raise RecordFormatError(f"{where}: cannot parse the XML: {text}") from None
    return tree.getroot()


def local(tag: str) -> str:
    """``{namespace}name`` -> ``name``."""
    return tag.rsplit("}", 1)[-1]


def children(el: Element | None, name: str) -> list[Element]:
    """Direct children of ``el`` whose local name is ``name`` (namespace ignored)."""
    if el is None:
        return []
    return [c for c in el if local(c.tag) == name]


def child(el: Element | None, name: str) -> Element | None:
    """First direct child named ``name`` or None."""
    found = children(el, name)
    return found[0] if found else None


def first(*elements: Element | None) -> Element | None:
    """The first element that is not None (``a or b`` would test an element's children)."""
    for el in elements:
        if el is not None:
            return el
    return None


def find_path(el: Element | None, *names: str) -> Element | None:
    """Follow direct children by local name (``find_path(root, "a", "b")`` = ``root/a/b``)."""
    for name in names:
        el = child(el, name)
        if el is None:
            return None
    return el


def iter_local(el: Element, name: str) -> Iterator[Element]:
    """Every descendant of ``el`` (itself included) with local name ``name``."""
    for sub in el.iter():
        if local(sub.tag) == name:
            yield sub


def text_of(el: Element | None, *names: str) -> str | None:
    """Stripped text of ``el/names...``; None when absent or blank."""
    target = find_path(el, *names) if names else el
    if target is None or target.text is None:
        return None
    text = target.text.strip()
    return text or None
