"""Keyless CI for the platform: GitHub's OIDC provider, a deploy role and a read-only preview role.

`policies` holds the documents (pure, tested with the offline simulator); `roles` creates them. The
`bootstrap/` program at the repository's top runs `roles` once per AWS account, by an administrator.
"""
