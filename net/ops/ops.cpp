#include "net/ops/ops.hpp"

#include "actors/entity_metrics.hpp"
#include "common/metrics.hpp"
#include "domain/types.hpp"
#include "net/actor_bridge.hpp"
#include "net/api/context.hpp"
#include "persistence/queries/cluster.hpp"
#include "persistence/queries/ops.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>
#include <map>
#include <memory>
#include <optional>

namespace messenger::net::ops {

namespace {

using json = nlohmann::json;
namespace queries = persistence::queries::ops;

constexpr auto timeout = std::chrono::seconds{5};

/// Wraps a handler with the platform-token check (the platform API's 401).
handler platform_only(const ops_sources& src, handler fn) {
  return [token = src.platform_token, fn](http_request& req, responder respond) {
    if (!api::secure_equals(req.header("api_access_token"), token)) {
      respond(http_response::error(401, "Invalid Access Token"));
      return;
    }
    fn(req, std::move(respond));
  };
}

http_response ok(const json& doc) {
  return http_response::json(200, doc.dump());
}

/// ISO 8601 UTC with milliseconds, or null for 0 (no time).
json iso(int64_t micros) {
  if (micros == 0)
    return nullptr;
  auto secs = static_cast<std::time_t>(micros / 1000000);
  auto millis = (micros % 1000000) / 1000;
  if (micros < 0 && micros % 1000000 != 0) {
    --secs;
    millis += 1000;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  auto n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof(buf) - n, ".%03dZ", static_cast<int>(millis));
  return std::string{buf};
}

json id_or_null(int64_t id) {
  return id == 0 ? json(nullptr) : json(id);
}

json counts_json(const actors::entity_counts& c) {
  return {{"conversation", c.conversations}, {"inbox", c.inboxes}, {"operator", c.operators}};
}

json lifecycle_json(metrics::counter& (*of)(actors::entity_kind)) {
  json out = json::object();
  for (auto kind : {actors::entity_kind::conversation, actors::entity_kind::inbox,
                    actors::entity_kind::operator_})
    out[actors::kind_name(kind)] = of(kind).value();
  return out;
}

/// This node's entry of GET /ops/api/actors.
json node_actors(const ops_sources& src, const actors::entity_counts& counts) {
  return {{"node", src.node_id},
          {"actors", counts_json(counts)},
          {"spawns", lifecycle_json(&actors::entity_spawns)},
          {"passivations", lifecycle_json(&actors::entity_passivations)}};
}

bool wants_all_nodes(const http_request& req) {
  for (const char* key : {"all", "cluster"}) {
    auto it = req.query.find(key);
    if (it != req.query.end() && (it->second == "1" || it->second == "true"))
      return true;
  }
  return false;
}

/// A positive decimal id, or nothing.
std::optional<int64_t> id_of(const std::string& text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  auto id = std::stoll(text);
  return id > 0 ? std::optional<int64_t>{id} : std::nullopt;
}

json inbox_json(const ops_sources& src, const actors::inbox_view& v) {
  json limiter = json::object();
  for (size_t i = 0; i < v.rate_users.size() && i < v.rate_counts.size(); ++i)
    limiter[std::to_string(v.rate_users[i])] = v.rate_counts[i];
  return {{"kind", "inbox"},
          {"id", v.inbox_id},
          {"node", src.node_id},
          {"ring", v.ring},
          {"rate_limiter", limiter},
          {"rate_limit",
           {{"limit", v.rate_limit},
            {"window_s", v.rate_window_s},
            {"window_start", iso(v.now - v.rate_window_s * 1000000)}}},
          {"queue", v.queue},
          {"eligible", v.eligible},
          {"auto_assignment", v.auto_assignment},
          {"mailbox", v.mailbox},
          {"now", iso(v.now)}};
}

json conversation_json(const ops_sources& src, const actors::conversation_view& v) {
  const auto& r = v.row;
  json timers = json::array();
  if (v.snooze_due != 0)
    timers.push_back({{"name", "snooze"}, {"due_at", iso(v.snooze_due)}});
  return {
    {"kind", "conversation"},
    {"id", r.id},
    {"node", src.node_id},
    {"account_id", r.account_id},
    {"inbox_id", r.inbox_id},
    {"display_id", r.display_id},
    {"status", std::string{domain::to_string(static_cast<domain::conversation_status>(r.status))}},
    {"assignee_id", id_or_null(r.assignee_id)},
    {"team_id", id_or_null(r.team_id)},
    {"waiting_since", iso(r.waiting_since)},
    {"first_reply_created_at", iso(r.first_reply_created_at)},
    {"last_activity_at", iso(r.last_activity_at)},
    {"snoozed_until", iso(r.snoozed_until)},
    {"timers", timers},
    {"flood", {{"count", v.flood_count}, {"limit", v.flood_limit}, {"window_s", 60}}},
    {"mailbox", v.mailbox},
    {"now", iso(v.now)}};
}

json operator_json(const ops_sources& src, const actors::operator_view& v) {
  json accounts = json::array();
  for (size_t i = 0; i < v.accounts.size(); ++i) {
    auto ping = i < v.last_ping.size() ? v.last_ping[i] : 0;
    accounts.push_back(
      {{"account_id", v.accounts[i]},
       {"availability", i < v.statuses.size() ? v.statuses[i] : ""},
       {"configured", i < v.configured.size() ? v.configured[i] : ""},
       {"auto_offline", i < v.auto_offline.size() && v.auto_offline[i] != 0},
       {"connections", i < v.connections.size() ? v.connections[i] : 0},
       {"last_ping_at", iso(ping)},
       {"presence_age_s",
        ping == 0 ? json(nullptr) : json(static_cast<double>(v.now - ping) / 1e6)}});
  }
  return {{"kind", "operator"},   {"id", v.user_id},
          {"node", src.node_id},  {"presence_duration_s", v.presence_duration_s},
          {"accounts", accounts}, {"mailbox", v.mailbox},
          {"now", iso(v.now)}};
}

/// Resolves the entity through the registry (which loads it only if it exists: unknown ids
/// answer not_found and spawn nothing), then asks it for its view.
template <class Atom, class Handle, class View, class Render>
void inspect_entity(const ops_sources& src, Atom kind, int64_t id, responder respond,
                    Render render) {
  auto fail = [respond](caf::error& err) { respond(api::error_response(err)); };
  ask(
    *src.sys, src.registry, timeout,
    [src, respond, fail, render](Handle& entity) {
      auto query = [&] {
        if constexpr (std::is_same_v<View, actors::operator_view>)
          return actors::get_atom_v;
        else
          return actors::inspect_atom_v;
      }();
      ask(
        *src.sys, entity, timeout,
        [src, respond, render](View& view) { respond(ok(render(src, view))); }, fail, query);
    },
    fail, kind, id);
}

json cluster_row_json(const queries::cluster_node_row& row) {
  return {{"id", row.node_id},
          {"http_addr", row.http_addr},
          {"cluster_addr", row.cluster_addr},
          {"incarnation", row.incarnation},
          {"status", row.status},
          {"started_at", row.started_at},
          {"lease_until", row.lease_until},
          {"heartbeat_at", row.heartbeat_at.empty() ? json(nullptr) : json(row.heartbeat_at)},
          {"live", row.live}};
}

const char* remote_note = "live actor counts of other nodes are not collected here yet (ask that "
                          "node; one entity's state is shown wherever it lives)";

/// The live nodes of cluster_nodes (empty when the query fails: `error` says why).
void with_cluster_rows(const ops_sources& src,
                       std::function<void(std::vector<queries::cluster_node_row>, std::string)> k) {
  ask(
    *src.sys, src.reader, timeout,
    [k](persistence::result_set& rs) { k(queries::read_cluster_nodes(rs), {}); },
    [k, sys = src.sys](caf::error& err) { k({}, sys->render(err)); }, actors::query_atom_v,
    queries::cluster_nodes());
}

void get_actors(const ops_sources& src, http_request& req, responder respond) {
  bool all = wants_all_nodes(req);
  ask(
    *src.sys, src.registry, timeout,
    [src, respond, all](actors::entity_counts& counts) {
      auto doc = node_actors(src, counts);
      if (!all)
        return respond(ok(doc));
      with_cluster_rows(src, [src, respond, doc](auto rows, std::string error) mutable {
        json nodes = json::array();
        bool self_listed = false;
        for (const auto& row : rows) {
          if (row.node_id == src.node_id) {
            self_listed = true;
            auto self = doc;
            self["live"] = row.live;
            nodes.push_back(self);
            continue;
          }
          nodes.push_back({{"node", row.node_id},
                           {"live", row.live},
                           {"actors", nullptr},
                           {"error", remote_note}});
        }
        if (!self_listed) {
          auto self = doc;
          self["live"] = false;
          nodes.insert(nodes.begin(), self);
        }
        doc["nodes"] = nodes;
        if (!error.empty())
          doc["cluster_error"] = error;
        respond(ok(doc));
      });
    },
    [respond](caf::error& err) { respond(api::error_response(err)); }, actors::count_atom_v);
}

void get_entity(const ops_sources& src, http_request& req, responder respond) {
  auto kind = req.params["kind"];
  auto id = id_of(req.params["id"]);
  if (!id)
    return respond(api::not_found());
  if (kind == "inbox")
    return inspect_entity<actors::inbox_atom, actors::inbox_actor, actors::inbox_view>(
      src, actors::inbox_atom_v, *id, std::move(respond), inbox_json);
  if (kind == "conversation")
    return inspect_entity<actors::conversation_atom, actors::conversation_actor,
                          actors::conversation_view>(src, actors::conversation_atom_v, *id,
                                                     std::move(respond), conversation_json);
  if (kind == "operator")
    return inspect_entity<actors::operator_atom, actors::operator_actor, actors::operator_view>(
      src, actors::operator_atom_v, *id, std::move(respond), operator_json);
  respond(api::not_found());
}

/// Entities held in entity_owners per (node, incarnation): {"conversation": n, ...}.
using owned_map = std::map<std::pair<std::string, int64_t>, json>;

owned_map owned_by_node(const persistence::result_set& rs) {
  owned_map out;
  for (const auto& c : persistence::queries::cluster::read_owned_counts(rs)) {
    auto& doc = out[{c.node_id, c.incarnation}];
    if (doc.is_null())
      doc = {{"conversation", 0}, {"inbox", 0}, {"operator", 0}};
    doc[c.kind] = c.count;
  }
  return out;
}

json cluster_doc(const ops_sources& src, const actors::cluster_view& view,
                 const actors::entity_counts& counts, const owned_map& owned,
                 const std::vector<queries::cluster_node_row>& rows) {
  json self = {{"id", src.node_id},
               {"http_addr", src.http_addr},
               {"cluster_addr", src.cluster_addr},
               {"incarnation", view.self_incarnation},
               {"joined", view.joined},
               {"live_actors", counts_json(counts)}};
  json nodes = json::array();
  for (const auto& row : rows) {
    auto node = cluster_row_json(row);
    bool is_self = row.node_id == src.node_id;
    node["self"] = is_self;
    bool connected = is_self;
    for (const auto& m : view.members)
      if (m.node_id == row.node_id && m.incarnation == row.incarnation && m.gateway)
        connected = true;
    node["connected"] = connected;
    auto it = owned.find({row.node_id, row.incarnation});
    node["owned"]
      = it != owned.end() ? it->second : json{{"conversation", 0}, {"inbox", 0}, {"operator", 0}};
    nodes.push_back(node);
  }
  return {{"node", src.node_id}, {"self", self}, {"nodes", nodes}};
}

/// The nodes of cluster_nodes with, per node, whether this node is connected to it and the
/// entities it owns (entity_owners), plus this node's own view.
void get_cluster(const ops_sources& src, responder respond) {
  auto fail = [respond](caf::error& err) { respond(api::error_response(err)); };
  ask(
    *src.sys, src.membership, timeout,
    [src, respond, fail](actors::cluster_view& view) {
      ask(
        *src.sys, src.registry, timeout,
        [src, respond, fail, view](actors::entity_counts& counts) {
          ask(
            *src.sys, src.reader, timeout,
            [src, respond, view, counts](persistence::result_set& rs) {
              auto owned = owned_by_node(rs);
              with_cluster_rows(src, [=](auto rows, std::string error) {
                auto doc = cluster_doc(src, view, counts, owned, rows);
                if (!error.empty())
                  doc["cluster_error"] = error;
                respond(ok(doc));
              });
            },
            fail, actors::query_atom_v, persistence::queries::cluster::owned_counts());
        },
        fail, actors::count_atom_v);
    },
    fail, actors::view_atom_v);
}

/// Values read at scrape time (live actors, writer queue, cluster members), then everything.
void get_metrics(const ops_sources& src, responder respond) {
  auto finish = [respond] {
    http_response res;
    res.status = 200;
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    res.body = metrics::render();
    respond(std::move(res));
  };
  auto with_writer = [src, finish] {
    ask(
      *src.sys, src.writer, timeout,
      [src, finish](actors::writer_stats& stats) {
        metrics::gauge_of("messenger_persistence_queue_pending",
                          "Write commands queued behind the batch in flight")
          .set(static_cast<int64_t>(stats.pending));
        with_cluster_rows(src, [finish](auto rows, std::string) {
          int64_t live = 0;
          for (const auto& row : rows)
            live += row.live && row.status == "up" ? 1 : 0;
          metrics::gauge_of("messenger_cluster_members", "Nodes with a live lease in cluster_nodes")
            .set(live);
          finish();
        });
      },
      [finish](caf::error&) { finish(); }, actors::stats_atom_v);
  };
  ask(
    *src.sys, src.registry, timeout,
    [with_writer](actors::entity_counts& counts) {
      auto live = [](const char* kind, uint64_t n) {
        metrics::gauge_of("messenger_actors_live", "Live entity actors on this node",
                          metrics::label("kind", kind))
          .set(static_cast<int64_t>(n));
      };
      live("conversation", counts.conversations);
      live("inbox", counts.inboxes);
      live("operator", counts.operators);
      with_writer();
    },
    [with_writer](caf::error&) { with_writer(); }, actors::count_atom_v);
}

} // namespace

void add_ops_routes(router& routes, ops_sources src) {
  routes.add("GET", "/ops", [](http_request&, responder respond) {
    http_response res;
    res.content_type = "text/html; charset=utf-8";
    res.body = console_html();
    res.headers.emplace_back("Cache-Control", "no-store");
    res.headers.emplace_back("X-Frame-Options", "DENY");
    respond(std::move(res));
  });
  routes.add("GET", "/ops/api/actors",
             platform_only(src, [src](http_request& req, responder respond) {
               get_actors(src, req, std::move(respond));
             }));
  routes.add("GET", "/ops/api/actors/:kind/:id",
             platform_only(src, [src](http_request& req, responder respond) {
               get_entity(src, req, std::move(respond));
             }));
  routes.add("GET", "/ops/api/cluster", platform_only(src, [src](http_request&, responder respond) {
               get_cluster(src, std::move(respond));
             }));
  routes.add("GET", "/metrics", platform_only(src, [src](http_request&, responder respond) {
               get_metrics(src, std::move(respond));
             }));
}

} // namespace messenger::net::ops
