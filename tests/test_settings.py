"""Where settings come from: argument > huaweicloud:* stack config > HW_* > HUAWEICLOUD_SDK_* > CLOUD_SDK_*."""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from pulumi_dms_tasks._client import DmsClient
from pulumi_dms_tasks._errors import ConfigurationError, InvalidInputError
from pulumi_dms_tasks._settings import ClientSettings, SettingsArgs, default_endpoint, resolve_settings
from pulumi_dms_tasks.emulator import Emulator
from tests.helpers import TEST_AK, TEST_PROJECT, TEST_SK

BASE_ENV = {
    "HW_PROJECT_ID": "proj-env",
    "HW_REGION_NAME": "cn-north-4",
    "HW_ACCESS_KEY": "AK-HW",
    "HW_SECRET_KEY": "SK-HW",
}


def config_of(values: dict[str, Any]):
    """A stack-config lookup over full ``huaweicloud:*`` keys, ``None`` when unset."""
    return lambda key: values.get(key)


# -- precedence ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "config", "env", "want"),
    [
        pytest.param(
            {"ak": "AK-ARG", "sk": "SK-ARG"},
            {"huaweicloud:accessKey": "AK-CFG", "huaweicloud:secretKey": "SK-CFG"},
            {"HW_ACCESS_KEY": "AK-HW", "HW_SECRET_KEY": "SK-HW"},
            ("AK-ARG", "SK-ARG"),
            id="argument",
        ),
        pytest.param(
            {},
            {"huaweicloud:accessKey": "AK-CFG", "huaweicloud:secretKey": "SK-CFG"},
            {"HW_ACCESS_KEY": "AK-HW", "HW_SECRET_KEY": "SK-HW"},
            ("AK-CFG", "SK-CFG"),
            id="config",
        ),
        pytest.param(
            {},
            {},
            {
                "HW_ACCESS_KEY": "AK-HW",
                "HW_SECRET_KEY": "SK-HW",
                "HUAWEICLOUD_SDK_AK": "AK-SDK",
                "HUAWEICLOUD_SDK_SK": "SK-SDK",
                "CLOUD_SDK_AK": "AK-CS",
                "CLOUD_SDK_SK": "SK-CS",
            },
            ("AK-HW", "SK-HW"),
            id="hw-env",
        ),
        pytest.param(
            {},
            {},
            {
                "HUAWEICLOUD_SDK_AK": "AK-SDK",
                "HUAWEICLOUD_SDK_SK": "SK-SDK",
                "CLOUD_SDK_AK": "AK-CS",
                "CLOUD_SDK_SK": "SK-CS",
            },
            ("AK-SDK", "SK-SDK"),
            id="vendor-sdk-env",
        ),
        pytest.param(
            {},
            {},
            {"CLOUD_SDK_AK": "AK-CS", "CLOUD_SDK_SK": "SK-CS"},
            ("AK-CS", "SK-CS"),
            id="sdk-samples-env",
        ),
        pytest.param(
            {"ak": "  "},
            {"huaweicloud:accessKey": "", "huaweicloud:secretKey": "SK-CFG"},
            {"HW_ACCESS_KEY": "AK-HW"},
            ("AK-HW", "SK-CFG"),
            id="blank-values-fall-through",
        ),
    ],
)
def test_credentials_follow_the_documented_precedence(
    args: SettingsArgs, config: dict[str, str], env: dict[str, str], want: tuple[str, str]
) -> None:
    """Each credential comes from the first source that has a non-blank value."""
    settings: SettingsArgs = {
        "endpoint": "https://dms.example.com",
        "project_id": "p",
        "config": config_of(config),
        "env": env,
        **args,
    }
    s = resolve_settings(**settings)
    assert (s.ak, s.sk) == want


def test_project_and_region_follow_the_same_precedence() -> None:
    """project_id and region also prefer argument, then config, then HW_*, then the SDK's names."""
    env = {**BASE_ENV, "HUAWEICLOUD_SDK_PROJECT_ID": "proj-sdk"}
    cfg = {"huaweicloud:projectId": "proj-cfg", "huaweicloud:region": "ap-southeast-1"}
    s = resolve_settings(project_id="proj-arg", region="af-south-1", config=config_of(cfg), env=env)
    assert (s.project_id, s.region) == ("proj-arg", "af-south-1")
    s = resolve_settings(config=config_of(cfg), env=env)
    assert (s.project_id, s.region) == ("proj-cfg", "ap-southeast-1")
    s = resolve_settings(env=env)
    assert (s.project_id, s.region) == ("proj-env", "cn-north-4")
    s = resolve_settings(env={k: v for k, v in env.items() if k != "HW_PROJECT_ID"})
    assert s.project_id == "proj-sdk"


def test_security_token_comes_from_where_the_keys_come_from() -> None:
    """A temporary token is only paired with keys from the same place; a stray env token is not sent."""
    env = {**BASE_ENV, "HW_SECURITY_TOKEN": "tok-env", "HUAWEICLOUD_SDK_SECURITY_TOKEN": "tok-sdk"}
    cfg = {
        "huaweicloud:accessKey": "AK-CFG",
        "huaweicloud:secretKey": "SK-CFG",
        "huaweicloud:securityToken": "tok-cfg",
    }
    assert resolve_settings(env=env).security_token == "tok-env"
    assert resolve_settings(config=config_of(cfg), env=env).security_token == "tok-cfg"
    no_cfg_token = {k: v for k, v in cfg.items() if k != "huaweicloud:securityToken"}
    assert resolve_settings(config=config_of(no_cfg_token), env=env).security_token is None
    assert resolve_settings(ak="AK-ARG", sk="SK-ARG", env=env).security_token is None
    assert (
        resolve_settings(ak="AK-ARG", sk="SK-ARG", security_token="tok-arg", env=env).security_token
        == "tok-arg"
    )
    sdk_env = {
        k: v for k, v in env.items() if not k.startswith("HW_ACCESS") and not k.startswith("HW_SECRET")
    }
    sdk_env.update({"HUAWEICLOUD_SDK_AK": "AK-SDK", "HUAWEICLOUD_SDK_SK": "SK-SDK"})
    assert resolve_settings(env=sdk_env).security_token == "tok-sdk"


def test_env_parameter_replaces_the_process_environment(clean_env: pytest.MonkeyPatch) -> None:
    """With env= given, os.environ is not read; without it, it is."""
    clean_env.setenv("HW_ACCESS_KEY", "AK-OS")
    clean_env.setenv("HW_SECRET_KEY", "SK-OS")
    s = resolve_settings(
        endpoint="https://dms.example.com",
        project_id="p",
        env={"HW_ACCESS_KEY": "AK-X", "HW_SECRET_KEY": "SK-X"},
    )
    assert s.ak == "AK-X"
    assert resolve_settings(endpoint="https://dms.example.com", project_id="p").ak == "AK-OS"
    with pytest.raises(ConfigurationError, match="no access key"):
        resolve_settings(endpoint="https://dms.example.com", project_id="p", env={})


# -- endpoint ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "cloud", "want"),
    [
        ("cn-north-4", None, "https://dms.cn-north-4.myhuaweicloud.com"),
        ("ap-southeast-1", None, "https://dms.ap-southeast-1.myhuaweicloud.com"),
        ("eu-west-101", None, "https://dms.eu-west-101.myhuaweicloud.eu"),
        ("eu-west-0", None, "https://dms.eu-west-0.myhuaweicloud.com"),
        ("cn-north-4", "example.cloud", "https://dms.cn-north-4.example.cloud"),
    ],
)
def test_endpoint_is_derived_from_region_and_cloud(region: str, cloud: str | None, want: str) -> None:
    """Without an explicit endpoint it is https://dms.{region}.{cloud}, .eu for eu-west-1* regions."""
    assert default_endpoint(region, cloud) == want
    cfg = {"huaweicloud:region": region, **({"huaweicloud:cloud": cloud} if cloud else {})}
    assert (
        resolve_settings(config=config_of(cfg), env={**BASE_ENV, "HW_REGION_NAME": "la-south-2"}).endpoint
        == want
    )


def test_cloud_comes_from_config_before_hw_cloud() -> None:
    """huaweicloud:cloud beats HW_CLOUD, which beats the default domain."""
    env = {**BASE_ENV, "HW_CLOUD": "env.cloud"}
    assert resolve_settings(env=env).endpoint == "https://dms.cn-north-4.env.cloud"
    assert (
        resolve_settings(config=config_of({"huaweicloud:cloud": "cfg.cloud"}), env=env).endpoint
        == "https://dms.cn-north-4.cfg.cloud"
    )


@pytest.mark.parametrize(
    "endpoints",
    [
        json.dumps({"dms": "https://dms.internal.example:8443/"}),
        {"dms": "https://dms.internal.example:8443"},
        {"dmsv2": "https://dms.internal.example:8443"},
    ],
)
def test_endpoints_config_overrides_the_derived_endpoint(endpoints: Any) -> None:
    """huaweicloud:endpoints {"dms": URL} (JSON text or object) is used as is, trailing slash dropped."""
    s = resolve_settings(config=config_of({"huaweicloud:endpoints": endpoints}), env=BASE_ENV)
    assert s.endpoint == "https://dms.internal.example:8443"


def test_endpoint_precedence_argument_config_env_region() -> None:
    """Endpoint: argument, then huaweicloud:endpoints, then HW_DMS_ENDPOINT, then the region."""
    cfg = config_of({"huaweicloud:endpoints": {"dms": "https://from-config.example"}})
    env = {**BASE_ENV, "HW_DMS_ENDPOINT": "https://from-env.example"}
    assert (
        resolve_settings(endpoint="https://from-arg.example", config=cfg, env=env).endpoint
        == "https://from-arg.example"
    )
    assert resolve_settings(config=cfg, env=env).endpoint == "https://from-config.example"
    assert resolve_settings(env=env).endpoint == "https://from-env.example"
    assert resolve_settings(env=BASE_ENV).endpoint == "https://dms.cn-north-4.myhuaweicloud.com"
    no_dms = config_of({"huaweicloud:endpoints": {"ecs": "https://ecs.example"}})
    assert resolve_settings(config=no_dms, env=env).endpoint == "https://from-env.example"


@pytest.mark.parametrize("endpoints", ["not json", "[1, 2]", 42])
def test_bad_endpoints_config_is_a_configuration_error(endpoints: Any) -> None:
    """A huaweicloud:endpoints that is not an object says what shape it needs."""
    with pytest.raises(ConfigurationError, match=r'huaweicloud:endpoints must be an object such as \{"dms"'):
        resolve_settings(config=config_of({"huaweicloud:endpoints": endpoints}), env=BASE_ENV)


def test_bad_values_name_the_source_they_came_from() -> None:
    """A bad region or endpoint from config or env names that key, so the user knows what to fix."""
    with pytest.raises(InvalidInputError) as info:
        resolve_settings(config=config_of({"huaweicloud:region": "North"}), env=BASE_ENV)
    assert info.value.field == "huaweicloud:region"
    with pytest.raises(InvalidInputError) as info:
        resolve_settings(env={**BASE_ENV, "HW_DMS_ENDPOINT": "ftp://x"})
    assert info.value.field == "HW_DMS_ENDPOINT"
    with pytest.raises(InvalidInputError) as info:
        resolve_settings(env={**BASE_ENV, "HW_MAX_RETRIES": "many"})
    assert info.value.field == "HW_MAX_RETRIES" and "a whole number >= 0 and <= 20" in str(info.value)


def test_missing_settings_say_where_to_set_them() -> None:
    """No endpoint/region, project or keys: ConfigurationError lists the argument, config key and variable."""
    with pytest.raises(ConfigurationError) as info:
        resolve_settings(project_id="p", ak="a", sk="s", env={})
    assert all(
        s in str(info.value) for s in ("region", "huaweicloud:region", "HW_REGION_NAME", "HW_DMS_ENDPOINT")
    )
    with pytest.raises(ConfigurationError) as info:
        resolve_settings(region="cn-north-4", ak="a", sk="s", env={})
    assert all(s in str(info.value) for s in ("project_id", "huaweicloud:projectId", "HW_PROJECT_ID"))
    with pytest.raises(ConfigurationError) as info:
        resolve_settings(region="cn-north-4", project_id="p", ak="a", env={})
    assert "no secret key" in str(info.value) and "HW_SECRET_KEY" in str(info.value)


# -- TLS and retries -----------------------------------------------------------------------------------


def test_insecure_and_cacert_file_set_verification(tmp_path: Path) -> None:
    """insecure=true turns verification off; cacertFile points it at a bundle; an argument beats both."""
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert resolve_settings(env=BASE_ENV).verify is True
    assert resolve_settings(config=config_of({"huaweicloud:insecure": "true"}), env=BASE_ENV).verify is False
    assert resolve_settings(config=config_of({"huaweicloud:insecure": True}), env=BASE_ENV).verify is False
    assert resolve_settings(env={**BASE_ENV, "HW_INSECURE": "true"}).verify is False
    assert (
        resolve_settings(
            config=config_of({"huaweicloud:insecure": "false"}), env={**BASE_ENV, "HW_INSECURE": "true"}
        ).verify
        is True
    )
    assert resolve_settings(
        config=config_of({"huaweicloud:cacertFile": str(bundle)}), env=BASE_ENV
    ).verify == str(bundle)
    assert resolve_settings(env={**BASE_ENV, "HW_CACERT_FILE": str(bundle)}).verify == str(bundle)
    assert (
        resolve_settings(verify=True, config=config_of({"huaweicloud:insecure": "true"}), env=BASE_ENV).verify
        is True
    )
    with pytest.raises(InvalidInputError) as info:
        resolve_settings(
            config=config_of({"huaweicloud:cacertFile": str(tmp_path / "missing.pem")}), env=BASE_ENV
        )
    assert info.value.field == "huaweicloud:cacertFile" and "a readable CA bundle file" in str(info.value)
    with pytest.raises(InvalidInputError) as info:
        resolve_settings(config=config_of({"huaweicloud:insecure": "yes please"}), env=BASE_ENV)
    assert info.value.field == "huaweicloud:insecure" and "a boolean" in str(info.value)


def test_max_retries_precedence_and_bounds() -> None:
    """maxRetries: argument (0 included) > huaweicloud:maxRetries > HW_MAX_RETRIES > default 4; 0-20 allowed."""
    env = {**BASE_ENV, "HW_MAX_RETRIES": "2"}
    cfg = config_of({"huaweicloud:maxRetries": "7"})
    assert resolve_settings(max_retries=0, config=cfg, env=env).max_retries == 0
    assert resolve_settings(config=cfg, env=env).max_retries == 7
    assert resolve_settings(env=env).max_retries == 2
    assert resolve_settings(env=BASE_ENV).max_retries == 4
    assert resolve_settings(config=config_of({"huaweicloud:maxRetries": 20}), env=BASE_ENV).max_retries == 20
    with pytest.raises(InvalidInputError) as info:
        resolve_settings(config=config_of({"huaweicloud:maxRetries": "21"}), env=BASE_ENV)
    assert info.value.field == "huaweicloud:maxRetries"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("500ms", 0.5),
        ("90s", 90.0),
        ("1m30s", 90.0),
        ("1h", 3600.0),
        ("2.5", 2.5),
        ("250 MS", 0.25),
        ("1h 30m", 5400.0),
    ],
)
def test_timeouts_accept_duration_strings(text: str, seconds: float) -> None:
    """connect/read timeouts accept seconds or duration strings, milliseconds included."""
    s = resolve_settings(read_timeout=text, connect_timeout=text, env=BASE_ENV)
    assert (s.read_timeout, s.connect_timeout) == (seconds, seconds)


# -- secrets ---------------------------------------------------------------------------------------------


def test_repr_hides_secret_key_and_token() -> None:
    """repr(ClientSettings) and repr(DmsClient) show the AK but never the SK or the security token."""
    s = resolve_settings(
        env={**BASE_ENV, "HW_SECRET_KEY": "very-secret-sk", "HW_SECURITY_TOKEN": "very-secret-token"}
    )
    for text in (repr(s), str(s), repr(DmsClient(settings=s))):
        assert "AK-HW" in text and "very-secret-sk" not in text and "very-secret-token" not in text
    assert s.sk == "very-secret-sk" and s.security_token == "very-secret-token"


def test_settings_refuse_to_be_pickled() -> None:
    """Pickling (or deep-copying) ClientSettings raises TypeError, so credentials never land in state."""
    s = resolve_settings(env=BASE_ENV)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(s)
    with pytest.raises(TypeError, match="cannot be pickled"):
        copy.deepcopy(s)
    assert dataclasses.replace(s, max_retries=1).sk == s.sk  # explicit copies still work


# -- end to end ------------------------------------------------------------------------------------------


def test_settings_from_the_environment_reach_the_emulator(emulator: Emulator) -> None:
    """A client configured only through HW_* variables in env= signs correctly and reads a task."""
    task_id = emulator.add_task("inst-settings")
    env = {
        "HW_DMS_ENDPOINT": emulator.url + "/",
        "HW_PROJECT_ID": TEST_PROJECT,
        "HW_ACCESS_KEY": TEST_AK,
        "HW_SECRET_KEY": TEST_SK,
        "HW_MAX_RETRIES": "0",
    }
    with DmsClient(env=env) as client:
        assert (client.endpoint, client.project_id) == (emulator.url, TEST_PROJECT)
        assert client.show_task("inst-settings", task_id).id == task_id


def test_settings_from_stack_config_reach_the_emulator(emulator: Emulator) -> None:
    """A client configured only through huaweicloud:* stack config signs correctly and reads a task."""
    task_id = emulator.add_task("inst-settings")
    cfg = config_of(
        {
            "huaweicloud:endpoints": json.dumps({"dms": emulator.url}),
            "huaweicloud:projectId": TEST_PROJECT,
            "huaweicloud:accessKey": TEST_AK,
            "huaweicloud:secretKey": TEST_SK,
        }
    )
    with DmsClient(
        config=cfg, env={"HW_DMS_ENDPOINT": "http://127.0.0.1:9", "HW_SECRET_KEY": "wrong"}
    ) as client:
        assert client.endpoint == emulator.url
        assert client.show_task("inst-settings", task_id).id == task_id
    assert emulator.request_counts()["rejected"] == 0


def test_explicit_settings_object_is_used_as_given(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DmsClient(settings=ClientSettings(...)) uses those settings and reads nothing else."""
    task_id = emulator.add_task("inst-settings")
    s = ClientSettings(endpoint=emulator.url, project_id=TEST_PROJECT, ak=TEST_AK, sk=TEST_SK, max_retries=0)
    monkeypatch.setenv("HW_ACCESS_KEY", "ignored")
    monkeypatch.setenv("HW_DMS_ENDPOINT", "http://127.0.0.1:9")
    with DmsClient(settings=s) as client:
        assert client.show_task("inst-settings", task_id).id == task_id


def test_client_refuses_settings_and_keywords_together() -> None:
    """DmsClient(settings=s, endpoint=...) is an error, not a silently ignored endpoint."""
    settings = resolve_settings(env=BASE_ENV)
    with pytest.raises(TypeError, match="not both"):
        DmsClient(settings=settings, endpoint="https://elsewhere.example")
    with DmsClient(settings=settings) as client:
        assert client.endpoint == settings.endpoint


def test_an_unknown_setting_is_named() -> None:
    """A misspelt keyword is refused, naming it, instead of being dropped."""
    with pytest.raises(TypeError, match="'projectid'"):
        resolve_settings(env=BASE_ENV, projectid="p")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="'regoin'"):
        DmsClient(env=BASE_ENV, regoin="cn-north-4")  # type: ignore[call-arg]
