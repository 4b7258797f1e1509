"""The ``SDK-HMAC-SHA256`` canonicalisation, shared by the signer and the emulator's verifier.

One implementation on both sides means they cannot drift apart. The rules follow the vendor's
signer byte for byte (tests compare with ``huaweicloudsdkcore``); see the shared notes on the
wire contract for the steps.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, quote, unquote, urlsplit

__all__ = [
    "ALGORITHM",
    "EMPTY_BODY_SHA256",
    "HEADER_CONTENT_SHA",
    "HEADER_DATE",
    "HEADER_TOKEN",
    "canonical_query",
    "canonical_request",
    "canonical_uri",
    "sign_string",
    "signed_header_names",
    "split_target",
    "string_to_sign",
]

ALGORITHM = "SDK-HMAC-SHA256"
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()
HEADER_DATE = "X-Sdk-Date"
HEADER_TOKEN = "X-Security-Token"
HEADER_CONTENT_SHA = "X-Sdk-Content-Sha256"


def _encode(text: str) -> str:
    # RFC 3986 unreserved stay; quote() always keeps letters, digits and "-_."; "/" is encoded.
    return quote(text, safe="~")


def canonical_uri(path: str) -> str:
    """Canonical form of a URL path: decode, split on ``/``, encode each segment, end with ``/``."""
    encoded = "/".join(_encode(segment) for segment in unquote(path or "/").split("/"))
    return encoded if encoded.endswith("/") else encoded + "/"


def _query_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def canonical_query(pairs: Iterable[tuple[str, object]]) -> str:
    """Canonical query: ``(key, value)`` pairs sorted (on the decoded text), encoded, ``&``-joined."""
    items = sorted((str(k), _query_text(v)) for k, v in pairs)
    return "&".join(f"{_encode(k)}={_encode(v)}" for k, v in items)


def signed_header_names(headers: Iterable[str]) -> list[str]:
    """Names to sign: every header without ``_``, lower-cased and sorted."""
    return sorted({name.lower() for name in headers if "_" not in name})


def _header_text(value: object) -> str:
    # requests sends bytes values as they are; the vendor sends text as UTF-8: sign that text.
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.decode("latin-1")
    return str(value)


def _canonical_headers(headers: Mapping[str, str], names: list[str]) -> str:
    lowered = {k.lower(): _header_text(v).strip() for k, v in headers.items()}
    return "".join(f"{name}:{lowered[name]}\n" for name in names)


def _body_hash(body: bytes | str | None, headers: Mapping[str, str]) -> str:
    if not body:
        return EMPTY_BODY_SHA256
    for key, value in headers.items():
        if key.lower() == HEADER_CONTENT_SHA.lower() and value:
            return str(value)
    data = body.encode("utf-8") if isinstance(body, str) else body
    return hashlib.sha256(data).hexdigest()


def canonical_request(
    method: str,
    path: str,
    query_pairs: Iterable[tuple[str, object]],
    headers: Mapping[str, str],
    signed_headers: list[str],
    body: bytes | str | None,
) -> str:
    """The six-line canonical request both sides hash."""
    return "\n".join(
        [
            method.upper(),
            canonical_uri(path),
            canonical_query(query_pairs),
            _canonical_headers(headers, signed_headers),
            ";".join(signed_headers),
            _body_hash(body, headers),
        ]
    )


def string_to_sign(canonical: str, sdk_date: str) -> str:
    """``SDK-HMAC-SHA256\\n<X-Sdk-Date>\\n<hex sha256 of the canonical request>``."""
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{sdk_date}\n{digest}"


def sign_string(secret_key: str, text: str) -> str:
    """Hex HMAC-SHA256 of ``text`` keyed with the secret key."""
    return hmac.new(secret_key.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def split_target(target: str) -> tuple[str, list[tuple[str, str]]]:
    if target.startswith("/"):
        # A raw request target: urlsplit() would read "//v2/..." as a network location.
        path, _, query = target.partition("#")[0].partition("?")
        return path or "/", parse_qsl(query, keep_blank_values=True)
    parts = urlsplit(target)
    return parts.path or "/", parse_qsl(parts.query, keep_blank_values=True)
