"""Prints a Secrets Manager secret's current value, for scripts/prefect-env (the region is the ARN's).

Usage: read_secret.py SECRET_ARN, with the AWS credentials of the shell.
"""

from __future__ import annotations

import sys

import boto3


def secret_value(arn: str) -> str:
    # arn:<partition>:secretsmanager:<region>:<account>:secret:<name>
    region = arn.split(":")[3]
    return str(boto3.client("secretsmanager", region_name=region).get_secret_value(SecretId=arn)["SecretString"])


if __name__ == "__main__":
    print(secret_value(sys.argv[1]))
