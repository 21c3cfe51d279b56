"""The workloads W1-W6; each module has ``add_arguments(parser)`` and ``run(args) -> result dict``."""
