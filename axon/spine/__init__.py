"""The event spine: every committed event reaches its consumers here, each under a stated contract.

See ``spine.py`` for the contracts and ``durable.py`` for consumers that must survive a crash.
"""
