"""Conversations, membership and the member directory."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from ..protocol.rest import Conversation, Invite, Member, User, UserPage
from .deps import CurrentActor, Svc, fast_json
from .openapi import errors, returns
from .schemas import (
    AddMembersBody,
    CreateConversationBody,
    DirectBody,
    GuestInviteBody,
    RoleBody,
    UpdateConversationBody,
)

router = APIRouter(tags=["conversations"])
CONV = "/conversations/{conversation_id}"


@router.get("/users", tags=["directory"], responses=returns(UserPage, 400, 401, 422))
async def directory(actor: CurrentActor, svc: Svc, q: str = "", cursor: str | None = None,
                    limit: int = Query(50, ge=1, le=200)) -> Response:
    """Members of the organisation; ``q`` matches names, usernames, e-mail, pinyin and initials."""
    items, next_cursor = await svc.people.directory(actor, q, cursor, limit)
    return fast_json(UserPage(items, next_cursor))


@router.get("/users/{user_id}", tags=["directory"], responses=returns(User, 401, 404))
async def user(user_id: str, actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(await svc.people.get_user(actor, user_id))


@router.get("/conversations", responses=returns(list[Conversation], 401))
async def my_conversations(actor: CurrentActor, svc: Svc) -> Response:
    """The caller's conversations, most recently active first, with unread and mention counts."""
    return fast_json(await svc.conversations.list_mine(actor))


@router.post("/conversations", status_code=201, responses=returns(Conversation, 400, 401, 404, 422, status=201))
async def create(body: CreateConversationBody, actor: CurrentActor, svc: Svc) -> Response:
    conversation = await svc.conversations.create(actor, body.kind, body.name, body.topic, body.member_ids)
    return fast_json(conversation, 201)


@router.post("/conversations/direct", responses=returns(Conversation, 400, 401, 404, 422))
async def direct(body: DirectBody, actor: CurrentActor, svc: Svc) -> Response:
    """The direct conversation with a user, created on first use (one per pair)."""
    return fast_json(await svc.conversations.direct(actor, body.user_id))


@router.get("/channels", responses=returns(list[Conversation], 400, 401, 422))
async def channels(actor: CurrentActor, svc: Svc, q: str = "",
                   limit: int = Query(100, ge=1, le=500)) -> Response:
    """Public channels of the organisation, to browse and join."""
    return fast_json(await svc.conversations.channels(actor, q, limit))


@router.get(CONV, responses=returns(Conversation, 401, 404))
async def get(conversation_id: str, actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(await svc.conversations.get(actor, conversation_id))


@router.patch(CONV, responses=returns(Conversation, 400, 401, 403, 404, 422))
async def update(conversation_id: str, body: UpdateConversationBody, actor: CurrentActor, svc: Svc) -> Response:
    """Rename or switch announcement mode (owners and admins), or change the topic (members; in an
    announcement conversation owners and admins)."""
    return fast_json(await svc.conversations.update(actor, conversation_id, body.name, body.topic,
                                                    body.announcement))


@router.post(CONV + "/archive", responses=returns(Conversation, 401, 403, 404))
async def archive(conversation_id: str, actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(await svc.conversations.set_archived(actor, conversation_id, True))


@router.post(CONV + "/unarchive", responses=returns(Conversation, 401, 403, 404))
async def unarchive(conversation_id: str, actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(await svc.conversations.set_archived(actor, conversation_id, False))


@router.post(CONV + "/join", responses=returns(Conversation, 401, 403, 404))
async def join(conversation_id: str, actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(await svc.conversations.join(actor, conversation_id))


@router.post(CONV + "/leave", status_code=204, responses=errors(401, 403, 404))
async def leave(conversation_id: str, actor: CurrentActor, svc: Svc) -> Response:
    await svc.conversations.leave(actor, conversation_id)
    return Response(status_code=204)


@router.get(CONV + "/members", responses=returns(list[Member], 401, 404))
async def members(conversation_id: str, actor: CurrentActor, svc: Svc) -> Response:
    return fast_json([Member(**m) for m in await svc.conversations.members(actor, conversation_id)])


@router.post(CONV + "/members", responses=returns(list[str], 400, 401, 403, 404, 422))
async def add_members(conversation_id: str, body: AddMembersBody, actor: CurrentActor, svc: Svc) -> Response:
    """Invite users; returns the ids actually added (those not already members)."""
    return fast_json(await svc.conversations.add_members(actor, conversation_id, body.user_ids))


@router.delete(CONV + "/members/{user_id}", status_code=204, responses=errors(401, 403, 404))
async def remove_member(conversation_id: str, user_id: str, actor: CurrentActor, svc: Svc) -> Response:
    await svc.conversations.remove_member(actor, conversation_id, user_id)
    return Response(status_code=204)


@router.patch(CONV + "/members/{user_id}", status_code=204, responses=errors(401, 403, 404, 422))
async def set_role(conversation_id: str, user_id: str, body: RoleBody, actor: CurrentActor, svc: Svc) -> Response:
    await svc.conversations.set_role(actor, conversation_id, user_id, body.role)
    return Response(status_code=204)


@router.post("/guest-invites", status_code=201, tags=["guests"],
             responses=returns(Invite, 400, 401, 403, 404, 422, status=201))
async def guest_invite(body: GuestInviteBody, actor: CurrentActor, svc: Svc) -> Response:
    """An invite link for guests: whoever signs up through it is a guest of the organisation and a
    member of exactly these conversations. Allowed to those the policy lets invite guests
    (``invite_guests``), into conversations where they may add people; the token is returned only here."""
    return fast_json(await svc.people.create_invite(actor, body.max_uses, body.expires_in_hours,
                                                    body.conversation_ids), 201)
