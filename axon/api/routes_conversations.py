"""Conversations, membership and the member directory."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from .deps import CurrentActor, Svc, fast_json
from .schemas import (
    AddMembersBody,
    Conversation,
    CreateConversationBody,
    DirectBody,
    Member,
    RoleBody,
    UpdateConversationBody,
    User,
    UserPage,
    errors,
)

router = APIRouter(tags=["conversations"])


@router.get("/users", response_model=UserPage, tags=["directory"], responses=errors(401, 422))
async def directory(actor: CurrentActor, svc: Svc, q: str = Query("", max_length=100), cursor: str | None = None,
                    limit: int = Query(50, ge=1, le=200)) -> dict:
    """Members of the organisation; ``q`` matches names, usernames, e-mail, pinyin and initials."""
    items, next_cursor = await svc.people.directory(actor, q, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/users/{user_id}", response_model=User, tags=["directory"], responses=errors(401, 404))
async def user(user_id: str, actor: CurrentActor, svc: Svc) -> dict:
    return await svc.people.get_user(actor, user_id)


@router.get("/conversations", response_model=list[Conversation], responses=errors(401))
async def my_conversations(actor: CurrentActor, svc: Svc) -> Response:
    """The caller's conversations, most recently active first, with unread and mention counts."""
    return fast_json(await svc.conversations.list_mine(actor))


@router.post("/conversations", response_model=Conversation, status_code=201, responses=errors(400, 401, 404, 422))
async def create(body: CreateConversationBody, actor: CurrentActor, svc: Svc) -> dict:
    return await svc.conversations.create(actor, body.kind, body.name, body.topic, body.member_ids)


@router.post("/conversations/direct", response_model=Conversation, responses=errors(400, 401, 404, 422))
async def direct(body: DirectBody, actor: CurrentActor, svc: Svc) -> dict:
    """The direct conversation with a user, created on first use (one per pair)."""
    return await svc.conversations.direct(actor, body.user_id)


@router.get("/channels", response_model=list[Conversation], responses=errors(401, 422))
async def channels(actor: CurrentActor, svc: Svc, q: str = Query("", max_length=100),
                   limit: int = Query(100, ge=1, le=500)) -> list:
    """Public channels of the organisation, to browse and join."""
    return await svc.conversations.channels(actor, q, limit)


@router.get("/conversations/{conversation_id}", response_model=Conversation, responses=errors(401, 404))
async def get(conversation_id: str, actor: CurrentActor, svc: Svc) -> dict:
    return await svc.conversations.get(actor, conversation_id)


@router.patch("/conversations/{conversation_id}", response_model=Conversation,
              responses=errors(400, 401, 403, 404, 422))
async def update(conversation_id: str, body: UpdateConversationBody, actor: CurrentActor, svc: Svc) -> dict:
    """Rename (owners and admins) or change the topic (any member)."""
    return await svc.conversations.update(actor, conversation_id, body.name, body.topic)


@router.post("/conversations/{conversation_id}/archive", response_model=Conversation,
             responses=errors(401, 403, 404))
async def archive(conversation_id: str, actor: CurrentActor, svc: Svc) -> dict:
    return await svc.conversations.set_archived(actor, conversation_id, True)


@router.post("/conversations/{conversation_id}/unarchive", response_model=Conversation,
             responses=errors(401, 403, 404))
async def unarchive(conversation_id: str, actor: CurrentActor, svc: Svc) -> dict:
    return await svc.conversations.set_archived(actor, conversation_id, False)


@router.post("/conversations/{conversation_id}/join", response_model=Conversation,
             responses=errors(401, 403, 404))
async def join(conversation_id: str, actor: CurrentActor, svc: Svc) -> dict:
    return await svc.conversations.join(actor, conversation_id)


@router.post("/conversations/{conversation_id}/leave", status_code=204, responses=errors(401, 403, 404))
async def leave(conversation_id: str, actor: CurrentActor, svc: Svc) -> Response:
    await svc.conversations.leave(actor, conversation_id)
    return Response(status_code=204)


@router.get("/conversations/{conversation_id}/members", response_model=list[Member],
            responses=errors(401, 404))
async def members(conversation_id: str, actor: CurrentActor, svc: Svc) -> list:
    return await svc.conversations.members(actor, conversation_id)


@router.post("/conversations/{conversation_id}/members", response_model=list[str],
             responses=errors(400, 401, 403, 404, 422))
async def add_members(conversation_id: str, body: AddMembersBody, actor: CurrentActor, svc: Svc) -> list:
    """Invite users; returns the ids actually added (those not already members)."""
    return await svc.conversations.add_members(actor, conversation_id, body.user_ids)


@router.delete("/conversations/{conversation_id}/members/{user_id}", status_code=204,
               responses=errors(401, 403, 404))
async def remove_member(conversation_id: str, user_id: str, actor: CurrentActor, svc: Svc) -> Response:
    await svc.conversations.remove_member(actor, conversation_id, user_id)
    return Response(status_code=204)


@router.patch("/conversations/{conversation_id}/members/{user_id}", status_code=204,
              responses=errors(401, 403, 404, 422))
async def set_role(conversation_id: str, user_id: str, body: RoleBody, actor: CurrentActor, svc: Svc) -> Response:
    await svc.conversations.set_role(actor, conversation_id, user_id, body.role)
    return Response(status_code=204)
