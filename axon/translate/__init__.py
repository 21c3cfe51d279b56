"""Translation providers (adapters of ``services.ports.Translator``) and the OpenAI-compatible chat
client (``services.ports.ChatModel``). Only the composition root (``axon/app.py``) builds them."""
