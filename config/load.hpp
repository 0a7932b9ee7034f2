#pragma once

#include "config/app_config.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace messenger::config {

/// Looks up an environment variable; injected so tests need not touch the process env.
using env_lookup = std::function<std::optional<std::string>(const std::string&)>;

/// Reads the real process environment.
env_lookup process_env();

/// Reads a whole file; injected so tests can provide config files from memory.
using file_reader = std::function<std::optional<std::string>(const std::string&)>;

file_reader disk_reader();

struct load_result {
  app_config config;
  /// Every problem found, one human-readable line each. Empty means valid.
  std::vector<std::string> errors;
  bool ok() const { return errors.empty(); }
};

/// Loads the configuration with the precedence flag > env > JSON file > default and
/// validates every value. All errors are collected, none stops the scan early.
/// `args` excludes argv[0]. A missing platform token is generated (and flagged so main
/// can print it once).
load_result load(const std::vector<std::string>& args, const env_lookup& env,
                 const file_reader& read_file = disk_reader());

/// The --help text: every flag and environment variable with its default.
std::string usage();

/// Generates a random 48-hex-digit token from the OS entropy source.
std::string generate_token();

} // namespace messenger::config
