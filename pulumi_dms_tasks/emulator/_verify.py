"""The emulator's side of ``SDK-HMAC-SHA256``: verify a received request as the API gateway does.

It rebuilds the signature with the same canonicalisation the client signs with
(:mod:`pulumi_dms_tasks._canonical`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from .._canonical import (
    ALGORITHM,
    HEADER_CONTENT_SHA,
    canonical_request,
    sign_string,
    split_target,
    string_to_sign,
)
from .._constants import MAX_CLOCK_SKEW_SECONDS, SDK_DATE_FORMAT

__all__ = ["ALWAYS_SIGNED", "SignatureRejected", "VerifiedRequest", "parse_authorization", "verify_request"]

# What the verifier insists is signed: the intersection of what the vendor's three signers sign
# (see verify_request).
ALWAYS_SIGNED = ("x-sdk-date",)


class SignatureRejected(Exception):  # noqa: N818 - the gateway's verdict, named as the emulator reports it
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
        raise SignatureRejected(
            "APIGW.0301", "Incorrect IAM authentication information: unsupported algorithm"
        )
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
        raise SignatureRejected(
            "APIGW.0301", "Incorrect IAM authentication information: Authorization header missing"
        )
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
        sdk_date = datetime.strptime(sdk_date_text, SDK_DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise SignatureRejected(
            "APIGW.0301", "Incorrect IAM authentication information: X-Sdk-Date is malformed"
        ) from None
    current = now or datetime.now(UTC)
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
            raise SignatureRejected(
                "APIGW.0301", "Incorrect IAM authentication information: invalid security token"
            )
    content_sha = HEADER_CONTENT_SHA.lower()
    if content_sha not in names:
        # An unsigned payload hash must not stand in for the body.
        lowered.pop(content_sha, None)
    declared = lowered.get(content_sha)
    if (
        body
        and declared
        and declared != "UNSIGNED-PAYLOAD"
        and declared.lower() != hashlib.sha256(body).hexdigest()
    ):
        raise SignatureRejected(
            "APIGW.0301", "Incorrect IAM authentication information: verify aksk signature fail"
        )
    path, query = split_target(target)
    canonical = canonical_request(method, path, query, lowered, names, body)
    expected = sign_string(secret, string_to_sign(canonical, sdk_date_text))
    if not hmac.compare_digest(expected.encode("utf-8"), signature.lower().encode("utf-8")):
        raise SignatureRejected(
            "APIGW.0301", "Incorrect IAM authentication information: verify aksk signature fail"
        )
    return VerifiedRequest(access_key=access_key, signed_headers=tuple(names), sdk_date=sdk_date)
