#pragma once

#include "common/expected.hpp"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace messenger::net {

/// One blocking HTTP(S) POST (HTTP/1.1, Connection: close) with an overall timeout; the
/// answer's status code. For the webhook senders, which run on their own threads.
/// Beast and OpenSSL are included only in http_client.cpp.
expected<unsigned> post(const std::string& url, const std::string& body,
                        const std::vector<std::pair<std::string, std::string>>& headers,
                        std::chrono::milliseconds timeout);

} // namespace messenger::net
