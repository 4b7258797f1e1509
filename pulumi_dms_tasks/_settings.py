"""Where the client's settings come from, in one documented order.

Precedence for every setting, first match wins:

1. an explicit argument (``DmsClient(...)`` or a resource/function input);
2. Pulumi stack config in the ``huaweicloud:`` namespace (the keys ``pulumi-huaweicloud`` users
   already have: ``accessKey``, ``secretKey``, ``securityToken``, ``region``, ``projectId``,
   ``cloud``, ``endpoints`` (``{"dms": URL}``), ``insecure``, ``cacertFile``, ``maxRetries``);
3. environment variables: ``HW_ACCESS_KEY``, ``HW_SECRET_KEY``, ``HW_SECURITY_TOKEN``,
   ``HW_REGION_NAME``, ``HW_PROJECT_ID``, ``HW_CLOUD``, ``HW_DMS_ENDPOINT``, ``HW_MAX_RETRIES``,
   ``HW_INSECURE``, ``HW_CACERT_FILE``; then the vendor SDK's ``HUAWEICLOUD_SDK_AK`` /
   ``HUAWEICLOUD_SDK_SK`` / ``HUAWEICLOUD_SDK_SECURITY_TOKEN`` / ``HUAWEICLOUD_SDK_PROJECT_ID``;
   then its samples' ``CLOUD_SDK_AK`` / ``CLOUD_SDK_SK``.

The endpoint, when not given, is ``https://dms.{region}.{cloud}`` (``cloud`` defaults to
``myhuaweicloud.com``; regions starting with ``eu-west-1`` use ``myhuaweicloud.eu``, as the vendor's
Terraform provider does).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

from ._constants import (
    DEFAULT_CALL_TIMEOUT,
    DEFAULT_CLOUD_DOMAIN,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RETRIES,
    DEFAULT_READ_TIMEOUT,
)
from ._errors import ConfigurationError, InvalidInputError
from ._validation import (
    parse_duration,
    validate_bool,
    validate_endpoint,
    validate_id,
    validate_positive_int,
    validate_region,
)

__all__ = ["SETTINGS_KEYWORDS", "ClientSettings", "ConfigLookup", "SettingsArgs", "resolve_settings"]

ConfigLookup = Callable[[str], Any]
"""Reads a full stack-config key such as ``huaweicloud:secretKey``; ``None`` when unset."""

_ENV = {
    "ak": ("HW_ACCESS_KEY", "HUAWEICLOUD_SDK_AK", "CLOUD_SDK_AK"),
    "sk": ("HW_SECRET_KEY", "HUAWEICLOUD_SDK_SK", "CLOUD_SDK_SK"),
    "security_token": ("HW_SECURITY_TOKEN", "HUAWEICLOUD_SDK_SECURITY_TOKEN"),
    "region": ("HW_REGION_NAME",),
    "project_id": ("HW_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID"),
    "cloud": ("HW_CLOUD",),
    "endpoint": ("HW_DMS_ENDPOINT",),
    "max_retries": ("HW_MAX_RETRIES",),
    "insecure": ("HW_INSECURE",),
    "cacert_file": ("HW_CACERT_FILE",),
}
_CONFIG = {
    "ak": "huaweicloud:accessKey",
    "sk": "huaweicloud:secretKey",
    "security_token": "huaweicloud:securityToken",
    "region": "huaweicloud:region",
    "project_id": "huaweicloud:projectId",
    "cloud": "huaweicloud:cloud",
    "max_retries": "huaweicloud:maxRetries",
    "insecure": "huaweicloud:insecure",
    "cacert_file": "huaweicloud:cacertFile",
}


@dataclass(frozen=True)
class ClientSettings:
    """Resolved settings. ``sk`` and ``security_token`` are excluded from ``repr``."""

    endpoint: str
    project_id: str
    ak: str
    sk: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)
    region: str | None = None
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    verify: bool | str = True
    call_timeout: float = DEFAULT_CALL_TIMEOUT  # the total bound of a call made without a wait

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("ClientSettings holds credentials and cannot be pickled")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _endpoint_from_config(raw: Any) -> str | None:
    if _blank(raw):
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ConfigurationError(
                'huaweicloud:endpoints must be an object such as {"dms": "https://..."}'
            ) from None
    if not isinstance(raw, Mapping):
        raise ConfigurationError('huaweicloud:endpoints must be an object such as {"dms": "https://..."}')
    value = raw.get("dms") or raw.get("dmsv2")
    return str(value) if value else None


def default_endpoint(region: str, cloud: str | None = None) -> str:
    """``https://dms.{region}.{cloud}``, with the ``.eu`` domain for ``eu-west-1*`` regions."""
    if cloud is None:
        cloud = "myhuaweicloud.eu" if region.startswith("eu-west-1") else DEFAULT_CLOUD_DOMAIN
    return f"https://dms.{region}.{cloud}"


class SettingsArgs(TypedDict, total=False):
    """The keyword settings of :func:`resolve_settings` and ``DmsClient``; each one is optional."""

    endpoint: str | None
    region: str | None
    project_id: str | None
    ak: str | None
    sk: str | None
    security_token: str | None
    connect_timeout: float | str | None
    read_timeout: float | str | None
    max_retries: int | None
    verify: bool | str | None
    config: ConfigLookup | None
    env: Mapping[str, str] | None
    call_timeout: float | str | None


SETTINGS_KEYWORDS = frozenset(SettingsArgs.__annotations__)


def resolve_settings(**kwargs: Unpack[SettingsArgs]) -> ClientSettings:
    """Combine arguments, stack config and environment (see the module docstring)."""
    unknown = sorted(set(kwargs) - SETTINGS_KEYWORDS)
    if unknown:
        raise TypeError(
            f"unexpected setting {unknown[0]!r}; known settings: {', '.join(sorted(SETTINGS_KEYWORDS))}"
        )
    endpoint, region, project_id = kwargs.get("endpoint"), kwargs.get("region"), kwargs.get("project_id")
    ak, sk, security_token = kwargs.get("ak"), kwargs.get("sk"), kwargs.get("security_token")
    connect_timeout, read_timeout = kwargs.get("connect_timeout"), kwargs.get("read_timeout")
    max_retries, verify, call_timeout = (
        kwargs.get("max_retries"),
        kwargs.get("verify"),
        kwargs.get("call_timeout"),
    )
    config, env = kwargs.get("config"), kwargs.get("env")
    environ = os.environ if env is None else env
    lookup = config or (lambda key: None)
    explicit = {
        "ak": ak,
        "sk": sk,
        "security_token": security_token,
        "region": region,
        "project_id": project_id,
        "max_retries": max_retries,
    }

    def from_env(name: str) -> tuple[Any, str | None]:
        for var in _ENV.get(name, ()):
            value = environ.get(var)
            if not _blank(value):
                return value, var
        return None, None

    def pick(name: str) -> tuple[Any, str | None]:
        if not _blank(explicit.get(name)):
            return explicit[name], name
        key = _CONFIG.get(name)
        if key is not None:
            value = lookup(key)
            if not _blank(value):
                return value, key
        return from_env(name)

    region_value, region_src = pick("region")
    if region_value is not None:
        region_value = validate_region(region_value, region_src or "region")

    # Not pick(): it would take HW_DMS_ENDPOINT before the huaweicloud:endpoints stack config.
    endpoint_value, endpoint_src = (None, None) if _blank(endpoint) else (endpoint, "endpoint")
    if endpoint_value is None:
        from_config = _endpoint_from_config(lookup("huaweicloud:endpoints"))
        if from_config is not None:
            endpoint_value, endpoint_src = from_config, "huaweicloud:endpoints.dms"
    if endpoint_value is None:
        endpoint_value, endpoint_src = from_env("endpoint")
    if endpoint_value is None:
        if region_value is None:
            raise ConfigurationError(
                "no DMS endpoint: set a region (argument 'region', stack config huaweicloud:region or "
                "HW_REGION_NAME) or an explicit endpoint (argument 'endpoint', huaweicloud:endpoints "
                '{"dms": URL} or HW_DMS_ENDPOINT)'
            )
        cloud, _ = pick("cloud")
        endpoint_value, endpoint_src = default_endpoint(region_value, cloud or None), "region"
    endpoint_value = validate_endpoint(endpoint_value, endpoint_src or "endpoint")

    project_value, project_src = pick("project_id")
    if project_value is None:
        raise ConfigurationError(
            "no project id: set argument 'project_id', stack config huaweicloud:projectId or HW_PROJECT_ID"
        )
    project_value = validate_id(project_value, project_src or "project_id")

    ak_value, ak_src = pick("ak")
    sk_value, _ = pick("sk")
    if ak_value is None or sk_value is None:
        missing = "access key" if ak_value is None else "secret key"
        raise ConfigurationError(
            f"no {missing}: set stack config huaweicloud:accessKey and huaweicloud:secretKey (as a secret), "
            "or HW_ACCESS_KEY and HW_SECRET_KEY"
        )
    # A temporary token belongs to the keys it was issued with: take it from the same place only.
    token_value: Any = security_token if not _blank(security_token) else None
    if token_value is None:
        candidate: Any = None
        if ak_src == _CONFIG["ak"]:
            candidate = lookup(_CONFIG["security_token"])
        elif ak_src == "HW_ACCESS_KEY":
            candidate = environ.get("HW_SECURITY_TOKEN")
        elif ak_src == "HUAWEICLOUD_SDK_AK":
            candidate = environ.get("HUAWEICLOUD_SDK_SECURITY_TOKEN")
        token_value = None if _blank(candidate) else candidate

    retries_value, retries_src = pick("max_retries")
    retries = (
        DEFAULT_MAX_RETRIES
        if retries_value is None
        else validate_positive_int(retries_value, retries_src or "max_retries", allow_zero=True, maximum=20)
    )

    verify_value: bool | str = True
    if verify is not None:
        verify_value = verify
    else:
        insecure, insecure_src = pick("insecure")
        cacert, cacert_src = pick("cacert_file")
        if insecure is not None and validate_bool(insecure, insecure_src or "insecure"):
            verify_value = False
        elif cacert is not None:
            if not os.path.isfile(str(cacert)):
                raise InvalidInputError(cacert_src or "cacert_file", "a readable CA bundle file", str(cacert))
            verify_value = str(cacert)

    return ClientSettings(
        endpoint=endpoint_value,
        project_id=project_value,
        ak=str(ak_value).strip(),
        sk=str(sk_value),
        security_token=str(token_value) if token_value is not None else None,
        region=region_value,
        connect_timeout=parse_duration(connect_timeout, "connect_timeout")
        if connect_timeout is not None
        else DEFAULT_CONNECT_TIMEOUT,
        read_timeout=parse_duration(read_timeout, "read_timeout")
        if read_timeout is not None
        else DEFAULT_READ_TIMEOUT,
        max_retries=retries,
        verify=verify_value,
        call_timeout=parse_duration(call_timeout, "call_timeout")
        if call_timeout is not None
        else DEFAULT_CALL_TIMEOUT,
    )
