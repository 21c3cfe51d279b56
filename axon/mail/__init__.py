"""Outgoing e-mail (the ``Mailer`` port of ``axon.services.ports``)."""
