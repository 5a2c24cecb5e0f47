"""Keyless CI for the platform: GitHub's OIDC provider, a deploy role and a read-only preview role.

`policies` holds the documents (pure, tested with the offline simulator); `roles` creates them. The program
beside it (`bootstrap/__main__.py`) runs `roles` once per AWS account, by an administrator; it is not part of
the platform's package, which stacks install.
"""
