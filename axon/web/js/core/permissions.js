// What the signed-in user may do, to hide or explain what the server would refuse anyway.
// The server's policy (axon/domain/policy.py, docs/security.md "Permissions") decides; this only
// reads the same facts (roles, the organisation's policy and modules) to shape the interface.

import { state } from "./store.js";

const me = () => (state.session ? state.session.user : null);
const org = () => (state.session ? state.session.org : null);

export function isOrgAdmin(user = me()) {
  return Boolean(user) && (user.role === "owner" || user.role === "admin");
}

export function isOrgOwner(user = me()) {
  return Boolean(user) && user.role === "owner";
}

export function isGuest(user = me()) {
  return Boolean(user) && user.role === "guest";
}

/** A module is on unless the organisation says it is off (an older server says nothing). */
export function moduleOn(name) {
  const modules = org() && org().modules;
  return !modules || modules[name] !== false;
}

/** Whether the policy setting ("everyone" | "admins" | "owners") lets the user do it. */
export function policyAllows(setting) {
  const policy = org() && org().policy;
  const who = policy ? policy[setting] : "everyone";
  if (isGuest()) return false;
  if (who === "owners") return isOrgOwner();
  if (who === "admins") return isOrgAdmin();
  return true;
}

export const orgPolicy = () => (org() && org().policy) || {};

export function isManager(summary) {
  return Boolean(summary) && (summary.my_role === "owner" || summary.my_role === "admin" || isOrgAdmin());
}

export const canCreateChannel = () => moduleOn("public_channels") && policyAllows("create_public_channels");
export const canCreateGroup = () => policyAllows("create_private_groups");
export const canBrowseChannels = () => moduleOn("public_channels") && !isGuest();
export const canInviteGuests = () => moduleOn("guests") && policyAllows("invite_guests");

/** The i18n key saying why the user may not write here (a thread reply with ``reply``), or null. */
export function postBlock(summary, { reply = false } = {}) {
  if (!summary) return null;
  if (summary.archived) return "composer.archived";
  if (summary.my_role === "read_only") return "composer.read_only";
  if (!reply && summary.announcement && !isManager(summary)) return "composer.announcement";
  return null;
}

/** Minutes since an ISO time (for the edit and delete windows). */
const ageMinutes = (iso) => (Date.now() - Date.parse(iso)) / 60000;

export function canEdit(message, summary) {
  const window = orgPolicy().edit_window_minutes;
  return message.sender_id === (me() || {}).id && !message.forwarded && moduleOn("message_editing")
    && summary && summary.my_role !== "read_only" && !(window && ageMinutes(message.created_at) > window);
}

export function canDelete(message, summary) {
  if (isManager(summary)) return true;
  if (message.sender_id !== (me() || {}).id) return false;
  const policy = orgPolicy();
  if (policy.members_delete_own === false || !moduleOn("message_editing")) return false;
  return !(policy.delete_window_minutes && ageMinutes(message.created_at) > policy.delete_window_minutes);
}
