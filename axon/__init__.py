"""Axon: a self-hosted team messaging server with guaranteed delivery."""

__version__ = "0.1.0"
