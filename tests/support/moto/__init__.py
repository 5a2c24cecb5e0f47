"""The component deployed into moto, the worker's flow runs there, and the patches moto needs for them."""
