// A full support scenario driven by an unchanged Chatwoot API client from npm
// (@figuro/chatwoot-sdk): bootstrap through the Platform API, an API inbox, an agent in it,
// a contact, a conversation, messages both ways, the list and its counts, assignment,
// resolve, and the Client (public) API of the same inbox.
//   MESSENGER_URL=http://127.0.0.1:PORT MESSENGER_PLATFORM_TOKEN=... node scenario.mjs
import assert from "node:assert/strict";
import sdk from "@figuro/chatwoot-sdk";

const ChatwootClient = sdk.default;
const basePath = process.env.MESSENGER_URL;
const platformToken = process.env.MESSENGER_PLATFORM_TOKEN;
assert.ok(basePath && platformToken, "MESSENGER_URL and MESSENGER_PLATFORM_TOKEN are required");

const clientFor = (token) =>
  new ChatwootClient({ config: { basePath, with_credentials: false, credentials: "omit", token } });

async function step(name, fn) {
  try {
    const result = await fn();
    console.log(`ok   ${name}`);
    return result;
  } catch (err) {
    const detail = err.status ? `${err.status} ${JSON.stringify(err.body)}` : err.stack;
    console.error(`FAIL ${name}: ${err.message}\n${detail}`);
    process.exit(1);
  }
}

const platform = clientFor(platformToken).platform;

const account = await step("platform: create account", async () => {
  const a = await platform.accounts.create({ data: { name: "SDK Corp" } });
  assert.equal(typeof a.id, "number");
  assert.equal(a.name, "SDK Corp");
  return a;
});

const [admin, agent] = await step("platform: create users", async () => {
  const users = [];
  for (const [name, email] of [["Ada Admin", "ada@sdk.test"], ["Ben Agent", "ben@sdk.test"]]) {
    const u = await platform.users.create({ data: { name, email, password: "Secret-123" } });
    assert.equal(typeof u.id, "number");
    assert.equal(typeof u.access_token, "string");
    assert.ok(u.access_token.length >= 20);
    assert.equal(typeof u.pubsub_token, "string");
    users.push(u);
  }
  return users;
});

await step("platform: add account users", async () => {
  await platform.accountUsers.create({
    accountId: account.id,
    data: { user_id: admin.id, role: "administrator" },
  });
  await platform.accountUsers.create({
    accountId: account.id,
    data: { user_id: agent.id, role: "agent" },
  });
  const list = await platform.accountUsers.list({ accountId: account.id });
  assert.equal(list.length, 2);
});

const cw = clientFor(admin.access_token);
const agentCw = clientFor(agent.access_token);

await step("profile", async () => {
  const p = await cw.profile.profile();
  assert.equal(p.id, admin.id);
  assert.equal(p.accounts[0].id, account.id);
  assert.equal(p.accounts[0].role, "administrator");
});

const inbox = await step("inboxes: create an API inbox", async () => {
  // The SDK types only the web widget channel; the API channel goes through the same call.
  const i = await cw.inboxes.create({
    accountId: account.id,
    data: { name: "API", channel: { type: "api", webhook_url: "" } },
  });
  assert.equal(i.channel_type, "Channel::Api");
  assert.equal(typeof i.inbox_identifier, "string");
  const listed = await cw.inboxes.list({ accountId: account.id });
  assert.ok(listed.payload.some((x) => x.id === i.id));
  const shown = await cw.inboxes.get({ accountId: account.id, id: i.id });
  assert.equal(shown.name, "API");
  return i;
});

await step("inbox members: add the agent", async () => {
  const r = await cw.inboxes.addAgent({
    accountId: account.id,
    data: { inbox_id: inbox.id, user_ids: [agent.id] },
  });
  assert.deepEqual(
    r.payload.map((a) => a.id),
    [agent.id],
  );
  const members = await cw.inboxes.listAgents({ accountId: account.id, inboxId: inbox.id });
  assert.equal(members.payload[0].role, "agent");
});

await step("agents: list", async () => {
  const agents = await cw.agents.list({ accountId: account.id });
  assert.equal(agents.length, 2);
  assert.ok(agents.every((a) => typeof a.availability_status === "string"));
});

const created = await step("contacts: create with the inbox", async () => {
  const r = await cw.contacts.create({
    accountId: account.id,
    data: { inbox_id: inbox.id, name: "Jane Customer", email: "jane@customer.test" },
  });
  assert.equal(r.payload.contact.email, "jane@customer.test");
  assert.equal(typeof r.payload.contact_inbox.source_id, "string");
  return r.payload;
});

await step("contacts: list, show, search", async () => {
  const list = await cw.contacts.list({ accountId: account.id, sort: "name", page: 1 });
  assert.equal(list.meta.count, 1);
  const shown = await cw.contacts.get({ accountId: account.id, id: created.contact.id });
  assert.equal(shown.payload.name, "Jane Customer");
  const found = await cw.contacts.search({ accountId: account.id, q: "customer" });
  assert.equal(found.payload.length, 1);
});

const conversation = await step("conversations: create", async () => {
  const c = await cw.conversations.create({
    accountId: account.id,
    data: { source_id: created.contact_inbox.source_id, inbox_id: inbox.id },
  });
  assert.equal(typeof c.id, "number");
  assert.equal(c.account_id, account.id);
  assert.equal(c.inbox_id, inbox.id);
  return c;
});

await step("messages: incoming and outgoing", async () => {
  const incoming = await cw.messages.create({
    accountId: account.id,
    conversationId: conversation.id,
    data: { content: "My parcel never arrived", message_type: "incoming" },
  });
  assert.equal(incoming.message_type, 0);
  assert.equal(incoming.content, "My parcel never arrived");
  const outgoing = await cw.messages.create({
    accountId: account.id,
    conversationId: conversation.id,
    data: { content: "Sorry to hear that, checking now." },
  });
  assert.equal(outgoing.message_type, 1);
  assert.equal(outgoing.sender?.name, "Ada Admin");
  const list = await cw.messages.list({ accountId: account.id, conversationId: conversation.id });
  assert.deepEqual(
    list.payload.map((m) => m.content),
    ["My parcel never arrived", "Sorry to hear that, checking now."],
  );
});

await step("conversations: list and meta", async () => {
  const list = await cw.conversations.list({
    accountId: account.id,
    status: "open",
    assigneeType: "all",
    page: 1,
  });
  assert.equal(list.data.meta.all_count, 1);
  assert.equal(list.data.payload[0].id, conversation.id);
  assert.equal(list.data.payload[0].meta.sender.email, "jane@customer.test");
  const meta = await cw.conversations.getMeta({ accountId: account.id, status: "open" });
  assert.equal(meta.meta.all_count, 1);
  assert.equal(meta.meta.unassigned_count, 1);
});

await step("assignments: assign to the agent", async () => {
  const assignee = await cw.conversationAssignment.assign({
    accountId: account.id,
    conversationId: conversation.id,
    data: { assignee_id: agent.id },
  });
  assert.equal(assignee.id, agent.id);
  const mine = await agentCw.conversations.list({
    accountId: account.id,
    assigneeType: "me",
    status: "open",
  });
  assert.equal(mine.data.meta.mine_count, 1);
  assert.equal(mine.data.payload[0].meta.assignee.id, agent.id);
});

await step("conversations: resolve", async () => {
  const r = await agentCw.conversations.toggleStatus({
    accountId: account.id,
    conversationId: conversation.id,
    data: { status: "resolved" },
  });
  assert.equal(r.payload.current_status, "resolved");
  const shown = await cw.conversations.get({
    accountId: account.id,
    conversationId: conversation.id,
  });
  assert.equal(shown.status, "resolved");
});

await step("client api: a contact writes in through the public inbox", async () => {
  const anon = clientFor(undefined).client;
  const contact = await anon.contacts.create({
    inboxIdentifier: inbox.inbox_identifier,
    data: { name: "Walk-in", email: "walkin@customer.test" },
  });
  assert.equal(typeof contact.source_id, "string");
  assert.equal(typeof contact.pubsub_token, "string");
  const conv = await anon.conversations.create({
    inboxIdentifier: inbox.inbox_identifier,
    contactIdentifier: contact.source_id,
  });
  assert.equal(conv.status, "open");
  const msg = await anon.messages.create({
    inboxIdentifier: inbox.inbox_identifier,
    contactIdentifier: contact.source_id,
    conversationId: conv.id,
    data: { content: "Hello from the widget" },
  });
  assert.equal(msg.message_type, 0);
  const list = await anon.messages.list({
    inboxIdentifier: inbox.inbox_identifier,
    contactIdentifier: contact.source_id,
    conversationId: conv.id,
  });
  assert.equal(list.length, 1);
  const convs = await anon.conversations.list({
    inboxIdentifier: inbox.inbox_identifier,
    contactIdentifier: contact.source_id,
  });
  assert.equal(convs.length, 1);
});

await step("errors keep Chatwoot's shape", async () => {
  await assert.rejects(
    agentCw.inboxes.create({ accountId: account.id, data: { name: "Nope" } }),
    (err) => err.status === 401 && err.body?.error === "You are not authorized to do this action",
  );
  await assert.rejects(
    cw.conversations.get({ accountId: account.id, conversationId: 424242 }),
    (err) => err.status === 404 && err.body?.error === "Resource could not be found",
  );
});

console.log("scenario passed");
