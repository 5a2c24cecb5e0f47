"""`python -m prefect_ecs_platform render ...`: the same command as the `prefect-ecs-platform` script."""

import sys

from prefect_ecs_platform.render.cli import main

sys.exit(main())
