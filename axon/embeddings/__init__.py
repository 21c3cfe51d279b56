"""Sentence vectors behind the ``Embedder`` port of ``services/ports.py``; built only by ``app.py``."""
