"""Tests that run prefect-aws's real ECS worker against moto with the component's job template."""
