#pragma once

// The long-lived connections an HTTP session turns into: a /cable WebSocket and an SSE
// stream. Private to net/ (Beast is included only here, in http_server.cpp and in
// stream_sessions.cpp).

#include "net/http_server.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <cstddef>

namespace messenger::net {

/// Takes over `stream` as an ActionCable WebSocket: accepts the upgrade `req` (negotiating
/// the actioncable-v1-json subprotocol) and hands frames to `opts.cable`. `open` counts it.
void start_cable_session(boost::beast::tcp_stream&& stream, const server_options& opts,
                         std::atomic<size_t>& open,
                         boost::beast::http::request<boost::beast::http::string_body> req);

/// Takes over `stream` as a Server-Sent Events stream for `req` (handed to `opts.sse`,
/// which rejects it or starts the stream). `open` counts it.
void start_sse_session(boost::beast::tcp_stream&& stream, const server_options& opts,
                       std::atomic<size_t>& open, http_request req);

} // namespace messenger::net
