"""Checking an uploaded file before anything is kept: its size, its name, its type from its content.

The type is read from the bytes with libmagic (python-magic), never trusted from
the name or the browser: a file named `.pdf` that is not a PDF is refused. Only
documents a ministry exchanges are accepted (PDF, Office, OpenDocument, images);
anything that a browser could run (HTML, SVG, scripts) is not.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import magic
from flask import current_app
from flask_babel import format_decimal
from flask_wtf.file import MultipleFileField
from wtforms.validators import StopValidation, ValidationError

from ..translation import gettext as _
from ..translation import lazy_gettext as _l
from ..translation import ngettext

OLE = {"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint", "application/cdfv2",
       "application/x-ole-storage", "application/vnd.ms-office"}  # fmt: skip

# extension: (the type it is served as, the types its content may be detected as)
ACCEPTED: dict[str, tuple[str, set[str]]] = {
    "pdf": ("application/pdf", {"application/pdf"}),
    "doc": ("application/msword", OLE),
    "xls": ("application/vnd.ms-excel", OLE),
    "ppt": ("application/vnd.ms-powerpoint", OLE),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", set()),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", set()),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", set()),
    "odt": ("application/vnd.oasis.opendocument.text", set()),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", set()),
    "odp": ("application/vnd.oasis.opendocument.presentation", set()),
    "png": ("image/png", set()),
    "jpg": ("image/jpeg", set()),
    "jpeg": ("image/jpeg", set()),
    "gif": ("image/gif", set()),
    "webp": ("image/webp", set()),
    "tif": ("image/tiff", set()),
    "tiff": ("image/tiff", set()),
}
ACCEPT_ATTRIBUTE = ",".join(f".{extension}" for extension in ACCEPTED)
MAX_NAME = 150
FORBIDDEN_IN_NAMES = re.compile(r'[<>:"/\\|?*%]')  # % too: a browser may percent-decode a name


@dataclass(frozen=True)
class Upload:
    """A checked file, ready to keep."""

    name: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def max_bytes() -> int:
    return current_app.config["UPLOAD_MAX_BYTES"]


def size_label(size: int) -> str:
    """1234567 → "1.2 MB", in the locale's digits and units ("1,2 Mo")."""
    if size < 1024:
        return _("%(size)s B", size=format_decimal(size))
    if size < 1024 * 1024:
        return _("%(size)s KB", size=format_decimal(round(size / 1024)))
    return _("%(size)s MB", size=format_decimal(round(size / (1024 * 1024), 1)))


def clean_name(name: str) -> str:
    """A name safe to show and to offer for download, in any script: no path, no control
    characters, none of the characters file systems refuse, at most 150 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(" " if unicodedata.category(char).startswith(("C", "Z")) else char for char in name)
    name = FORBIDDEN_IN_NAMES.sub("_", name)
    name = " ".join(name.split())
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    extension = extension.strip().lower()[:10]
    stem = stem[: MAX_NAME - len(extension) - 1].strip(" .") or "document"
    return f"{stem}.{extension}" if extension else stem


def extension_of(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def detected_type(content: bytes) -> str:
    return magic.from_buffer(content[:65536], mime=True).lower()


def check_upload(filename: str, content: bytes) -> Upload:
    """The file as it will be kept, or a ValidationError saying why it is refused."""
    name = clean_name(filename)
    extension = extension_of(name)
    if extension not in ACCEPTED:
        raise ValidationError(
            _l(
                "“%(name)s” cannot be attached: only PDF, Office and OpenDocument files and images "
                "(PNG, JPEG, GIF, WebP, TIFF) can.",
                name=name,
            )
        )
    if not content:
        raise ValidationError(_l("“%(name)s” is empty.", name=name))
    served_as, also = ACCEPTED[extension]
    found = detected_type(content)
    if found != served_as and found not in also:
        raise ValidationError(
            _l(
                "“%(name)s” is not what its name says: its content is not a %(kind)s file. "
                "Attach the document itself, saved in its own format.",
                name=name,
                kind=extension.upper(),
            )
        )
    return Upload(name=name, content_type=served_as, content=content)


class TooLarge(ValueError):
    """A file over the size limit: the caller answers 413."""


class DocumentsField(MultipleFileField):
    """Files to attach, each checked (size, type from the content) as the form validates.

    `kind` says what they are (an official letter, an annex, a mission report); the
    checked files are in `uploads` once the form has validated; `too_large` is set
    when one is over the limit, so that the service answers 413.
    """

    def __init__(self, label=None, validators=None, kind: str = "annex", limit: int = 5, **kwargs):
        kwargs.setdefault("render_kw", {"accept": ACCEPT_ATTRIBUTE})
        super().__init__(label, validators, **kwargs)
        self.kind = kind
        self.limit = limit
        self.uploads: list[Upload] = []
        self.too_large = False

    def pre_validate(self, form) -> None:
        self.uploads = []
        files = [file for file in self.data or [] if getattr(file, "filename", None)]
        if len(files) > self.limit:
            raise StopValidation(
                ngettext("Attach at most %(num)d file at once.", "Attach at most %(num)d files at once.", self.limit)
            )
        for file in files:
            content = file.stream.read(max_bytes() + 1)
            if len(content) > max_bytes():
                self.too_large = True
                raise StopValidation(
                    _l(
                        "“%(name)s” is larger than %(size)s, the largest file that can be attached.",
                        name=clean_name(file.filename),
                        size=size_label(max_bytes()),
                    )
                )
            self.uploads.append(check_upload(file.filename, content))
