// B3 (docs/PERF.md §4): latency from `POST …/messages` to the message.created frame at the
// subscribed agents' /cable sockets, including the durable commit.
//   bench_delivery DATABASE_URL [rate=5000] [seconds=10] [agents=1000] [conversations=5000]
//                  [max_connections=1024]
// One account, 100 inboxes with agents/100 members each, every agent on its own /cable socket
// subscribed with its own pubsub_token; conversations spread over the inboxes. Messages are
// posted open loop without coordinated omission: post n is due at start + n/rate, goes out
// on a free keep-alive connection (a new one is opened whenever none is free, up to
// max_connections), and every latency is measured from its due time, so a late send counts
// against the node-and-bench, never hidden. Posts the bench could not send before the window
// closed are reported as the offered rate it could not send. One epoll thread reads every
// socket; each message.created frame is matched to its post (sequence number in the
// content) and its socket. Checked: every member of the conversation's inbox got every
// committed post exactly once, no other socket got it; losses are reported per member and
// make the exit status 1. Reference, same run: the POST's own latency (due → 200 after the
// commit): the difference is what realtime adds.
#include "bench/api_setup.hpp"
#include "bench/cable_client.hpp"
#include "bench/report.hpp"
#include <sys/epoll.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

using namespace messenger;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr int inboxes_count = 100;

struct agent {
  int64_t id = 0;
  std::string pubsub_token;
};

struct conversation_ref {
  int64_t display_id = 0;
};

/// Who gets post `seq`: agent a is a member of inbox a % 100; post seq goes to conversation
/// seq % conversations, which is in inbox (seq % conversations) % 100.
struct recipients {
  size_t conversations = 0;
  size_t agents = 0;
  size_t inbox_of(size_t seq) const { return (seq % conversations) % inboxes_count; }
  bool member(size_t agent, size_t seq) const { return agent % inboxes_count == inbox_of(seq); }
  /// Members of post seq's inbox (agents inbox, inbox + 100, …).
  size_t members(size_t seq) const {
    auto inbox = inbox_of(seq);
    return inbox < agents ? (agents - inbox - 1) / inboxes_count + 1 : 0;
  }
  /// The member's slot in its inbox (0, 1, …).
  static size_t slot(size_t agent) { return agent / inboxes_count; }
};

/// The reader: every agent socket, subscribed, then frames until `stop`. Arrival times (on
/// bench::steady_us()'s clock) by post and member slot.
class socket_reader {
public:
  socket_reader(uint16_t port, int64_t account, const std::vector<agent>& agents, size_t posts,
                recipients who)
      : who_(who),
        slots_((agents.size() + inboxes_count - 1) / inboxes_count),
        arrivals_(posts * slots_, 0) {
    ep_ = ::epoll_create1(0);
    for (size_t i = 0; i < agents.size(); ++i) {
      conn c;
      c.fd = bench::open_socket(port);
      c.subscribe = bench::client_frame(
        bench::subscribe_command(agents[i].pubsub_token, account, agents[i].id));
      conns_.push_back(std::move(c));
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLOUT;
      ev.data.u32 = static_cast<uint32_t>(i);
      ::epoll_ctl(ep_, EPOLL_CTL_ADD, conns_.back().fd, &ev);
    }
  }
  ~socket_reader() {
    for (auto& c : conns_)
      ::close(c.fd);
    ::close(ep_);
  }
  socket_reader(const socket_reader&) = delete;
  socket_reader& operator=(const socket_reader&) = delete;

  /// Runs until every socket is subscribed; false if one failed.
  bool subscribe_all() {
    while (subscribed_ < conns_.size()) {
      if (closed_ > 0)
        return false;
      poll(100);
    }
    return true;
  }

  void run(const std::atomic<bool>& stop) {
    while (!stop)
      poll(10);
  }

  /// Arrival time of post `seq` at the member in `slot` (0: never).
  int64_t arrival(size_t seq, size_t slot) const { return arrivals_[seq * slots_ + slot]; }
  size_t slots() const { return slots_; }
  size_t subscribed() const { return subscribed_; }
  /// Frames the reader counted so far (any thread may watch it).
  const std::atomic<size_t>& frames() const { return frames_; }
  size_t unexpected() const { return unexpected_; }
  size_t duplicates() const { return duplicates_; }
  size_t closed() const { return closed_; }

private:
  struct conn {
    int fd = -1;
    int state = 0; // 0 connecting, 1 upgrading, 2 subscribing, 3 subscribed, 4 closed
    std::string subscribe;
    std::string in;
  };

  void poll(int timeout_ms) {
    epoll_event events[256];
    int ready = ::epoll_wait(ep_, events, 256, timeout_ms);
    for (int e = 0; e < ready; ++e) {
      auto index = events[e].data.u32;
      auto& c = conns_[index];
      if (c.state == 0 && (events[e].events & EPOLLOUT)) {
        auto req = bench::upgrade_request();
        ::send(c.fd, req.data(), req.size(), MSG_NOSIGNAL);
        c.state = 1;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u32 = index;
        ::epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
      }
      char buf[65536];
      for (;;) {
        auto k = ::recv(c.fd, buf, sizeof(buf), 0);
        if (k <= 0) {
          if (k == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            if (c.state != 4)
              ++closed_;
            c.state = 4;
            ::epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
          }
          break;
        }
        c.in.append(buf, static_cast<size_t>(k));
      }
      handle(c, index);
    }
  }

  void handle(conn& c, size_t index) {
    if (c.state == 1) {
      auto end = c.in.find("\r\n\r\n");
      if (end == std::string::npos)
        return;
      c.in.erase(0, end + 4);
      ::send(c.fd, c.subscribe.data(), c.subscribe.size(), MSG_NOSIGNAL);
      c.state = 2;
    }
    bench::server_frame f;
    while (bench::next_frame(c.in, f)) {
      auto at_read = bench::steady_us();
      if (f.opcode == 9) {
        auto pong = bench::client_frame(f.payload, 0xA);
        ::send(c.fd, pong.data(), pong.size(), MSG_NOSIGNAL);
        continue;
      }
      if (f.opcode != 1)
        continue;
      if (c.state == 2 && f.payload.find("confirm_subscription") != std::string::npos) {
        c.state = 3;
        ++subscribed_;
        continue;
      }
      if (f.payload.find("\"message.created\"") == std::string::npos)
        continue;
      static const std::string marker = "\"content\":\"b3 ";
      auto at = f.payload.find(marker);
      if (at == std::string::npos)
        continue; // the warm-up's messages
      auto seq
        = static_cast<size_t>(std::strtoull(f.payload.c_str() + at + marker.size(), nullptr, 10));
      if (seq * slots_ >= arrivals_.size() || !who_.member(index, seq)) {
        ++unexpected_;
        continue;
      }
      auto& slot = arrivals_[seq * slots_ + recipients::slot(index)];
      if (slot != 0) {
        ++duplicates_;
        continue;
      }
      slot = at_read;
      ++frames_;
    }
  }

  recipients who_;
  size_t slots_;
  int ep_ = -1;
  std::vector<conn> conns_;
  size_t subscribed_ = 0;
  size_t closed_ = 0;
  size_t unexpected_ = 0;
  size_t duplicates_ = 0;
  std::atomic<size_t> frames_{0};
  std::vector<int64_t> arrivals_;
};

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_delivery DATABASE_URL [rate] [seconds] [agents] [conversations] "
                 "[max_connections]\n";
    return 2;
  }
  std::string url = argv[1];
  double rate = argc > 2 ? std::stod(argv[2]) : 5000;
  int seconds = argc > 3 ? std::stoi(argv[3]) : 10;
  int agents_count = argc > 4 ? std::stoi(argv[4]) : 1000;
  int conversations = argc > 5 ? std::stoi(argv[5]) : 5000;
  int max_connections = argc > 6 ? std::stoi(argv[6]) : 1024;

  uint16_t port = 0;
  auto node = bench::start_node(url, "bench-delivery", port);
  const auto& platform = bench::platform_token;
  bench::keepalive_client boot{port};
  auto acc = bench::create_account(boot, "delivery");
  auto& token = acc.token;
  auto account = acc.id;
  auto platform_users = "/platform/api/v1/accounts/" + std::to_string(account) + "/account_users";
  auto& base = acc.base;
  auto boot_start = clock_type::now();
  std::vector<int64_t> inboxes;
  for (int i = 0; i < inboxes_count; ++i)
    inboxes.push_back(
      bench::api_call(boot, "POST", base + "/inboxes",
                      {{"name", "Inbox " + std::to_string(i)}, {"enable_auto_assignment", false}},
                      token)["id"]
        .get<int64_t>());
  std::vector<agent> agents(static_cast<size_t>(agents_count));
  std::vector<conversation_ref> convs(static_cast<size_t>(conversations));
  std::atomic<int> next{0};
  std::vector<std::thread> booters;
  for (int t = 0; t < 8; ++t)
    booters.emplace_back([&] {
      bench::keepalive_client c{port};
      for (int i = next++; i < agents_count + conversations; i = next++) {
        if (i < agents_count) {
          auto user = bench::api_call(c, "POST", "/platform/api/v1/users",
                                      {{"name", "Agent " + std::to_string(i)},
                                       {"email", "agent" + std::to_string(i) + "@delivery.test"}},
                                      platform);
          bench::api_call(c, "POST", platform_users, {{"user_id", user["id"]}, {"role", "agent"}},
                          platform);
          agents[static_cast<size_t>(i)]
            = {user["id"].get<int64_t>(), user["pubsub_token"].get<std::string>()};
          continue;
        }
        auto k = i - agents_count;
        auto inbox = inboxes[static_cast<size_t>(k % inboxes_count)];
        auto contact
          = bench::api_call(c, "POST", base + "/contacts",
                            {{"name", "Contact " + std::to_string(k)}, {"inbox_id", inbox}}, token);
        auto conv = bench::api_call(
          c, "POST", base + "/conversations",
          {{"source_id", contact["payload"]["contact_inbox"]["source_id"]}}, token);
        convs[static_cast<size_t>(k)] = {conv["id"].get<int64_t>()};
      }
    });
  for (auto& t : booters)
    t.join();
  // agents/100 members per inbox.
  for (int i = 0; i < inboxes_count; ++i) {
    json ids = json::array();
    for (int a = i; a < agents_count; a += inboxes_count)
      ids.push_back(agents[static_cast<size_t>(a)].id);
    bench::api_call(boot, "POST", base + "/inbox_members",
                    {{"inbox_id", inboxes[static_cast<size_t>(i)]}, {"user_ids", ids}}, token);
  }
  std::printf("bootstrap: %d agents, %d inboxes, %d conversations in %.1f s\n", agents_count,
              inboxes_count, conversations,
              std::chrono::duration<double>(clock_type::now() - boot_start).count());

  // Warm-up: one message in every conversation (its actor is loaded, the realtime caches hold
  // its contact inbox), as in a running system.
  next = 0;
  std::vector<std::thread> warmers;
  for (int t = 0; t < 8; ++t)
    warmers.emplace_back([&] {
      bench::keepalive_client c{port};
      for (int i = next++; i < conversations; i = next++)
        bench::api_call(c, "POST",
                        base + "/conversations/"
                          + std::to_string(convs[static_cast<size_t>(i)].display_id) + "/messages",
                        {{"content", "warm-up"}, {"message_type", "outgoing"}}, token);
    });
  for (auto& t : warmers)
    t.join();

  auto posts = static_cast<size_t>(rate * seconds) + 1;
  recipients who{static_cast<size_t>(conversations), static_cast<size_t>(agents_count)};
  socket_reader reader{port, account, agents, posts, who};
  if (!reader.subscribe_all()) {
    std::cerr << "a subscription failed\n";
    return 1;
  }
  std::atomic<bool> stop{false};
  std::thread reading{[&] { reader.run(stop); }};

  // The posts, open loop.
  std::vector<int64_t> due(posts, 0);
  std::vector<int> status_of(posts, -1); // -1: not sent or unanswered
  auto result = bench::run_open_loop(
    port, rate, seconds, static_cast<size_t>(max_connections),
    [&](size_t seq) {
      const auto& ref = convs[seq % convs.size()];
      auto body = R"({"content":"b3 )" + std::to_string(seq) + R"(","message_type":"outgoing"})";
      std::string req = "POST " + base + "/conversations/" + std::to_string(ref.display_id)
                        + "/messages HTTP/1.1\r\n";
      req += "Host: 127.0.0.1\r\nContent-Type: application/json\r\napi_access_token: ";
      req += token;
      req += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
      req += body;
      return req;
    },
    [&](size_t seq, int status, int64_t, int64_t) { status_of[seq] = status; },
    [&](size_t seq, int64_t due_us) { due[seq] = due_us; });

  // Every committed post's frames: wait until they all arrived (or 10 s more).
  size_t expected = 0;
  for (size_t seq = 0; seq < posts; ++seq)
    expected += status_of[seq] == 200 ? who.members(seq) : 0;
  auto wait_until = clock_type::now() + std::chrono::seconds{10};
  while (reader.frames() < expected && clock_type::now() < wait_until)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  stop = true;
  reading.join();

  // Latencies from the due time; losses per member.
  std::vector<int64_t> first, every;
  std::vector<size_t> expected_of(static_cast<size_t>(agents_count), 0);
  std::vector<size_t> lost_of(static_cast<size_t>(agents_count), 0);
  size_t lost = 0, posts_with_loss = 0, arrived_uncommitted = 0;
  for (size_t seq = 0; seq < posts; ++seq) {
    bool committed = status_of[seq] == 200;
    int64_t earliest = 0;
    bool missing = false;
    for (auto a = who.inbox_of(seq); a < static_cast<size_t>(agents_count); a += inboxes_count) {
      auto at = reader.arrival(seq, recipients::slot(a));
      if (!committed) {
        arrived_uncommitted += at != 0 ? 1 : 0;
        continue;
      }
      ++expected_of[a];
      if (at == 0) {
        ++lost_of[a];
        ++lost;
        missing = true;
        continue;
      }
      every.push_back(at - due[seq]);
      earliest = earliest == 0 ? at : std::min(earliest, at);
    }
    if (committed && earliest != 0)
      first.push_back(earliest - due[seq]);
    posts_with_loss += missing ? 1 : 0;
  }
  size_t lossy_members = 0, worst_loss = 0;
  json per_member = json::array();
  for (size_t a = 0; a < lost_of.size(); ++a) {
    if (lost_of[a] == 0)
      continue;
    ++lossy_members;
    worst_loss = std::max(worst_loss, lost_of[a]);
    if (per_member.size() < 100)
      per_member.push_back({{"agent", a}, {"expected", expected_of[a]}, {"lost", lost_of[a]}});
  }

  auto& posted = result.latency_us;
  std::printf("B3 delivery: %zu agent sockets (%d per inbox), offered %.0f msgs/s open loop "
              "for %.1f s\n",
              reader.subscribed(), agents_count / inboxes_count, rate, result.seconds);
  std::printf("  posts: %zu due, %zu sent, %zu could NOT be sent (%.0f msgs/s of the offered "
              "rate), %zu committed (%.0f msgs/s), %zu failed, %zu closed by the server, %zu "
              "unanswered; %zu connections; %zu sent > 1 ms late (max %.1f ms)\n",
              result.scheduled, result.sent, result.not_sent,
              static_cast<double>(result.not_sent) / result.seconds, result.ok,
              static_cast<double>(result.ok) / result.seconds, result.failed, result.closed,
              result.unanswered, result.connections, result.sent_late,
              static_cast<double>(result.max_send_lag_us) / 1000.0);
  std::printf("  POST due->200: p50 %.2f ms, p99 %.2f ms, max %.2f ms (the reference: the "
              "durable write alone)\n",
              bench::percentile_ms(posted, 50), bench::percentile_ms(posted, 99),
              bench::percentile_ms(posted, 100));
  std::printf("  due->frame, first member: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              bench::percentile_ms(first, 50), bench::percentile_ms(first, 99),
              bench::percentile_ms(first, 100));
  std::printf("  due->frame, every member (%zu frames of %zu expected): p50 %.2f ms, p99 %.2f "
              "ms, max %.2f ms (target p50 <= 3, p99 <= 15)\n",
              every.size(), expected, bench::percentile_ms(every, 50),
              bench::percentile_ms(every, 99), bench::percentile_ms(every, 100));
  std::printf("  realtime adds (p50, every member - POST): %.2f ms\n",
              bench::percentile_ms(every, 50) - bench::percentile_ms(posted, 50));
  std::printf("  delivery check: lost %zu frames (%zu posts, %zu of %d members; worst member "
              "lost %zu), duplicates %zu, to non-members %zu, frames of uncommitted posts %zu, "
              "sockets closed %zu: %s\n",
              lost, posts_with_loss, lossy_members, agents_count, worst_loss, reader.duplicates(),
              reader.unexpected(), arrived_uncommitted, reader.closed(),
              lost == 0 && reader.duplicates() == 0 && reader.unexpected() == 0
                ? "every member got every committed post once"
                : "FAILED");
  for (size_t i = 0; i < per_member.size() && i < 10; ++i)
    std::printf("    agent %zu: lost %zu of %zu\n", per_member[i]["agent"].get<size_t>(),
                per_member[i]["lost"].get<size_t>(), per_member[i]["expected"].get<size_t>());
  bench::result_line({{"bench", "B3"},
                      {"case", "delivery"},
                      {"agents", agents_count},
                      {"conversations", conversations},
                      {"offered_msgs_per_s", rate},
                      {"seconds", result.seconds},
                      {"due", result.scheduled},
                      {"sent", result.sent},
                      {"not_sent", result.not_sent},
                      {"committed", result.ok},
                      {"committed_msgs_per_s", static_cast<double>(result.ok) / result.seconds},
                      {"failed", result.failed},
                      {"closed", result.closed},
                      {"unanswered", result.unanswered},
                      {"connections", result.connections},
                      {"sent_late", result.sent_late},
                      {"post_latency_from_due", bench::latency_json(posted)},
                      {"first_member_latency_from_due", bench::latency_json(first)},
                      {"every_member_latency_from_due", bench::latency_json(every)},
                      {"expected_frames", expected},
                      {"lost_frames", lost},
                      {"members_with_losses", lossy_members},
                      {"per_member_losses", per_member},
                      {"duplicates", reader.duplicates()},
                      {"to_non_members", reader.unexpected()},
                      {"sockets_closed", reader.closed()}});
  node->shutdown();
  if (lost > 0 || reader.duplicates() > 0 || reader.unexpected() > 0) {
    std::cerr << "FAILED: not every member got every committed post exactly once\n";
    return 1;
  }
  return 0;
}
