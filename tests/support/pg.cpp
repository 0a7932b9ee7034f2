#include "tests/support/pg.hpp"

#include <pqxx/pqxx>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>

namespace messenger::test {

std::string admin_url() {
  const char* url = std::getenv("MESSENGER_TEST_DATABASE_URL");
  if (url == nullptr || *url == '\0')
    throw std::runtime_error("MESSENGER_TEST_DATABASE_URL is not set: run the tests through "
                             "./test.sh, which starts a private PostgreSQL");
  return url;
}

std::string with_database(const std::string& url, const std::string& name) {
  auto scheme = url.find("://");
  auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  auto query = url.find('?');
  std::string base = slash == std::string::npos ? url.substr(0, query) : url.substr(0, slash);
  std::string tail = query == std::string::npos ? std::string{} : url.substr(query);
  return base + "/" + name + tail;
}

std::string scalar_at(const std::string& url, const std::string& sql) {
  pqxx::connection conn{url};
  pqxx::nontransaction tx{conn};
  auto res = tx.exec(sql);
  if (res.empty() || res.columns() == 0 || res[0][0].is_null())
    return {};
  return res[0][0].c_str();
}

struct advisory_lock::impl {
  pqxx::connection conn;
  long long key;
  bool held = true;
  impl(const std::string& url, long long k) : conn(url), key(k) {}
};

advisory_lock::advisory_lock(const std::string& url, long long key) : impl_(new impl(url, key)) {
  pqxx::nontransaction tx{impl_->conn};
  tx.exec_params("SELECT pg_advisory_lock($1)", key);
}

advisory_lock::~advisory_lock() {
  try {
    release();
  } catch (...) {
    // the connection closes below, which releases the lock as well
  }
  delete impl_;
}

void advisory_lock::release() {
  if (!impl_->held)
    return;
  impl_->held = false;
  pqxx::nontransaction tx{impl_->conn};
  tx.exec_params("SELECT pg_advisory_unlock($1)", impl_->key);
}

temp_database::temp_database() {
  static std::atomic<int> counter{0};
  name_ = "messenger_test_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
  auto admin = admin_url();
  scalar_at(admin, "CREATE DATABASE " + name_);
  url_ = with_database(admin, name_);
}

temp_database::~temp_database() {
  try {
    scalar_at(admin_url(), "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (...) {
    // best effort: the whole cluster is thrown away by ./test.sh anyway
  }
}

std::string temp_database::scalar(const std::string& sql) const {
  return scalar_at(url_, sql);
}

bool temp_database::fails(const std::string& sql, std::string* what) const {
  try {
    scalar_at(url_, sql);
    return false;
  } catch (const std::exception& e) {
    if (what != nullptr)
      *what = e.what();
    return true;
  }
}

} // namespace messenger::test
