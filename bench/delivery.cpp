// B3 (docs/PERF.md §4): latency from `POST …/messages` to the message.created frame at the
// subscribed agents' /cable sockets, including the durable commit.
//   bench_delivery DATABASE_URL [rate=5000] [seconds=10] [agents=1000] [conversations=5000]
// One account, 100 inboxes with agents/100 members each, every agent on its own /cable socket
// subscribed with its own pubsub_token; conversations spread over the inboxes. Messages are
// posted open-loop at `rate` (scheduled, sent on the first free of 32 keep-alive
// connections) with a sequence number in the content; one epoll thread reads every socket.
// Reported: delivery latency (POST sent → frame read) to the first member and to every
// member, and, as the in-run reference, the POST's own latency (sent → 200 after commit):
// the difference is what realtime adds.
#include "bench/api_setup.hpp"
#include "bench/cable_client.hpp"
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

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now().time_since_epoch())
    .count();
}

struct agent {
  int64_t id = 0;
  std::string pubsub_token;
};

struct conversation_ref {
  int64_t display_id = 0;
};

/// The reader: every agent socket, subscribed, then frames until `stop`.
class socket_reader {
public:
  socket_reader(uint16_t port, int64_t account, const std::vector<agent>& agents, size_t posts)
      : first_(posts),
        arrivals_(posts) {
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
    for (auto& f : first_)
      f = 0;
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
      if (failed_ > 0)
        return false;
      poll(100);
    }
    return true;
  }

  void run(const std::atomic<bool>& stop, const std::vector<std::atomic<int64_t>>& sent) {
    sent_ = &sent;
    while (!stop)
      poll(10);
  }

  /// Arrival time of the first frame of each post (0: never).
  const std::vector<std::atomic<int64_t>>& first() const { return first_; }
  /// Every arrival's latency in microseconds.
  const std::vector<int64_t>& all_latencies() const { return all_; }
  size_t subscribed() const { return subscribed_; }

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
              ++failed_;
            c.state = 4;
            ::epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
          }
          break;
        }
        c.in.append(buf, static_cast<size_t>(k));
      }
      handle(c);
    }
  }

  void handle(conn& c) {
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
      auto at_read = now_us();
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
      if (!sent_ || f.payload.find("\"message.created\"") == std::string::npos)
        continue;
      static const std::string marker = "\"content\":\"b3 ";
      auto at = f.payload.find(marker);
      if (at == std::string::npos)
        continue;
      auto seq = std::strtoull(f.payload.c_str() + at + marker.size(), nullptr, 10);
      if (seq >= first_.size())
        continue;
      auto sent_at = (*sent_)[seq].load();
      if (sent_at == 0)
        continue;
      int64_t expected = 0;
      first_[seq].compare_exchange_strong(expected, at_read);
      all_.push_back(at_read - sent_at);
      ++arrivals_[seq];
    }
  }

  int ep_ = -1;
  std::vector<conn> conns_;
  size_t subscribed_ = 0;
  size_t failed_ = 0;
  const std::vector<std::atomic<int64_t>>* sent_ = nullptr;
  std::vector<std::atomic<int64_t>> first_;
  std::vector<int> arrivals_;
  std::vector<int64_t> all_;
};

/// Posts open-loop at `rate` over `connections` keep-alive connections for `seconds`:
/// request `seq` is due at start + seq/rate and goes out on the first free connection.
/// Records the send time of each post in `sent` and the POST latencies of the 200s.
struct post_result {
  size_t posted = 0;
  size_t ok = 0;
  size_t failed = 0;
  std::vector<int64_t> latencies;
  std::vector<bool> committed;
  double seconds = 0;
};

post_result post_open_loop(uint16_t port, const std::string& token, int64_t account,
                           const std::vector<conversation_ref>& convs, double rate, int seconds,
                           std::vector<std::atomic<int64_t>>& sent) {
  constexpr int connections = 32;
  struct conn {
    int fd = -1;
    int64_t seq = -1; ///< in flight (-1: free)
    std::string in;
  };
  post_result out;
  out.committed.assign(sent.size(), false);
  int ep = ::epoll_create1(0);
  std::vector<conn> conns(connections);
  for (int i = 0; i < connections; ++i) {
    auto& c = conns[static_cast<size_t>(i)];
    c.fd = bench::connect_nonblocking(port);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(i);
    ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  }
  auto start = now_us();
  auto end = start + int64_t{seconds} * 1000000;
  size_t total = std::min(sent.size(), static_cast<size_t>(rate * seconds));
  size_t next = 0;
  size_t in_flight = 0;
  char buf[65536];
  for (;;) {
    auto now = now_us();
    // Issue every due post on a free connection.
    for (auto& c : conns) {
      if (next >= total || c.seq >= 0)
        continue;
      auto due = start + static_cast<int64_t>(static_cast<double>(next) * 1e6 / rate);
      if (due > now)
        break;
      const auto& ref = convs[next % convs.size()];
      auto body = R"({"content":"b3 )" + std::to_string(next) + R"(","message_type":"outgoing"})";
      std::string req = "POST /api/v1/accounts/" + std::to_string(account) + "/conversations/"
                        + std::to_string(ref.display_id) + "/messages HTTP/1.1\r\n";
      req += "Host: 127.0.0.1\r\nContent-Type: application/json\r\napi_access_token: ";
      req += token;
      req += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
      req += body;
      sent[next] = now_us();
      ::send(c.fd, req.data(), req.size(), MSG_NOSIGNAL);
      c.seq = static_cast<int64_t>(next++);
      ++in_flight;
    }
    if ((next >= total || now > end) && in_flight == 0)
      break;
    epoll_event events[connections];
    int ready = ::epoll_wait(ep, events, connections, 1);
    for (int e = 0; e < ready; ++e) {
      auto& c = conns[events[e].data.u32];
      for (;;) {
        auto k = ::recv(c.fd, buf, sizeof(buf), 0);
        if (k <= 0)
          break;
        c.in.append(buf, static_cast<size_t>(k));
      }
      while (int status = bench::take_response(c.in)) {
        auto seq = static_cast<size_t>(c.seq);
        ++out.posted;
        if (status == 200) {
          ++out.ok;
          out.committed[seq] = true;
          out.latencies.push_back(now_us() - sent[seq]);
        } else {
          ++out.failed;
        }
        c.seq = -1;
        --in_flight;
      }
    }
  }
  out.seconds = static_cast<double>(now_us() - start) / 1e6;
  for (auto& c : conns)
    ::close(c.fd);
  ::close(ep);
  return out;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_delivery DATABASE_URL [rate] [seconds] [agents] [conversations]\n";
    return 2;
  }
  std::string url = argv[1];
  double rate = argc > 2 ? std::stod(argv[2]) : 5000;
  int seconds = argc > 3 ? std::stoi(argv[3]) : 10;
  int agents_count = argc > 4 ? std::stoi(argv[4]) : 1000;
  int conversations = argc > 5 ? std::stoi(argv[5]) : 5000;
  constexpr int inboxes_count = 100;

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
  socket_reader reader{port, account, agents, posts};
  if (!reader.subscribe_all()) {
    std::cerr << "a subscription failed\n";
    return 1;
  }
  std::vector<std::atomic<int64_t>> sent(posts);
  for (auto& s : sent)
    s = 0;
  std::atomic<bool> stop{false};
  std::thread reading{[&] { reader.run(stop, sent); }};
  auto result = post_open_loop(port, token, account, convs, rate, seconds, sent);
  std::this_thread::sleep_for(std::chrono::seconds{2}); // stragglers
  stop = true;
  reading.join();

  std::vector<int64_t> first;
  size_t lost = 0;
  for (size_t i = 0; i < posts; ++i) {
    if (!result.committed[i])
      continue;
    auto at = reader.first()[i].load();
    if (at == 0)
      ++lost;
    else
      first.push_back(at - sent[i].load());
  }
  std::printf("B3 delivery: %zu agent sockets, target %.0f msgs/s, %d s\n", reader.subscribed(),
              rate, seconds);
  std::printf("  posted %.0f msgs/s (%zu committed, %zu failed), POST->200 p50 %.2f ms, p99 "
              "%.2f ms (the reference: the durable write alone)\n",
              static_cast<double>(result.ok) / result.seconds, result.ok, result.failed,
              bench::percentile_ms(result.latencies, 50),
              bench::percentile_ms(result.latencies, 99));
  std::printf("  POST->frame, first member: p50 %.2f ms, p99 %.2f ms, max %.2f ms; lost %zu\n",
              bench::percentile_ms(first, 50), bench::percentile_ms(first, 99),
              bench::percentile_ms(first, 100), lost);
  std::printf("  POST->frame, every member (%zu frames): p50 %.2f ms, p99 %.2f ms (target p50 <= "
              "3, p99 <= 15)\n",
              reader.all_latencies().size(), bench::percentile_ms(reader.all_latencies(), 50),
              bench::percentile_ms(reader.all_latencies(), 99));
  std::printf("  realtime adds (p50, every member - POST): %.2f ms\n",
              bench::percentile_ms(reader.all_latencies(), 50)
                - bench::percentile_ms(result.latencies, 50));
  node->shutdown();
  return 0;
}
