"""What Pulumi's provider host imports to unpickle a Prefect resource's provider.

The host unpickles a provider by reference to its module on the first call of a `pulumi up`, and every
other call waits for that import; the providers need Prefect's client and models, not the AWS half's
pulumi_aws and awsx nor prefect-aws's worker and boto3 (about two seconds of CPU between them).
"""

from __future__ import annotations

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from prefect_ecs_platform.resources import (
    BlockDocumentProvider,
    DeploymentProvider,
    ServerReadyProvider,
    WorkPoolProvider,
)
from tests.support.fresh_process import last_json_line

pytestmark = pytest.mark.subprocess

_NOT_NEEDED = ("pulumi_aws", "pulumi_awsx", "prefect_aws", "boto3", "botocore", "moto")


@pytest.mark.parametrize("provider", [WorkPoolProvider, BlockDocumentProvider, DeploymentProvider, ServerReadyProvider])
def test_unpickling_a_provider_imports_neither_the_aws_half_nor_prefect_aws(provider: type) -> None:
    # As Pulumi pickles it into the state, and as its provider host loads it.
    pickled = serialize_provider(provider())
    code = (
        "import base64, dill, json, sys\n"
        f"provider = dill.loads(base64.b64decode({pickled!r}))\n"
        f"print(json.dumps([type(provider).__name__, sorted(m for m in {_NOT_NEEDED!r} if m in sys.modules)]))\n"
    )
    name, imported = last_json_line(code)
    assert name == provider.__name__
    assert imported == []
