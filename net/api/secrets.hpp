#pragma once

#include <string>

/// Digests, signatures and tokens of the edge (OpenSSL behind this wall).
namespace messenger::net::api {

/// Lower-case hex SHA-256 (access tokens are stored as digests, never in clear).
std::string sha256_hex(const std::string& text);

/// Lower-case hex HMAC-SHA256 of `text` under `key` (identity validation, webhook signatures).
std::string hmac_sha256_hex(const std::string& key, const std::string& text);

/// Constant-time comparison of two secrets.
bool secure_equals(const std::string& a, const std::string& b);

/// A 24-character base58 token, like Rails' has_secure_token.
std::string secure_token();

} // namespace messenger::net::api
