"""What users write, validated before any resource exists.

The component's arguments, deployments (from Python or `prefect.yaml`), the stack configuration, the flow
source they point at, and the rules each must pass, with the `Problem`s those rules report. Also the small
facts both halves need (ARN parsing, the flow container's name, the job variables a deployment may set).
This part imports no other part of the package: the AWS half, the Prefect half and `platform.py` build on it.
"""
