"""Adapters to identity systems outside Axon: an LDAP directory (``ldap3``) and OpenID Connect
providers (``authlib`` for the OAuth 2 exchange, ``joserfc`` for the ID token). Only the composition
root builds them; services see the ``Directory`` and ``IdentityProvider`` ports."""
