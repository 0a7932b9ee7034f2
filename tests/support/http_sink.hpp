#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace messenger::test {

/// A webhook receiver on 127.0.0.1:<port>: records every request and answers each with the
/// next scripted status (200 once the script is used up). Besides HTTP statuses, the script
/// may say `reset` (a network error: the connection is reset without an answer) or `hold`
/// (no answer until release(), the connection stays open).
class http_sink {
public:
  static constexpr int reset = -1;
  static constexpr int hold = -2;

  struct request {
    std::string target;
    std::map<std::string, std::string> headers; ///< lower-case names
    std::string body;
    int answer = 200;       ///< the scripted answer (a status, `reset` or `hold`)
    bool released = false;  ///< held, then answered 200 by release()
    bool abandoned = false; ///< held, and the client closed the connection before release()
  };

  explicit http_sink(std::deque<int> statuses = {});
  ~http_sink();

  uint16_t port() const { return port_; }
  std::string url(const std::string& path) const;

  /// Blocks until `n` requests arrived (true) or `timeout` passed (false).
  bool wait_for(size_t n, std::chrono::seconds timeout = std::chrono::seconds{20});

  /// Blocks until `done(requests so far)` holds (true) or `timeout` passed (false); checked
  /// whenever something changes.
  bool wait_until(std::function<bool(const std::vector<request>&)> done,
                  std::chrono::seconds timeout = std::chrono::seconds{20});

  std::vector<request> received();

  /// Answers every held request with 200 (later `hold`s in the script still hold).
  void release();

private:
  void serve();
  void accept_one();
  void wake();

  int listener_ = -1;
  int wake_pipe_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<int> statuses_;
  std::vector<request> requests_;
  std::vector<std::pair<int, size_t>> held_; ///< (connection, request index); serve() only
  bool release_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace messenger::test
