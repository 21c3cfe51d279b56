"""The store's own exceptions: what a service may catch without knowing the database driver."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError


class DuplicateKey(Exception):
    """A row collided with one already stored: usually a concurrent writer stored it first.

    Raised by the store functions whose callers can do something about it (refuse
    with a conflict, or read what the other writer stored). The transaction is
    unusable afterwards: let the exception end it.
    """


@contextmanager
def duplicate_key_on_integrity_error() -> Iterator[None]:
    try:
        yield
    except IntegrityError as exc:
        raise DuplicateKey(str(exc.orig)) from exc
