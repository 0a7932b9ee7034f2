#pragma once

#include <string>

namespace messenger::test {

/// The admin URL of the PostgreSQL that ./test.sh started (MESSENGER_TEST_DATABASE_URL).
/// Fails the current test with a clear message when it is not set.
std::string admin_url();

/// Replaces the database name in a libpq URI ("postgresql://h:p/db?x" -> ".../name?x").
std::string with_database(const std::string& url, const std::string& name);

/// A fresh, uniquely named database, dropped (with its connections) on destruction.
class temp_database {
public:
  temp_database();
  ~temp_database();
  temp_database(const temp_database&) = delete;
  temp_database& operator=(const temp_database&) = delete;

  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

  /// Runs SQL outside any transaction on this database; returns the first field of
  /// the first row as text ("" when there is none).
  std::string scalar(const std::string& sql) const;

  /// Runs SQL and returns whether it raised an error; the error text goes to `what`.
  bool fails(const std::string& sql, std::string* what = nullptr) const;

private:
  std::string name_;
  std::string url_;
};

/// Holds a session-level advisory lock on its own connection until released or
/// destroyed: lets a test park the writer's transaction deterministically (a command
/// that waits for the same lock cannot finish before the test says so).
class advisory_lock {
public:
  advisory_lock(const std::string& url, long long key);
  ~advisory_lock();
  advisory_lock(const advisory_lock&) = delete;
  advisory_lock& operator=(const advisory_lock&) = delete;

  void release();

private:
  struct impl;
  impl* impl_;
};

/// Same as temp_database::scalar, on any URL.
std::string scalar_at(const std::string& url, const std::string& sql);

} // namespace messenger::test
