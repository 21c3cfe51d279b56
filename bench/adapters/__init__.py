"""Protocol adapters (the peers' contract): ``make_client(cfg, uid)`` and ``async provision(cfg, uids)``."""
