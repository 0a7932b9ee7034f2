#pragma once

// Load generators for the benchmarks: a blocking keep-alive HTTP/1.1 client (one per
// thread), a closed-loop epoll driver (like wrk), an open-loop one without coordinated
// omission (like wrk2), and latency statistics.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace messenger::bench {

class keepalive_client {
public:
  explicit keepalive_client(uint16_t port) : port_(port) { connect(); }
  ~keepalive_client() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  keepalive_client(const keepalive_client&) = delete;
  keepalive_client& operator=(const keepalive_client&) = delete;

  /// Sends one request and reads its response; the status code (0 on a broken connection,
  /// after which the client reconnects).
  int call(const std::string& method, const std::string& target, const std::string& body,
           const std::string& token, std::string* response_body = nullptr) {
    // A connection idle for longer than the server's keep-alive timeout (75 s by default)
    // may have been closed by the server: open a fresh one instead of failing the request.
    auto now = std::chrono::steady_clock::now();
    if (now - last_used_ > std::chrono::seconds{30})
      reconnect();
    last_used_ = now;
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    req += "Content-Type: application/json\r\napi_access_token: " + token + "\r\n";
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    if (!send_all(req)) {
      reconnect();
      return 0;
    }
    // Read the head, then Content-Length bytes of body.
    for (;;) {
      auto end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        auto head = buffer_.substr(0, end);
        size_t length = 0;
        auto lower = head;
        for (auto& c : lower)
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto cl = lower.find("content-length:");
        if (cl != std::string::npos)
          length = std::stoul(lower.substr(cl + 15));
        while (buffer_.size() < end + 4 + length)
          if (!receive()) {
            reconnect();
            return 0;
          }
        int status = std::stoi(head.substr(9, 3));
        if (response_body)
          *response_body = buffer_.substr(end + 4, length);
        buffer_.erase(0, end + 4 + length);
        return status;
      }
      if (!receive()) {
        reconnect();
        return 0;
      }
    }
  }

private:
  void connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  }
  void reconnect() {
    ::close(fd_);
    buffer_.clear();
    connect();
  }
  bool send_all(const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
      auto n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0)
        return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }
  bool receive() {
    char buf[16384];
    auto n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0)
      return false;
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }

  uint16_t port_;
  int fd_ = -1;
  std::string buffer_;
  std::chrono::steady_clock::time_point last_used_ = std::chrono::steady_clock::now();
};

/// A connected TCP socket to 127.0.0.1:port (TCP_NODELAY), then made nonblocking.
inline int connect_nonblocking(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

/// Takes one complete HTTP response (head and Content-Length body) from the front of `in`;
/// its status, or 0 when `in` holds less than a response.
inline int take_response(std::string& in) {
  auto end = in.find("\r\n\r\n");
  if (end == std::string::npos)
    return 0;
  size_t length = 0;
  auto head = in.substr(0, end);
  for (auto& ch : head)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  auto cl = head.find("content-length:");
  if (cl != std::string::npos)
    length = std::stoul(head.substr(cl + 15));
  if (in.size() < end + 4 + length)
    return 0;
  int status = std::stoi(in.substr(9, 3));
  in.erase(0, end + 4 + length);
  return status;
}

/// Appends everything `fd` (non-blocking) has to read to `in`; true when the peer closed the
/// connection or it failed.
inline bool read_available(int fd, std::string& in, char* buf, size_t size) {
  for (;;) {
    auto k = ::recv(fd, buf, size, 0);
    if (k > 0) {
      in.append(buf, static_cast<size_t>(k));
      continue;
    }
    return k == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
  }
}

/// Drives `connections` keep-alive connections from one thread with epoll, like wrk: each
/// connection has one request in flight; `next(connection, n)` builds the n-th request of a
/// connection (the whole HTTP message), `done(connection, n, status, latency_us)` sees every
/// response. A connection the server closes (or that fails) is an error: status 0 for the
/// request it had in flight, then the connection is opened again and goes on. Runs until
/// `deadline`; the requests still in flight then are neither answered nor counted (their
/// number is returned).
inline size_t run_epoll_load(uint16_t port, int connections,
                             std::chrono::steady_clock::time_point deadline,
                             const std::function<std::string(int, int)>& next,
                             const std::function<void(int, int, int, int64_t)>& done) {
  struct conn {
    int fd = -1;
    int n = 0;
    bool busy = false;
    std::string in;
    std::string out;
    std::chrono::steady_clock::time_point start;
  };
  int ep = ::epoll_create1(0);
  std::vector<conn> conns(static_cast<size_t>(connections));
  auto elapsed_us = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now()
                                                                 - t)
      .count();
  };
  auto open = [&](int i) {
    auto& c = conns[static_cast<size_t>(i)];
    c.fd = connect_nonblocking(port);
    c.in.clear();
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(i);
    ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  };
  // The connection failed: its request (if any) is an error, and it is opened again.
  auto fail = [&](int i) {
    auto& c = conns[static_cast<size_t>(i)];
    ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    if (c.busy)
      done(i, c.n - 1, 0, elapsed_us(c.start));
    c.busy = false;
    open(i);
  };
  // Sends the next request; false when the connection failed doing so.
  auto issue = [&](int i) {
    auto& c = conns[static_cast<size_t>(i)];
    c.out = next(i, c.n++);
    c.start = std::chrono::steady_clock::now();
    c.busy = true;
    size_t sent = 0;
    while (sent < c.out.size()) {
      auto k = ::send(c.fd, c.out.data() + sent, c.out.size() - sent, MSG_NOSIGNAL);
      if (k <= 0)
        return false; // the kernel buffer takes a small request whole: EAGAIN means trouble
      sent += static_cast<size_t>(k);
    }
    return true;
  };
  // A connection that cannot send even after reopening twice is given up (the server is
  // gone): every attempt was counted as an error.
  auto issue_or_fail = [&](int i) {
    for (int attempt = 0; !issue(i); ++attempt) {
      fail(i);
      if (attempt == 2) {
        ::epoll_ctl(ep, EPOLL_CTL_DEL, conns[static_cast<size_t>(i)].fd, nullptr);
        conns[static_cast<size_t>(i)].busy = false;
        return;
      }
    }
  };
  for (int i = 0; i < connections; ++i) {
    open(i);
    issue_or_fail(i);
  }
  std::vector<epoll_event> events(static_cast<size_t>(connections));
  char buf[65536];
  while (std::chrono::steady_clock::now() < deadline) {
    int ready = ::epoll_wait(ep, events.data(), connections, 50);
    for (int e = 0; e < ready; ++e) {
      auto i = static_cast<int>(events[static_cast<size_t>(e)].data.u32);
      auto& c = conns[static_cast<size_t>(i)];
      bool closed = read_available(c.fd, c.in, buf, sizeof(buf));
      bool answered = false;
      while (int status = take_response(c.in)) {
        done(i, c.n - 1, status, elapsed_us(c.start));
        c.busy = false;
        answered = true;
      }
      if (closed) {
        fail(i);
        issue_or_fail(i);
      } else if (answered) {
        issue_or_fail(i);
      }
    }
  }
  size_t in_flight = 0;
  for (auto& c : conns) {
    in_flight += c.busy ? 1 : 0;
    ::close(c.fd);
  }
  ::close(ep);
  return in_flight;
}

/// Microseconds on the steady clock (the open-loop schedule and the /cable readers share it).
inline int64_t steady_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

/// What an open-loop run did. A post is *scheduled* at start + n/rate; it is *sent* on a
/// free connection (a new one is opened when none is free, up to the cap); a post that is due
/// before the window closes but could not be sent by then is *not sent*.
struct open_loop_result {
  double rate = 0;        ///< offered (the schedule)
  double seconds = 0;     ///< the window
  size_t scheduled = 0;   ///< posts due within the window
  size_t sent = 0;        ///< of those, sent
  size_t not_sent = 0;    ///< due, never sent: the offered rate the bench could not send
  size_t ok = 0;          ///< answered 200
  size_t failed = 0;      ///< answered with another status
  size_t closed = 0;      ///< the server closed the connection (or it failed) before answering
  size_t unanswered = 0;  ///< still in flight when the drain ended
  size_t connections = 0; ///< connections opened (the most in use at once)
  size_t sent_late = 0;   ///< sent more than 1 ms after their scheduled time
  int64_t max_send_lag_us = 0;
  std::vector<int64_t> latency_us; ///< 200s: from the scheduled time to the response
};

/// Posts open loop, without coordinated omission (like wrk2): post `n` (0, 1, …) is due at
/// start + n/rate, whatever happened to the posts before it, and its latency is measured
/// from that due time. There are as many connections as posts in flight (up to
/// `max_connections`; beyond that a due post waits, and the wait is in its latency). The
/// window ends after `seconds` or when `stop` turns true; the answers of the posts in
/// flight then are awaited for up to `drain_seconds`. `request(n)` builds post n (the whole
/// HTTP message); `answer(n, status, due_us, now_us)` sees every answer (status 0: the
/// connection closed first), with times on steady_us()'s clock; `on_send(n, due_us)` runs
/// just before post n is sent.
inline open_loop_result
run_open_loop(uint16_t port, double rate, double seconds, size_t max_connections,
              const std::function<std::string(size_t)>& request,
              const std::function<void(size_t, int, int64_t, int64_t)>& answer = {},
              const std::function<void(size_t, int64_t)>& on_send = {},
              const std::atomic<bool>* stop = nullptr, double drain_seconds = 10) {
  struct conn {
    int fd = -1;
    int64_t seq = -1; ///< the post in flight (-1: none)
    int64_t due = 0;
    bool listed = false; ///< in the free list
    std::string in;
  };
  open_loop_result out;
  out.rate = rate;
  int ep = ::epoll_create1(0);
  std::vector<conn> conns;
  conns.reserve(max_connections);
  std::vector<size_t> free_list;
  auto open = [&](size_t i) {
    conns[i].fd = connect_nonblocking(port);
    conns[i].in.clear();
    conns[i].seq = -1;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
  };
  auto release = [&](size_t i) {
    if (!conns[i].listed)
      free_list.push_back(i);
    conns[i].listed = true;
  };
  size_t in_flight = 0;
  auto fail = [&](size_t i) {
    auto& c = conns[i];
    ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    if (c.seq >= 0) {
      ++out.closed;
      --in_flight;
      if (answer)
        answer(static_cast<size_t>(c.seq), 0, c.due, steady_us());
    }
    open(i);
  };
  auto start = steady_us();
  auto window_end = start + static_cast<int64_t>(seconds * 1e6);
  auto total = static_cast<size_t>(rate * seconds);
  auto due_of
    = [&](size_t n) { return start + static_cast<int64_t>(static_cast<double>(n) * 1e6 / rate); };
  size_t next = 0;
  std::vector<epoll_event> events(256);
  char buf[65536];
  bool window_open = true;
  int64_t drain_end = 0;
  for (;;) {
    auto now = steady_us();
    if (window_open && (now >= window_end || (stop && *stop))) {
      window_open = false;
      out.seconds = static_cast<double>(now - start) / 1e6;
      // Everything due by now was scheduled; what was not sent, the bench could not send.
      auto due
        = std::min(total, static_cast<size_t>(static_cast<double>(now - start) * rate / 1e6) + 1);
      out.scheduled = std::max(due, next);
      out.not_sent = out.scheduled - next;
      drain_end = now + static_cast<int64_t>(drain_seconds * 1e6);
    }
    if (window_open) {
      while (next < total && due_of(next) <= now) {
        size_t i = 0;
        if (!free_list.empty()) {
          i = free_list.back();
          free_list.pop_back();
          conns[i].listed = false;
        } else if (conns.size() < max_connections) {
          conns.emplace_back();
          i = conns.size() - 1;
          open(i);
          ++out.connections;
        } else {
          break; // every connection is busy: the post waits (and its latency shows it)
        }
        auto& c = conns[i];
        c.seq = static_cast<int64_t>(next);
        c.due = due_of(next);
        auto lag = now - c.due;
        out.max_send_lag_us = std::max(out.max_send_lag_us, lag);
        out.sent_late += lag > 1000 ? 1 : 0;
        if (on_send)
          on_send(next, c.due);
        auto req = request(next);
        ++next;
        ++out.sent;
        ++in_flight;
        if (::send(c.fd, req.data(), req.size(), MSG_NOSIGNAL)
            != static_cast<ssize_t>(req.size())) {
          fail(i);
          release(i);
        }
      }
    } else if (in_flight == 0 || now >= drain_end) {
      break;
    }
    int ready = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 1);
    for (int e = 0; e < ready; ++e) {
      auto i = static_cast<size_t>(events[static_cast<size_t>(e)].data.u64);
      auto& c = conns[i];
      bool closed = read_available(c.fd, c.in, buf, sizeof(buf));
      while (int status = take_response(c.in)) {
        if (c.seq < 0)
          continue; // nothing was asked on this connection
        auto at = steady_us();
        if (status == 200) {
          ++out.ok;
          out.latency_us.push_back(at - c.due);
        } else {
          ++out.failed;
        }
        if (answer)
          answer(static_cast<size_t>(c.seq), status, c.due, at);
        c.seq = -1;
        --in_flight;
        if (!closed)
          release(i);
      }
      if (closed) {
        fail(i);
        release(i);
      }
    }
  }
  out.unanswered = in_flight;
  for (auto& c : conns)
    ::close(c.fd);
  ::close(ep);
  return out;
}

/// Percentile (0..100) of latencies in microseconds.
inline double percentile_ms(std::vector<int64_t> us, double p) {
  if (us.empty())
    return 0;
  std::sort(us.begin(), us.end());
  auto index = static_cast<size_t>(p / 100.0 * static_cast<double>(us.size() - 1));
  return static_cast<double>(us[index]) / 1000.0;
}

} // namespace messenger::bench
