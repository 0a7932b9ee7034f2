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

function fail(message) {
  console.error(`FAIL ${message}`);
  process.exit(1);
}
const deadline = setTimeout(() => fail("timed out"), 60000);

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
const waiters = [];
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

// The contact writes, an agent answers, an agent writes a private note, the agent resolves.
const conversation = await api("POST", `${pub}/contacts/${contact.source_id}/conversations`, null, {});
const C = `${A}/conversations/${conversation.id}`;
await api("POST", `${pub}/contacts/${contact.source_id}/conversations/${conversation.id}/messages`, null, {
  content: "hello?",
});
await api("POST", `${C}/messages`, admin, { content: "hi Jane" });
await api("POST", `${C}/messages`, admin, { content: "internal", private: true });
await api("POST", `${C}/assignments`, admin, { assignee_id: users.member.id });
await api("POST", `${C}/toggle_typing_status`, admin, { typing_status: "on" });
await api("POST", `${C}/toggle_status`, admin, { status: "resolved" });

const has = (key, event, pred = () => true) =>
  received[key].some((m) => m.event === event && pred(m.data));
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
assert.deepEqual(
  received.outsider.filter((m) => m.event !== "presence.update"),
  [],
  "the non-member receives nothing of the inbox",
);
console.log("ok   a non-member receives nothing of the inbox");
const presence = received.admin.find((m) => m.event === "presence.update");
assert.ok(presence, "presence.update after subscribing");
assert.equal(presence.data.account_id, account.id);
assert.equal(presence.data.users[String(users.admin.id)], "online");
// The contact subscribed before the conversation began: the next snapshot shows it online.
await consumers[0].subscriptions.subscriptions[0].perform("update_presence");
await waitFor(() =>
  has("admin", "presence.update", (d) => d.contacts[String(contact.id)] === "online"),
);
assert.ok(!received.contact.some((m) => m.event === "presence.update"));
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

// Typing: to everyone who may see the conversation but the typist, with the typist as `user`.
const typing = pick("member", "conversation.typing_on");
assert.equal(typing.user.id, users.admin.id);
assert.equal(typing.conversation.id, conversation.id);
assert.equal(pick("contact", "conversation.typing_on").user.type, "user");
assert.ok(!has("admin", "conversation.typing_on"));
console.log("ok   typing events name the typist and skip it");
assert.ok(has("contact", "message.created", (d) => d.content === "hi Jane"));
assert.ok(!has("contact", "message.created", (d) => d.content === "internal"));
assert.ok(!has("contact", "assignee.changed"));
console.log("ok   the contact receives public messages only");

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
