#include "config/load.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

namespace messenger::config {

namespace {

using setter = std::function<std::optional<std::string>(app_config&, const std::string&)>;

/// One configurable value: its JSON key, environment variable, optional flag.
struct option {
  std::string key;
  std::string env;
  std::string flag; // empty: no flag
  std::string default_text;
  std::string help;
  setter set;
};

std::optional<std::string> parse_host_port(const std::string& text, host_port& out) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return "expected HOST:PORT, got '" + text + "'";
  auto host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto port_text = text.substr(colon + 1);
  unsigned long port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || port > 65535)
    return "port must be a number from 0 to 65535, got '" + port_text + "'";
  out.host = std::move(host);
  out.port = static_cast<uint16_t>(port);
  return std::nullopt;
}

setter uint_setter(uint32_t app_config::*field, uint32_t min, uint32_t max) {
  return [=](app_config& cfg, const std::string& text) -> std::optional<std::string> {
    unsigned long long value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || value < min
        || value > max)
      return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max)
             + ", got '" + text + "'";
    cfg.*field = static_cast<uint32_t>(value);
    return std::nullopt;
  };
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in{text};
  std::string item;
  while (std::getline(in, item, ',')) {
    auto first = item.find_first_not_of(" \t");
    auto last = item.find_last_not_of(" \t");
    if (first != std::string::npos)
      out.push_back(item.substr(first, last - first + 1));
  }
  return out;
}

std::optional<std::string> set_database_url(app_config& cfg, const std::string& v) {
  bool uri = v.rfind("postgres://", 0) == 0 || v.rfind("postgresql://", 0) == 0;
  bool keywords = v.find('=') != std::string::npos;
  if (!uri && !keywords)
    return "must be a libpq URI (postgresql://...) or a key=value connection string";
  cfg.database_url = v;
  return std::nullopt;
}

std::optional<std::string> set_platform_token(app_config& cfg, const std::string& v) {
  if (v.size() < 16)
    return "must be at least 16 characters long";
  cfg.platform_token = v;
  return std::nullopt;
}

std::optional<std::string> set_node_id(app_config& cfg, const std::string& v) {
  if (v.empty() || v.size() > 200)
    return "must be 1 to 200 characters long";
  cfg.node_id = v;
  return std::nullopt;
}

std::optional<std::string> set_log_level(app_config& cfg, const std::string& v) {
  auto lvl = log::parse_level(v);
  if (!lvl)
    return "must be one of debug, info, warn, error; got '" + v + "'";
  cfg.log_level = *lvl;
  return std::nullopt;
}

const std::vector<option>& options() {
  static const std::vector<option> all{
    {"database_url", "MESSENGER_DATABASE_URL", "--database-url", "(required)",
     "libpq URI of PostgreSQL 15+", set_database_url},
    {"http_addr", "MESSENGER_HTTP_ADDR", "--http-addr", "127.0.0.1:3000",
     "HTTP/WebSocket listen address; port 0 picks a free port",
     [](app_config& cfg, const std::string& v) { return parse_host_port(v, cfg.http_addr); }},
    {"platform_token", "MESSENGER_PLATFORM_TOKEN", "--platform-token", "(generated, printed once)",
     "token for /platform/api/v1/* and the ops API", set_platform_token},
    {"node_id", "MESSENGER_NODE_ID", "--node-id", "<hostname>-<http port>",
     "unique name of this node in the cluster", set_node_id},
    {"cluster_addr", "MESSENGER_CLUSTER_ADDR", "--cluster-addr", "127.0.0.1:0",
     "CAF middleman (BASP) listen address for peers",
     [](app_config& cfg, const std::string& v) { return parse_host_port(v, cfg.cluster_addr); }},
    {"conversation_message_per_minute_limit", "MESSENGER_CONVERSATION_MESSAGE_PER_MINUTE_LIMIT", "",
     "200", "flood limit per conversation, sliding 60 s",
     uint_setter(&app_config::conversation_message_per_minute_limit, 1, 1000000)},
    {"assignment_limit", "MESSENGER_ASSIGNMENT_LIMIT", "", "5",
     "assignments per agent per inbox per window",
     uint_setter(&app_config::assignment_limit, 1, 1000000)},
    {"assignment_window_s", "MESSENGER_ASSIGNMENT_WINDOW_S", "", "300",
     "length of the assignment rate-limit window in seconds",
     uint_setter(&app_config::assignment_window_s, 1, 86400)},
    {"presence_duration_s", "MESSENGER_PRESENCE_DURATION_S", "", "20",
     "an agent is present this long after its last ping",
     uint_setter(&app_config::presence_duration_s, 1, 86400)},
    {"rate_limit_per_ip", "MESSENGER_RATE_LIMIT_PER_IP", "", "3000",
     "requests per minute per client IP (429 beyond)",
     uint_setter(&app_config::rate_limit_per_ip, 1, 100000000)},
    {"rate_limit_per_token", "MESSENGER_RATE_LIMIT_PER_TOKEN", "", "3000",
     "requests per minute per api_access_token (429 beyond)",
     uint_setter(&app_config::rate_limit_per_token, 1, 100000000)},
    {"sse_replay_events", "MESSENGER_SSE_REPLAY_EVENTS", "", "1000",
     "events kept per account for SSE Last-Event-ID resume",
     uint_setter(&app_config::sse_replay_events, 1, 1000000)},
    {"cable_queue_limit", "MESSENGER_CABLE_QUEUE_LIMIT", "", "4096",
     "frames a /cable or SSE connection may have queued before it is closed as too slow",
     uint_setter(&app_config::cable_queue_limit, 1, 1000000)},
    {"presence_push_ms", "MESSENGER_PRESENCE_PUSH_MS", "", "1000",
     "presence changes are pushed to an account's agents at most this often",
     uint_setter(&app_config::presence_push_ms, 0, 60000)},
    {"entity_idle_s", "MESSENGER_ENTITY_IDLE_S", "", "600",
     "an idle conversation/inbox/operator actor passivates after this many seconds",
     uint_setter(&app_config::entity_idle_s, 1, 604800)},
    {"rate_limit_allowed_ips", "MESSENGER_RATE_LIMIT_ALLOWED_IPS", "", "127.0.0.1,::1",
     "clients exempt from every request-rate limit",
     [](app_config& cfg, const std::string& v) -> std::optional<std::string> {
       cfg.rate_limit_allowed_ips = split_list(v);
       return std::nullopt;
     }},
    {"log_level", "MESSENGER_LOG_LEVEL", "--log-level", "info", "debug, info, warn or error",
     set_log_level},
  };
  return all;
}

/// Renders a JSON scalar or array as the text an env variable would hold.
std::optional<std::string> json_to_text(const nlohmann::json& value) {
  if (value.is_string())
    return value.get<std::string>();
  if (value.is_number_unsigned())
    return std::to_string(value.get<uint64_t>());
  if (value.is_number_integer())
    return std::to_string(value.get<int64_t>());
  if (value.is_array()) {
    std::string joined;
    for (const auto& item : value) {
      if (!item.is_string())
        return std::nullopt;
      if (!joined.empty())
        joined += ',';
      joined += item.get<std::string>();
    }
    return joined;
  }
  return std::nullopt;
}

} // namespace

std::string host_port::str() const {
  if (host.find(':') != std::string::npos)
    return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

env_lookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (const char* value = std::getenv(name.c_str()))
      return std::string{value};
    return std::nullopt;
  };
}

file_reader disk_reader() {
  return [](const std::string& path) -> std::optional<std::string> {
    std::ifstream in{path, std::ios::binary};
    if (!in)
      return std::nullopt;
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  };
}

std::string generate_token() {
  std::random_device entropy;
  static constexpr char digits[] = "0123456789abcdef";
  std::string token;
  for (int i = 0; i < 48; ++i)
    token += digits[entropy() % 16];
  return token;
}

namespace {

const option* option_for_flag(const std::string& name) {
  for (const auto& opt : options())
    if (!opt.flag.empty() && opt.flag == name)
      return &opt;
  return nullptr;
}

bool known_key(const std::string& key) {
  for (const auto& opt : options())
    if (opt.key == key)
      return true;
  return false;
}

/// Step 1: the flags, collected first (they win) and applied last; `--config` and the
/// switches go straight into `cfg`.
std::map<std::string, std::string> read_flags(const std::vector<std::string>& args, app_config& cfg,
                                              std::vector<std::string>& errors) {
  std::map<std::string, std::string> from_flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (arg == "--help" || arg == "-h" || arg == "--migrate-only") {
      (arg == "--migrate-only" ? cfg.migrate_only : cfg.show_help) = true;
      continue;
    }
    auto eq = arg.find('=');
    auto name = arg.substr(0, eq);
    std::optional<std::string> value;
    if (eq != std::string::npos)
      value = arg.substr(eq + 1);
    const option* match = option_for_flag(name);
    if (name != "--config" && match == nullptr) {
      errors.push_back("unknown argument '" + arg + "' (see --help)");
      continue;
    }
    if (!value) {
      if (i + 1 >= args.size()) {
        errors.push_back(name + ": missing value");
        continue;
      }
      value = args[++i];
    }
    if (name == "--config")
      cfg.config_file = *value;
    else
      from_flags[match->key] = *value;
  }
  return from_flags;
}

/// Step 2: the config file named by --config, if any.
std::map<std::string, std::string> read_config_file(const app_config& cfg,
                                                    const file_reader& read_file,
                                                    std::vector<std::string>& errors) {
  std::map<std::string, std::string> from_file;
  if (!cfg.config_file)
    return from_file;
  auto text = read_file(*cfg.config_file);
  if (!text) {
    errors.push_back("--config: cannot read '" + *cfg.config_file + "'");
    return from_file;
  }
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    errors.push_back("--config: '" + *cfg.config_file + "' is not a JSON object");
    return from_file;
  }
  for (const auto& [key, value] : doc.items()) {
    auto text_value = json_to_text(value);
    if (!known_key(key))
      errors.push_back("config file: unknown key '" + key + "'");
    else if (!text_value)
      errors.push_back("config file: '" + key + "' must be a string, integer or list");
    else
      from_file[key] = *text_value;
  }
  return from_file;
}

} // namespace

load_result load(const std::vector<std::string>& args, const env_lookup& env,
                 const file_reader& read_file) {
  load_result result;
  auto& cfg = result.config;
  auto& errors = result.errors;
  auto from_flags = read_flags(args, cfg, errors);
  auto from_file = read_config_file(cfg, read_file, errors);
  // Step 3: each option resolved flag > env > file > default, the winner validated.
  for (const auto& opt : options()) {
    std::optional<std::string> value;
    std::string source;
    if (auto it = from_flags.find(opt.key); it != from_flags.end()) {
      value = it->second;
      source = opt.flag;
    } else if (auto from_env = env(opt.env)) {
      value = *from_env;
      source = opt.env;
    } else if (auto jt = from_file.find(opt.key); jt != from_file.end()) {
      value = jt->second;
      source = "config file '" + opt.key + "'";
    }
    if (!value)
      continue;
    if (auto problem = opt.set(cfg, *value))
      errors.push_back(source + ": " + *problem);
  }
  if (cfg.database_url.empty() && !cfg.show_help)
    errors.push_back("MESSENGER_DATABASE_URL (or --database-url) is required");
  if (cfg.platform_token.empty()) {
    cfg.platform_token = generate_token();
    cfg.platform_token_generated = true;
  }
  return result;
}

std::string usage() {
  std::ostringstream out;
  out << "usage: messengerd [--config FILE] [--migrate-only] [flags]\n\n"
      << "Precedence: flag > environment > config file (JSON) > default.\n\n";
  for (const auto& opt : options()) {
    out << "  " << opt.env;
    if (!opt.flag.empty())
      out << " | " << opt.flag;
    out << "\n      " << opt.help << " (default: " << opt.default_text << ")\n";
  }
  return out.str();
}

} // namespace messenger::config
