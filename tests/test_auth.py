"""Our signer (``AkSkAuth``) and verifier (``verify_request``) on their own."""

from __future__ import annotations

import copy
import hashlib
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote, urlencode, urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulumi_dms_tasks._auth import AkSkAuth
from pulumi_dms_tasks._canonical import (
    canonical_query,
    canonical_request,
    canonical_uri,
    sign_string,
    string_to_sign,
)
from pulumi_dms_tasks.emulator._verify import SignatureRejected, verify_request

AK = "AKROUNDTRIP000000001"
SK = "sk-Round-Trip-Secret-0123456789abcdefXYZ"
TOKEN = "tok+en/with=chars"
DATE = "20240102T030405Z"
NOW = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
HOST = "dms.cn-north-4.myhuaweicloud.com"
PROJECT = "0123456789abcdef0123456789abcdef"
TASKS = f"/v2/{PROJECT}/instances/11111111-2222-3333-4444-555555555555/tasks"
BASE = {"Content-Type": "application/json", "X-Project-Id": PROJECT, "X-Sdk-Date": DATE}
SECRETS = {AK: SK}.get


@dataclass
class Req:
    target: str = TASKS
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=lambda: dict(BASE))
    body: bytes | None = None
    token: str | None = None
    host: str = HOST
    scheme: str = "https"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}{self.target}"


def _h(**extra: str) -> dict[str, str]:
    return {**BASE, **extra}


CASES: dict[str, Req] = {
    "list": Req(target=f"{TASKS}?start=1&limit=10&begin_time=20240101000000&end_time=20240102235959"),
    "show": Req(target=f"{TASKS}/8abfa7b272adc5b40172b73130065ae7"),
    "token": Req(target=f"{TASKS}?limit=10&start=1", token=TOKEN),
    "path-space-encoded": Req(target=f"/v2/{PROJECT}/instances/my%20inst/tasks"),
    "path-odd-chars": Req(target=f"/v2/{PROJECT}/instances/a~b%2Bc%25d+e@f:g/tasks"),
    "path-unicode": Req(target=f"/v2/{PROJECT}/instances/{quote('任务-ü')}/tasks"),
    "path-trailing-slash": Req(target=f"{TASKS}/"),
    "query-repeated": Req(target=f"{TASKS}?tag=b&tag=a&start=1&tag=c"),
    "query-empty-values": Req(target=f"{TASKS}?name=&start=1&end_time="),
    "query-unicode": Req(target=f"{TASKS}?{urlencode([('名字', '值 ü'), ('q', 'é')], quote_via=quote)}"),
    "query-reserved": Req(target=f"{TASKS}?v=a%2Bb%3Dc%26d%2Fe&w=x+y"),
    "query-booleans": Req(target=f"{TASKS}?all=true&dry=false"),
    "post-json": Req(target=f"{TASKS}/x", method="POST", body='{"desc": "über"}'.encode()),
    "post-empty": Req(target=f"{TASKS}/x", method="POST", body=b""),
    "delete": Req(target=f"{TASKS}/8abfa7b272adc5b40172b73130065ae7", method="DELETE"),
    "extra-headers": Req(headers=_h(**{"User-Agent": "pulumi-dms/0.1", "x-CUSTOM-Header": "  padded  "})),
    "underscore-header": Req(headers=_h(X_Not_Signed="v")),
    "host-with-port": Req(host="127.0.0.1:8443", scheme="http", target=f"{TASKS}?start=1"),
}


def sign(req: Req, *, sk: str = SK, ak: str = AK) -> dict[str, str]:
    """The headers the request carries once signed (caller's plus ours)."""
    added = AkSkAuth(ak, sk, req.token).signature_headers(req.method, req.url, req.headers, req.body)
    return {**req.headers, **added}


def verify(req: Req, headers: dict[str, str], **kwargs: object):
    kwargs.setdefault("secret_for", SECRETS)
    kwargs.setdefault("now", NOW)
    return verify_request(req.method, req.target, headers, req.body, **kwargs)  # type: ignore[arg-type]


def rejected(req: Req, headers: dict[str, str], **kwargs: object) -> SignatureRejected:
    with pytest.raises(SignatureRejected) as info:
        verify(req, headers, **kwargs)
    return info.value


def _signed_without(header: str) -> tuple[Req, dict[str, str]]:
    """A correctly computed signature whose SignedHeaders leaves ``header`` out."""
    req = Req()
    headers = {**req.headers, "Host": HOST}
    names = sorted(n.lower() for n in headers if n.lower() != header)
    canonical = canonical_request("GET", TASKS, [], headers, names, None)
    signature = sign_string(SK, string_to_sign(canonical, DATE))
    headers["Authorization"] = (
        f"SDK-HMAC-SHA256 Access={AK}, SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return req, headers


# -- round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CASES), ids=list(CASES))
def test_verifier_accepts_what_we_sign(name: str) -> None:
    """verify_request accepts every request AkSkAuth signs and reports the access key."""
    req = CASES[name]
    result = verify(req, sign(req), security_token=req.token)
    assert result.access_key == AK
    assert result.sdk_date == NOW
    assert "host" in result.signed_headers and "x-sdk-date" in result.signed_headers


def test_underscore_header_is_not_signed() -> None:
    """A header with '_' in its name is not signed, so changing it does not break the signature."""
    req = CASES["underscore-header"]
    headers = sign(req)
    assert "x_not_signed" not in headers["Authorization"].lower()
    verify(req, {**headers, "X_Not_Signed": "changed"})


def test_path_with_leading_double_slash_round_trips() -> None:
    """A URL whose path starts with '//' (endpoint with a trailing '/') verifies with its raw target."""
    req = Req(target=f"/{TASKS}?start=1")
    verify(req, sign(req))


# -- rejections ------------------------------------------------------------------------------------

TAMPERED = {
    "path": lambda r: Req(**{**r.__dict__, "target": r.target.replace("/tasks", "/tasks/other")}),
    "path-case": lambda r: Req(**{**r.__dict__, "target": r.target.replace("tasks", "Tasks")}),
    "query-value": lambda r: Req(**{**r.__dict__, "target": r.target.replace("limit=10", "limit=100")}),
    "query-added": lambda r: Req(**{**r.__dict__, "target": r.target + "&offset=2"}),
    "query-dropped": lambda r: Req(**{**r.__dict__, "target": r.target.split("&")[0]}),
    "method": lambda r: Req(**{**r.__dict__, "method": "DELETE"}),
}


@pytest.mark.parametrize("how", list(TAMPERED), ids=list(TAMPERED))
def test_tampered_request_line_rejected(how: str) -> None:
    """Changing the method, path or query after signing is rejected with APIGW.0301."""
    original = CASES["list"]
    headers = sign(original)
    tampered = TAMPERED[how](original)
    assert (tampered.method, tampered.target) != (original.method, original.target)
    assert rejected(tampered, headers).code == "APIGW.0301"


def test_tampered_body_rejected() -> None:
    """A different body than the one signed is rejected."""
    req = CASES["post-json"]
    headers = sign(req)
    assert rejected(Req(**{**req.__dict__, "body": b'{"desc": "uber"}'}), headers).code == "APIGW.0301"
    assert rejected(Req(**{**req.__dict__, "body": None}), headers).code == "APIGW.0301"


def test_tampered_body_with_forged_unsigned_content_hash_rejected() -> None:
    """An unsigned X-Sdk-Content-Sha256 header cannot make a tampered body pass."""
    req = CASES["post-json"]
    headers = sign(req)
    forged = {**headers, "X-Sdk-Content-Sha256": hashlib.sha256(req.body or b"").hexdigest()}
    assert rejected(Req(**{**req.__dict__, "body": b'{"evil": true}'}), forged).code == "APIGW.0301"


@pytest.mark.parametrize("header", ["X-Project-Id", "Content-Type", "Host", "X-Sdk-Date"])
def test_tampered_signed_header_rejected(header: str) -> None:
    """Changing the value of any signed header is rejected."""
    req = CASES["list"]
    headers = sign(req)
    value = headers[header]
    changed = value[:-1] + ("0" if value[-1] != "0" else "1")
    assert rejected(req, {**headers, header: changed}).code == "APIGW.0301"


def test_removed_signed_header_rejected() -> None:
    """A header listed in SignedHeaders but absent from the request is rejected."""
    req = CASES["list"]
    headers = sign(req)
    del headers["X-Project-Id"]
    assert rejected(req, headers).code == "APIGW.0301"


def test_wrong_secret_rejected() -> None:
    """A request signed with another secret key is rejected."""
    req = CASES["list"]
    assert rejected(req, sign(req, sk=SK + "x")).code == "APIGW.0301"


def test_unknown_access_key_rejected() -> None:
    """An access key the server does not know (secret_for returns None) is rejected."""
    req = CASES["list"]
    error = rejected(req, sign(req, ak="AKUNKNOWN"))
    assert error.code == "APIGW.0301"
    assert "unknown access key" in error.message


def test_missing_authorization_rejected() -> None:
    """A request without an Authorization header is rejected."""
    req = CASES["list"]
    headers = sign(req)
    del headers["Authorization"]
    assert rejected(req, headers).code == "APIGW.0301"


@pytest.mark.parametrize(
    "algorithm", ["SDK-HMAC-SM3", "V11-HMAC-SHA256", "AWS4-HMAC-SHA256", "sdk-hmac-sha256"]
)
def test_other_algorithm_rejected(algorithm: str) -> None:
    """An Authorization for another algorithm (even with a valid signature) is rejected."""
    req = CASES["list"]
    headers = sign(req)
    headers["Authorization"] = headers["Authorization"].replace("SDK-HMAC-SHA256", algorithm, 1)
    error = rejected(req, headers)
    assert error.code == "APIGW.0301"


@pytest.mark.parametrize("field_name", ["Access", "SignedHeaders", "Signature"])
def test_authorization_missing_a_field_rejected(field_name: str) -> None:
    """An Authorization header lacking Access, SignedHeaders or Signature is rejected."""
    req = CASES["list"]
    headers = sign(req)
    parts = [
        p for p in headers["Authorization"].split(", ") if not p.split(" ")[-1].startswith(field_name + "=")
    ]
    headers["Authorization"] = ", ".join(parts)
    assert rejected(req, headers).code == "APIGW.0301"


def test_date_must_be_signed() -> None:
    """A signature that is correct but does not cover x-sdk-date is rejected, naming it."""
    req, headers = _signed_without("x-sdk-date")
    error = rejected(req, headers)
    assert error.code == "APIGW.0301"
    assert "x-sdk-date" in error.message
    # Control: the same construction covering every header is accepted.
    _, all_headers = _signed_without("none-left-out")
    verify(req, all_headers)


def _signed_like_go(target: str = TASKS, host: str = HOST) -> tuple[Req, dict[str, str]]:
    """What the vendor's Go SDK sends: X-Project-Id, User-Agent and X-Sdk-Date signed, not Host."""
    req = Req(target=target, host=host)
    headers = {**req.headers, "User-Agent": "huaweicloud-usdk-go/3.0", "Host": host}
    names = ["user-agent", "x-project-id", "x-sdk-date"]
    path, _, query = target.partition("?")
    pairs = [(k, v) for k, _, v in (p.partition("=") for p in query.split("&") if p)]
    canonical = canonical_request("GET", path, pairs, headers, names, None)
    signature = sign_string(SK, string_to_sign(canonical, DATE))
    headers["Authorization"] = (
        f"SDK-HMAC-SHA256 Access={AK}, SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return req, headers


def test_host_may_be_left_unsigned_as_the_go_sdk_does() -> None:
    """The Go SDK never signs Host or Content-Type; the gateway serves it, so the verifier does too."""
    req, headers = _signed_like_go()
    result = verify(req, headers)
    assert result.signed_headers == ("user-agent", "x-project-id", "x-sdk-date")
    # The trade-off: an unsigned Host (or Content-Type) can change without breaking the signature.
    verify(req, {**headers, "Host": "dms.other.example.com", "Content-Type": "text/plain"})


@pytest.mark.parametrize("how", list(TAMPERED), ids=list(TAMPERED))
def test_host_unsigned_request_still_binds_method_path_and_query(how: str) -> None:
    """Without a signed Host, the request line is still covered: no replay to another path or query."""
    req, headers = _signed_like_go(target=f"{TASKS}?limit=10&start=1")
    verify(req, headers)
    tampered = TAMPERED[how](req)
    assert rejected(tampered, headers).code == "APIGW.0301"


def test_host_unsigned_request_cannot_be_moved_to_another_project() -> None:
    """The project id in the path (region-scoped) is signed: another project's path is refused."""
    req, headers = _signed_like_go()
    other = Req(target=TASKS.replace(PROJECT, "f" * 32))
    assert rejected(other, headers).code == "APIGW.0301"
    changed = {**headers, "X-Project-Id": "f" * 32}
    assert rejected(req, changed).code == "APIGW.0301"


def test_signed_host_is_checked() -> None:
    """When Host is signed (Python and Java SDKs, ours), another Host value is refused."""
    req = CASES["list"]
    headers = sign(req)
    assert "host" in verify(req, headers).signed_headers
    assert rejected(req, {**headers, "Host": "dms.other.example.com"}).code == "APIGW.0301"


def test_host_unsigned_request_outside_the_date_window_rejected() -> None:
    """The 15-minute X-Sdk-Date window applies to host-unsigned requests as well."""
    req, headers = _signed_like_go()
    assert rejected(req, headers, now=NOW + timedelta(minutes=16)).code == "APIGW.0303"


@pytest.mark.parametrize(
    "delta", [timedelta(minutes=15, seconds=1), timedelta(minutes=-16), timedelta(days=1)]
)
def test_clock_skew_over_15_minutes_rejected_as_expired(delta: timedelta) -> None:
    """An X-Sdk-Date more than 15 minutes from the server clock is rejected with APIGW.0303."""
    req = CASES["list"]
    assert rejected(req, sign(req), now=NOW + delta).code == "APIGW.0303"


@pytest.mark.parametrize("delta", [timedelta(minutes=14), timedelta(minutes=-14), timedelta(0)])
def test_clock_skew_within_15_minutes_accepted(delta: timedelta) -> None:
    """An X-Sdk-Date 14 minutes off either way is still accepted."""
    req = CASES["list"]
    assert verify(req, sign(req), now=NOW + delta).access_key == AK


def test_malformed_sdk_date_rejected() -> None:
    """An X-Sdk-Date not in %Y%m%dT%H%M%SZ form is rejected with APIGW.0301."""
    req = Req(headers=_h(**{"X-Sdk-Date": "2024-01-02T03:04:05Z"}))
    assert rejected(req, sign(req)).code == "APIGW.0301"


def test_security_token_expected_but_missing_rejected() -> None:
    """When the server expects a security token, a request without one is rejected."""
    req = CASES["list"]
    assert rejected(req, sign(req), security_token=TOKEN).code == "APIGW.0301"


def test_security_token_wrong_rejected() -> None:
    """A signed but wrong security token is rejected."""
    req = Req(target=CASES["token"].target, token="other-token")
    assert rejected(req, sign(req), security_token=TOKEN).code == "APIGW.0301"


def test_security_token_unsigned_rejected() -> None:
    """A correct token that is not covered by the signature is rejected."""
    req = CASES["list"]
    headers = {**sign(req), "X-Security-Token": TOKEN}
    assert rejected(req, headers, security_token=TOKEN).code == "APIGW.0301"


def test_security_token_non_ascii_rejected_not_crashing() -> None:
    """A signed non-ASCII token that differs from the expected one is rejected, not a TypeError."""
    req = Req(target=CASES["token"].target, token="tøken")
    assert rejected(req, sign(req), security_token="token").code == "APIGW.0301"


@pytest.mark.parametrize("byte", [0x80, 0xE9, 0xFF])
def test_signature_with_non_ascii_byte_rejected_not_crashing(byte: int) -> None:
    """A signature with a non-ASCII byte (as a server decodes it, latin-1) is rejected, not a TypeError."""
    req = CASES["list"]
    headers = sign(req)
    headers["Authorization"] = headers["Authorization"][:-1] + bytes([byte]).decode("latin-1")
    assert rejected(req, headers).code == "APIGW.0301"


# -- signer behaviour -----------------------------------------------------------------------------


def test_caller_sdk_date_is_kept() -> None:
    """An X-Sdk-Date set by the caller is used for signing and not replaced."""
    auth = AkSkAuth(AK, SK, clock=lambda: datetime(2030, 1, 1, tzinfo=UTC))
    for name in ("X-Sdk-Date", "x-sdk-date"):
        added = auth.signature_headers("GET", f"https://{HOST}{TASKS}", {name: DATE})
        assert not any(k.lower() == "x-sdk-date" for k in added)
        verify(Req(headers={name: DATE}), {name: DATE, **added})


def test_sdk_date_comes_from_clock_in_utc() -> None:
    """Without X-Sdk-Date the signer adds one from its clock, converted to UTC."""
    plus8 = timezone(timedelta(hours=8))
    auth = AkSkAuth(AK, SK, clock=lambda: datetime(2024, 1, 2, 11, 4, 5, tzinfo=plus8))
    added = auth.signature_headers("GET", f"https://{HOST}{TASKS}", {})
    assert added["X-Sdk-Date"] == DATE
    assert added["Host"] == HOST
    verify(Req(headers={}), added)


def test_default_clock_is_now() -> None:
    """The default clock stamps the current UTC time, which the verifier accepts right away."""
    added = AkSkAuth(AK, SK).signature_headers("GET", f"https://{HOST}{TASKS}", {})
    stamped = datetime.strptime(added["X-Sdk-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - stamped).total_seconds()) < 60
    verify_request("GET", TASKS, added, None, secret_for=SECRETS)


def test_token_header_added_and_signed() -> None:
    """A security token is sent as X-Security-Token and covered by the signature."""
    added = AkSkAuth(AK, SK, TOKEN).signature_headers("GET", f"https://{HOST}{TASKS}", BASE)
    assert added["X-Security-Token"] == TOKEN
    assert "x-security-token" in added["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")


def test_host_excludes_userinfo_and_keeps_port() -> None:
    """The Host header is host[:port] of the URL, without any user:password@ part."""
    added = AkSkAuth(AK, SK).signature_headers("GET", "http://user:pw@127.0.0.1:8080/v2/x", BASE)
    assert added["Host"] == "127.0.0.1:8080"


@pytest.mark.parametrize(("ak", "sk"), [("", SK), ("   ", SK), (AK, ""), (None, SK), (AK, None)])
def test_empty_credentials_rejected(ak: object, sk: object) -> None:
    """An empty or missing access key or secret key raises ValueError at construction."""
    with pytest.raises(ValueError):
        AkSkAuth(ak, sk)  # type: ignore[arg-type]


def test_repr_and_str_hide_secret_and_token() -> None:
    """repr() and str() show the access key but never the secret key or token."""
    auth = AkSkAuth(AK, SK, TOKEN)
    # "%r" on purpose: %-formatting is one more way a secret could be printed.
    for text in (repr(auth), str(auth), f"{auth}", "%r" % (auth,), repr([auth]), repr({"auth": auth})):  # noqa: UP031
        assert SK not in text
        assert TOKEN not in text
        assert AK in text


def test_pickling_refused() -> None:
    """Pickling or copying AkSkAuth raises TypeError so the secret cannot leak into state."""
    auth = AkSkAuth(AK, SK, TOKEN)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError):
            pickle.dumps(auth, protocol=protocol)
    with pytest.raises(TypeError):
        copy.deepcopy(auth)


def test_canonical_helpers_follow_the_documented_rules() -> None:
    """canonical_uri/canonical_query encode as documented: '~' safe, '/' appended, pairs sorted, bools lower-case."""
    # Like the vendor, the whole path is decoded before splitting: "%2F" becomes a separator.
    assert canonical_uri("/v2/a b/c~d/e+f/%41%2Fz") == "/v2/a%20b/c~d/e%2Bf/A/z/"
    assert canonical_uri("") == "/"
    assert canonical_query([("b", 1), ("a", "x y"), ("a", True), ("c", False), ("é", "/")]) == (
        "a=true&a=x%20y&b=1&c=false&%C3%A9=%2F"
    )


# -- as a requests auth hook -----------------------------------------------------------------------


def _verify_prepared(prepared: requests.PreparedRequest, **kwargs: object):
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    # What a server sees: the bytes http.client sends (str as latin-1), read back as UTF-8 text.
    # requests keeps a header value given as bytes as bytes (its stubs say str only).
    sent: Mapping[str, str | bytes] = prepared.headers
    headers = {
        k: (v if isinstance(v, bytes) else v.encode("latin-1")).decode("utf-8") for k, v in sent.items()
    }
    kwargs.setdefault("secret_for", SECRETS)
    return verify_request(prepared.method or "", prepared.path_url, headers, body, **kwargs)  # type: ignore[arg-type]


def test_requests_prepared_get_with_params_dict_verifies() -> None:
    """AkSkAuth on requests.Request(...).prepare() with a params dict yields a request that verifies."""
    auth = AkSkAuth(AK, SK, TOKEN)
    params = {"start": 1, "limit": 10, "name": "a b+c", "uni": "值", "flag": "true"}
    prepared = requests.Request(
        "GET", f"https://{HOST}{TASKS}", params=params, headers={"X-Project-Id": PROJECT}, auth=auth
    ).prepare()
    assert prepared.headers["Authorization"].startswith(f"SDK-HMAC-SHA256 Access={AK}, SignedHeaders=")
    assert prepared.headers["Host"] == HOST
    result = _verify_prepared(prepared, security_token=TOKEN)
    assert "x-project-id" in result.signed_headers


def test_requests_prepared_post_json_verifies_and_body_is_protected() -> None:
    """A signed JSON POST prepared by requests verifies, and fails with another body."""
    prepared = requests.Request(
        "POST", f"https://{HOST}{TASKS}/x", json={"name": "über"}, auth=AkSkAuth(AK, SK)
    ).prepare()
    _verify_prepared(prepared)
    prepared.body = b'{"name": "other"}'
    with pytest.raises(SignatureRejected):
        _verify_prepared(prepared)


def test_requests_session_prepared_request_verifies() -> None:
    """A request prepared through a Session (default headers merged) verifies."""
    with requests.Session() as session:
        session.auth = AkSkAuth(AK, SK)
        prepared = session.prepare_request(
            requests.Request(
                "DELETE", f"http://127.0.0.1:8080{TASKS}/id 1", params=[("k", "v1"), ("k", "v0")]
            )
        )
    _verify_prepared(prepared)


def test_requests_bytes_header_value_verifies() -> None:
    """A header value given to requests as bytes is signed as the text that goes on the wire."""
    prepared = requests.Request(
        "GET", f"https://{HOST}{TASKS}", headers={"X-Project-Id": PROJECT.encode()}, auth=AkSkAuth(AK, SK)
    ).prepare()
    _verify_prepared(prepared)


# -- properties ------------------------------------------------------------------------------------

TEXT = st.characters(blacklist_categories=["Cs"])
# A path starting with "//" has its own test (test_path_with_leading_double_slash_round_trips).
SEGMENTS = st.lists(st.text(TEXT, min_size=0, max_size=10), min_size=0, max_size=4).filter(
    lambda s: len(s) < 2 or s[0] != ""
)
PAIRS = st.lists(st.tuples(st.text(TEXT, max_size=8), st.text(TEXT, max_size=8)), max_size=5)
BODIES = st.one_of(st.none(), st.binary(max_size=64), st.text(TEXT, max_size=32).map(str.encode))
METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "patch"])
PROPERTY = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def _build(segments: list[str], pairs: list[tuple[str, str]]) -> str:
    target = "/" + "/".join(quote(s, safe="") for s in segments)
    return target + ("?" + urlencode(pairs, quote_via=quote) if pairs else "")


@PROPERTY
@given(segments=SEGMENTS, pairs=PAIRS, body=BODIES, method=METHODS, data=st.data())
def test_property_sign_then_verify_and_any_signature_byte_change_fails(
    segments: list[str], pairs: list[tuple[str, str]], body: bytes | None, method: str, data: st.DataObject
) -> None:
    """Any path/query/body signs and verifies; changing any one signature character is rejected."""
    req = Req(target=_build(segments, pairs), method=method, body=body)
    headers = sign(req)
    verify(req, headers)
    auth = headers["Authorization"]
    signature = auth.rsplit("Signature=", 1)[1]
    assert len(signature) == 64
    index = data.draw(st.integers(0, 63), label="index")
    original = signature[index]
    # ASCII printable replacements; the same hex digit in the other case is the same signature.
    replacement = data.draw(
        st.characters(min_codepoint=0x21, max_codepoint=0x7E).filter(lambda c: c.lower() != original),
        label="replacement",
    )
    changed = signature[:index] + replacement + signature[index + 1 :]
    tampered = {**headers, "Authorization": auth[:-64] + changed}
    assert rejected(req, tampered).code == "APIGW.0301"


@PROPERTY
@given(segments=SEGMENTS, pairs=PAIRS, data=st.data())
def test_property_other_query_or_path_rejected(
    segments: list[str], pairs: list[tuple[str, str]], data: st.DataObject
) -> None:
    """A signature for one path/query does not verify for a canonically different one."""
    req = Req(target=_build(segments, pairs))
    headers = sign(req)
    other_segments = data.draw(SEGMENTS, label="other_segments")
    other_pairs = data.draw(PAIRS, label="other_pairs")
    other = Req(target=_build(other_segments, other_pairs))
    path_a, path_b = urlsplit(req.target).path, urlsplit(other.target).path
    same = canonical_uri(path_a) == canonical_uri(path_b) and canonical_query(pairs) == canonical_query(
        other_pairs
    )
    if same:
        verify(other, headers)
    else:
        assert rejected(other, headers).code == "APIGW.0301"


@settings(max_examples=60, deadline=None, database=None)
@given(
    segment=st.text(TEXT, min_size=1, max_size=10),
    params=st.lists(st.tuples(st.text(TEXT, min_size=1, max_size=6), st.text(TEXT, max_size=6)), max_size=4),
    body=st.one_of(
        st.none(), st.dictionaries(st.text(TEXT, max_size=5), st.text(TEXT, max_size=5), max_size=3)
    ),
)
def test_property_requests_prepared_round_trip(
    segment: str, params: list[tuple[str, str]], body: dict[str, str] | None
) -> None:
    """Requests prepared by requests with arbitrary params and JSON bodies verify after AkSkAuth."""
    prepared = requests.Request(
        "POST" if body is not None else "GET",
        f"https://{HOST}/v2/{quote(segment, safe='')}/tasks",
        params=params,
        json=body,
        auth=AkSkAuth(AK, SK, TOKEN),
    ).prepare()
    _verify_prepared(prepared, security_token=TOKEN)
