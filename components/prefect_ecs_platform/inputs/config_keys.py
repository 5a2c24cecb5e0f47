"""The stack config keys more than one part reads by name, and this repository's project namespace.

Kept free of imports: Pulumi's provider host loads it through `resources.credentials` on its first call.
"""

#: This repository's project name: the namespace of its committed stack files, which consumers used before.
NAMESPACE = "prefect-ecs-platform"
API_URL_KEY = "prefectApiUrl"
#: Read only through `Config.get_secret` so they stay Outputs marked secret.
API_KEY_KEY = "prefectApiKey"
AUTH_STRING_KEY = "prefectApiAuthString"
