"""The pure rules of second factors: which TOTP codes are accepted, recovery codes, the next step."""

from __future__ import annotations

import pyotp
import pytest

from axon.domain import two_factor as rules

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW_MS = 1_765_000_000_000
STEP = NOW_MS // 30_000


def code(step: int) -> str:
    return pyotp.TOTP(SECRET).at(step * 30)


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_codes_of_the_step_and_its_neighbours_are_accepted(offset: int) -> None:
    assert rules.accepted_step(SECRET, code(STEP + offset), NOW_MS, None) == STEP + offset


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_codes_further_away_are_refused(offset: int) -> None:
    assert rules.accepted_step(SECRET, code(STEP + offset), NOW_MS, None) is None


def test_a_step_at_or_before_the_last_used_one_is_refused() -> None:
    assert rules.accepted_step(SECRET, code(STEP), NOW_MS, STEP) is None
    assert rules.accepted_step(SECRET, code(STEP - 1), NOW_MS, STEP) is None
    assert rules.accepted_step(SECRET, code(STEP + 1), NOW_MS, STEP) == STEP + 1


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "12 34 5"])
def test_malformed_codes_are_refused(typed: str) -> None:
    assert rules.accepted_step(SECRET, typed, NOW_MS, None) is None


def test_a_code_may_be_typed_with_a_space() -> None:
    typed = code(STEP)
    assert rules.accepted_step(SECRET, f"{typed[:3]} {typed[3:]}", NOW_MS, None) == STEP


def test_recovery_codes_are_ten_distinct_and_normalise_as_typed() -> None:
    codes = rules.new_recovery_codes()
    assert len(set(codes)) == rules.RECOVERY_CODES == 10
    for c in codes:
        assert rules.recovery_code_hash(c.upper().replace("-", " ")) == rules.recovery_code_hash(c)
    assert rules.recovery_code_hash(codes[0]) != rules.recovery_code_hash(codes[1])


def test_the_provisioning_uri_is_what_authenticator_apps_read() -> None:
    uri = rules.provisioning_uri(SECRET, "ann@corp.example", "Axon")
    parsed = pyotp.parse_uri(uri)
    assert parsed.secret == SECRET and parsed.issuer == "Axon" and parsed.name == "ann@corp.example"


def test_the_next_step_of_a_sign_in() -> None:
    assert rules.SecondFactorState(totp_enabled=True, required_by_org=False).next_step == "second_factor_required"
    assert rules.SecondFactorState(totp_enabled=True, required_by_org=True).next_step == "second_factor_required"
    assert rules.SecondFactorState(totp_enabled=False, required_by_org=True).next_step == "enrolment_required"
    assert rules.SecondFactorState(totp_enabled=False, required_by_org=False).next_step is None
