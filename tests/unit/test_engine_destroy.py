"""`pulumi destroy --run-program` as the engine runs it (tests/support/engine.py): the program runs, for its hooks
and providers, but no cloud resource is created or updated (step_generator.go's destroyMode)."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from tests.support.engine import StackEngine, StateEntry
from tests.support.pulumi_mocks import RecordingMocks


def test_a_destroy_creates_nothing_and_deletes_with_the_old_inputs() -> None:
    """A resource the state lacks (and one depending on it) is a skipped create, not a create; one in the state
    is deleted as it was, whatever the program gives it now."""
    runs: list[RecordingMocks] = []

    def mocks() -> RecordingMocks:
        runs.append(RecordingMocks())
        return runs[-1]

    deleted: list[StateEntry] = []
    engine = StackEngine(mocks, on_delete=deleted.append)
    engine.up(lambda: aws.s3.Bucket("kept", bucket="old-name"))

    def changed() -> None:
        aws.s3.Bucket("kept", bucket="new-name")
        new = aws.s3.Bucket("new", bucket="never-made")
        aws.s3.BucketPolicy("on-new", bucket=new.id, policy="{}", opts=pulumi.ResourceOptions(depends_on=[new]))

    engine.destroy(changed)

    assert [resource.name for resource in runs[-1].resources] == []
    assert [(entry.name, entry.inputs["bucket"]) for entry in deleted if entry.custom] == [("kept", "old-name")]
    assert engine.state == {}
