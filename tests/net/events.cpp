#define CAF_SUITE net.events
#include "tests/support/api_node.hpp"

#include <caf/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

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
  std::string conv_path;

  fixture() {
    auto inbox = make_inbox("Support")["id"].get<int64_t>();
    auto contact = make_contact("Jane", "jane@example.com", inbox)["contact"]["id"].get<int64_t>();
    conv_path = "/api/v1/accounts/1/conversations/"
                + std::to_string(make_conversation(inbox, contact)["id"].get<int64_t>());
  }

  void post(const std::string& content) {
    call("POST", conv_path + "/messages", {{"content", content}}, admin);
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
  sse_client agent_stream{port, "/api/v1/accounts/1/events", "api_access_token: " + agent + "\r\n"};
  CAF_CHECK(agent_stream.head().find("200") != std::string::npos);
  post("not for the agent");
  call("POST", "/api/v1/accounts/1/contacts", {{"name", "Zed"}, {"email", "zed@example.com"}},
       admin);
  auto f = agent_stream.next();
  while (f.event == "presence.update") // presence snapshots may come at any time
    f = agent_stream.next();
  CAF_CHECK_EQUAL(f.event, "contact.created");
  CAF_CHECK_EQUAL(f.data["email"], "zed@example.com");
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
