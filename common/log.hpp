#pragma once

#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace messenger::log {

enum class level { debug, info, warn, error };

std::optional<level> parse_level(std::string_view text);

/// Sets the process-wide threshold (the only global mutable state besides the sink).
void set_level(level lvl);
bool enabled(level lvl);

/// Writes one line `ts level event key=value ...` to stderr, atomically.
void write(level lvl, std::string_view event, std::string_view fields);

/// The request being handled on this thread (empty: none). `write` appends
/// `request_id=...` to every line while it is set, so the error logs of a request carry it.
const std::string& current_request_id();

/// Sets the current request id of this thread for its lifetime (restores the previous one).
class scoped_request_id {
public:
  explicit scoped_request_id(std::string id);
  ~scoped_request_id();
  scoped_request_id(const scoped_request_id&) = delete;
  scoped_request_id& operator=(const scoped_request_id&) = delete;

private:
  std::string previous_;
};

/// A fresh request id: 16 lower-case hex digits.
std::string new_request_id();

/// Builds the key=value part of a log line.
class fields {
public:
  template <class T>
  fields& operator()(std::string_view key, const T& value) {
    if (!first_)
      out_ << ' ';
    first_ = false;
    out_ << key << '=' << value;
    return *this;
  }
  std::string str() const { return out_.str(); }

private:
  std::ostringstream out_;
  bool first_ = true;
};

inline void debug(std::string_view event, const fields& f = fields{}) {
  if (enabled(level::debug))
    write(level::debug, event, f.str());
}
inline void info(std::string_view event, const fields& f = fields{}) {
  if (enabled(level::info))
    write(level::info, event, f.str());
}
inline void warn(std::string_view event, const fields& f = fields{}) {
  if (enabled(level::warn))
    write(level::warn, event, f.str());
}
inline void error(std::string_view event, const fields& f = fields{}) {
  if (enabled(level::error))
    write(level::error, event, f.str());
}

} // namespace messenger::log
