#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace messenger::test {

struct http_reply {
  int status = 0;
  std::map<std::string, std::string> headers; ///< lower-case names
  std::string body;
};

/// Minimal blocking HTTP/1.1 client over a POSIX socket (Connection: close), for tests
/// that talk to a real listener on 127.0.0.1.
http_reply http_call(uint16_t port, const std::string& method, const std::string& target,
                     const std::string& body = {},
                     const std::map<std::string, std::string>& headers = {});

/// Sends raw bytes and returns everything the server answers until it closes.
std::string raw_call(uint16_t port, const std::string& bytes);

} // namespace messenger::test
