#include "tests/support/http_sink.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>

namespace messenger::test {

namespace {

constexpr const char* ok_reply = "HTTP/1.1 200 X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// Reads one HTTP request (headers and a Content-Length body) from `fd`.
http_sink::request read_request(int fd) {
  std::string data;
  char buf[4096];
  size_t header_end = std::string::npos;
  size_t need = 0;
  for (;;) {
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0)
      break;
    data.append(buf, static_cast<size_t>(n));
    if (header_end == std::string::npos) {
      header_end = data.find("\r\n\r\n");
      if (header_end == std::string::npos)
        continue;
      auto lower = data.substr(0, header_end);
      for (auto& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto cl = lower.find("content-length:");
      need = cl == std::string::npos ? 0 : std::stoul(lower.substr(cl + 15));
    }
    if (data.size() >= header_end + 4 + need)
      break;
  }
  http_sink::request req;
  if (header_end == std::string::npos)
    return req;
  auto head = data.substr(0, header_end);
  auto line_end = head.find("\r\n");
  auto first = head.substr(0, line_end);
  auto sp1 = first.find(' ');
  auto sp2 = first.find(' ', sp1 + 1);
  req.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    auto end = head.find("\r\n", pos);
    if (end == std::string::npos)
      end = head.size();
    auto line = head.substr(pos, end - pos);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      auto name = line.substr(0, colon);
      for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto value = line.substr(colon + 1);
      while (!value.empty() && value[0] == ' ')
        value.erase(0, 1);
      req.headers[name] = value;
    }
    pos = end + 2;
  }
  req.body = data.substr(header_end + 4);
  return req;
}

void send_all(int fd, const std::string& text) {
  ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
}

} // namespace

http_sink::http_sink(std::deque<int> statuses) : statuses_(std::move(statuses)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::listen(listener_, 64);
  socklen_t len = sizeof(addr);
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  if (::pipe(wake_pipe_) == 0)
    ::fcntl(wake_pipe_[0], F_SETFL, O_NONBLOCK);
  thread_ = std::thread{[this] { serve(); }};
}

http_sink::~http_sink() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    stopping_ = true;
  }
  wake();
  thread_.join();
  for (auto& held : held_)
    ::close(held.first);
  ::close(listener_);
  ::close(wake_pipe_[0]);
  ::close(wake_pipe_[1]);
}

std::string http_sink::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

bool http_sink::wait_for(size_t n, std::chrono::seconds timeout) {
  std::unique_lock<std::mutex> lock{mutex_};
  return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
}

bool http_sink::wait_until(std::function<bool(const std::vector<request>&)> done,
                           std::chrono::seconds timeout) {
  std::unique_lock<std::mutex> lock{mutex_};
  return changed_.wait_for(lock, timeout, [&] { return done(requests_); });
}

std::vector<http_sink::request> http_sink::received() {
  std::lock_guard<std::mutex> guard{mutex_};
  return requests_;
}

void http_sink::release() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    release_ = true;
  }
  wake();
}

void http_sink::wake() {
  char one = 1;
  [[maybe_unused]] auto n = ::write(wake_pipe_[1], &one, 1);
}

void http_sink::serve() {
  for (;;) {
    std::vector<pollfd> fds{{listener_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    for (const auto& held : held_)
      fds.push_back({held.first, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0)
      continue;
    if (fds[1].revents != 0) {
      char buf[64];
      while (::read(wake_pipe_[0], buf, sizeof(buf)) > 0) {
        // drain
      }
      std::lock_guard<std::mutex> guard{mutex_};
      if (stopping_)
        return;
      if (release_) {
        release_ = false;
        for (const auto& [fd, index] : held_) {
          send_all(fd, ok_reply);
          ::close(fd);
          requests_[index].released = true;
        }
        held_.clear();
        fds.resize(2);
        changed_.notify_all();
      }
    }
    // A held connection that turns readable was closed by the client (it gave up).
    std::vector<std::pair<int, size_t>> still_held;
    for (size_t i = 2; i < fds.size(); ++i) {
      const auto& held = held_[i - 2];
      char buf[256];
      auto n = fds[i].revents == 0 ? 1 : ::recv(held.first, buf, sizeof(buf), MSG_DONTWAIT);
      if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))) {
        still_held.push_back(held);
        continue;
      }
      ::close(held.first);
      std::lock_guard<std::mutex> guard{mutex_};
      requests_[held.second].abandoned = true;
      changed_.notify_all();
    }
    if (fds.size() > 2)
      held_ = std::move(still_held);
    if ((fds[0].revents & POLLIN) != 0)
      accept_one();
  }
}

void http_sink::accept_one() {
  int fd = ::accept(listener_, nullptr, nullptr);
  if (fd < 0)
    return;
  auto req = read_request(fd);
  {
    std::lock_guard<std::mutex> guard{mutex_};
    if (!statuses_.empty()) {
      req.answer = statuses_.front();
      statuses_.pop_front();
    }
  }
  if (req.answer == hold) {
    std::lock_guard<std::mutex> guard{mutex_};
    held_.emplace_back(fd, requests_.size());
    requests_.push_back(std::move(req));
    changed_.notify_all();
    return;
  }
  if (req.answer == reset) {
    linger abort{1, 0}; // close with a RST
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof(abort));
  } else {
    send_all(fd, "HTTP/1.1 " + std::to_string(req.answer)
                   + " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  }
  ::close(fd);
  {
    std::lock_guard<std::mutex> guard{mutex_};
    requests_.push_back(std::move(req));
  }
  changed_.notify_all();
}

} // namespace messenger::test
