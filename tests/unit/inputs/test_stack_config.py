"""Stack configuration: Pulumi.yaml declarations, the typed model, and its errors."""

from __future__ import annotations

import pytest
import yaml

from prefect_ecs_platform.inputs.args_validation import args_problems
from prefect_ecs_platform.inputs.declarations import MODEL_KEYS
from prefect_ecs_platform.inputs.problems import InvalidInputError, raise_if_any
from prefect_ecs_platform.inputs.server_args import PrefectServerArgs
from prefect_ecs_platform.inputs.stack_config import SECRET_KEYS, StackConfig, parse_stack_config_partially
from prefect_ecs_platform.inputs.stack_model import StackModel
from tests.support import ROOT

DECLARED = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
URL = "https://prefect.example.com/api"


def parse_stack_config(raw: dict[str, str]) -> StackModel:
    """The model as the program parses it, raising the problems the program raises."""
    model, problems, _ = parse_stack_config_partially(raw)
    raise_if_any(problems)
    return model


def test_every_model_key_is_declared_or_explained() -> None:
    """Each key the program reads is declared in Pulumi.yaml, except those it explains (maps, lists of maps,
    secrets)."""
    model_keys = {field.alias for field in StackConfig.model_fields.values()}
    assert set(DECLARED) == model_keys - {d.key for d in MODEL_KEYS if not d.in_project_file}
    comment = (ROOT / "Pulumi.yaml").read_text().partition("config:")[2].partition("# Generated from")[0]
    assert all(d.key in comment for d in MODEL_KEYS if not d.in_project_file)
    assert not set(SECRET_KEYS) & set(DECLARED)


def test_declared_defaults_equal_the_model_defaults() -> None:
    """Pulumi.yaml and the model agree, so the CLI and the tests see the same defaults."""
    model = StackConfig.model_validate({})
    for key, declaration in DECLARED.items():
        if "default" in declaration:
            field = next(name for name, f in StackConfig.model_fields.items() if f.alias == key)
            assert getattr(model, field) == declaration["default"], key
        assert declaration["description"], key


def test_values_arrive_as_strings_and_are_typed() -> None:
    """Pulumi passes every value as text (JSON for lists and maps); the model types them."""
    model = parse_stack_config(
        {"prefectApiUrl": URL, "cpu": "512", "useFargateSpot": "true", "subnetIds": '["a","b"]', "tags": '{"t":"v"}'}
    )
    assert (model.cpu, model.use_fargate_spot, model.subnet_ids, model.tags) == (512, True, ["a", "b"], {"t": "v"})


def test_default_pool_name_is_qualified_by_stack() -> None:
    """Without workPoolName, two stacks sharing a workspace get different pools."""
    model = parse_stack_config({"prefectApiUrl": URL})
    assert model.to_args(stack="dev", prefect_api_key=None).work_pool_name == "ecs-dev"
    assert model.to_args(stack="prod", prefect_api_key=None).work_pool_name == "ecs-prod"


def test_empty_values_mean_unset() -> None:
    """Declared empty defaults become None in the args, so nothing is brought by accident."""
    args = parse_stack_config({"prefectApiUrl": URL}).to_args(stack="dev", prefect_api_key=None)
    assert (args.vpc_id, args.subnet_ids, args.cluster_arn, args.image_uri, args.assign_public_ip) == (
        None,
        None,
        None,
        None,
        None,
    )


def test_typo_and_bad_type_name_the_config_key() -> None:
    """An unknown key (with the key it is probably meant to be) and a non-integer cpu, by their stack keys."""
    with pytest.raises(InvalidInputError) as raised:
        parse_stack_config({"prefectApiUrl": URL, "cpus": "512", "cpu": "lots"})
    assert [p.render() for p in raised.value.problems] == [
        "cpu: 'lots' is not allowed; a whole number, e.g. 512",
        "cpus: '512' is not allowed; not a key of this stack: docs/configuration.md lists them; did you mean cpu?",
    ]


def test_a_missing_api_url_names_both_ways_out() -> None:
    """No URL is a stack the component's rule refuses, naming Prefect's URL and the hosted server."""
    args = parse_stack_config({}).to_args(stack="dev", prefect_api_key=None)
    [problem] = [p for p in args_problems("data", args) if p.field == "prefect_api_url"]
    assert problem.render({"prefect_api_url": "prefectApiUrl"}).startswith("prefectApiUrl is required; a Prefect API")
    assert "prefectServer: {enabled: true}" in problem.allowed


def test_a_hosted_server_map_is_read_into_its_dataclass_strictly() -> None:
    model = parse_stack_config({"prefectServer": '{"enabled": true, "cpu": 2048, "multiAz": true}'})
    assert model.prefect_server == PrefectServerArgs(enabled=True, cpu=2048, multi_az=True)
    with pytest.raises(InvalidInputError) as raised:
        parse_stack_config({"prefectServer": '{"enabled": "yes", "cpus": 1}'})
    assert sorted(p.render() for p in raised.value.problems) == [
        "prefectServer.cpus: 1 is not allowed; not a field of prefectServer, which takes enabled, cpu, memory, "
        "databaseInstanceClass, databaseStorageGib, backupRetentionDays, multiAz, deletionProtection, "
        "finalSnapshot, databaseSubnetIds; did you mean cpu?",
        "prefectServer.enabled: 'yes' is not allowed; true or false",
    ]


def test_renamed_key_says_what_replaced_it() -> None:
    """A stack file still setting ecrForceDelete is told to use ecrRetainOnDestroy, not just "unknown key"."""
    with pytest.raises(InvalidInputError) as error:
        parse_stack_config({"prefectApiUrl": "https://prefect.example/api", "ecrForceDelete": "false"})
    [problem] = error.value.problems
    assert problem.field == "ecrForceDelete"
    assert "replaced by ecrRetainOnDestroy" in str(problem)
