"""Master keys: the key-encryption keys that wrap the organisations' data keys (``domain.sealing``)."""
