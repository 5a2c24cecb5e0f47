"""The stack's program: one PrefectEcsPlatform configured from the current stack's config."""

import pulumi

from prefect_ecs_platform import PrefectEcsPlatform
from prefect_ecs_platform.collector import tune_for_registration
from prefect_ecs_platform.inputs.stack_config import load_stack_config
from prefect_ecs_platform.platform import OUTPUT_NAMES

NAME = "data"
# The program registers hundreds of resources; the collector settings belong to the process, so the program
# chooses them, not the component.
tune_for_registration()
_, args = load_stack_config(NAME)
platform = PrefectEcsPlatform(NAME, args)

for output_name in OUTPUT_NAMES:
    pulumi.export(output_name, getattr(platform, output_name))
