"""The flow image under Pulumi mocks: what `pulumi destroy` and a replacement may delete of the pushed images."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pulumi
import pytest
from google.protobuf import struct_pb2
from pulumi.runtime._callbacks import _CallbackServicer
from pulumi.runtime.proto import resource_pb2

from prefect_ecs_platform import PrefectEcsPlatformArgs
from tests.support.deployed_platform import deploy_platform
from tests.support.pulumi_mocks import CLOUD_URL, PulumiHarness, RecordingMocks, Registration, mocked_pulumi


def docker_build_child(image: Registration) -> resource_pb2.TransformRequest:
    """The child awsx 3.11's ecr.Image registers (awsx/ecr/image.ts: `new docker.Image(imageName, ..., { parent })`),
    named after a hash of the build context and the stack; its delete removes the pushed digest from ECR."""
    tag = struct_pb2.Value(string_value="123456789012.dkr.ecr.eu-west-1.amazonaws.com/r:0123abcd-container")
    return resource_pb2.TransformRequest(
        type="docker-build:index:Image",
        name="0123abcd-container",
        custom=True,
        parent=image.urn,
        properties=struct_pb2.Struct(
            fields={
                "push": struct_pb2.Value(bool_value=True),
                "tags": struct_pb2.Value(list_value=struct_pb2.ListValue(values=[tag])),
            }
        ),
        options=resource_pb2.TransformResourceOptions(ignore_changes=["registries"], depends_on=[image.urn]),
    )


def awsx_image(image: Registration) -> resource_pb2.TransformRequest:
    """The awsx Image itself: the engine runs a resource's own transforms on it as well as on its descendants."""
    return resource_pb2.TransformRequest(type=image.typ, name=image.name, custom=False, parent=image.parent)


class TransformRecordingMocks(RecordingMocks):
    """Mocks that also keep the transforms each registration declared, which the mock monitor never runs."""

    def __init__(self) -> None:
        super().__init__()
        self.transforms: dict[tuple[str, str], list[pulumi.ResourceTransform]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.transforms[(args.typ, args.name)] = list(args.transforms)
        return super().new_resource(args)


@pytest.fixture
def image_harness() -> Iterator[PulumiHarness]:
    with mocked_pulumi(TransformRecordingMocks()) as harness:
        yield harness


def deploy(harness: PulumiHarness, **overrides: Any) -> dict[tuple[str, str], list[pulumi.ResourceTransform]]:
    """Run the component; return the transforms each registration declared."""
    values: dict[str, Any] = {"prefect_api_url": CLOUD_URL, "work_pool_name": "ecs-dev", "prefect_api_key": "pnu_x"}
    deploy_platform(harness, PrefectEcsPlatformArgs(**values, **overrides))
    mocks = harness.mocks
    assert isinstance(mocks, TransformRecordingMocks)
    return mocks.transforms


async def _over_the_wire(
    transforms: Sequence[pulumi.ResourceTransform], request: resource_pb2.TransformRequest
) -> resource_pb2.TransformRequest:
    # The servicer uses its monitor only for callbacks that register resources, which a transform does not.
    servicer = _CallbackServicer(monitor=None)  # type: ignore[arg-type]
    try:
        for transform in transforms:
            callback = servicer._callbacks[servicer.register_transform(transform).token]
            response = await callback(request.SerializeToString())
            assert isinstance(response, resource_pb2.TransformResponse)
            changed = resource_pb2.TransformRequest()
            changed.CopyFrom(request)
            changed.properties.CopyFrom(response.properties)
            changed.options.CopyFrom(response.options)
            request = changed
    finally:
        _CallbackServicer._servicers.remove(servicer)
        await servicer._server.stop(grace=0)
    return request


def as_the_engine_registers(
    transforms: Sequence[pulumi.ResourceTransform], request: resource_pb2.TransformRequest
) -> resource_pb2.TransformRequest:
    """`request` after each transform in turn, called as the engine calls them: through the SDK's callback server."""
    return asyncio.run(_over_the_wire(transforms, request))


@pytest.mark.parametrize("resource", [docker_build_child, awsx_image], ids=["docker-build child", "awsx Image"])
def test_the_pushed_image_is_retained_on_destroy_and_replacement(
    image_harness: PulumiHarness, resource: Callable[[Registration], resource_pb2.TransformRequest]
) -> None:
    """What awsx's Image registers, the docker-build child that deletes digests included, is left in ECR on delete."""
    transforms = deploy(image_harness)[("awsx:ecr:Image", "data-flows")]
    request = resource(image_harness.registration("awsx:ecr:Image", "data-flows"))
    registered = as_the_engine_registers(transforms, request)
    assert registered.options.retain_on_delete is True
    assert registered.properties == request.properties
    assert list(registered.options.ignore_changes) == list(request.options.ignore_changes)
    assert list(registered.options.depends_on) == list(request.options.depends_on)


@pytest.mark.parametrize("retained", [False, True])
def test_the_repository_is_retained_only_when_asked(image_harness: PulumiHarness, retained: bool) -> None:
    """The images go with the repository on destroy unless ecr_retain_on_destroy keeps both."""
    transforms = deploy(image_harness, ecr_retain_on_destroy=retained)
    assert transforms[("awsx:ecr:Repository", "data-flows")] == []
    assert image_harness.registration("awsx:ecr:Repository", "data-flows").retain_on_delete is retained
