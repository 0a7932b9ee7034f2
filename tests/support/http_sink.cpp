#include "tests/support/http_sink.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>

namespace messenger::test {

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
  thread_ = std::thread{[this] { serve(); }};
}

http_sink::~http_sink() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    stopping_ = true;
  }
  ::shutdown(listener_, SHUT_RDWR);
  thread_.join();
  ::close(listener_);
}

std::string http_sink::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

bool http_sink::wait_for(size_t n, std::chrono::seconds timeout) {
  std::unique_lock<std::mutex> lock{mutex_};
  return arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
}

std::vector<http_sink::request> http_sink::received() {
  std::lock_guard<std::mutex> guard{mutex_};
  return requests_;
}

void http_sink::serve() {
  for (;;) {
    pollfd p{listener_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) {
      std::lock_guard<std::mutex> guard{mutex_};
      if (stopping_)
        return;
      continue;
    }
    int fd = ::accept(listener_, nullptr, nullptr);
    if (fd < 0)
      return;
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
    request req;
    if (header_end != std::string::npos) {
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
    }
    int status = 200;
    {
      std::lock_guard<std::mutex> guard{mutex_};
      if (!statuses_.empty()) {
        status = statuses_.front();
        statuses_.pop_front();
      }
    }
    auto reply = "HTTP/1.1 " + std::to_string(status)
                 + " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
    ::close(fd);
    {
      std::lock_guard<std::mutex> guard{mutex_};
      requests_.push_back(std::move(req));
    }
    arrived_.notify_all();
  }
}

} // namespace messenger::test
