"""The offline render: a stack's plan as files a reviewer reads, with no credentials, Pulumi CLI or network.

`project_files` reads the stack's config as the CLI hands it to the program, `evaluate` runs the program
under `plan_mocks`, `artifacts` and `summary` turn what it registered into files, and `cli` writes them.
This part sits above every other: it runs the stack's program, which uses the whole package.
"""
