"""Where the providers find the Prefect API key, and what the resource classes register."""

from __future__ import annotations

import base64
from typing import Any

import dill
import httpx
import pytest
from pulumi.dynamic import Config, ConfigureRequest

from prefect_ecs_platform.prefect_api import PrefectApi
from prefect_ecs_platform.resources import BlockDocument, Deployment, WorkPool, WorkPoolProvider, _provider, credentials

pytestmark = pytest.mark.usefixtures("no_ambient_prefect_credentials")


def _configure(value: str) -> None:
    WorkPoolProvider().configure(
        ConfigureRequest(Config({"prefect-ecs-platform:prefectApiKey": value}, "some-other-project"))
    )


def test_stack_config_wins_over_environment_and_input(monkeypatch: pytest.MonkeyPatch) -> None:
    """The namespaced stack config key is read even when the user's project has another name."""
    monkeypatch.setenv("PREFECT_API_KEY", "from-env")
    _configure("from-config")
    assert credentials.api_key({"api_key": "from-input"}) == "from-config"


def test_environment_then_secret_input_are_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without stack config the environment is used, and without both the resource's own input."""
    assert credentials.api_key({"api_key": "from-input"}) == "from-input"
    monkeypatch.setenv("PREFECT_API_KEY", "from-env")
    assert credentials.api_key({"api_key": "from-input"}) == "from-env"
    monkeypatch.delenv("PREFECT_API_KEY")
    assert credentials.api_key({}) is None


def test_a_rotated_key_is_no_diff() -> None:
    """Changing only the api_key input (a rotated key) reports no change for the resource."""
    olds: dict[str, Any] = {"name": "p", "type": "ecs", "api_url": "http://127.0.0.1:4200/api", "api_key": "old"}
    news = {**olds, "api_key": "new"}
    assert WorkPoolProvider().diff("id", olds, news).changes is False


def test_resources_register_with_their_type_tokens_and_a_keyless_provider(pulumi_harness: Any) -> None:
    """Each class registers as pulumi-python:dynamic/prefect:<Name>, its pickled provider holding no key."""
    url = "http://127.0.0.1:4200/api"

    def program() -> None:
        _configure("pnu_configured-secret")
        WorkPool("pool", name="p", api_url=url, api_key="pnu_input-secret")
        BlockDocument("creds", name="c", block_type_slug="aws-credentials", data={"k": "v"}, api_url=url)
        Deployment("dep", name="d", flow_name="f", work_pool_name="p", api_url=url)

    pulumi_harness.run(program)
    for name in ("WorkPool", "BlockDocument", "Deployment"):
        recorded = pulumi_harness.one(f"pulumi-python:dynamic/prefect:{name}")
        provider = recorded.inputs["__provider"]
        # The SDK always sends the provider as a secret; mocks see Pulumi's secret wrapper.
        pickled = base64.b64decode(provider["value"] if isinstance(provider, dict) else provider)
        assert b"pnu_" not in pickled
        assert type(dill.loads(pickled)).__name__ == f"{name}Provider"
    assert pulumi_harness.one("pulumi-python:dynamic/prefect:Deployment").inputs["flow_name"] == "f"


def test_auth_string_comes_from_its_own_config_key() -> None:
    """A self-hosted server's auth string is configured separately from the API key."""
    WorkPoolProvider().configure(
        ConfigureRequest(Config({"prefect-ecs-platform:prefectApiAuthString": "u:p"}, "some-other-project"))
    )
    assert credentials.auth_string({}) == "u:p"
    assert credentials.api_key({}) is None


def _authorization_sent(api_key: str | None = None, auth_string: str | None = None) -> str | None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization"))
        return httpx.Response(200, json={"name": "pool"})

    cloud = "https://api.prefect.cloud/api/accounts/a/workspaces/w"
    with PrefectApi(cloud, api_key, auth_string=auth_string, transport=httpx.MockTransport(handler)) as api:
        api.read_work_pool("pool")
    return seen[0]


def test_client_sends_bearer_for_a_key_and_basic_for_an_auth_string() -> None:
    """Prefect Cloud gets `Bearer <key>`; a basic-auth server gets `Basic base64(user:password)`, which wins."""
    assert _authorization_sent(api_key="pnu_k") == "Bearer pnu_k"
    assert _authorization_sent(auth_string="u:p") == "Basic " + base64.b64encode(b"u:p").decode()
    assert str(_authorization_sent(api_key="pnu_k", auth_string="u:p")).startswith("Basic ")
    assert _authorization_sent() is None


def test_the_key_is_read_from_the_consuming_projects_namespace() -> None:
    """A project named otherwise keeps its key in its own namespace; the provider finds it there."""
    WorkPoolProvider().configure(ConfigureRequest(Config({"data-platform:prefectApiKey": "pnu_own"}, "data-platform")))
    assert credentials.api_key({"api_key": "from-input"}) == "pnu_own"
    WorkPoolProvider().configure(ConfigureRequest(Config({"data-platform:prefectApiKey": "pnu_own"}, "elsewhere")))
    assert credentials.api_key({"api_key": "from-input"}) == "from-input"


def _basic(auth_string: str) -> str:
    return "Basic " + base64.b64encode(auth_string.encode()).decode()


def _authorization_of_a_provider_call(monkeypatch: pytest.MonkeyPatch, props: dict[str, Any]) -> str | None:
    """The Authorization a provider's Read sends for `props`, through the client the provider builds."""
    sent: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers.get("Authorization"))
        return httpx.Response(404, json={"detail": "not found"})

    def with_transport(*args: Any, **kwargs: Any) -> PrefectApi:
        return PrefectApi(*args, **{**kwargs, "transport": httpx.MockTransport(handler)})

    monkeypatch.setattr(_provider, "PrefectApi", with_transport)
    assert WorkPoolProvider().read("id", {"name": "p", "api_url": "http://127.0.0.1:4200/api", **props}).id is None
    return sent[0]


STACKS = {"api_auth_string": "prefect:generated-by-the-stack"}


def test_a_hosted_stacks_auth_string_wins_over_the_environment_and_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """With `api_auth_string_from_stack`, a wrong string left in `pulumi up`'s environment (or config) is not
    used; without the flag, as in every other stack and older state, the environment still comes first."""
    monkeypatch.setenv("PREFECT_API_AUTH_STRING", "wrong:left-in-the-environment")
    flagged = {**STACKS, "api_auth_string_from_stack": True}
    assert _authorization_of_a_provider_call(monkeypatch, flagged) == _basic(STACKS["api_auth_string"])
    assert _authorization_of_a_provider_call(monkeypatch, STACKS) == _basic("wrong:left-in-the-environment")

    WorkPoolProvider().configure(
        ConfigureRequest(Config({"prefect-ecs-platform:prefectApiAuthString": "wrong:config"}, "prefect-ecs-platform"))
    )
    assert credentials.auth_string(flagged) == STACKS["api_auth_string"]
    assert credentials.auth_string(STACKS) == "wrong:config"
    # The flag puts the input first, it does not drop the other sources when there is none.
    assert credentials.auth_string({"api_auth_string_from_stack": True}) == "wrong:config"


def test_the_auth_string_flag_is_no_diff_and_not_kept_on_the_provider() -> None:
    """State from before the flag gets it on the next `up` without a change, and the pickled provider is the
    same class with nothing on it."""
    olds: dict[str, Any] = {"name": "p", "type": "ecs", "api_url": "http://127.0.0.1:4200/api"}
    news = {**olds, **STACKS, "api_auth_string_from_stack": True}
    assert WorkPoolProvider().diff("id", olds, news).changes is False
    provider = WorkPoolProvider()
    assert vars(provider) == {}
    assert STACKS["api_auth_string"].encode() not in dill.dumps(provider)
