"""The AWS half: one module per AWS resource family the component creates.

Network, cluster, flow image, logs, secrets, IAM roles and their policy documents, and the worker service.
It imports only `inputs`; what it needs from the Prefect half (and what the Prefect half needs from it)
is passed between them by `platform.py`.
"""
