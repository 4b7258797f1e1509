"""Huawei Cloud ``SDK-HMAC-SHA256`` request signing, and the matching verifier.

The signer (:class:`AkSkAuth`, a ``requests`` auth hook) and the verifier
(:func:`verify_request`, used by the emulator) share one canonicalisation, so they cannot drift
apart. The rules follow the vendor's signer byte for byte (tests compare with
``huaweicloudsdkcore``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import requests
from requests.auth import AuthBase

from ._constants import MAX_CLOCK_SKEW_SECONDS, SDK_DATE_FORMAT

__all__ = [
    "ALGORITHM",
    "ALWAYS_SIGNED",
    "AkSkAuth",
    "SignatureRejected",
    "VerifiedRequest",
    "canonical_request",
    "canonical_query",
    "canonical_uri",
    "parse_authorization",
    "sign_string",
    "signed_header_names",
    "string_to_sign",
    "verify_request",
]

ALGORITHM = "SDK-HMAC-SHA256"
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()
HEADER_DATE = "X-Sdk-Date"
HEADER_TOKEN = "X-Security-Token"
HEADER_CONTENT_SHA = "X-Sdk-Content-Sha256"
# What the verifier insists is signed: the intersection of what the vendor's three signers sign
# (see verify_request).
ALWAYS_SIGNED = ("x-sdk-date",)


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


def _split_target(target: str) -> tuple[str, list[tuple[str, str]]]:
    if target.startswith("/"):
        # A raw request target: urlsplit() would read "//v2/..." as a network location.
        path, _, query = target.partition("#")[0].partition("?")
        return path or "/", parse_qsl(query, keep_blank_values=True)
    parts = urlsplit(target)
    return parts.path or "/", parse_qsl(parts.query, keep_blank_values=True)


class AkSkAuth(AuthBase):
    """Sign ``requests`` calls with an access key / secret key pair (``SDK-HMAC-SHA256``).

    ``security_token`` adds a signed ``X-Security-Token`` for temporary credentials. ``clock``
    returns the current UTC time (injectable for tests). The secret never appears in ``repr``.
    """

    def __init__(
        self,
        ak: str,
        sk: str,
        security_token: str | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if not isinstance(ak, str) or not ak.strip():
            raise ValueError("invalid access key: expected a non-empty string")
        if not isinstance(sk, str) or not sk:
            raise ValueError("invalid secret key: expected a non-empty string")
        self.ak = ak
        self._sk = sk
        self._token = security_token or None
        self._clock = clock or (lambda: datetime.now(timezone.utc))

    def __repr__(self) -> str:
        token = ", security_token=***" if self._token else ""
        return f"AkSkAuth(ak={self.ak!r}, sk=***{token})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, AkSkAuth)
            and hmac.compare_digest(self.ak, other.ak)
            and hmac.compare_digest(self._sk, other._sk)
            and self._token == other._token
        )

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> str | tuple[object, ...]:
        # Refuse to be pickled: a pickled signer would put the secret into Pulumi state.
        raise TypeError("AkSkAuth holds credentials and cannot be pickled")

    def signature_headers(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | str | None = None
    ) -> dict[str, str]:
        """Headers to add (``X-Sdk-Date``, ``Host``, token, ``Authorization``) for one request."""
        parts = urlsplit(url)
        out: dict[str, str] = {}
        present = {k.lower(): v for k, v in headers.items()}
        sdk_date = present.get(HEADER_DATE.lower())
        if not sdk_date:
            sdk_date = self._clock().astimezone(timezone.utc).strftime(SDK_DATE_FORMAT)
            out[HEADER_DATE] = sdk_date
        if "host" not in present:
            out["Host"] = parts.netloc.rsplit("@", 1)[-1]
        if self._token and HEADER_TOKEN.lower() not in present:
            out[HEADER_TOKEN] = self._token
        merged = {**dict(headers), **out}
        names = signed_header_names(merged)
        path, query = _split_target(url)
        canonical = canonical_request(method, path, query, merged, names, body)
        signature = sign_string(self._sk, string_to_sign(canonical, sdk_date))
        out["Authorization"] = (
            f"{ALGORITHM} Access={self.ak}, SignedHeaders={';'.join(names)}, Signature={signature}"
        )
        return out

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        # On a retry urllib3 re-sends these exact bytes; the date stays valid for 15 minutes.
        added = self.signature_headers(
            request.method or "GET", request.url or "", request.headers, request.body
        )
        request.headers.update(added)
        for name, value in list(request.headers.items()):
            # http.client would send a str as latin-1; the signature covers its UTF-8 bytes.
            if isinstance(value, str) and not value.isascii():
                request.headers[name] = value.encode("utf-8")  # type: ignore[assignment]
        return request


# -- verification (server side) -----------------------------------------------------------------


class SignatureRejected(Exception):
    """The verifier refused a request; ``code`` is the API gateway's error code."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


@dataclass(frozen=True)
class VerifiedRequest:
    """What a successful verification established."""

    access_key: str
    signed_headers: tuple[str, ...]
    sdk_date: datetime


def parse_authorization(value: str) -> tuple[str, list[str], str]:
    """Split an ``Authorization`` header into (access key, signed headers, signature)."""
    if not value.startswith(ALGORITHM + " "):
        raise SignatureRejected("APIGW.0301", "Incorrect IAM authentication information: unsupported algorithm")
    fields: dict[str, str] = {}
    for item in value[len(ALGORITHM) + 1 :].split(","):
        key, sep, val = item.strip().partition("=")
        if sep:
            fields[key] = val
    try:
        return fields["Access"], [h for h in fields["SignedHeaders"].split(";") if h], fields["Signature"]
    except KeyError as missing:
        raise SignatureRejected(
            "APIGW.0301", f"Incorrect IAM authentication information: Authorization lacks {missing.args[0]}"
        ) from None


def verify_request(
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    secret_for: Callable[[str], str | None],
    security_token: str | None = None,
    now: datetime | None = None,
    max_skew_seconds: float = MAX_CLOCK_SKEW_SECONDS,
) -> VerifiedRequest:
    """Check a received request the way the API gateway does; raise :class:`SignatureRejected`.

    ``target`` is the raw request target (path and query as sent); ``secret_for`` maps an access
    key to its secret key (``None`` for an unknown key).

    The signature is rebuilt over exactly the headers ``SignedHeaders`` lists, in its order; each
    must be present. The one header that must be listed is ``x-sdk-date``
    (:data:`ALWAYS_SIGNED`), because it is the only one all three of the vendor's signers always
    sign: the Python signer (``huaweicloudsdkcore.signer.Signer``) signs every header without
    ``_`` and adds ``Host``; the Java signer (``com.huaweicloud.sdk.core.auth.AKSKSigner``) adds
    and signs ``Host`` and ``X-Sdk-Date`` and signs the rest; the Go signer
    (``huaweicloud-sdk-go-v3/core/auth/signer``) signs the headers the SDK set itself
    (``X-Project-Id``, ``User-Agent``, ``X-Sdk-Date``, the token) and never ``Host`` nor
    ``Content-Type``. The gateway serves the Go SDK, so it cannot require ``host``.

    What still binds a request to its target: method, path and query are always signed, and the
    path names the project, which exists in one region only, so a request replayed to another
    region's endpoint asks for a project that is not there; a signed ``Host`` is checked like
    any signed header. What does not: an unsigned ``Host`` can be changed, so within the
    15-minute ``X-Sdk-Date`` window the same read can be replayed to another endpoint of the
    same region (the scheme has no nonce, so it can be replayed to the same endpoint anyway).
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    auth = lowered.get("authorization")
    if not auth:
        raise SignatureRejected("APIGW.0301", "Incorrect IAM authentication information: Authorization header missing")
    access_key, names, signature = parse_authorization(auth)
    for required in ALWAYS_SIGNED:
        if required not in names:
            raise SignatureRejected(
                "APIGW.0301", f"Incorrect IAM authentication information: {required} is not a signed header"
            )
    missing = [n for n in names if n not in lowered]
    if missing:
        raise SignatureRejected(
            "APIGW.0301", f"Incorrect IAM authentication information: signed header {missing[0]} absent"
        )
    sdk_date_text = lowered["x-sdk-date"]
    try:
        sdk_date = datetime.strptime(sdk_date_text, SDK_DATE_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        raise SignatureRejected(
            "APIGW.0301", "Incorrect IAM authentication information: X-Sdk-Date is malformed"
        ) from None
    current = now or datetime.now(timezone.utc)
    if abs((current - sdk_date).total_seconds()) > max_skew_seconds:
        raise SignatureRejected("APIGW.0303", "Incorrect app authentication information: signature expired")
    secret = secret_for(access_key)
    if secret is None:
        raise SignatureRejected("APIGW.0301", "Incorrect IAM authentication information: unknown access key")
    if security_token is not None:
        sent = lowered.get("x-security-token")
        if (
            sent is None
            or "x-security-token" not in names
            or not hmac.compare_digest(sent.encode("utf-8"), security_token.encode("utf-8"))
        ):
            raise SignatureRejected("APIGW.0301", "Incorrect IAM authentication information: invalid security token")
    content_sha = HEADER_CONTENT_SHA.lower()
    if content_sha not in names:
        # An unsigned payload hash must not stand in for the body.
        lowered.pop(content_sha, None)
    declared = lowered.get(content_sha)
    if body and declared and declared != "UNSIGNED-PAYLOAD" and declared.lower() != hashlib.sha256(body).hexdigest():
        raise SignatureRejected(
            "APIGW.0301", "Incorrect IAM authentication information: verify aksk signature fail"
        )
    path, query = _split_target(target)
    canonical = canonical_request(method, path, query, lowered, names, body)
    expected = sign_string(secret, string_to_sign(canonical, sdk_date_text))
    if not hmac.compare_digest(expected.encode("utf-8"), signature.lower().encode("utf-8")):
        raise SignatureRejected(
            "APIGW.0301", "Incorrect IAM authentication information: verify aksk signature fail"
        )
    return VerifiedRequest(access_key=access_key, signed_headers=tuple(names), sdk_date=sdk_date)
