#pragma once

// The pieces of a /cable (ActionCable over RFC 6455) client the realtime benchmarks drive
// over nonblocking sockets with epoll: the upgrade request, masked client frames, the
// subscribe command, and parsing the server's (unmasked) frames.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace messenger::bench {

/// A nonblocking TCP connection to 127.0.0.1:port from `source` (host order, any 127/8
/// address: each source address has its own ~28k ephemeral ports). -1 on failure.
inline int open_socket(uint16_t port, uint32_t source = INADDR_LOOPBACK) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in from{};
  from.sin_family = AF_INET;
  from.sin_addr.s_addr = htonl(source);
  if (source != INADDR_LOOPBACK
      && ::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0) {
    ::close(fd);
    return -1;
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)); // EINPROGRESS
  return fd;
}

/// The HTTP upgrade of /cable with ActionCable's subprotocol.
inline std::string upgrade_request() {
  return "GET /cable HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: "
         "Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: "
         "13\r\nSec-WebSocket-Protocol: actioncable-v1-json\r\n\r\n";
}

/// A client frame: FIN, `opcode`, masked (RFC 6455 §5.3; the mask is fixed, which is allowed
/// for a benchmark: it only has to be present).
inline std::string client_frame(const std::string& payload, uint8_t opcode = 1) {
  std::string out;
  out.push_back(static_cast<char>(0x80 | opcode));
  auto n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>((n >> 8) & 0xff));
    out.push_back(static_cast<char>(n & 0xff));
  }
  const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
  for (auto m : mask)
    out.push_back(static_cast<char>(m));
  for (size_t i = 0; i < n; ++i)
    out.push_back(static_cast<char>(static_cast<unsigned char>(payload[i]) ^ mask[i % 4]));
  return out;
}

/// `{"command":"subscribe","identifier":"{\"channel\":\"RoomChannel\",…}"}` for an agent.
inline std::string subscribe_command(const std::string& pubsub_token, int64_t account,
                                     int64_t user) {
  std::string identifier = R"({\"channel\":\"RoomChannel\",\"pubsub_token\":\")";
  identifier += pubsub_token;
  identifier += R"(\",\"account_id\":)";
  identifier += std::to_string(account);
  identifier += R"(,\"user_id\":)";
  identifier += std::to_string(user);
  identifier += "}";
  std::string out = R"({"command":"subscribe","identifier":")";
  out += identifier;
  out += "\"}";
  return out;
}

struct server_frame {
  uint8_t opcode = 0;
  std::string payload;
};

/// Takes one complete server frame (unmasked) from the front of `in`; false when `in` holds
/// less than a frame.
inline bool next_frame(std::string& in, server_frame& out) {
  if (in.size() < 2)
    return false;
  auto b0 = static_cast<unsigned char>(in[0]);
  auto b1 = static_cast<unsigned char>(in[1]);
  size_t header = 2;
  uint64_t n = b1 & 0x7f;
  if (n == 126) {
    if (in.size() < 4)
      return false;
    n = (uint64_t{static_cast<unsigned char>(in[2])} << 8) | static_cast<unsigned char>(in[3]);
    header = 4;
  } else if (n == 127) {
    if (in.size() < 10)
      return false;
    n = 0;
    for (int i = 2; i < 10; ++i)
      n = (n << 8) | static_cast<unsigned char>(in[static_cast<size_t>(i)]);
    header = 10;
  }
  if (in.size() < header + n)
    return false;
  out.opcode = b0 & 0x0f;
  out.payload.assign(in, header, n);
  in.erase(0, header + n);
  return true;
}

} // namespace messenger::bench
