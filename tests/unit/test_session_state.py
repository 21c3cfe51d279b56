"""The session state machine: only the transitions drawn in ``axon.gateway.state`` exist."""

from __future__ import annotations

import pytest

from axon.gateway.state import ALLOWED, InvalidTransition, SessionState, State

PATH = [State.SYNCING, State.LIVE, State.CLOSED]


def test_a_session_starts_awaiting_hello_and_follows_the_happy_path() -> None:
    state = SessionState()
    assert state.current is State.AWAITING_HELLO
    for new in PATH:
        state.to(new)
        assert state.current is new


@pytest.mark.parametrize("start", list(State))
def test_every_state_but_closed_may_close(start: State) -> None:
    assert (State.CLOSED in ALLOWED[start]) is (start is not State.CLOSED)


@pytest.mark.parametrize(("start", "new"), [(s, n) for s in State for n in State if n not in ALLOWED[s]])
def test_a_transition_not_drawn_is_refused_and_changes_nothing(start: State, new: State) -> None:
    state = SessionState()
    state.current = start
    with pytest.raises(InvalidTransition):
        state.to(new)
    assert state.current is start


def test_no_way_back_to_awaiting_hello_or_out_of_closed() -> None:
    assert all(State.AWAITING_HELLO not in targets for targets in ALLOWED.values())
    assert ALLOWED[State.CLOSED] == frozenset()
