"""The fields of organisations and accounts, and when an invite still admits someone."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from axon.domain.accounts import (
    MIN_PASSWORD_LENGTH,
    check_password_strength,
    email_domain,
    password_strength,
    profile_changes,
    session_expires_at,
    slugify,
    validate_email,
    validate_locale,
    validate_session_days,
    validate_signup_domains,
)
from axon.domain.errors import Gone, NotFound, ValidationFailed
from axon.domain.invites import check_invite_usable, invite_usable

# --- e-mail --------------------------------------------------------------------------


@pytest.mark.parametrize(("given_", "stored"), [("Ann@Example.COM", "ann@example.com"),
                                                (" li.na@corp.cn ", "li.na@corp.cn"), ("", None), (None, None)])
def test_an_address_is_optional_and_stored_trimmed_and_lower_case(given_: str | None, stored: str | None) -> None:
    assert validate_email(given_) == stored


@pytest.mark.parametrize("bad", ["ann", "ann@", "@example.com", "ann@example", "a b@example.com",
                                 "x" * 250 + "@e.com", 42])
def test_what_is_not_an_address_is_refused_with_the_field_named(bad: object) -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate_email(bad)  # type: ignore[arg-type]
    assert refused.value.details == {"field": "email"}


def test_the_domain_of_an_address_is_after_its_last_at() -> None:
    assert email_domain("ann@example.com") == "example.com"


@pytest.mark.parametrize("bad", ["", "x" * (MIN_PASSWORD_LENGTH - 1), "x" * 1025, None])
def test_passwords_must_be_8_to_1024_characters(bad: object) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_password_strength(bad)  # type: ignore[arg-type]
    assert refused.value.details == {"field": "password"}
    check_password_strength("plum-tree-47")


@pytest.mark.parametrize("common", ["password", "12345678", "Password1", "iloveyou1", "qwertyuiop", "xxxxxxxx",
                                    "admin123456"])
def test_passwords_attackers_try_first_are_refused_with_advice(common: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_password_strength(common)
    assert refused.value.code == "weak_password" and refused.value.details["field"] == "password"
    assert refused.value.message.startswith("This password is too easy to guess.")


def test_a_password_made_of_the_accounts_own_name_is_refused() -> None:
    check_password_strength("zhangwei2026")
    with pytest.raises(ValidationFailed) as refused:
        check_password_strength("zhangwei2026", "zhangwei", "张伟", "wei@corp.example")
    assert refused.value.code == "weak_password"


# --- slugs, locales, sign-up domains --------------------------------------------------


@given(st.text(max_size=200))
def test_any_name_gives_a_short_url_safe_slug(name: str) -> None:
    slug = slugify(name)
    assert 1 <= len(slug) <= 48
    assert set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    assert not slug.startswith("-") and "--" not in slug


@pytest.mark.parametrize(("name", "slug"), [("Test Org", "test-org"), ("  ACME, Inc.  ", "acme-inc"),
                                            ("研发部", "team")])
def test_slugs_keep_ascii_words(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_only_the_supported_locales_are_accepted() -> None:
    assert validate_locale("zh-CN") == "zh-CN"
    with pytest.raises(ValidationFailed):
        validate_locale("fr")


def test_signup_domains_are_cleaned_sorted_and_deduplicated() -> None:
    assert validate_signup_domains([" @Example.com", "corp.cn", "example.com", " "]) == "corp.cn,example.com"
    assert validate_signup_domains([]) == ""
    with pytest.raises(ValidationFailed):
        validate_signup_domains(["not a domain"])


# --- profile -------------------------------------------------------------------------


def test_a_profile_update_keeps_only_the_fields_given() -> None:
    assert profile_changes({"display_name": "  Ann   Lee ", "title": None, "timezone": "Asia/Shanghai",
                            "read_receipts": 0}) == {"display_name": "Ann Lee", "timezone": "Asia/Shanghai",
                                                     "read_receipts": False}


@pytest.mark.parametrize(("field", "value"), [("timezone", "Mars/Olympus"), ("title", "x" * 201),
                                              ("status_text", 5), ("locale", "xx"), ("display_name", " ")])
def test_a_bad_profile_field_is_refused_by_name(field: str, value: object) -> None:
    with pytest.raises(ValidationFailed) as refused:
        profile_changes({field: value})
    assert refused.value.details == {"field": field}


# --- invites -------------------------------------------------------------------------

NOW = 1_000_000


def _invite(**changes: object) -> dict:
    return {"revoked_at": None, "expires_at": NOW + 1, "max_uses": 1, "uses": 0, **changes}


@given(uses=st.integers(0, 20), max_uses=st.none() | st.integers(1, 20), expires_in=st.integers(-5, 5),
       revoked=st.booleans())
def test_an_invite_is_usable_exactly_when_unrevoked_unexpired_and_not_used_up(
        uses: int, max_uses: int | None, expires_in: int, revoked: bool) -> None:
    invite = _invite(uses=uses, max_uses=max_uses, expires_at=NOW + expires_in, revoked_at=NOW if revoked else None)
    expected = not revoked and expires_in > 0 and (max_uses is None or uses < max_uses)
    assert invite_usable(invite, NOW) is expected


def test_an_invite_without_expiry_never_expires() -> None:
    assert invite_usable(_invite(expires_at=None, max_uses=None, uses=10**6), 10**15)


def test_checking_an_invite_tells_unknown_from_used_up() -> None:
    with pytest.raises(NotFound):
        check_invite_usable(None, NOW)
    with pytest.raises(Gone):
        check_invite_usable(_invite(uses=1), NOW)
    assert check_invite_usable(_invite(), NOW)["uses"] == 0


def test_a_sign_in_ends_at_its_idle_or_its_maximum_time_whichever_is_first() -> None:
    day = 86_400_000
    assert session_expires_at(0, 5 * day, idle_days=30, max_days=90) == 35 * day
    assert session_expires_at(0, 80 * day, idle_days=30, max_days=90) == 90 * day
    assert session_expires_at(10 * day, None, idle_days=30, max_days=0) == 40 * day  # never seen: from its start
    assert session_expires_at(0, 5 * day, idle_days=0, max_days=0) is None


@pytest.mark.parametrize("bad", [-1, 3651, 1.5, True, "30", None])
def test_session_lifetimes_are_whole_days_up_to_ten_years(bad: object) -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate_session_days(bad, "session_idle_days")
    assert refused.value.details == {"field": "session_idle_days"}
    assert validate_session_days(0, "session_max_days") == 0


@given(st.text(max_size=80), st.lists(st.text(max_size=20), max_size=3))
def test_any_text_gets_a_strength_and_acceptable_means_check_passes(password: str, personal: list[str]) -> None:
    strength = password_strength(password, *personal)
    assert 0 <= strength.score <= 4
    if strength.acceptable:
        check_password_strength(password, *personal)
    else:
        with pytest.raises(ValidationFailed):
            check_password_strength(password, *personal)
