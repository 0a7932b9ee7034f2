// messenger-ctl: the ops CLI over a node's ops API (CONTRACT.md "Ops").
//
//   messenger-ctl [--url URL] [--token T] [--json] actors | actor KIND ID | cluster | metrics
//                                                  | drain NODE
//
// URL and token also come from MESSENGER_URL and MESSENGER_PLATFORM_TOKEN. Exit status:
// 0 ok, 1 the node answered an error (e.g. 404), 2 usage, 3 node unreachable, 4 token
// refused (401), 5 not supported by this node.

#include <netdb.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

using json = nlohmann::json;

enum exit_code : int {
  ok = 0,
  failed = 1,
  usage = 2,
  unreachable = 3,
  refused = 4,
  unsupported = 5
};

[[noreturn]] void die(int code, const std::string& message) {
  std::cerr << "messenger-ctl: " << message << "\n";
  std::exit(code);
}

struct endpoint {
  std::string host;
  std::string port;
  std::string prefix; ///< path prefix of the URL, without a trailing '/'
};

endpoint parse_url(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0)
    die(usage, "--url must start with http:// (got '" + url + "')");
  auto rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  endpoint ep;
  auto authority = rest.substr(0, slash);
  ep.prefix = slash == std::string::npos ? "" : rest.substr(slash);
  while (!ep.prefix.empty() && ep.prefix.back() == '/')
    ep.prefix.pop_back();
  auto colon = authority.rfind(':');
  if (!authority.empty() && authority.front() == '[') { // [::1]:3000
    auto close = authority.find(']');
    ep.host = authority.substr(1, close - 1);
    ep.port = close + 1 < authority.size() && authority[close + 1] == ':'
                ? authority.substr(close + 2)
                : "80";
  } else if (colon != std::string::npos) {
    ep.host = authority.substr(0, colon);
    ep.port = authority.substr(colon + 1);
  } else {
    ep.host = authority;
    ep.port = "80";
  }
  if (ep.host.empty() || ep.port.empty())
    die(usage, "cannot read host and port from --url '" + url + "'");
  return ep;
}

struct reply {
  int status = 0;
  std::string body;
};

std::string dechunk(const std::string& body) {
  std::string out;
  size_t pos = 0;
  while (pos < body.size()) {
    auto eol = body.find("\r\n", pos);
    if (eol == std::string::npos)
      break;
    auto size = std::stoul(body.substr(pos, eol - pos), nullptr, 16);
    if (size == 0)
      break;
    out += body.substr(eol + 2, size);
    pos = eol + 2 + size + 2;
  }
  return out;
}

/// One blocking HTTP/1.1 request (Connection: close), 10 s socket timeouts.
reply http(const endpoint& ep, const std::string& method, const std::string& path,
           const std::string& token) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(ep.host.c_str(), ep.port.c_str(), &hints, &found); rc != 0)
    die(unreachable, "cannot resolve " + ep.host + ": " + gai_strerror(rc));
  int fd = -1;
  for (auto* ai = found; ai != nullptr; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0)
      continue;
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
      break;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  if (fd < 0)
    die(unreachable, "node unreachable at http://" + ep.host + ":" + ep.port);
  std::string request = method + " " + ep.prefix + path + " HTTP/1.1\r\nHost: " + ep.host + ":"
                        + ep.port + "\r\nConnection: close\r\nAccept: */*\r\n"
                        + "api_access_token: " + token + "\r\nContent-Length: 0\r\n\r\n";
  for (size_t sent = 0; sent < request.size();) {
    auto n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      close(fd);
      die(unreachable, "connection to the node failed while sending");
    }
    sent += static_cast<size_t>(n);
  }
  std::string raw;
  char buf[16384];
  for (;;) {
    auto n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0) {
      close(fd);
      die(unreachable, "no answer from the node (timeout or reset)");
    }
    if (n == 0)
      break;
    raw.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  auto head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos)
    die(unreachable, "the node answered something that is not HTTP");
  reply r;
  r.status = std::atoi(raw.c_str() + 9);
  r.body = raw.substr(head_end + 4);
  auto head = raw.substr(0, head_end);
  for (auto& c : head)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (head.find("transfer-encoding: chunked") != std::string::npos)
    r.body = dechunk(r.body);
  return r;
}

/// The answer's body, or exit with a clear message on 401 / other errors.
std::string expect_ok(const reply& r, const std::string& what) {
  if (r.status == 200)
    return r.body;
  if (r.status == 401)
    die(refused, "the node refused the token (401): pass the node's platform token with "
                 "--token or MESSENGER_PLATFORM_TOKEN");
  auto doc = json::parse(r.body, nullptr, false);
  std::string detail = doc.is_object() && doc.contains("error") && doc["error"].is_string()
                         ? doc["error"].get<std::string>()
                         : r.body.substr(0, 200);
  die(failed, what + ": HTTP " + std::to_string(r.status) + " " + detail);
}

json parse(const std::string& body) {
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_discarded())
    die(failed, "the node's answer is not JSON");
  return doc;
}

std::string text(const json& v) {
  if (v.is_null())
    return "-";
  if (v.is_string())
    return v.get<std::string>();
  return v.dump();
}

/// Prints rows as columns padded to their widest cell.
void table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i)
        width.push_back(0);
      width[i] = std::max(width[i], row[i].size());
    }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size())
        line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
}

int64_t sum(const json& obj) {
  int64_t n = 0;
  if (obj.is_object())
    for (const auto& [_, v] : obj.items())
      n += v.is_number() ? v.get<int64_t>() : 0;
  return n;
}

void print_actors(const json& doc) {
  std::vector<std::vector<std::string>> rows{
    {"NODE", "LEASE", "CONVERSATIONS", "INBOXES", "OPERATORS", "SPAWNS", "PASSIVATIONS"}};
  json nodes = doc.contains("nodes") ? doc["nodes"] : json::array({doc});
  for (const auto& n : nodes) {
    const auto& a = n["actors"];
    bool live = !n.contains("live") || n["live"].get<bool>();
    if (a.is_null()) {
      rows.push_back({text(n["node"]), live ? "live" : "expired", "-", "-", "-", "-",
                      "- (" + text(n.value("error", json{})) + ")"});
      continue;
    }
    rows.push_back({text(n["node"]), live ? "live" : "expired", text(a["conversation"]),
                    text(a["inbox"]), text(a["operator"]), std::to_string(sum(n["spawns"])),
                    std::to_string(sum(n["passivations"]))});
  }
  table(rows);
}

std::string join(const json& list, const std::string& sep = ", ") {
  std::string out;
  for (const auto& v : list)
    out += (out.empty() ? "" : sep) + text(v);
  return out.empty() ? "(none)" : out;
}

void print_entity(const json& d) {
  std::vector<std::vector<std::string>> rows;
  auto kind = d.value("kind", "");
  rows.push_back({"kind", kind});
  rows.push_back({"id", text(d["id"])});
  rows.push_back({"node", text(d["node"])});
  if (kind == "inbox") {
    rows.push_back({"ring (next first)", join(d["ring"])});
    std::string limiter;
    for (const auto& [user, count] : d["rate_limiter"].items())
      limiter += (limiter.empty() ? "" : ", ") + ("user " + user + ": " + text(count));
    rows.push_back({"rate limiter", limiter.empty() ? "(no assignments in the window)" : limiter});
    rows.push_back({"limit", text(d["rate_limit"]["limit"]) + " per "
                               + text(d["rate_limit"]["window_s"]) + " s (window from "
                               + text(d["rate_limit"]["window_start"]) + ")"});
    rows.push_back({"queue", join(d["queue"])});
    rows.push_back({"eligible", join(d["eligible"])});
    rows.push_back({"auto assignment", text(d["auto_assignment"])});
  } else if (kind == "conversation") {
    for (const char* key :
         {"account_id", "display_id", "inbox_id", "status", "assignee_id", "team_id",
          "waiting_since", "first_reply_created_at", "last_activity_at", "snoozed_until"})
      rows.push_back({key, text(d[key])});
    std::string timers;
    for (const auto& t : d["timers"])
      timers += (timers.empty() ? "" : ", ") + text(t["name"]) + " due " + text(t["due_at"]);
    rows.push_back({"timers", timers.empty() ? "(none)" : timers});
    rows.push_back({"flood window",
                    text(d["flood"]["count"]) + " of " + text(d["flood"]["limit"]) + " in 60 s"});
  } else if (kind == "operator") {
    rows.push_back({"presence duration", text(d["presence_duration_s"]) + " s"});
    for (const auto& a : d["accounts"])
      rows.push_back(
        {"account " + text(a["account_id"]),
         text(a["availability"]) + " (configured " + text(a["configured"]) + ", auto_offline "
           + text(a["auto_offline"]) + "), connections " + text(a["connections"]) + ", last ping "
           + text(a["last_ping_at"]) + ", presence age "
           + (a["presence_age_s"].is_null() ? "-" : text(a["presence_age_s"]) + " s")});
  }
  table(rows);
}

void print_cluster(const json& doc) {
  std::vector<std::vector<std::string>> rows{
    {"NODE", "HTTP", "CLUSTER", "INCARNATION", "STATUS", "LEASE UNTIL", "OWNED"}};
  for (const auto& n : doc["nodes"]) {
    std::string owned = "-";
    if (n["owned"].is_object())
      owned = "conversation " + text(n["owned"]["conversation"]) + ", inbox "
              + text(n["owned"]["inbox"]) + ", operator " + text(n["owned"]["operator"]);
    std::string status = text(n["status"]) + (n["live"].get<bool>() ? "" : " (lease expired)");
    rows.push_back({text(n["id"]) + (n["self"].get<bool>() ? " *" : ""), text(n["http_addr"]),
                    text(n["cluster_addr"]), text(n["incarnation"]), status, text(n["lease_until"]),
                    owned});
  }
  table(rows);
  std::cout << "(* = the node that answered: " << text(doc["node"]) << ")\n";
}

void help(std::ostream& out) {
  out << "usage: messenger-ctl [--url URL] [--token TOKEN] [--json] VERB\n"
         "  actors            live entity actors by kind, per node\n"
         "  actor KIND ID     one entity's live state (KIND: inbox, conversation, operator)\n"
         "  cluster           cluster members: address, incarnation, lease, owned entities\n"
         "  metrics           the node's Prometheus exposition\n"
         "  drain NODE        hand a node's entities to the others (needs cluster support)\n"
         "URL and TOKEN default to $MESSENGER_URL and $MESSENGER_PLATFORM_TOKEN.\n";
}

/// What the command line asks for: the node, the token, --json and the verb's words.
struct invocation {
  std::string url;
  std::string token;
  bool raw = false;
  std::vector<std::string> args;
};

invocation parse_args(int argc, char** argv) {
  invocation in;
  in.url = std::getenv("MESSENGER_URL") ? std::getenv("MESSENGER_URL") : "";
  in.token = std::getenv("MESSENGER_PLATFORM_TOKEN") ? std::getenv("MESSENGER_PLATFORM_TOKEN") : "";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const std::string& name) {
      if (i + 1 >= argc)
        die(usage, name + " needs a value");
      return std::string{argv[++i]};
    };
    if (a == "--url")
      in.url = value(a);
    else if (a.rfind("--url=", 0) == 0)
      in.url = a.substr(6);
    else if (a == "--token")
      in.token = value(a);
    else if (a.rfind("--token=", 0) == 0)
      in.token = a.substr(8);
    else if (a == "--json")
      in.raw = true;
    else if (a == "-h" || a == "--help") {
      help(std::cout);
      std::exit(ok);
    } else if (!a.empty() && a[0] == '-')
      die(usage, "unknown option " + a + " (see --help)");
    else
      in.args.push_back(a);
  }
  if (in.args.empty()) {
    help(std::cerr);
    std::exit(usage);
  }
  if (in.url.empty())
    die(usage, "no node: pass --url http://HOST:PORT or set MESSENGER_URL");
  if (in.token.empty())
    die(usage, "no token: pass --token or set MESSENGER_PLATFORM_TOKEN");
  return in;
}

/// GETs `path` and prints its JSON raw or with `print`.
void show(const invocation& in, const endpoint& ep, const std::string& path, const char* what,
          void (*print)(const nlohmann::json&)) {
  auto body = expect_ok(http(ep, "GET", path, in.token), what);
  if (in.raw)
    std::cout << body << "\n";
  else
    print(parse(body));
}

void actor(const invocation& in, const endpoint& ep) {
  const auto& args = in.args;
  if (args[1].find_first_of("/?#% ") != std::string::npos
      || args[2].find_first_not_of("0123456789") != std::string::npos)
    die(usage, "actor KIND ID: KIND is inbox, conversation or operator, ID a number");
  auto r = http(ep, "GET", "/ops/api/actors/" + args[1] + "/" + args[2], in.token);
  if (r.status == 404)
    die(failed, "no " + args[1] + " " + args[2] + " on this node's database (404)");
  auto body = expect_ok(r, "actor");
  if (in.raw)
    std::cout << body << "\n";
  else
    print_entity(parse(body));
}

void drain(const invocation& in, const endpoint& ep) {
  const auto& node = in.args[1];
  auto r = http(ep, "POST", "/ops/api/cluster/nodes/" + node + "/drain", in.token);
  if (r.status == 404 || r.status == 405)
    die(unsupported, "drain: not supported by this node yet (it has no "
                     "POST /ops/api/cluster/nodes/{id}/drain; entity hand-off between nodes "
                     "arrives with the cluster issue). Nothing was changed.");
  auto body = expect_ok(r, "drain");
  std::cout << (in.raw ? body : "drain of " + node + " accepted: " + body) << "\n";
}

} // namespace

int main(int argc, char** argv) {
  auto in = parse_args(argc, argv);
  auto ep = parse_url(in.url);
  const auto& verb = in.args[0];
  auto want = [&](size_t n) {
    if (in.args.size() != n)
      die(usage, "'" + verb + "' takes " + std::to_string(n - 1) + " argument(s) (see --help)");
  };
  if (verb == "actors") {
    want(1);
    show(in, ep, "/ops/api/actors?all=1", "actors", print_actors);
  } else if (verb == "actor") {
    want(3);
    actor(in, ep);
  } else if (verb == "cluster") {
    want(1);
    show(in, ep, "/ops/api/cluster", "cluster", print_cluster);
  } else if (verb == "metrics") {
    want(1);
    std::cout << expect_ok(http(ep, "GET", "/metrics", in.token), "metrics");
  } else if (verb == "drain") {
    want(2);
    drain(in, ep);
  } else {
    die(usage, "unknown verb '" + verb + "' (see --help)");
  }
  return ok;
}
