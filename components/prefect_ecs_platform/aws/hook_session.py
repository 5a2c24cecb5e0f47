"""How the program's resource hooks reach AWS: as the AWS provider does, not with credentials of their own.

Hooks run in the program's process during `pulumi up` and `pulumi destroy --run-program`, with the
environment of whoever runs them; the stack's `aws:profile` and `aws:region`, when set, are what the provider
uses too. Nothing here is stored: the values are read from the stack configuration when the hook runs.
"""

from __future__ import annotations

import boto3
import pulumi


def hook_session(region: str | None = None) -> boto3.Session:
    """A session with the stack's `aws:profile`, in `region` or else the stack's `aws:region`."""
    config = pulumi.Config("aws")
    return boto3.Session(profile_name=config.get("profile"), region_name=region or config.get("region"))
