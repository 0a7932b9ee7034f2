#pragma once

// A keep-alive HTTP/1.1 client over one POSIX socket for the benchmarks (blocking; one
// per load thread), and latency statistics.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
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

/// Drives `connections` keep-alive connections from one thread with epoll, like wrk: each
/// connection has one request in flight; `next(connection, n)` builds the n-th request of a
/// connection (the whole HTTP message), `done(status, latency_us)` sees every response.
/// Runs until `deadline`.
inline void run_epoll_load(uint16_t port, int connections,
                           std::chrono::steady_clock::time_point deadline,
                           const std::function<std::string(int, int)>& next,
                           const std::function<void(int, int64_t)>& done) {
  struct conn {
    int fd = -1;
    int n = 0;
    std::string in;
    std::string out;
    size_t sent = 0;
    std::chrono::steady_clock::time_point start;
  };
  int ep = ::epoll_create1(0);
  std::vector<conn> conns(static_cast<size_t>(connections));
  auto issue = [&](int i) {
    auto& c = conns[static_cast<size_t>(i)];
    c.out = next(i, c.n++);
    c.sent = 0;
    c.start = std::chrono::steady_clock::now();
    while (c.sent < c.out.size()) {
      auto k = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
      if (k <= 0)
        break; // the kernel buffer takes a small request whole; EAGAIN is not expected
      c.sent += static_cast<size_t>(k);
    }
  };
  for (int i = 0; i < connections; ++i) {
    auto& c = conns[static_cast<size_t>(i)];
    c.fd = connect_nonblocking(port);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(i);
    ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
    issue(i);
  }
  std::vector<epoll_event> events(static_cast<size_t>(connections));
  char buf[65536];
  while (std::chrono::steady_clock::now() < deadline) {
    int ready = ::epoll_wait(ep, events.data(), connections, 50);
    for (int e = 0; e < ready; ++e) {
      auto i = static_cast<int>(events[static_cast<size_t>(e)].data.u32);
      auto& c = conns[static_cast<size_t>(i)];
      for (;;) {
        auto k = ::recv(c.fd, buf, sizeof(buf), 0);
        if (k <= 0)
          break;
        c.in.append(buf, static_cast<size_t>(k));
      }
      while (int status = take_response(c.in)) {
        done(status, std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::steady_clock::now() - c.start)
                       .count());
        issue(i);
      }
    }
  }
  for (auto& c : conns)
    ::close(c.fd);
  ::close(ep);
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
