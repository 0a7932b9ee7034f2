#include "net/health.hpp"

#include "net/actor_bridge.hpp"
#include "persistence/migrator.hpp"

#include <chrono>

namespace messenger::net {

namespace {

constexpr auto probe_timeout = std::chrono::seconds{2};

http_response readiness(bool database, bool migrations, bool cluster, const std::string& detail) {
  bool ready = database && migrations && cluster;
  auto flag = [](bool x) { return x ? "true" : "false"; };
  std::string body = std::string{"{\"status\":\""} + (ready ? "ready" : "not_ready")
                     + "\",\"checks\":{\"database\":" + flag(database) + ",\"migrations\":"
                     + flag(migrations) + ",\"cluster\":" + flag(cluster) + "}";
  if (!detail.empty())
    body += ",\"detail\":\"" + json_escape(detail) + "\"";
  body += "}";
  return http_response::json(ready ? 200 : 503, std::move(body));
}

} // namespace

void add_health_routes(router& routes, readiness_sources sources) {
  routes.add("GET", "/healthz", [](http_request&, responder respond) {
    respond(http_response::json(200, R"({"status":"ok"})"));
  });
  routes.add("GET", "/readyz", [sources](http_request&, responder respond) {
    ask(
      *sources.sys, sources.reader, probe_timeout,
      [sources, respond](actors::db_health& db) {
        auto with_cluster = [sources, respond, db](bool migrations) {
          ask(
            *sources.sys, sources.membership, probe_timeout,
            [respond, migrations, db](actors::node_status& node) {
              respond(readiness(db.reachable, migrations, node.joined, db.detail));
            },
            [respond, migrations, db](caf::error&) {
              respond(readiness(db.reachable, migrations, false, db.detail));
            },
            actors::status_atom_v);
        };
        auto known = sources.migrations_applied;
        if (!db.reachable || (known && known->load()))
          return with_cluster(known && known->load());
        // Not known to be applied yet: look at schema_migrations (once applied, remembered).
        ask(
          *sources.sys, sources.reader, probe_timeout,
          [with_cluster, known](persistence::result_set& rs) {
            bool applied = persistence::all_applied(rs, persistence::embedded_migrations());
            if (applied && known)
              known->store(true);
            with_cluster(applied);
          },
          [with_cluster](caf::error&) { with_cluster(false); }, actors::query_atom_v,
          persistence::applied_versions_query());
      },
      [sources, respond](caf::error& err) {
        bool migrations = sources.migrations_applied && sources.migrations_applied->load();
        respond(readiness(false, migrations, false, caf::to_string(err)));
      },
      actors::health_atom_v);
  });
}

} // namespace messenger::net
