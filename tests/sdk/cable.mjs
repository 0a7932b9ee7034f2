// Rails' own ActionCable client (@rails/actioncable, with the `ws` package as WebSocket)
// against messenger's /cable: welcome, subscription confirm/reject, and who receives which
// event (BEHAVIOUR.md §12): an inbox member and an administrator everything of the inbox, a
// non-member nothing, the contact its public messages only.
//   MESSENGER_URL=http://127.0.0.1:PORT MESSENGER_PLATFORM_TOKEN=... node cable.mjs
import assert from "node:assert/strict";
import WebSocket from "ws";
import * as ActionCable from "@rails/actioncable";

// A browser's globals, as far as the client library touches them.
globalThis.addEventListener ??= () => {};
globalThis.removeEventListener ??= () => {};
globalThis.document ??= { visibilityState: "visible" };
ActionCable.adapters.WebSocket = WebSocket;

const base = process.env.MESSENGER_URL;
const platformToken = process.env.MESSENGER_PLATFORM_TOKEN;
const cableUrl = base.replace(/^http/, "ws") + "/cable";

async function api(method, path, token, body) {
  const res = await fetch(base + path, {
    method,
    headers: { "Content-Type": "application/json", ...(token ? { api_access_token: token } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const waiters = [];
function fail(message) {
  console.error(`FAIL ${message}`);
  process.exit(1);
}
// A missing event fails the run; the message shows what was awaited.
const deadline = setTimeout(
  () => fail(`timed out waiting for ${waiters.map((w) => w.predicate.toString()).join("; ")}`),
  60000,
);

// Bootstrap: an account, an administrator, a member agent and an outsider agent.
const account = await api("POST", "/platform/api/v1/accounts", platformToken, { name: "Cable" });
const users = {};
for (const [key, name, role] of [
  ["admin", "Ada", "administrator"],
  ["member", "Mia", "agent"],
  ["outsider", "Oz", "agent"],
]) {
  users[key] = await api("POST", "/platform/api/v1/users", platformToken, {
    name,
    email: `${key}@cable.test`,
  });
  await api("POST", `/platform/api/v1/accounts/${account.id}/account_users`, platformToken, {
    user_id: users[key].id,
    role,
  });
}
const A = `/api/v1/accounts/${account.id}`;
const admin = users.admin.access_token;
const inbox = await api("POST", `${A}/inboxes`, admin, {
  name: "Cable inbox",
  enable_auto_assignment: false,
  channel: { type: "api" },
});
await api("POST", `${A}/inbox_members`, admin, { inbox_id: inbox.id, user_ids: [users.member.id] });
const pub = `/public/api/v1/inboxes/${inbox.inbox_identifier}`;
const contact = await api("POST", `${pub}/contacts`, null, { name: "Jane" });

// Four subscribers; `waitFor(predicate)` resolves once what they received satisfies it.
const received = { admin: [], member: [], outsider: [], contact: [] };
function notify() {
  for (const w of waiters.splice(0)) if (w.predicate()) w.resolve();
  else waiters.push(w);
}
const waitFor = (predicate) =>
  predicate() ? Promise.resolve() : new Promise((resolve) => waiters.push({ predicate, resolve }));
function subscribe(key, params) {
  return new Promise((resolve, reject) => {
    const consumer = ActionCable.createConsumer(cableUrl);
    consumer.subscriptions.create(
      { channel: "RoomChannel", ...params },
      {
        connected: () => resolve(consumer),
        rejected: () => reject(new Error(`${key} rejected`)),
        received: (data) => {
          received[key].push(data);
          notify();
        },
      },
    );
  });
}
const consumers = [];
for (const key of ["admin", "member", "outsider"])
  consumers.push(
    await subscribe(key, {
      pubsub_token: users[key].pubsub_token,
      account_id: account.id,
      user_id: users[key].id,
    }),
  );
consumers.push(await subscribe("contact", { pubsub_token: contact.pubsub_token }));
console.log("ok   welcome and confirm_subscription for 4 subscribers");

// A wrong user id for a token is rejected.
await assert.rejects(
  subscribe("outsider", {
    pubsub_token: users.member.pubsub_token,
    account_id: account.id,
    user_id: users.admin.id,
  }),
  /rejected/,
);
console.log("ok   reject_subscription for a token that is not the user's");

// The contact writes, an agent answers, an agent writes a private note, assigns, types (a
// private note, then stops), the contact types and stops, the agent resolves.
const conversation = await api("POST", `${pub}/contacts/${contact.source_id}/conversations`, null, {});
const C = `${A}/conversations/${conversation.id}`;
const P = `${pub}/contacts/${contact.source_id}/conversations/${conversation.id}`;
await api("POST", `${P}/messages`, null, { content: "hello?" });
const reply = await api("POST", `${C}/messages`, admin, { content: "hi Jane" });
const note = await api("POST", `${C}/messages`, admin, { content: "internal", private: true });
await api("POST", `${C}/assignments`, admin, { assignee_id: users.member.id });
await api("POST", `${C}/toggle_typing_status`, admin, { typing_status: "on", is_private: true });
await api("POST", `${C}/toggle_typing_status`, admin, { typing_status: "off" });
await api("POST", `${P}/toggle_typing`, null, { typing_status: "on" });
await api("POST", `${P}/toggle_typing`, null, { typing_status: "off" });
await api("POST", `${C}/toggle_status`, admin, { status: "resolved" });

const has = (key, event, pred = () => true) =>
  received[key].some((m) => m.event === event && pred(m.data));
// The status change is the conversation's last event on each connection (one conversation's
// events leave in publish order), so what comes before it has arrived.
const settled = () =>
  has("member", "conversation.status_changed") &&
  has("admin", "conversation.status_changed") &&
  has("contact", "conversation.status_changed") &&
  has("admin", "presence.update", (d) => d.users[String(users.member.id)] === "online");
await waitFor(settled);

for (const key of ["admin", "member"]) {
  assert.ok(has(key, "conversation.created"), `${key}: conversation.created`);
  assert.ok(has(key, "message.created", (d) => d.content === "hello?"), `${key}: incoming`);
  assert.ok(has(key, "message.created", (d) => d.content === "hi Jane"), `${key}: outgoing`);
  assert.ok(has(key, "message.created", (d) => d.content === "internal"), `${key}: private note`);
  const msg = received[key].find((m) => m.event === "message.created").data;
  assert.equal(typeof msg.message_type, "number");
  assert.equal(msg.conversation_id, conversation.id);
  assert.equal(msg.account_id, account.id);
}
console.log("ok   the member and the administrator receive the inbox's events");
const presence = received.admin.find((m) => m.event === "presence.update");
assert.ok(presence, "presence.update after subscribing");
assert.equal(presence.data.account_id, account.id);
assert.equal(presence.data.users[String(users.admin.id)], "online");
// The contact subscribed before the conversation began: the next snapshot shows it online.
await consumers[0].subscriptions.subscriptions[0].perform("update_presence");
await waitFor(() =>
  has("admin", "presence.update", (d) => d.contacts[String(contact.id)] === "online"),
);
console.log("ok   presence.update to the subscriber after subscribing");
// The member's arrival reached the administrator, who subscribed before it.
assert.ok(has("admin", "presence.update", (d) => d.users[String(users.member.id)] === "online"));
// An availability change is pushed to the account's agents, the outsider included.
await api("POST", "/api/v1/profile/availability", users.member.access_token, {
  profile: { availability: "busy", account_id: account.id },
});
const busy = (d) => d.users[String(users.member.id)] === "busy";
await waitFor(() => has("admin", "presence.update", busy) && has("outsider", "presence.update", busy));
console.log("ok   presence changes are pushed to the account's agents");

// Chatwoot's push_event_data shapes.
const pick = (key, event, pred = () => true) =>
  received[key].find((m) => m.event === event && pred(m.data)).data;
const incoming = pick("member", "message.created", (d) => d.content === "hello?");
assert.equal(incoming.sender.type, "contact");
assert.equal(incoming.sender.name, "Jane");
assert.equal(incoming.conversation.contact_inbox.source_id, contact.source_id);
assert.equal(typeof incoming.conversation.unread_count, "number");
const outgoing = pick("contact", "message.created", (d) => d.content === "hi Jane");
assert.equal(outgoing.sender.type, "user");
assert.equal(outgoing.sender.id, users.admin.id);
assert.equal(outgoing.message_type, 1);
assert.equal(outgoing.processed_message_content, "hi Jane");
assert.equal(outgoing.performer.id, users.admin.id);
assert.equal(incoming.performer, null);
const created = pick("admin", "conversation.created");
assert.equal(created.id, conversation.id);
assert.equal(created.meta.sender.name, "Jane");
assert.equal(created.meta.assignee, null);
assert.equal(created.contact_inbox.source_id, contact.source_id);
assert.equal(created.channel, "Channel::Api");
assert.equal(created.can_reply, true);
assert.ok(Array.isArray(created.messages));
const assigned = pick("member", "assignee.changed");
assert.equal(assigned.meta.assignee.id, users.member.id);
const resolved = pick("member", "conversation.status_changed");
assert.equal(resolved.status, "resolved");
assert.equal(resolved.messages[0].content, "hi Jane");
console.log("ok   message and conversation events carry Chatwoot's push data");

// Typing (BEHAVIOUR.md §12): to the conversation's agents and its contact, never to the typist,
// with the typist as `user`; in publish order (on, off). All of it came before the status
// change on the same connection, so what is missing now never comes.
const typing = (key) =>
  received[key]
    .filter((m) => m.event.startsWith("conversation.typing_"))
    .map((m) => `${m.event.slice(13)} ${m.data.user.type} ${m.data.user.id} ${m.data.is_private}`);
const adaTypes = [`typing_on user ${users.admin.id} true`, `typing_off user ${users.admin.id} false`];
const janeTypes = [`typing_on contact ${contact.id} false`, `typing_off contact ${contact.id} false`];
assert.deepEqual(typing("member"), [...adaTypes, ...janeTypes]);
assert.deepEqual(typing("admin"), janeTypes, "the typist does not get its own typing");
assert.deepEqual(typing("contact"), adaTypes, "the contact does not get its own typing");
for (const key of ["member", "admin", "contact"])
  for (const m of received[key].filter((m) => m.event.startsWith("conversation.typing_"))) {
    assert.equal(m.data.conversation.id, conversation.id);
    assert.equal(m.data.conversation.contact_inbox.source_id, contact.source_id);
    assert.equal(m.data.account_id, account.id);
  }
const janeTyping = pick("admin", "conversation.typing_on");
assert.equal(janeTyping.user.name, "Jane");
assert.equal(janeTyping.performer, null);
assert.equal(pick("contact", "conversation.typing_on").user.name, "Ada");
console.log("ok   typing events name the typist, carry is_private and skip the typist");

// Soft deletes are message.updated: the public reply to everyone, the note to agents only.
await api("DELETE", `${C}/messages/${reply.id}`, admin);
await api("DELETE", `${C}/messages/${note.id}`, admin);
const deleted = (id) => (d) =>
  d.id === id && d.content === "This message was deleted" && d.content_attributes.deleted === true;
await waitFor(
  () =>
    has("admin", "message.updated", deleted(reply.id)) &&
    has("admin", "message.updated", deleted(note.id)) &&
    has("member", "message.updated", deleted(note.id)) &&
    has("contact", "message.updated", deleted(reply.id)),
);
const update = pick("contact", "message.updated", deleted(reply.id));
assert.equal(update.conversation_id, conversation.id);
assert.equal(update.sender.id, users.admin.id);
assert.equal(update.message_type, 1);
assert.equal(update.conversation.contact_inbox.source_id, contact.source_id);
console.log("ok   a deleted message is message.updated, to the contact when it is public");

// Sentinels for the absence checks: the administrator sees every event of the conversation,
// the activity messages (written after the changes) included; once it has the last one, the
// hub has handed every earlier event to every connection. An event published now reaches a
// connection after anything the hub sent it before.
await waitFor(
  () =>
    has("admin", "message.created", (d) => d.content === "Assigned to Mia by Ada") &&
    has("admin", "message.created", (d) => d.content === "Conversation was marked resolved by Ada"),
);
// The outsider's sentinel: a contact update (every agent of the account receives those).
await api("PATCH", `${A}/contacts/${contact.id}`, admin, { custom_attributes: { plan: "pro" } });
await waitFor(() => has("outsider", "contact.updated"));
const contactUpdated = pick("outsider", "contact.updated");
assert.equal(contactUpdated.id, contact.id);
assert.equal(contactUpdated.custom_attributes.plan, "pro");
assert.equal(contactUpdated.performer.id, users.admin.id);
assert.deepEqual(
  received.outsider.filter((m) => m.event !== "presence.update").map((m) => m.event),
  ["contact.updated"],
  "the non-member receives nothing of the inbox",
);
console.log("ok   a non-member receives nothing of the inbox (after a later contact.updated)");
// The contact's sentinel: a later public reply in its conversation.
await api("POST", `${C}/messages`, admin, { content: "sentinel for Jane" });
await waitFor(() => has("contact", "message.created", (d) => d.content === "sentinel for Jane"));
assert.ok(has("contact", "message.created", (d) => d.content === "hi Jane"));
for (const [event, what] of [
  ["presence.update", "presence"],
  ["assignee.changed", "assignments"],
  ["contact.updated", "contact events"],
])
  assert.ok(!has("contact", event), `the contact receives no ${what}`);
assert.ok(!has("contact", "message.created", (d) => d.private || d.message_type === 2));
assert.ok(!has("contact", "message.updated", (d) => d.id === note.id));
console.log("ok   the contact receives public messages only (after a later reply)");

// A client that stops reading is disconnected once its queue is full (run.sh sets
// MESSENGER_CABLE_QUEUE_LIMIT=64); the others keep receiving everything. 400 notes of 100 KB
// are more than the kernel's socket buffers and the queue together can hold.
const slow = new WebSocket(cableUrl, ["actioncable-v1-json"]);
const slowFrames = [];
let slowClosed = null;
slow.on("message", (raw) => {
  slowFrames.push(JSON.parse(raw));
  notify();
});
slow.on("close", (code) => {
  slowClosed = code;
  notify();
});
slow.on("error", () => {}); // the server resets the connection
await new Promise((resolve) => slow.on("open", resolve));
slow.send(
  JSON.stringify({
    command: "subscribe",
    identifier: JSON.stringify({
      channel: "RoomChannel",
      pubsub_token: users.admin.pubsub_token,
      account_id: account.id,
      user_id: users.admin.id,
    }),
  }),
);
await waitFor(() => slowFrames.some((f) => f.type === "confirm_subscription"));
slow._socket.pause();
const filler = "x".repeat(100000);
const notes = 400;
// Spread over four conversations: one takes 200 messages a minute (the flood limit).
const targets = [C];
for (let i = 0; i < 3; ++i) {
  const extra = await api("POST", `${pub}/contacts/${contact.source_id}/conversations`, null, {});
  targets.push(`${A}/conversations/${extra.id}`);
}
for (let sent = 0; sent < notes; sent += 8)
  await Promise.all(
    Array.from({ length: 8 }, (_, k) =>
      api("POST", `${targets[k % 4]}/messages`, admin, {
        content: `note ${sent + k} ${filler}`,
        private: true,
      }),
    ),
  );
const isNote = (d) => typeof d.content === "string" && d.content.startsWith("note ");
const notesOf = (key) =>
  received[key].filter((m) => m.event === "message.created" && isNote(m.data)).length;
await waitFor(() => notesOf("member") === notes && notesOf("admin") === notes);
slow._socket.resume();
await waitFor(() => slowClosed !== null);
const slowNotes = slowFrames.filter((f) => f.message?.event === "message.created" && isNote(f.message.data));
assert.equal(slowClosed, 1006, "reset without a close frame");
assert.ok(slowNotes.length < notes, `the slow client got ${slowNotes.length} of ${notes}`);
assert.equal(notesOf("admin"), notes);
assert.equal(notesOf("member"), notes);
console.log(`ok   a client that does not read is disconnected (${slowNotes.length}/${notes}); the others get all`);

for (const c of consumers) c.disconnect();
clearTimeout(deadline);
console.log("cable scenario passed");
process.exit(0);
