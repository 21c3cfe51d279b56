"""Organisation administration: users, their devices, invite links, settings."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from ..domain.model import OrgRole
from ..protocol.rest import ActivityDay, Conversation, Device, Invite, Org, Revoked, User, UserPage
from ..protocol.rest_security import EncryptionStatus
from ..services.people import NewUser
from .deps import CurrentActor, Svc, fast_json
from .openapi import errors, returns
from .schemas import (
    AdminCreateUserBody,
    AdminUpdateUserBody,
    DefaultChannelsBody,
    InviteBody,
    ModulesBody,
    OrgBody,
    PasswordResetBody,
    PolicyBody,
)

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/users", responses=returns(UserPage, 400, 401, 403, 422))
async def list_users(actor: CurrentActor, svc: Svc, q: str = "", cursor: str | None = None,
                     limit: int = Query(50, ge=1, le=200)) -> Response:
    items, next_cursor = await svc.people.admin_directory(actor, q, cursor, limit)
    return fast_json(UserPage(items, next_cursor))


@router.post("/users", status_code=201, responses=returns(User, 400, 401, 403, 409, 422, status=201))
async def create_user(body: AdminCreateUserBody, actor: CurrentActor, svc: Svc) -> Response:
    new = NewUser(body.username, body.display_name, body.password, body.email, OrgRole(body.role), body.locale)
    return fast_json(await svc.people.admin_create_user(actor, new), 201)


@router.patch("/users/{user_id}", responses=returns(User, 400, 401, 403, 404, 422))
async def update_user(user_id: str, body: AdminUpdateUserBody, actor: CurrentActor, svc: Svc) -> Response:
    """Disable (offboarding: every device is revoked and ordered to wipe; the content stays) or enable a
    user (revoked devices stay revoked); promote or demote an admin."""
    result = await svc.people.admin_get_user(actor, user_id)  # admins only, even when nothing is to change
    if body.disabled is not None:
        result = await svc.people.set_disabled(actor, user_id, body.disabled)
    if body.role is not None:
        result = await svc.people.set_org_role(actor, user_id, OrgRole(body.role))
    return fast_json(result)


@router.post("/users/{user_id}/password", status_code=204, responses=errors(400, 401, 403, 404, 422))
async def reset_password(user_id: str, body: PasswordResetBody, actor: CurrentActor, svc: Svc) -> Response:
    await svc.people.reset_password(actor, user_id, body.password)
    return Response(status_code=204)


@router.get("/users/{user_id}/devices", responses=returns(list[Device], 401, 403, 404))
async def user_devices(user_id: str, actor: CurrentActor, svc: Svc) -> Response:
    """A member's devices with their status (active, revoked, wipe pending, wiped) and last sighting."""
    return fast_json(await svc.devices.list(actor, user_id))


@router.delete("/users/{user_id}/devices/{device_id}", status_code=204, responses=errors(401, 403, 404))
async def revoke_user_device(user_id: str, device_id: str, actor: CurrentActor, svc: Svc) -> Response:
    await svc.devices.revoke(actor, device_id, user_id)
    return Response(status_code=204)


@router.post("/users/{user_id}/devices/revoke-all", responses=returns(Revoked, 401, 403, 404))
async def revoke_all_user_devices(user_id: str, actor: CurrentActor, svc: Svc) -> Response:
    """Revoke every device of a member (their content stays)."""
    return fast_json(Revoked(await svc.devices.revoke_others(actor, user_id)))


@router.post("/users/{user_id}/devices/{device_id}/wipe", responses=returns(Device, 401, 403, 404, 409))
async def wipe_user_device(user_id: str, device_id: str, actor: CurrentActor, svc: Svc) -> Response:
    """Order a member's device to wipe its local data (revoked at once; ``wiped_at`` once it confirms)."""
    return fast_json(await svc.devices.order_wipe(actor, device_id, user_id))


@router.get("/encryption", responses=returns(EncryptionStatus, 401, 403))
async def encryption_status(actor: CurrentActor, svc: Svc) -> Response:
    """The organisation's data keys and the progress of its latest re-encryption (encryption at rest)."""
    assert svc.encryption is not None
    return fast_json(await svc.encryption.org_status(actor))


@router.get("/invites", responses=returns(list[Invite], 401, 403))
async def list_invites(actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(await svc.people.list_invites(actor))


@router.post("/invites", status_code=201, responses=returns(Invite, 400, 401, 403, 422, status=201))
async def create_invite(body: InviteBody, actor: CurrentActor, svc: Svc) -> Response:
    """Create an invite link; its token is returned only here (share ``/#/invite/<token>``)."""
    return fast_json(await svc.people.create_invite(actor, body.max_uses, body.expires_in_hours), 201)


@router.delete("/invites/{invite_id}", status_code=204, responses=errors(401, 403, 404))
async def revoke_invite(invite_id: str, actor: CurrentActor, svc: Svc) -> Response:
    await svc.people.revoke_invite(actor, invite_id)
    return Response(status_code=204)


@router.patch("/org", responses=returns(Org, 400, 401, 403, 409, 422))
async def update_org(body: OrgBody, actor: CurrentActor, svc: Svc) -> Response:
    return fast_json(await svc.people.update_org(actor, body.name, body.signup_domains,
                                                 body.session_idle_days, body.session_max_days,
                                                 retention_days=body.retention_days,
                                                 require_two_factor=body.require_two_factor))


@router.patch("/org/policy", responses=returns(Org, 400, 401, 403, 422))
async def update_policy(body: PolicyBody, actor: CurrentActor, svc: Svc) -> Response:
    """Change the organisation's permission policy; every member gets ``org.updated``."""
    return fast_json(await svc.org_settings.update_policy(actor, body.changes()))


@router.patch("/org/modules", responses=returns(Org, 400, 401, 403, 422))
async def update_modules(body: ModulesBody, actor: CurrentActor, svc: Svc) -> Response:
    """Switch feature modules on or off; every member gets ``org.updated``."""
    return fast_json(await svc.org_settings.update_modules(actor, body.changes()))


@router.get("/default-channels", responses=returns(list[Conversation], 401, 403))
async def default_channels(actor: CurrentActor, svc: Svc) -> Response:
    """The public channels every new member joins (in the write that creates the account), in order."""
    return fast_json(await svc.default_channels.list(actor))


@router.put("/default-channels", responses=returns(list[Conversation], 400, 401, 403, 404, 422))
async def choose_default_channels(body: DefaultChannelsBody, actor: CurrentActor, svc: Svc) -> Response:
    """Replace the default channels; unknown ids are 404, private or archived ones 400 (nothing changes)."""
    return fast_json(await svc.default_channels.choose(actor, body.channel_ids))


@router.get("/activity", responses=returns(list[ActivityDay], 400, 401, 403, 422))
async def activity(actor: CurrentActor, svc: Svc, days: int = Query(30, ge=1, le=366)) -> Response:
    """The organisation's activity per UTC day (oldest first, days without activity as zeros).

    Counted from committed events by a durable consumer: each event exactly once, a moment
    after it is committed."""
    return fast_json(await svc.activity.report(actor, days))
