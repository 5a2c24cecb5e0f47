"""The task role's managed-policy attachments under Pulumi mocks: the names and aliases the engine matches on."""

from __future__ import annotations

from prefect_ecs_platform import PrefectEcsPlatformArgs
from tests.support.deployed_platform import deploy_platform
from tests.support.pulumi_mocks import CLOUD_URL, RecordingMocks, Registration, mocked_pulumi

ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
READ_S3 = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
LAMBDA = "arn:aws:iam::aws:policy/service-role/AWSLambdaRole"
OWN = "arn:aws:iam::123456789012:policy/teams/data/AWSLambdaRole"


def attachments(policy_arns: list[str]) -> list[tuple[Registration, str]]:
    """Run the component with these task-role policies; each attachment's registration and the ARN it attaches."""
    with mocked_pulumi(RecordingMocks()) as harness:
        args = PrefectEcsPlatformArgs(
            prefect_api_url=CLOUD_URL,
            work_pool_name="ecs-dev",
            prefect_api_key="pnu_x",
            task_role_policy_arns=policy_arns,
        )
        deploy_platform(harness, args)
        return [
            (harness.registration(ATTACHMENT, recorded.name), recorded.inputs["policyArn"])
            for recorded in harness.of_type(ATTACHMENT)
        ]


def urn_by_arn(policy_arns: list[str]) -> dict[str, str]:
    found = attachments(policy_arns)
    assert len(found) == len(policy_arns)
    return {arn: registration.urn for registration, arn in found}


def test_an_attachment_keeps_its_urn_when_others_are_removed_or_moved() -> None:
    """A policy's attachment has the same URN whatever else the list holds, so a list change touches only it."""
    before = urn_by_arn([READ_S3, LAMBDA])
    assert urn_by_arn([LAMBDA]) == {LAMBDA: before[LAMBDA]}
    assert urn_by_arn([LAMBDA, READ_S3]) == before
    assert urn_by_arn([LAMBDA, OWN, READ_S3]) == {**before, OWN: urn_by_arn([OWN])[OWN]}


def test_attachment_names_carry_the_policy_name_and_no_urn_delimiter() -> None:
    """Names read `<component>-task-<policy name>-<hash of the ARN>`: two policies of one name still differ."""
    names = {arn: registration.name for registration, arn in attachments([LAMBDA, OWN])}
    assert names[LAMBDA].startswith("data-task-AWSLambdaRole-")
    assert names[OWN].startswith("data-task-AWSLambdaRole-")
    assert names[LAMBDA] != names[OWN]
    assert all("::" not in name for name in names.values())


def test_each_attachment_takes_over_the_one_its_position_used_to_name() -> None:
    """An attachment's only alias is the URN the position-named code gave the attachment at its index."""
    policy_arns = [READ_S3, LAMBDA, OWN]
    by_arn = {arn: registration for registration, arn in attachments(policy_arns)}
    for index, arn in enumerate(policy_arns):
        registration = by_arn[arn]
        assert registration.aliases == (registration.urn.rsplit("::", 1)[0] + f"::data-task-{index}",)
