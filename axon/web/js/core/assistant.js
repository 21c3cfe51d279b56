// The organisation's @axon assistant as the client knows it (docs/ai/assistant.md): a user whose
// `kind` is "assistant" (docs/api.md User), found once through the directory and kept in
// `state.assistantId`, and the asker's direct conversation with it, where it answers.

import { api } from "./engine.js";
import { emit, state } from "./store.js";
import { moduleOn, orgPolicy } from "./permissions.js";

/** Whether a user (or a user id) is the assistant; false while the user is not known. */
export function isAssistant(userOrId) {
  const user = typeof userOrId === "string" ? state.users.get(userOrId) : userOrId;
  return Boolean(user) && user.kind === "assistant";
}

/** The assistant answers in this organisation: its module and its switch are on (the server's policy). */
export function assistantOn() {
  return moduleOn("ai_helpers") && orgPolicy().ai_assistant !== false;
}

let finding = null;

/**
 * The assistant's user: the cached one, one the directory already brought, else
 * `GET /users?q=axon` (its username is "axon", or "axon-assistant…" when a person had that name).
 * Null when the organisation has none (an older server).
 */
export async function findAssistant() {
  const cached = state.assistantId && state.users.get(state.assistantId);
  if (cached) return cached;
  const known = [...state.users.values()].find((u) => isAssistant(u));
  if (known) return remember(known);
  finding ||= api.get("/users", { q: "axon", limit: 20 })
    .then((page) => {
      const found = (page.items || []).find((u) => isAssistant(u));
      return found ? remember(found) : null;
    })
    .finally(() => { finding = null; });
  return finding;
}

function remember(user) {
  state.users.set(user.id, user);
  state.assistantId = user.id;
  emit("users");
  return user;
}

/** My direct conversation with the assistant, when I have one (else null). */
export function assistantDm() {
  for (const c of state.conversations.values()) {
    if (c.kind === "direct" && c.peer_id && isAssistant(c.peer_id)) return c;
  }
  return null;
}

/** Who else an @-mention may name in a conversation of these members: the assistant (known and on). */
export function mentionableBesideMembers(members) {
  const id = state.assistantId;
  return id && assistantOn() && !members.has(id) ? [id] : [];
}
