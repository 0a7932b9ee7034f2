#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace messenger::test {

/// A webhook receiver on 127.0.0.1:<port>: records every request and answers each with the
/// next scripted status (200 once the script is used up).
class http_sink {
public:
  struct request {
    std::string target;
    std::map<std::string, std::string> headers; ///< lower-case names
    std::string body;
  };

  explicit http_sink(std::deque<int> statuses = {});
  ~http_sink();

  uint16_t port() const { return port_; }
  std::string url(const std::string& path) const;

  /// Blocks until `n` requests arrived (true) or `timeout` passed (false).
  bool wait_for(size_t n, std::chrono::seconds timeout = std::chrono::seconds{20});

  std::vector<request> received();

private:
  void serve();

  int listener_ = -1;
  uint16_t port_ = 0;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<int> statuses_;
  std::vector<request> requests_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace messenger::test
