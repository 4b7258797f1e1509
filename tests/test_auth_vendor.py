"""Our SDK-HMAC-SHA256 signer against the vendor's (``huaweicloudsdkcore``), byte for byte.

Each case builds the vendor's ``SdkRequest`` the way its HTTP client does, signs it with the
vendor's credentials/signer, and signs the URL the vendor sends with our ``AkSkAuth``. Where the
two legitimately differ, a dedicated test states the expected difference and why.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest

from pulumi_dms_tasks._auth import AkSkAuth
from pulumi_dms_tasks.emulator._verify import SignatureRejected, verify_request

# The official vectors' inputs (from the vendor's API signing guide).
AK = "HPUAXXXXXXXXXXXXXXXX"
SK = "abcdEFGHijklMNOPqrstUVWXyz0123456789ABCD"
DATE = "20240102T030405Z"
DATE_DT = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
HOST = "dms.cn-north-4.myhuaweicloud.com"
PROJECT = "0123456789abcdef0123456789abcdef"
INSTANCE = "11111111-2222-3333-4444-555555555555"
TASKS = f"/v2/{PROJECT}/instances/{INSTANCE}/tasks"
BASE_HEADERS = {"Content-Type": "application/json", "X-Project-Id": PROJECT, "X-Sdk-Date": DATE}


def _seg(text: str) -> str:
    """Encode a path parameter the way the vendor client does (``quote(v, safe='')``)."""
    return quote(text, safe="")


@dataclass
class Case:
    path: str = TASKS
    query: list[tuple[str, object]] = field(default_factory=list)
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=lambda: dict(BASE_HEADERS))
    body: bytes | str | None = None
    token: str | None = None
    host: str = HOST
    schema: str = "https"


def _with(**extra: str) -> dict[str, str]:
    return {**BASE_HEADERS, **extra}


CASES: dict[str, Case] = {
    "official-list": Case(
        query=[("start", 1), ("limit", 10), ("begin_time", "20240101000000"), ("end_time", "20240102235959")]
    ),
    "official-show": Case(path=f"{TASKS}/8abfa7b272adc5b40172b73130065ae7"),
    "official-list-token": Case(query=[("limit", 10), ("start", 1)], token="tok+en/with=chars"),
    "path-space-encoded": Case(path=f"/v2/{PROJECT}/instances/{_seg('my inst')}/tasks"),
    "path-space-raw": Case(path=f"/v2/{PROJECT}/instances/my inst/tasks"),
    "path-tilde-plus-percent": Case(path=f"/v2/{PROJECT}/instances/{_seg('a~b+c%d')}/tasks"),
    "path-plus-raw": Case(path=f"/v2/{PROJECT}/instances/a+b~c/tasks"),
    "path-unicode-encoded": Case(path=f"/v2/{PROJECT}/instances/{_seg('任务-ü')}/tasks"),
    "path-unicode-raw": Case(path=f"/v2/{PROJECT}/instances/任务-ü/tasks"),
    "path-at-colon": Case(path=f"/v2/{PROJECT}/instances/user@host:8080/tasks"),
    "path-already-encoded-slash": Case(path=f"/v2/{PROJECT}/instances/a%2Fb%20c/tasks"),
    "path-trailing-slash": Case(path=f"{TASKS}/"),
    "query-repeated-keys": Case(query=[("tag", "b"), ("tag", "a"), ("start", 1), ("tag", "c")]),
    "query-empty-values": Case(query=[("name", ""), ("start", 1), ("end_time", "")]),
    "query-unicode": Case(query=[("名字", "值 ü"), ("q", "é"), ("Z", "ß")]),
    "query-reserved-chars": Case(query=[("v", "a+b=c&d/e"), ("w", "x y%z#?"), ("k=&", "1")]),
    "query-booleans": Case(query=[("all", True), ("dry", False), ("limit", 10)]),
    "query-sub-delims": Case(query=[("v", "~*'()!$,;:@"), ("case", "B"), ("Case", "a")]),
    "post-json-str": Case(method="POST", path=f"{TASKS}/x", body='{"name": "bindInstancePublicIp"}'),
    "post-json-bytes": Case(method="POST", path=f"{TASKS}/x", body=b'{"a":[1,2,3],"b":null}'),
    "post-json-unicode": Case(method="POST", path=f"{TASKS}/x", body='{"desc": "über 任务"}'),
    "post-empty-str": Case(method="POST", path=f"{TASKS}/x", body=""),
    "post-empty-bytes": Case(method="POST", path=f"{TASKS}/x", body=b""),
    "delete": Case(method="DELETE", path=f"{TASKS}/8abfa7b272adc5b40172b73130065ae7"),
    "delete-lowercase-method": Case(method="delete", path=f"{TASKS}/8abfa7b272adc5b40172b73130065ae7"),
    "token-odd-chars": Case(query=[("start", 1)], token=" a b+c/d=e%f~!? "),
    "extra-headers": Case(
        headers=_with(
            **{
                "User-Agent": "huaweicloud-usdk-python/3.0; pulumi-dms-tasks/0.1",
                "x-CUSTOM-Header": "  padded value  ",
                "Accept": "application/json",
            }
        )
    ),
    "header-underscore-not-signed": Case(headers=_with(X_Skip_Me="v", **{"X-Keep": "k"})),
    "header-empty-value": Case(headers=_with(**{"X-Empty": ""})),
    "host-with-port": Case(host="localhost:8443", schema="http", query=[("start", 1)]),
    "host-with-default-port": Case(host=f"{HOST}:443", query=[("limit", 5)]),
}

OFFICIAL_SIGNATURES = {
    "official-list": (
        "content-type;host;x-project-id;x-sdk-date",
        "f9406844f857841e7560a228b435deb3b765710f20eac317dbf82ce0a26d6e82",
    ),
    "official-show": (
        "content-type;host;x-project-id;x-sdk-date",
        "34fc03dc1b708960a51ce94ffc3ebc113572435fe06f063ba5f2107615f77752",
    ),
    "official-list-token": (
        "content-type;host;x-project-id;x-sdk-date;x-security-token",
        "27bdd5893aab412bd3e50b9d008e1e5e2f4fd3cae757597fc711869ca3b7df78",
    ),
}


@dataclass
class VendorSigned:
    authorization: str
    url: str  # scheme://host + resource_path [+ '?' + the vendor's canonical query]
    headers: dict[str, str]  # header_params as the vendor hands them to requests
    body: bytes | None


def vendor_sign(case: Case) -> VendorSigned:
    """Sign with the vendor SDK exactly as its client does (credentials add the token)."""
    credentials = BasicCredentials(AK, SK)
    if case.token is not None:
        credentials.with_security_token(case.token)
    request = SdkRequest(
        method=case.method,
        schema=case.schema,
        host=case.host,
        resource_path=case.path,
        query_params=list(case.query),
        header_params=dict(case.headers),
        body=case.body,
    )
    signed = credentials.sign_request(request)
    return VendorSigned(
        signed.header_params["Authorization"], signed.url, dict(signed.header_params), signed.body
    )


def our_authorization(case: Case, url: str) -> str:
    return AkSkAuth(AK, SK, case.token).signature_headers(case.method, url, case.headers, case.body)[
        "Authorization"
    ]


def wire_url(method: str, url: str) -> str:
    """The URL requests really puts on the wire for the vendor's URL (it re-quotes paths)."""
    wired = requests.Request(method.upper(), url).prepare().url
    assert wired is not None
    return wired


def test_there_are_at_least_twenty_distinct_cases() -> None:
    """The comparison covers at least 20 distinct requests."""
    distinct = {
        (c.method, c.path, repr(c.query), repr(c.headers), repr(c.body), c.token, c.host)
        for c in CASES.values()
    }
    assert len(distinct) >= 20


@pytest.mark.parametrize("name", list(CASES), ids=list(CASES))
def test_authorization_identical_to_vendor(name: str) -> None:
    """Our Authorization header equals the vendor signer's for the URL the vendor sends."""
    case = CASES[name]
    vendor = vendor_sign(case)
    assert our_authorization(case, vendor.url) == vendor.authorization


@pytest.mark.parametrize("name", list(CASES), ids=list(CASES))
def test_authorization_identical_to_vendor_on_requoted_wire_url(name: str) -> None:
    """Signing the URL as requests re-quotes it for the wire still gives the vendor's Authorization."""
    case = CASES[name]
    vendor = vendor_sign(case)
    assert our_authorization(case, wire_url(case.method, vendor.url)) == vendor.authorization


@pytest.mark.parametrize("name", list(OFFICIAL_SIGNATURES), ids=list(OFFICIAL_SIGNATURES))
def test_official_vectors_exact(name: str) -> None:
    """The three documented vectors give exactly the documented Authorization (ours and vendor's)."""
    case = CASES[name]
    signed_headers, signature = OFFICIAL_SIGNATURES[name]
    expected = f"SDK-HMAC-SHA256 Access={AK}, SignedHeaders={signed_headers}, Signature={signature}"
    vendor = vendor_sign(case)
    assert vendor.authorization == expected
    assert our_authorization(case, vendor.url) == expected


def test_official_list_vector_with_query_in_caller_order() -> None:
    """The list vector signs the same when our URL keeps the caller's (unsorted) query order."""
    url = f"https://{HOST}{TASKS}?start=1&limit=10&begin_time=20240101000000&end_time=20240102235959"
    assert our_authorization(CASES["official-list"], url).endswith(
        "Signature=f9406844f857841e7560a228b435deb3b765710f20eac317dbf82ce0a26d6e82"
    )


def test_underscore_header_not_in_signed_headers() -> None:
    """A header whose name contains '_' is left out of SignedHeaders by both signers."""
    case = CASES["header-underscore-not-signed"]
    ours = our_authorization(case, vendor_sign(case).url)
    assert "SignedHeaders=content-type;host;x-keep;x-project-id;x-sdk-date," in ours
    assert "x_skip_me" not in ours.lower()


@pytest.mark.parametrize("name", list(CASES), ids=list(CASES))
def test_our_verifier_accepts_vendor_signed_request(name: str) -> None:
    """verify_request accepts every request the vendor SDK signs, as received on the wire."""
    case = CASES[name]
    vendor = vendor_sign(case)
    prepared = requests.Request(case.method.upper(), vendor.url).prepare()
    # The vendor hands requests each header as the latin-1 view of its UTF-8 bytes; a server
    # decoding the received bytes as UTF-8 sees the original text.
    received = {k: v.encode("latin-1").decode("utf-8") for k, v in vendor.headers.items()}
    result = verify_request(
        case.method.upper(),
        prepared.path_url,
        received,
        vendor.body,
        secret_for={AK: SK}.get,
        # HTTP strips the whitespace around header values, so the token arrives trimmed.
        security_token=case.token.strip() if case.token else None,
        now=DATE_DT,
    )
    assert result.access_key == AK


# -- where the two signers legitimately differ --------------------------------------------------


def wire_target(url: str) -> str:
    """The request target (path and query) requests sends for ``url``."""
    return requests.Request("GET", url).prepare().path_url


def test_repeated_integer_query_values_sort_as_text_not_numbers() -> None:
    """Vendor sorts repeated int values numerically (9 < 10), which no server can reproduce; we sort the text."""
    numeric = Case(query=[("n", 10), ("n", 9)])
    textual = Case(query=[("n", "10"), ("n", "9")])
    vendor_numeric = vendor_sign(numeric)
    vendor_textual = vendor_sign(textual)
    # The vendor's URL carries its numeric order, the text order differs: "10" < "9".
    assert vendor_numeric.url.endswith("?n=9&n=10")
    assert vendor_textual.url.endswith("?n=10&n=9")
    assert vendor_numeric.authorization != vendor_textual.authorization
    # A server sees only text, so we sign what it can rebuild: the text order, from either URL.
    assert our_authorization(numeric, vendor_numeric.url) == vendor_textual.authorization
    assert our_authorization(textual, vendor_textual.url) == vendor_textual.authorization
    # ...which is why a server-side verifier (ours) rejects the vendor's numeric-order signature.
    with pytest.raises(SignatureRejected):
        verify_request(
            "GET",
            wire_target(vendor_numeric.url),
            vendor_numeric.headers,
            None,
            secret_for={AK: SK}.get,
            now=DATE_DT,
        )


def test_non_json_content_type_vendor_adds_unsigned_payload_we_hash_the_body() -> None:
    """For a non-JSON body the vendor signs UNSIGNED-PAYLOAD; we hash the body unless told otherwise."""
    body = "plain text body"
    case = Case(method="POST", path=f"{TASKS}/x", headers=_with(**{"Content-Type": "text/plain"}), body=body)
    vendor = vendor_sign(case)
    assert vendor.headers["X-Sdk-Content-Sha256"] == "UNSIGNED-PAYLOAD"
    assert "x-sdk-content-sha256" in vendor.authorization
    ours = AkSkAuth(AK, SK).signature_headers("POST", vendor.url, case.headers, body)
    assert "X-Sdk-Content-Sha256" not in ours
    assert ours["Authorization"] != vendor.authorization
    # Ours protects the body: it verifies only with the body that was signed.
    sent = {**case.headers, **ours}
    verify_request("POST", f"{TASKS}/x", sent, body.encode(), secret_for={AK: SK}.get, now=DATE_DT)
    with pytest.raises(SignatureRejected):
        verify_request("POST", f"{TASKS}/x", sent, b"other", secret_for={AK: SK}.get, now=DATE_DT)
    # Given the vendor's header explicitly, we produce the vendor's signature.
    explicit = {**case.headers, "X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"}
    assert AkSkAuth(AK, SK).signature_headers("POST", vendor.url, explicit, body)["Authorization"] == (
        vendor.authorization
    )


def test_explicit_content_sha256_header_is_used_as_payload_hash_like_vendor() -> None:
    """A caller-supplied X-Sdk-Content-Sha256 replaces the body hash in both signers."""
    body = b'{"a":1}'
    headers = _with(**{"X-Sdk-Content-Sha256": hashlib.sha256(body).hexdigest()})
    case = Case(method="POST", path=f"{TASKS}/x", headers=headers, body=body)
    vendor = vendor_sign(case)
    assert our_authorization(case, vendor.url) == vendor.authorization


def test_non_ascii_header_value_goes_on_the_wire_as_the_signed_utf8_bytes() -> None:
    """A non-ASCII header value is sent as the UTF-8 bytes that were signed, as the vendor sends it."""
    headers = _with(**{"User-Agent": "outil-ü/1.0"})
    case = Case(headers=headers)
    vendor = vendor_sign(case)
    # http.client encodes str header values as latin-1: these are the bytes each side sends.
    vendor_wire = vendor.headers["User-Agent"].encode("latin-1")
    assert vendor_wire == "outil-ü/1.0".encode()
    prepared = requests.Request("GET", vendor.url, headers=headers, auth=AkSkAuth(AK, SK)).prepare()
    assert prepared.headers["Authorization"] == vendor.authorization
    # requests keeps a header value given as bytes as bytes (its stubs say str only).
    value: str | bytes = prepared.headers["User-Agent"]
    our_wire = value if isinstance(value, bytes) else value.encode("latin-1")
    assert our_wire == vendor_wire
