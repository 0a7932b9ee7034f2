// B8 (docs/PERF.md §4): idle /cable WebSockets held by one node, with ActionCable's pings,
// and one event fanned out to all of them.
//   bench_sockets DATABASE_URL [sockets=100000] [idle_seconds=10] [rounds=20]
// The process forks before anything else: the parent runs the node (port 0) and measures
// only itself (RSS, CPU), the child holds the client sockets (several 127/8 source
// addresses, each has ~28k ephemeral ports). Every socket belongs to its own agent (a user
// created through the Platform API, member of the one inbox, subscribed to RoomChannel with
// its own pubsub_token), as agents' browsers would. Fan-out, at least 20 rounds: the parent
// posts one message to a conversation of that inbox; the child reports when the last socket
// got its message.created frame (or, after 15 s, how many did).
// Reference, same run and same sockets count: the kernel floor, a loop of send() of a
// 300-byte frame on as many plain TCP connections held by the parent. The file-descriptor
// limit is raised here, for this process only.
#include "bench/api_setup.hpp"
#include "bench/cable_client.hpp"
#include "bench/report.hpp"
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

using namespace messenger;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr size_t reference_frame = 300;

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now().time_since_epoch())
    .count();
}

/// A field of /proc/self/status in kB (VmRSS, …).
long status_kb(const std::string& field) {
  std::ifstream in{"/proc/self/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0)
      return std::stol(line.substr(field.size() + 1));
  return 0;
}

/// TCP socket memory of the whole machine in pages (/proc/net/sockstat "TCP: … mem N").
long tcp_pages() {
  std::ifstream in{"/proc/net/sockstat"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("TCP:", 0) == 0) {
      auto at = line.find(" mem ");
      return at == std::string::npos ? 0 : std::stol(line.substr(at + 5));
    }
  return 0;
}

double cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
         + static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void write_line(int fd, const std::string& line) {
  auto text = line + "\n";
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    std::exit(1);
}

std::string read_line(int fd) {
  std::string line;
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n')
    line.push_back(c);
  return line;
}

// ---- the child: client sockets ---------------------------------------------------------

struct client_conn {
  int fd = -1;
  uint8_t state = 0; // 0 connecting, 1 upgrading, 2 subscribing, 3 idle, 4 closed
  bool raw = false;
  size_t user = 0;     ///< ws: the index of its user
  int64_t seen = 0;    ///< the last round (ws) or the bytes (raw) received
  int64_t seen_at = 0; ///< when `seen` last grew
  std::string in;
};

/// Holds the sockets and answers the parent's commands on `commands` (one per line):
/// `open N` → `opened <ws subscribed> <failed> <seconds>`; `raw N PORT` → `raw <connected>`;
/// `expect ws|raw K` → `done <microseconds from the go timestamp to the last arrival>` once
/// every socket of that kind has received round K, after the parent sent `go <timestamp>`.
int run_clients(int commands, int answers) {
  auto setup = json::parse(read_line(commands));
  auto port = setup["port"].get<uint16_t>();
  auto account = setup["account"].get<int64_t>();
  // One agent per socket: socket i subscribes as users[i].
  std::vector<std::pair<int64_t, std::string>> users;
  for (auto& u : setup["users"])
    users.emplace_back(u[0].get<int64_t>(), u[1].get<std::string>());
  auto subscribe_of = [&](size_t i) {
    const auto& u = users[i % users.size()];
    return bench::client_frame(bench::subscribe_command(u.second, account, u.first));
  };
  auto marker_prefix = std::string{"fanout "};
  std::vector<client_conn> conns;
  int ep = ::epoll_create1(0);
  epoll_event pipe_ev{};
  pipe_ev.events = EPOLLIN;
  pipe_ev.data.u32 = UINT32_MAX;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, commands, &pipe_ev);

  size_t ws_total = 0, raw_total = 0, subscribed = 0, failed = 0, closed = 0;
  int64_t expect_round = -1;
  bool expect_raw = false;
  size_t reached = 0;
  int64_t go_at = 0, last_at = 0;
  size_t to_open = 0, pending = 0, next_source = 0;
  int64_t open_started = 0;
  std::vector<epoll_event> events(4096);
  char buf[65536];

  auto add = [&](int fd, bool raw) {
    client_conn c;
    c.fd = fd;
    c.raw = raw;
    c.user = ws_total;
    c.state = raw ? 3 : 0;
    conns.push_back(std::move(c));
    epoll_event ev{};
    ev.events = raw ? EPOLLIN : (EPOLLIN | EPOLLOUT);
    ev.data.u32 = static_cast<uint32_t>(conns.size() - 1);
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  };
  // 20,000 connections per source address 127.1.x.y.
  auto source_of
    = [](size_t i) { return (127u << 24) + (1u << 16) + 1u + static_cast<uint32_t>(i / 20000); };
  auto open_more = [&] {
    while (to_open > 0 && pending < 512) {
      int fd = bench::open_socket(port, source_of(next_source++));
      if (fd < 0) {
        ++failed;
        to_open = 0;
        break;
      }
      add(fd, false);
      --to_open;
      ++pending;
      ++ws_total;
    }
  };
  auto check_done = [&] {
    if (expect_round < 0 || go_at == 0)
      return;
    size_t total = expect_raw ? raw_total : subscribed;
    bool late = now_us() - go_at > 15000000; // some socket never got it
    if (reached >= total || late) {
      write_line(answers, "done " + std::to_string(last_at - go_at) + " " + std::to_string(reached)
                            + " " + std::to_string(total));
      expect_round = -1;
      go_at = 0;
    }
  };
  auto report_opened = [&] {
    if (pending == 0 && to_open == 0 && open_started != 0) {
      write_line(answers, "opened " + std::to_string(subscribed) + " " + std::to_string(failed)
                            + " "
                            + std::to_string(static_cast<double>(now_us() - open_started) / 1e6));
      open_started = 0;
    }
  };

  for (;;) {
    int ready = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    for (int e = 0; e < ready; ++e) {
      auto index = events[static_cast<size_t>(e)].data.u32;
      if (index == UINT32_MAX) {
        std::istringstream cmd{read_line(commands)};
        std::string verb;
        cmd >> verb;
        if (verb == "open") {
          cmd >> to_open;
          open_started = now_us();
          open_more();
        } else if (verb == "raw") {
          size_t n = 0;
          uint16_t raw_port = 0;
          cmd >> n >> raw_port;
          for (size_t i = 0; i < n; ++i) {
            int fd = bench::open_socket(raw_port, source_of(next_source++));
            if (fd < 0)
              break;
            add(fd, true);
            ++raw_total;
          }
          write_line(answers, "raw " + std::to_string(raw_total));
        } else if (verb == "expect") {
          std::string kind;
          cmd >> kind >> expect_round;
          expect_raw = kind == "raw";
          // What arrived before this command was read (the kernel may hand over the
          // sockets' bytes before the pipe's line) counts too.
          reached = 0;
          last_at = 0;
          auto goal
            = expect_raw ? expect_round * static_cast<int64_t>(reference_frame) : expect_round;
          for (auto& c : conns)
            if (c.raw == expect_raw && c.state != 4 && c.seen >= goal) {
              ++reached;
              last_at = std::max(last_at, c.seen_at);
            }
        } else if (verb == "go") {
          cmd >> go_at;
          check_done();
        } else if (verb == "closews") {
          for (auto& c : conns)
            if (!c.raw && c.state != 4) {
              ::close(c.fd);
              c.state = 4;
            }
          write_line(answers, "closed");
        } else if (verb == "quit") {
          for (auto& c : conns)
            if (c.state != 4)
              ::close(c.fd);
          return 0;
        }
        continue;
      }
      auto& c = conns[index];
      auto flags = events[static_cast<size_t>(e)].events;
      if (c.state == 0 && (flags & EPOLLOUT)) {
        auto req = bench::upgrade_request();
        if (::send(c.fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
          c.state = 4;
        else
          c.state = 1;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u32 = index;
        ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
      }
      if (!(flags & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        continue;
      for (;;) {
        auto k = ::recv(c.fd, buf, sizeof(buf), 0);
        if (k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
          if (c.state != 4) {
            if (c.state < 3) {
              --pending;
              ++failed;
            }
            ++closed;
            c.state = 4;
            ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
          }
          break;
        }
        if (k < 0)
          break;
        if (c.raw) {
          c.seen += k;
          c.seen_at = now_us();
          if (expect_raw && expect_round > 0
              && c.seen >= expect_round * static_cast<int64_t>(reference_frame)
              && c.seen - k < expect_round * static_cast<int64_t>(reference_frame)) {
            ++reached;
            last_at = now_us();
          }
          continue;
        }
        c.in.append(buf, static_cast<size_t>(k));
      }
      if (c.raw || c.state == 4)
        continue;
      if (c.state == 1) {
        auto end = c.in.find("\r\n\r\n");
        if (end == std::string::npos)
          continue;
        if (c.in.compare(9, 3, "101") != 0) {
          c.state = 4;
          --pending;
          ++failed;
          continue;
        }
        c.in.erase(0, end + 4);
        auto subscribe = subscribe_of(c.user);
        ::send(c.fd, subscribe.data(), subscribe.size(), MSG_NOSIGNAL);
        c.state = 2;
      }
      bench::server_frame f;
      while (bench::next_frame(c.in, f)) {
        if (f.opcode == 9) { // a WebSocket ping: answer with its payload
          auto pong = bench::client_frame(f.payload, 0xA);
          ::send(c.fd, pong.data(), pong.size(), MSG_NOSIGNAL);
          continue;
        }
        if (f.opcode != 1)
          continue;
        if (c.state == 2 && f.payload.find("confirm_subscription") != std::string::npos) {
          c.state = 3;
          --pending;
          ++subscribed;
          continue;
        }
        if (f.payload.find("\"message.created\"") != std::string::npos) {
          auto at = f.payload.find(marker_prefix);
          if (at == std::string::npos)
            continue;
          auto round = std::atoll(f.payload.c_str() + at + marker_prefix.size());
          if (round <= c.seen)
            continue;
          c.seen = round;
          c.seen_at = now_us();
          if (!expect_raw && round == expect_round) {
            ++reached;
            last_at = c.seen_at;
          }
        }
      }
    }
    open_more();
    report_opened();
    check_done();
  }
}

// ---- the parent: the node and the measurements ------------------------------------------

/// Raises RLIMIT_NOFILE to `wanted` (the hard limit too, which needs CAP_SYS_RESOURCE); the
/// soft limit in effect afterwards.
rlim_t raise_fd_limit(rlim_t wanted) {
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur >= wanted)
    return lim.rlim_cur;
  rlimit more = lim;
  more.rlim_cur = wanted;
  more.rlim_max = std::max(lim.rlim_max, wanted);
  if (::setrlimit(RLIMIT_NOFILE, &more) == 0)
    return wanted;
  lim.rlim_cur = lim.rlim_max; // without the capability: as far as the hard limit allows
  ::setrlimit(RLIMIT_NOFILE, &lim);
  ::getrlimit(RLIMIT_NOFILE, &lim);
  return lim.rlim_cur;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_sockets DATABASE_URL [sockets] [idle_seconds] [rounds]\n";
    return 2;
  }
  std::string url = argv[1];
  size_t sockets = argc > 2 ? std::stoul(argv[2]) : 100000;
  int idle_seconds = argc > 3 ? std::stoi(argv[3]) : 10;
  int rounds = argc > 4 ? std::stoi(argv[4]) : 20;
  if (rounds < 20)
    std::printf("note: %d fan-out rounds (PERF.md's B8 is reported over at least 20)\n", rounds);
  auto limit = raise_fd_limit(static_cast<rlim_t>(sockets + 10000));
  if (limit < sockets + 1000) {
    // The node's process holds one descriptor per socket (plus database connections, logs).
    std::printf("RLIMIT_NOFILE is %lu and cannot be raised here (no CAP_SYS_RESOURCE): "
                "measuring %lu sockets instead of %zu\n",
                static_cast<unsigned long>(limit), static_cast<unsigned long>(limit - 1000),
                sockets);
    sockets = static_cast<size_t>(limit - 1000);
  }

  std::fflush(stdout); // nothing buffered may be printed twice
  int down[2], up[2];
  if (::pipe(down) != 0 || ::pipe(up) != 0)
    return 1;
  pid_t child = ::fork();
  if (child == 0) {
    ::close(down[1]);
    ::close(up[0]);
    return run_clients(down[0], up[1]);
  }
  ::close(down[0]);
  ::close(up[1]);
  int to_child = down[1], from_child = up[0];

  uint16_t port = 0;
  auto node = bench::start_node(url, "bench-sockets", port);
  bench::keepalive_client boot{port};
  auto acc = bench::create_account(boot, "sockets");
  auto& token = acc.token;
  auto account = acc.id;
  auto& base = acc.base;
  auto inbox = bench::api_call(boot, "POST", base + "/inboxes",
                               {{"name", "API"}, {"enable_auto_assignment", false}}, token)["id"];
  auto contact = bench::api_call(boot, "POST", base + "/contacts",
                                 {{"name", "Contact"}, {"inbox_id", inbox}}, token);
  auto conversation = bench::api_call(
    boot, "POST", base + "/conversations",
    {{"source_id", contact["payload"]["contact_inbox"]["source_id"]}}, token)["id"];
  auto messages
    = base + "/conversations/" + std::to_string(conversation.get<int64_t>()) + "/messages";

  // One agent per socket, each a member of the inbox (so each gets the inbox's events).
  auto boot_start = clock_type::now();
  std::vector<std::pair<int64_t, std::string>> agents(sockets);
  {
    auto account_users = "/platform/api/v1/accounts/" + std::to_string(account) + "/account_users";
    std::atomic<size_t> next{0};
    std::vector<std::thread> booters;
    for (int t = 0; t < 8; ++t)
      booters.emplace_back([&] {
        bench::keepalive_client c{port};
        for (size_t i = next++; i < sockets; i = next++) {
          auto agent = bench::api_call(c, "POST", "/platform/api/v1/users",
                                       {{"name", "Agent " + std::to_string(i)},
                                        {"email", "agent" + std::to_string(i) + "@sockets.test"}},
                                       bench::platform_token);
          bench::api_call(c, "POST", account_users, {{"user_id", agent["id"]}, {"role", "agent"}},
                          bench::platform_token);
          agents[i] = {agent["id"].get<int64_t>(), agent["pubsub_token"].get<std::string>()};
        }
      });
    for (auto& t : booters)
      t.join();
    for (size_t from = 0; from < sockets; from += 2000) {
      json ids = json::array();
      for (size_t i = from; i < std::min(sockets, from + 2000); ++i)
        ids.push_back(agents[i].first);
      bench::api_call(boot, "POST", base + "/inbox_members",
                      {{"inbox_id", inbox}, {"user_ids", ids}}, token);
    }
  }
  std::printf("bootstrap: %zu agents (one per socket, own pubsub_token), members of the inbox, "
              "in %.1f s\n",
              sockets, std::chrono::duration<double>(clock_type::now() - boot_start).count());
  json users = json::array();
  for (auto& [id, pubsub] : agents)
    users.push_back({id, pubsub});

  long rss_before = status_kb("VmRSS");
  long tcp_before = tcp_pages();
  write_line(to_child, json{{"port", port}, {"account", account}, {"users", users}}.dump());
  write_line(to_child, "open " + std::to_string(sockets));
  std::istringstream opened{read_line(from_child)};
  std::string word;
  size_t subscribed = 0, failed = 0;
  double open_seconds = 0;
  opened >> word >> subscribed >> failed >> open_seconds;
  // Let the subscribe work (presence answers, first pings) settle before measuring.
  std::this_thread::sleep_for(std::chrono::seconds{4});
  long rss_after = status_kb("VmRSS");
  long tcp_after = tcp_pages();
  double cpu_start = cpu_seconds();
  auto idle_start = clock_type::now();
  std::this_thread::sleep_for(std::chrono::seconds{idle_seconds});
  double idle_cpu = (cpu_seconds() - cpu_start)
                    / std::chrono::duration<double>(clock_type::now() - idle_start).count();

  std::printf("B8 sockets: asked %zu, subscribed %zu, failed %zu, in %.1f s\n", sockets, subscribed,
              failed, open_seconds);
  double per_conn = subscribed == 0 ? 0
                                    : static_cast<double>(rss_after - rss_before) * 1024.0
                                        / static_cast<double>(subscribed);
  std::printf("  server RSS %ld -> %ld kB: %.0f bytes per connection (target <= 10240)\n",
              rss_before, rss_after, per_conn);
  std::printf("  kernel TCP buffers (both ends, whole machine): %.0f bytes per connection\n",
              subscribed == 0 ? 0.0
                              : static_cast<double>(tcp_after - tcp_before) * 4096.0
                                  / static_cast<double>(subscribed));
  std::printf("  idle CPU of the node (pings every 3 s): %.1f%% of one core\n", idle_cpu * 100);

  // Fan-out rounds through the node.
  bench::keepalive_client poster{port};
  std::vector<double> fanouts;
  size_t fanout_missed = 0;
  for (int r = 1; r <= rounds; ++r) {
    write_line(to_child, "expect ws " + std::to_string(r));
    auto go = now_us();
    write_line(to_child, "go " + std::to_string(go));
    bench::api_call(poster, "POST", messages,
                    {{"content", "fanout " + std::to_string(r)}, {"message_type", "outgoing"}},
                    token);
    std::istringstream done{read_line(from_child)};
    int64_t us = 0;
    size_t reached = 0, total = 0;
    done >> word >> us >> reached >> total;
    fanouts.push_back(static_cast<double>(us) / 1000.0);
    fanout_missed += total - reached;
    if (reached < total)
      std::printf("  fan-out %d: only %zu of %zu sockets got the frame within 15 s\n", r, reached,
                  total);
  }

  // The reference: as many plain TCP connections, one send() loop (after the WebSockets are
  // closed: each process may hold only so many descriptors).
  write_line(to_child, "closews");
  read_line(from_child);
  std::this_thread::sleep_for(std::chrono::seconds{2});
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::listen(listener, 4096);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::vector<int> raw;
  std::atomic<size_t> target{subscribed};
  std::thread acceptor{[&] {
    while (raw.size() < target) {
      int fd = ::accept(listener, nullptr, nullptr);
      if (fd < 0)
        break;
      raw.push_back(fd);
    }
  }};
  write_line(to_child,
             "raw " + std::to_string(subscribed) + " " + std::to_string(ntohs(addr.sin_port)));
  std::istringstream raw_line{read_line(from_child)};
  size_t raw_connected = 0;
  raw_line >> word >> raw_connected;
  target = raw_connected;
  if (raw_connected < subscribed) // wake the acceptor if it waits for connections never made
    ::close(bench::open_socket(ntohs(addr.sin_port)));
  acceptor.join();
  std::string frame(reference_frame, 'x');
  std::vector<double> references;
  for (int r = 1; r <= rounds; ++r) {
    write_line(to_child, "expect raw " + std::to_string(r));
    auto go = now_us();
    write_line(to_child, "go " + std::to_string(go));
    for (int fd : raw)
      ::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL);
    std::istringstream done{read_line(from_child)};
    int64_t us = 0;
    size_t reached = 0, total = 0;
    done >> word >> us >> reached >> total;
    references.push_back(static_cast<double>(us) / 1000.0);
    if (reached < total)
      std::printf("  reference %d: only %zu of %zu plain sockets got the bytes within 15 s\n", r,
                  reached, total);
  }
  auto rounds_text = [](const std::vector<double>& v) {
    std::string out;
    char buf[32];
    for (auto ms : v) {
      std::snprintf(buf, sizeof(buf), " %.1f", ms);
      out += buf;
    }
    return out;
  };
  std::printf("  fan-out, POST -> last of %zu sockets, by round (ms):%s\n", subscribed,
              rounds_text(fanouts).c_str());
  std::printf("  reference, send() loop -> last of %zu plain sockets, by round (ms):%s\n",
              raw.size(), rounds_text(references).c_str());
  auto stats = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    auto at = [&](double p) {
      return v.empty() ? 0.0 : v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
    };
    return json{{"rounds", v.size()}, {"min_ms", at(0)}, {"p50_ms", at(0.5)},
                {"p90_ms", at(0.9)},  {"max_ms", at(1)}, {"all_ms", v}};
  };
  auto fan = stats(fanouts);
  auto kernel = stats(references);
  double ratio = kernel["p50_ms"].get<double>() > 0
                   ? fan["p50_ms"].get<double>() / kernel["p50_ms"].get<double>()
                   : 0.0;
  std::printf("  fan-out over %d rounds: min %.1f, median %.1f, p90 %.1f, max %.1f ms (target <= "
              "1000); frames missing %zu\n",
              rounds, fan["min_ms"].get<double>(), fan["p50_ms"].get<double>(),
              fan["p90_ms"].get<double>(), fan["max_ms"].get<double>(), fanout_missed);
  std::printf("  reference send() loop: min %.1f, median %.1f, p90 %.1f, max %.1f ms; ratio of "
              "medians %.1fx the kernel floor\n",
              kernel["min_ms"].get<double>(), kernel["p50_ms"].get<double>(),
              kernel["p90_ms"].get<double>(), kernel["max_ms"].get<double>(), ratio);
  bench::result_line({{"bench", "B8"},
                      {"case", "idle sockets"},
                      {"asked", sockets},
                      {"subscribed", subscribed},
                      {"failed", failed},
                      {"users", sockets},
                      {"open_seconds", open_seconds},
                      {"rss_bytes_per_connection", per_conn},
                      {"idle_cpu_percent_of_one_core", idle_cpu * 100}});
  bench::result_line({{"bench", "B8"},
                      {"case", "fan-out"},
                      {"sockets", subscribed},
                      {"fanout", fan},
                      {"frames_missing", fanout_missed},
                      {"reference_send_loop", kernel},
                      {"ratio_median", ratio}});
  write_line(to_child, "quit");
  for (int fd : raw)
    ::close(fd);
  ::close(listener);
  int status = 0;
  ::waitpid(child, &status, 0);
  node->shutdown();
  if (fanout_missed > 0 || subscribed < sockets) {
    std::fprintf(stderr, "FAILED: %zu sockets not subscribed, %zu fan-out frames missing\n",
                 sockets - subscribed, fanout_missed);
    return 1;
  }
  return 0;
}
