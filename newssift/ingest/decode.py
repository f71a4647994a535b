"""Bytes to text, safely: gzip with a cap, binary detection, charset detection."""

from __future__ import annotations

import re
import zlib

from newssift import settings
from newssift.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"


def gunzip_capped(data: bytes, limit: int = settings.MAX_DECOMPRESSED_BYTES, name: str = "input") -> bytes:
    """Decompress gzip data, refusing anything that would grow past `limit` (gzip bombs)."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    try:
        chunk = decompressor.decompress(data, limit + 1)
        out += chunk
        if len(out) > limit or decompressor.unconsumed_tail:
            raise InputError(f"{name} decompresses to more than {limit:,} bytes; refusing it (the limit guards "
                             "against gzip bombs).")
        out += decompressor.flush()
    except zlib.error as exc:
        raise InputError(f"{name} is not valid gzip data ({exc}).") from None
    if len(out) > limit:
        raise InputError(f"{name} decompresses to more than {limit:,} bytes; refusing it.")
    return bytes(out)


def maybe_gunzip(data: bytes, name: str = "input") -> bytes:
    return gunzip_capped(data, name=name) if data[:2] == GZIP_MAGIC else data


_BINARY_SIGNATURES = (
    (b"%PDF", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"), (b"PK\x03\x04", "a ZIP archive (or an office document)"),
    (b"\x7fELF", "an executable"), (b"\xd0\xcf\x11\xe0", "an old Office document"),
    (b"RIFF", "a media file"), (b"BZh", "a bzip2 archive"), (b"\xfd7zXZ", "an xz archive"),
)


def check_not_binary(data: bytes, name: str = "input") -> None:
    for magic, what in _BINARY_SIGNATURES:
        if data.startswith(magic):
            raise InputError(f"{name} is {what}, not an HTML page or text.")
    sample = data[:8192]
    if not sample:
        return
    if sample.count(b"\x00") > 0 and not (sample.startswith(b"\xff\xfe") or sample.startswith(b"\xfe\xff")):
        raise InputError(f"{name} looks like a binary file (it contains NUL bytes), not an HTML page or text.")
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    if control / len(sample) > 0.05:
        raise InputError(f"{name} looks like a binary file (many control bytes), not an HTML page or text.")


def decode_text(data: bytes, declared: str | None = None, name: str = "input") -> str:
    """Decode bytes: BOM, declared charset, UTF-8, then detection; refuse what decodes to garbage."""
    check_not_binary(data, name)
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return _clean(data[len(bom):].decode(encoding, errors="replace"), name)
    candidates = [c for c in (declared, "utf-8") if c]
    for encoding in candidates:
        try:
            return _clean(data.decode(encoding), name)
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is None or best.encoding is None:
        raise InputError(f"{name} cannot be decoded as text in any known character encoding.")
    text = data.decode(best.encoding, errors="replace")
    if text.count("\ufffd") > max(10, len(text) // 100):
        raise InputError(f"{name} cannot be decoded as text: too many bytes are invalid in {best.encoding}.")
    return _clean(text, name)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _clean(text: str, name: str) -> str:
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text
