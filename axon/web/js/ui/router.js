// Hash routes: #/c/<conv>, #/c/<conv>/thread/<message>, #/c/<conv>/members,
// #/c/<conv>/pins, #/settings, #/admin, #/invite/<token>, #/signup, #/confirm/<token> (the link
// of an open sign-up's confirmation mail), #/login/<org> (an organisation's sign-in page, with its
// single sign-on), #/sso/<state> and #/sso-failed/<code> (back from an OpenID Connect provider),
// #/search?q=<query>&sort=date (message search: the URL holds the query, so back/forward and reload
// show the same results), #/calendar?view=day|week&date=YYYY-MM-DD&event=<id> (the calendar; `event`
// opens that event's dialog), and #/ (home).

export function parseRoute(hash) {
  const [path, search] = hash.split("?", 2);
  if (path === "#/search" || path === "#search") {
    const params = new URLSearchParams(search || "");
    return { name: "search", q: params.get("q") || "", sort: params.get("sort") === "date" ? "date" : "relevance" };
  }
  if (path === "#/calendar" || path === "#calendar") return calendarRoute(search);
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const [head, id, panel, panelId] = parts;
  if (head === "c" && id) return { name: "conversation", conv: id, panel: panel || null, panelId: panelId || null };
  if (head === "settings") return { name: "settings" };
  if (head === "admin") return { name: "admin", tab: id || "users" };
  if (head === "invite" && id) return { name: "invite", token: id };
  if (head === "signup") return { name: "signup" };
  if (head === "confirm" && id) return { name: "confirm", token: id };
  if (head === "login" && id) return { name: "login", org: id };
  if (head === "sso" && id) return { name: "sso", state: id };
  if (head === "sso-failed") return { name: "sso-failed", code: id || "sso_rejected" };
  return { name: "home" };
}

export function href(...parts) {
  return `#/${parts.map((p) => encodeURIComponent(p)).join("/")}`;
}

export function go(...parts) {
  location.hash = href(...parts);
}

export const convHref = (conv, ...rest) => href("c", conv, ...rest);

/** The results page of a search (sort "relevance" groups by conversation; "date" lists newest first). */
export function searchHref(q, sort = "relevance") {
  const params = new URLSearchParams({ q });
  if (sort === "date") params.set("sort", "date");
  return `#/search?${params.toString()}`;
}

// calendar-web
function calendarRoute(search) {
  const params = new URLSearchParams(search || "");
  const view = ["day", "week"].includes(params.get("view")) ? params.get("view") : null;
  const date = /^\d{4}-\d{2}-\d{2}$/.test(params.get("date") || "") ? params.get("date") : null;
  return { name: "calendar", view, date, event: params.get("event") || null };
}

/** The calendar page: `view` "week" or "day" (null: the screen's default), `date` YYYY-MM-DD, `event` to open. */
export function calendarHref({ view = null, date = null, event = null } = {}) {
  const params = new URLSearchParams();
  if (view) params.set("view", view);
  if (date) params.set("date", date);
  if (event) params.set("event", event);
  const text = params.toString();
  return text ? `#/calendar?${text}` : "#/calendar";
}
