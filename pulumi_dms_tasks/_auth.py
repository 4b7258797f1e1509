"""Huawei Cloud ``SDK-HMAC-SHA256`` request signing as a ``requests`` auth hook.

The canonicalisation lives in :mod:`._canonical`, shared with the emulator's verifier.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase

from ._canonical import (
    ALGORITHM,
    HEADER_DATE,
    HEADER_TOKEN,
    canonical_request,
    sign_string,
    signed_header_names,
    split_target,
    string_to_sign,
)
from ._constants import SDK_DATE_FORMAT

__all__ = ["AkSkAuth"]


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
        self._clock = clock or (lambda: datetime.now(UTC))

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
            sdk_date = self._clock().astimezone(UTC).strftime(SDK_DATE_FORMAT)
            out[HEADER_DATE] = sdk_date
        if "host" not in present:
            out["Host"] = parts.netloc.rsplit("@", 1)[-1]
        if self._token and HEADER_TOKEN.lower() not in present:
            out[HEADER_TOKEN] = self._token
        merged = {**dict(headers), **out}
        names = signed_header_names(merged)
        path, query = split_target(url)
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
