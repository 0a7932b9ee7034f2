#define CAF_SUITE net.events
#include "tests/support/api_node.hpp"

#include <caf/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <set>

using namespace messenger;
using json = nlohmann::json;

namespace {

/// A raw SSE client: sends the request, then reads frames.
class sse_client {
public:
  sse_client(uint16_t port, const std::string& target, const std::string& headers) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{10, 0}; // a missing event fails the test instead of hanging it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    auto req = "GET " + target + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n" + headers
               + "\r\n";
    ::send(fd_, req.data(), req.size(), MSG_NOSIGNAL);
  }
  ~sse_client() { ::close(fd_); }
  sse_client(const sse_client&) = delete;
  sse_client& operator=(const sse_client&) = delete;

  /// The response head (status line and headers).
  std::string head() {
    while (buffer_.find("\r\n\r\n") == std::string::npos)
      if (!receive())
        return buffer_;
    auto end = buffer_.find("\r\n\r\n");
    auto h = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    return h;
  }

  struct frame {
    uint64_t id = 0;
    std::string event;
    json data;
  };

  /// The next event frame (comments skipped); event "" when the stream ended.
  frame next() {
    for (;;) {
      auto end = buffer_.find("\n\n");
      if (end == std::string::npos) {
        if (!receive())
          return {};
        continue;
      }
      auto block = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      frame f;
      size_t pos = 0;
      while (pos < block.size()) {
        auto eol = block.find('\n', pos);
        if (eol == std::string::npos)
          eol = block.size();
        auto line = block.substr(pos, eol - pos);
        if (line.rfind("id: ", 0) == 0)
          f.id = std::stoull(line.substr(4));
        else if (line.rfind("event: ", 0) == 0)
          f.event = line.substr(7);
        else if (line.rfind("data: ", 0) == 0)
          f.data = json::parse(line.substr(6), nullptr, false);
        pos = eol + 1;
      }
      if (!f.event.empty())
        return f;
    }
  }

  /// The next frame of `event`, skipping others.
  frame next(const std::string& event) {
    for (;;) {
      auto f = next();
      if (f.event.empty() || f.event == event)
        return f;
    }
  }

  /// The next frame that is not a presence snapshot (those may come at any time).
  frame next_but_presence() {
    for (;;) {
      auto f = next();
      if (f.event != "presence.update")
        return f;
    }
  }

private:
  bool receive() {
    char buf[4096];
    auto n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0)
      return false;
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
};

struct fixture : test::api_node {
  json inbox;
  int64_t inbox_id = 0;
  int64_t contact_id = 0;
  int64_t display_id = 0;
  std::string source_id; ///< the contact inbox's
  std::string conv_path;
  std::string public_contact_path; ///< the contact in the Client API
  std::string public_conv_path;    ///< the conversation in the Client API

  fixture() {
    // Events reach the hub after the API answered: a stream that sees the setup's events
    // (in either order) shows they are through, so the tests' streams begin after them.
    auto setup = stream(admin);
    CAF_REQUIRE(setup.head().find("200") != std::string::npos);
    inbox = make_inbox("Support");
    inbox_id = inbox["id"].get<int64_t>();
    auto made = make_contact("Jane", "jane@example.com", inbox_id);
    contact_id = made["contact"]["id"].get<int64_t>();
    source_id = made["contact_inbox"]["source_id"].get<std::string>();
    display_id = make_conversation(inbox_id, contact_id)["id"].get<int64_t>();
    std::set<std::string> pending{"contact.created", "conversation.created"};
    while (!pending.empty()) {
      auto f = setup.next_but_presence();
      CAF_REQUIRE(!f.event.empty());
      pending.erase(f.event);
    }
    conv_path = "/api/v1/accounts/1/conversations/" + std::to_string(display_id);
    public_contact_path = "/public/api/v1/inboxes/" + inbox["inbox_identifier"].get<std::string>()
                          + "/contacts/" + source_id;
    public_conv_path = public_contact_path + "/conversations/" + std::to_string(display_id);
  }

  json post(const std::string& content) {
    return call("POST", conv_path + "/messages", {{"content", content}}, admin);
  }

  sse_client stream(const std::string& token) {
    return sse_client{port, "/api/v1/accounts/1/events", "api_access_token: " + token + "\r\n"};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(event_stream_tests, fixture)

CAF_TEST(events stream with ids and resume after last event id) {
  uint64_t seen = 0;
  {
    sse_client live{port, "/api/v1/accounts/1/events", "api_access_token: " + admin + "\r\n"};
    auto head = live.head();
    CAF_CHECK(head.find("200") != std::string::npos);
    CAF_CHECK(head.find("text/event-stream") != std::string::npos);
    post("first");
    auto f = live.next("message.created");
    CAF_CHECK_EQUAL(f.data["content"], "first");
    CAF_CHECK_EQUAL(f.data["account_id"], 1);
    CAF_CHECK(f.id > 0);
    seen = f.id;
  }
  // Disconnected: ten messages are written; a reconnect with Last-Event-ID gets exactly
  // them, in order, then live events.
  for (int i = 0; i < 10; ++i)
    post("missed " + std::to_string(i));
  sse_client resumed{port, "/api/v1/accounts/1/events?api_access_token=" + admin,
                     "Last-Event-ID: " + std::to_string(seen) + "\r\n"};
  CAF_CHECK(resumed.head().find("200") != std::string::npos);
  uint64_t previous = seen;
  for (int i = 0; i < 10; ++i) {
    auto f = resumed.next("message.created");
    CAF_CHECK_EQUAL(f.data["content"], "missed " + std::to_string(i));
    CAF_CHECK(f.id > previous);
    previous = f.id;
  }
  post("live");
  auto f = resumed.next("message.created");
  CAF_CHECK_EQUAL(f.data["content"], "live");
}

CAF_TEST(the stream needs a token and follows the recipient rules) {
  sse_client anonymous{port, "/api/v1/accounts/1/events", ""};
  CAF_CHECK(anonymous.head().find("401") != std::string::npos);
  // The agent is no member of the inbox: it sees contact events, not the inbox's messages.
  auto agent_stream = stream(agent);
  CAF_CHECK(agent_stream.head().find("200") != std::string::npos);
  auto admin_stream = stream(admin);
  CAF_CHECK(admin_stream.head().find("200") != std::string::npos);
  post("not for the agent");
  // The administrator's stream has it: the hub has dealt with it for every stream. A contact
  // created now is the agent's sentinel: whatever the hub sent the agent before comes first.
  auto witnessed = admin_stream.next("message.created");
  CAF_CHECK_EQUAL(witnessed.data["content"], "not for the agent");
  call("POST", "/api/v1/accounts/1/contacts", {{"name", "Zed"}, {"email", "zed@example.com"}},
       admin);
  auto f = agent_stream.next_but_presence();
  CAF_CHECK_EQUAL(f.event, "contact.created");
  CAF_CHECK_EQUAL(f.data["email"], "zed@example.com");
  CAF_CHECK(f.id > witnessed.id);
}

CAF_TEST(typing reaches the agents of the conversation but not the typist) {
  call("POST", "/api/v1/accounts/1/inbox_members",
       {{"inbox_id", inbox_id}, {"user_ids", {agent_id}}}, admin);
  auto ada = stream(admin);
  CAF_CHECK(ada.head().find("200") != std::string::npos);
  auto ben = stream(agent);
  CAF_CHECK(ben.head().find("200") != std::string::npos);

  // Ada types a private note, then stops (Application API).
  call("POST", conv_path + "/toggle_typing_status", {{"typing_status", "on"}, {"is_private", true}},
       admin);
  call("POST", conv_path + "/toggle_typing_status", {{"typing_status", "off"}}, admin);
  auto on = ben.next_but_presence();
  CAF_CHECK_EQUAL(on.event, "conversation.typing_on");
  CAF_CHECK_EQUAL(on.data["is_private"], true);
  CAF_CHECK_EQUAL(on.data["account_id"], 1);
  CAF_CHECK_EQUAL(on.data["conversation"]["id"], display_id);
  CAF_CHECK_EQUAL(on.data["conversation"]["inbox_id"], inbox_id);
  CAF_CHECK_EQUAL(on.data["conversation"]["meta"]["sender"]["id"], contact_id);
  CAF_CHECK_EQUAL(on.data["user"]["id"], admin_id);
  CAF_CHECK_EQUAL(on.data["user"]["type"], "user");
  CAF_CHECK_EQUAL(on.data["user"]["name"], "Ada");
  CAF_CHECK_EQUAL(on.data["performer"]["id"], admin_id);
  auto off = ben.next_but_presence();
  CAF_CHECK_EQUAL(off.event, "conversation.typing_off");
  CAF_CHECK_EQUAL(off.data["is_private"], false);
  CAF_CHECK_EQUAL(off.data["conversation"]["id"], display_id);
  CAF_CHECK_EQUAL(off.data["user"]["id"], admin_id);
  CAF_CHECK(off.id > on.id);

  // Ada's own stream: her typing is not sent to her. Her private note afterwards is the
  // sentinel (same conversation, so it leaves the listener after the typing events).
  call("POST", conv_path + "/messages", {{"content", "after typing"}, {"private", true}}, admin);
  auto sentinel = ada.next_but_presence();
  CAF_CHECK_EQUAL(sentinel.event, "message.created");
  CAF_CHECK_EQUAL(sentinel.data["content"], "after typing");
  CAF_CHECK_EQUAL(ben.next_but_presence().event, "message.created");

  // The contact types (Client API): both agents see it, with the contact as `user`.
  call("POST", public_conv_path + "/toggle_typing", {{"typing_status", "on"}}, "");
  call("POST", public_conv_path + "/toggle_typing", {{"typing_status", "off"}}, "");
  for (auto* s : {&ada, &ben}) {
    auto contact_on = s->next_but_presence();
    CAF_CHECK_EQUAL(contact_on.event, "conversation.typing_on");
    CAF_CHECK_EQUAL(contact_on.data["user"]["type"], "contact");
    CAF_CHECK_EQUAL(contact_on.data["user"]["id"], contact_id);
    CAF_CHECK_EQUAL(contact_on.data["user"]["name"], "Jane");
    CAF_CHECK_EQUAL(contact_on.data["is_private"], false);
    CAF_CHECK_EQUAL(contact_on.data["conversation"]["id"], display_id);
    CAF_CHECK(contact_on.data["performer"].is_null());
    auto contact_off = s->next_but_presence();
    CAF_CHECK_EQUAL(contact_off.event, "conversation.typing_off");
    CAF_CHECK_EQUAL(contact_off.data["user"]["id"], contact_id);
  }
}

CAF_TEST(a deleted message is published as message updated) {
  auto ada = stream(admin);
  CAF_CHECK(ada.head().find("200") != std::string::npos);
  auto message = post("to be deleted");
  auto id = message["id"].get<int64_t>();
  auto created = ada.next("message.created");
  CAF_CHECK_EQUAL(created.data["id"], id);
  call("DELETE", conv_path + "/messages/" + std::to_string(id), nullptr, admin);
  auto updated = ada.next("message.updated");
  CAF_CHECK(updated.id > created.id);
  const auto& d = updated.data;
  CAF_CHECK_EQUAL(d["id"], id);
  CAF_CHECK_EQUAL(d["content"], "This message was deleted");
  CAF_CHECK_EQUAL(d["content_attributes"].value("deleted", false), true);
  CAF_CHECK_EQUAL(d["conversation_id"], display_id);
  CAF_CHECK_EQUAL(d["message_type"], 1);
  CAF_CHECK_EQUAL(d["account_id"], 1);
  CAF_CHECK_EQUAL(d["sender"]["id"], admin_id);
  CAF_CHECK_EQUAL(d["sender"]["type"], "user");
  CAF_CHECK_EQUAL(d["performer"]["id"], admin_id);
  CAF_CHECK_EQUAL(d["conversation"]["contact_inbox"]["source_id"], source_id);
  CAF_CHECK_EQUAL(db.scalar("SELECT content || ' ' || (content_attributes->>'deleted') FROM "
                            "messages WHERE id = "
                            + std::to_string(id)),
                  "This message was deleted true");
}

CAF_TEST(a contact update is published to every agent of the account) {
  // Ben is no member of the inbox: contact events still reach him.
  auto ben = stream(agent);
  CAF_CHECK(ben.head().find("200") != std::string::npos);
  call("PATCH", "/api/v1/accounts/1/contacts/" + std::to_string(contact_id),
       {{"name", "Jane Roe"}, {"custom_attributes", {{"plan", "pro"}}}}, admin);
  auto f = ben.next_but_presence();
  CAF_CHECK_EQUAL(f.event, "contact.updated");
  CAF_CHECK_EQUAL(f.data["id"], contact_id);
  CAF_CHECK_EQUAL(f.data["name"], "Jane Roe");
  CAF_CHECK_EQUAL(f.data["email"], "jane@example.com");
  CAF_CHECK_EQUAL(f.data["custom_attributes"]["plan"], "pro");
  CAF_CHECK_EQUAL(f.data["type"], "contact");
  CAF_CHECK_EQUAL(f.data["account_id"], 1);
  CAF_CHECK_EQUAL(f.data["performer"]["id"], admin_id);
  // Through the Client API the contact itself is the actor: no performer.
  call("PATCH", public_contact_path, {{"name", "Jane Public"}}, "");
  auto g = ben.next_but_presence();
  CAF_CHECK_EQUAL(g.event, "contact.updated");
  CAF_CHECK_EQUAL(g.data["id"], contact_id);
  CAF_CHECK_EQUAL(g.data["name"], "Jane Public");
  CAF_CHECK(g.data["performer"].is_null());
}

CAF_TEST_FIXTURE_SCOPE_END()

namespace {

struct small_window : test::api_node {
  small_window() : test::api_node([](config::app_config& cfg) { cfg.sse_replay_events = 3; }) {}
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(event_window_tests, small_window)

CAF_TEST(an id older than the window starts with resync) {
  auto inbox = make_inbox("Support")["id"].get<int64_t>();
  // Events reach the hub after the API answered: a live stream shows when all five did.
  sse_client watcher{port, "/api/v1/accounts/1/events", "api_access_token: " + admin + "\r\n"};
  CAF_CHECK(watcher.head().find("200") != std::string::npos);
  for (int i = 0; i < 5; ++i)
    make_contact("C" + std::to_string(i), "c" + std::to_string(i) + "@example.com", inbox);
  for (int i = 0; i < 5; ++i)
    watcher.next("contact.created");
  sse_client resumed{port, "/api/v1/accounts/1/events",
                     "api_access_token: " + admin + "\r\nLast-Event-ID: 1\r\n"};
  CAF_CHECK(resumed.head().find("200") != std::string::npos);
  auto first = resumed.next();
  CAF_CHECK_EQUAL(first.event, "resync");
  call("POST", "/api/v1/accounts/1/contacts", {{"name", "Late"}, {"email", "late@example.com"}},
       admin);
  auto live = resumed.next("contact.created");
  CAF_CHECK_EQUAL(live.data["email"], "late@example.com");
}

CAF_TEST_FIXTURE_SCOPE_END()
