"""Uploaded files: what type a file is by its content, a safe display name, and its bytes
written to the data folder (fsynced and renamed) before the database commits the message.

No web framework here: the route hands over a readable binary file and the client's file name.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from chat.errors import Invalid, PayloadTooLarge

CHUNK = 256 * 1024
NAME_MAX = 120  # characters of a display name


@dataclass(frozen=True, slots=True)
class Kind:
    """An allowed type: its Content-Type, the extensions a name may have, whether it previews."""

    content_type: str
    extensions: tuple[str, ...]
    label: str
    image: bool = False


PNG = Kind("image/png", (".png",), "a PNG image", image=True)
JPEG = Kind("image/jpeg", (".jpg", ".jpeg", ".jfif"), "a JPEG image", image=True)
GIF = Kind("image/gif", (".gif",), "a GIF image", image=True)
WEBP = Kind("image/webp", (".webp",), "a WebP image", image=True)
PDF = Kind("application/pdf", (".pdf",), "a PDF document")
TEXT = Kind("text/plain; charset=utf-8", (".txt", ".log", ".md", ".csv"), "plain text")
DOCX = Kind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
    "a Word document",
)
XLSX = Kind(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
    "an Excel workbook",
)
KINDS = (PNG, JPEG, GIF, WEBP, PDF, TEXT, DOCX, XLSX)
# What a file's name may end with: clients offer these in their file pickers.
EXTENSIONS = tuple(extension for kind in KINDS for extension in kind.extensions)
ALLOWED = "PNG, JPEG, GIF or WebP images, PDF, plain text (.txt .csv .log .md), .docx or .xlsx"
# Text that a browser would take for markup (the WHATWG sniffing patterns, plus SVG and XML):
# refused even as .txt, though it would be served as text/plain with nosniff anyway.
MARKUP = re.compile(
    rb"\s*<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body"
    rb"|br|p|svg|\?xml)[\s>/]|\s*<!--",
    re.IGNORECASE,
)


def _magic(head: bytes) -> Kind | None:
    """The binary type whose signature starts `head`; None when it has none we allow."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return DOCX  # provisionally: _office() looks inside once the whole file is written
    return None


def _office(path: Path) -> Kind | None:
    """A zip is allowed only as a Word or Excel document: [Content_Types].xml plus its part."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def display_name(raw: str) -> str:
    """The client's file name made safe to show and to put in a header: the last path segment,
    no control or format characters (bidi overrides included), at most NAME_MAX characters
    with the extension kept. It is still shown only as text."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        " " if c.isspace() else c for c in name if unicodedata.category(c) not in ("Cc", "Cf")
    )
    name = re.sub(r" {2,}", " ", name).strip().lstrip(".").strip()
    stem, ext = os.path.splitext(name)
    if len(ext) > 16:
        stem, ext = name, ""
    return stem[: NAME_MAX - len(ext)].rstrip() + ext if len(name) > NAME_MAX else name


def _named(name: str, kind: Kind) -> str:
    """The display name for a file of `kind`: refused when its extension says another type; a
    name without an extension gets the type's own."""
    stem, ext = os.path.splitext(name)
    if not stem:
        return "file" + kind.extensions[0]
    if not ext:
        return name + kind.extensions[0]
    if ext.lower() not in kind.extensions:
        raise Invalid(
            f"The file's name ends in {ext} but its content is {kind.label}. "
            "Rename it or send the right file."
        )
    return name


@dataclass(frozen=True, slots=True)
class Staged:
    """A file on disk under its random name, waiting for the transaction that posts it."""

    path: Path
    name: str
    kind: Kind
    size: int
    sha256: str

    @property
    def stored_name(self) -> str:
        return self.path.name

    def view(self, attachment_id: int) -> dict[str, Any]:
        return {
            "id": attachment_id,
            "name": self.name,
            "content_type": self.kind.content_type,
            "size": self.size,
        }

    def discard(self) -> None:
        """Remove the file: its transaction failed or stored nothing new."""
        self.path.unlink(missing_ok=True)


class _Check:
    """Looks at the bytes as they are copied: the type from the first chunk, and for text that
    every byte is UTF-8 without NUL."""

    def __init__(self) -> None:
        self.kind: Kind | None = None
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.seen = 0

    def feed(self, chunk: bytes) -> None:
        if self.seen == 0:
            self.kind = _magic(chunk[:16])
            if self.kind is None:
                if MARKUP.match(chunk[:1024].removeprefix(b"\xef\xbb\xbf")):
                    raise Invalid(_refused("HTML, SVG or XML"))
                self.kind = TEXT
        self.seen += len(chunk)
        if self.kind is TEXT:
            self._text(chunk)

    def _text(self, chunk: bytes, final: bool = False) -> None:
        if b"\x00" in chunk:
            raise Invalid(_refused("binary data of a type we do not accept"))
        try:
            self.decoder.decode(chunk, final)
        except UnicodeDecodeError:
            raise Invalid(_refused("binary data of a type we do not accept")) from None

    def finish(self) -> None:
        if self.kind is TEXT:
            self._text(b"", final=True)


def _refused(what: str) -> str:
    return f"That file looks like {what}. You can send {ALLOWED}."


def stage(source: BinaryIO, raw_name: str, folder: Path, max_bytes: int) -> Staged:
    """Check the file and copy it to `folder` under a random name: written to a temporary file,
    fsynced, renamed, and the folder fsynced, so that once the database commits the message
    the file is there. Blocking: run it in a worker thread."""
    folder.mkdir(parents=True, exist_ok=True)
    name = display_name(raw_name)
    stored = folder / secrets.token_hex(16)
    temp = folder / f".upload-{stored.name}"
    check, digest, size = _Check(), hashlib.sha256(), 0
    try:
        with temp.open("xb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise PayloadTooLarge(f"The file is larger than {_mib(max_bytes)}.")
                check.feed(chunk)
                digest.update(chunk)
                out.write(chunk)
            if size == 0:
                raise Invalid("The file is empty.")
            check.finish()
            out.flush()
            os.fsync(out.fileno())
        kind = check.kind
        if kind is DOCX:
            kind = _office(temp)
            if kind is None:
                raise Invalid(_refused("an archive of a type we do not accept"))
        assert kind is not None
        name = _named(name, kind)
        os.replace(temp, stored)
        _fsync_folder(folder)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return Staged(stored, name, kind, size, digest.hexdigest())


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:g} MiB" if size >= 1024 * 1024 else f"{size // 1024} KiB"


def content_disposition(name: str, inline: bool) -> str:
    """`inline` or `attachment` with the name as RFC 5987 UTF-8 and a plain ASCII fallback."""
    fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", name)[:NAME_MAX] or "file"
    encoded = quote(name, safe="")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def kind_of(content_type: str) -> Kind | None:
    return next((k for k in KINDS if k.content_type == content_type), None)
