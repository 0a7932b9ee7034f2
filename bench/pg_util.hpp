#pragma once

// Direct libpq access for the benchmarks' references and checks (the product goes through
// persistence/; a benchmark's reference query must not).

#include <libpq-fe.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace messenger::bench {

/// A connection; exits the process when it cannot be opened.
inline PGconn* pg_connect(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::cerr << PQerrorMessage(conn);
    std::exit(1);
  }
  PQclear(PQexec(conn, "SET client_min_messages = warning"));
  return conn;
}

/// Runs SQL that must succeed (the process exits otherwise).
inline void pg_exec(PGconn* conn, const std::string& sql) {
  PGresult* r = PQexec(conn, sql.c_str());
  auto status = PQresultStatus(r);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::cerr << "SQL failed: " << PQerrorMessage(conn) << sql.substr(0, 300) << "\n";
    std::exit(1);
  }
  PQclear(r);
}

/// Every row of a query that must succeed, as text (NULL as "").
inline std::vector<std::vector<std::string>> pg_rows(PGconn* conn, const std::string& sql) {
  PGresult* r = PQexec(conn, sql.c_str());
  auto status = PQresultStatus(r);
  if (status != PGRES_TUPLES_OK) {
    std::cerr << "SQL failed: " << PQerrorMessage(conn) << sql.substr(0, 300) << "\n";
    std::exit(1);
  }
  std::vector<std::vector<std::string>> out(static_cast<size_t>(PQntuples(r)));
  for (int i = 0; i < PQntuples(r); ++i)
    for (int j = 0; j < PQnfields(r); ++j)
      out[static_cast<size_t>(i)].emplace_back(PQgetvalue(r, i, j));
  PQclear(r);
  return out;
}

/// The first column of the first row ("" without one).
inline std::string pg_scalar(PGconn* conn, const std::string& sql) {
  auto rows = pg_rows(conn, sql);
  return rows.empty() || rows[0].empty() ? std::string{} : rows[0][0];
}

} // namespace messenger::bench
