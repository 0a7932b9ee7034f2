#include "common/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <random>

namespace messenger::log {

namespace {

std::atomic<int> threshold{static_cast<int>(level::info)};
std::mutex sink_mutex;
thread_local std::string request_id;

const char* name_of(level lvl) {
  switch (lvl) {
    case level::debug:
      return "debug";
    case level::info:
      return "info";
    case level::warn:
      return "warn";
    case level::error:
      return "error";
  }
  return "info";
}

} // namespace

std::optional<level> parse_level(std::string_view text) {
  if (text == "debug")
    return level::debug;
  if (text == "info")
    return level::info;
  if (text == "warn")
    return level::warn;
  if (text == "error")
    return level::error;
  return std::nullopt;
}

void set_level(level lvl) {
  threshold.store(static_cast<int>(lvl));
}

bool enabled(level lvl) {
  return static_cast<int>(lvl) >= threshold.load(std::memory_order_relaxed);
}

const std::string& current_request_id() {
  return request_id;
}

scoped_request_id::scoped_request_id(std::string id) : previous_(std::move(request_id)) {
  request_id = std::move(id);
}

scoped_request_id::~scoped_request_id() {
  request_id = std::move(previous_);
}

std::string new_request_id() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(gen()));
  return buf;
}

void write(level lvl, std::string_view event, std::string_view fields) {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = system_clock::to_time_t(now);
  auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
  std::lock_guard<std::mutex> guard{sink_mutex};
  bool with_id = !request_id.empty() && fields.find("request_id=") == std::string_view::npos;
  std::fprintf(stderr, "%s.%03dZ %s %.*s%s%.*s%s%s\n", stamp, static_cast<int>(millis),
               name_of(lvl), static_cast<int>(event.size()), event.data(),
               fields.empty() ? "" : " ", static_cast<int>(fields.size()), fields.data(),
               with_id ? " request_id=" : "", with_id ? request_id.c_str() : "");
}

} // namespace messenger::log
