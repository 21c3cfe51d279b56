// The client's state, in one object, and a small publish/subscribe hub.
//
// Topics: "session", "connection", "conversations", "timeline" (conv id),
// "thread" (root id), "members" (conv id), "users", "presence", "typing" (conv id),
// "receipts" (conv id), "outbox", "route", "language", "toast", "preferences", "drafts" (draft key),
// "focus-message", "search-again" (the same search run again from the box), "calendar" (events
// changed), "calendar-notice" (an invitation or a reminder to announce), "user-event" (every user
// event applied, for modules that handle their own types).

export const state = {
  session: null, // {token, user, org, device_id}
  ready: false, // true once the first welcome has been applied
  connection: "idle", // see socket.js for the state machine
  conversations: new Map(), // id -> summary (docs/api.md Conversation)
  timelines: new Map(), // id -> Timeline (timeline.js)
  members: new Map(), // conv id -> Map user id -> {user_id, role}
  users: new Map(), // id -> User
  presence: new Map(), // user id -> {state, last_seen}
  typing: new Map(), // conv id -> Map user id -> expiry (ms)
  reads: new Map(), // conv id -> Map user id -> read_seq (from receipts)
  route: { name: "home" },
  preferences: null, // {version, favourites, collapsed, unread_only, muted} from the server (preferences.js)
  drafts: new Map(), // draftKey -> {conversation_id, thread_root, text, updated_at} (drafts.js)
  calendarEvents: new Map(), // event id -> calendar Event (calendar.js), upserted by version
  eventHints: new Map(), // message id -> its event hint ("Add to calendar", calendar.js)
  assistantId: null, // the organisation's @axon assistant, once found (core/assistant.js)
};

const listeners = new Map();

export function on(topic, fn) {
  if (!listeners.has(topic)) listeners.set(topic, new Set());
  listeners.get(topic).add(fn);
  return () => listeners.get(topic).delete(fn);
}

export function emit(topic, detail) {
  for (const fn of listeners.get(topic) || []) {
    try {
      fn(detail);
    } catch (err) {
      console.error(`listener for ${topic} failed`, err);
    }
  }
}

export function me() {
  return state.session ? state.session.user : null;
}

export function isMe(userId) {
  return Boolean(state.session) && state.session.user.id === userId;
}

export function resetState() {
  state.session = null;
  state.connection = "idle";
  state.ready = false;
  state.preferences = null;
  state.assistantId = null;
  for (const key of ["conversations", "timelines", "members", "users", "presence", "typing", "reads", "drafts", "calendarEvents", "eventHints"]) {
    state[key].clear();
  }
}
