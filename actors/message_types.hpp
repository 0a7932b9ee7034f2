#pragma once

// THE type-ID block of messenger: every atom and every type that crosses an actor
// (and later a node) boundary is declared here, with an inspect() overload, and
// registered once in actors/system_config.cpp. Append only: ids are wire format.

#include "actors/records.hpp"
#include "persistence/sql.hpp"

#include <caf/all.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace messenger::actors {

/// Live state of an inbox actor for the ops console and tests.
struct inbox_view {
  int64_t inbox_id = 0;
  std::vector<int64_t> ring;       ///< next to be picked first
  std::vector<int64_t> rate_users; ///< parallel to rate_counts
  std::vector<uint32_t> rate_counts;
  std::vector<int64_t> queue;    ///< conversations waiting for an agent, oldest first
  std::vector<int64_t> eligible; ///< members eligible right now
  uint32_t rate_limit = 0;       ///< assignments per agent per window
  int64_t rate_window_s = 0;     ///< the sliding window's length
  int64_t now = 0;               ///< the actor's time of this view (microseconds)
  bool auto_assignment = false;
  uint64_t mailbox = 0; ///< messages waiting in the actor's mailbox (approximate)
};

/// Live state of an operator (agent) actor.
struct operator_view {
  int64_t user_id = 0;
  std::vector<int64_t> accounts;
  std::vector<std::string> statuses;   ///< availability_status per account (parallel)
  std::vector<uint32_t> connections;   ///< per account (parallel)
  std::vector<std::string> configured; ///< account_users.availability per account (parallel)
  std::vector<uint8_t> auto_offline;   ///< per account (parallel)
  std::vector<int64_t> last_ping;      ///< microseconds, 0 = never (parallel)
  int64_t now = 0;                     ///< the actor's time of this view (microseconds)
  int64_t presence_duration_s = 0;
  uint64_t mailbox = 0; ///< messages waiting in the actor's mailbox (approximate)
};

/// Live state of a conversation actor (ops console): the row it owns plus what only the
/// actor knows.
struct conversation_view {
  conversation_row row;
  uint64_t flood_count = 0; ///< messages inside the current 60 s flood window
  uint64_t flood_limit = 0;
  int64_t snooze_due = 0; ///< when the armed snooze timer fires (microseconds), 0 = none
  int64_t now = 0;        ///< the actor's time of this view (microseconds)
  uint64_t mailbox = 0;   ///< messages waiting in the actor's mailbox (approximate)
};

/// Number of live entity actors per kind on this node.
struct entity_counts {
  uint64_t conversations = 0;
  uint64_t inboxes = 0;
  uint64_t operators = 0;
};

/// What the writer collector hands to the committer, and gets back.
struct batch_outcome {
  std::vector<persistence::write_result> results; ///< one per command, empty on error
  std::vector<uint8_t> codes;                     ///< 0 = committed, else messenger::errc
  std::vector<std::string> details;               ///< error detail per command
  std::vector<std::string> constraints;           ///< violated constraint per command, or ""
  uint64_t transactions_committed = 0;
  uint64_t transactions_rolled_back = 0;
  bool connected = false;
  int32_t backend_pid = 0;
};

/// Counters of the persistence writer (ops console, tests).
struct writer_stats {
  uint64_t commands_received = 0;
  uint64_t commands_committed = 0;
  uint64_t commands_failed = 0;
  uint64_t batches = 0;
  uint64_t transactions_committed = 0;
  uint64_t transactions_rolled_back = 0;
  uint64_t max_batch_size = 0;
  uint64_t pending = 0;   ///< queued, waiting for the in-flight batch
  uint64_t in_flight = 0; ///< commands of the batch being executed
  bool connected = false;
  int32_t backend_pid = 0;
};

/// Database health as seen by a reader (readyz).
struct db_health {
  bool reachable = false;
  std::string detail;
};

/// This node's cluster membership (readyz, ops).
struct node_status {
  std::string node_id;
  int64_t incarnation = 0;
  bool joined = false;
  std::string lease_until;
};

/// A live member of the cluster as this node sees it.
struct cluster_member {
  std::string node_id;
  int64_t incarnation = 0;
  std::string cluster_addr;
  /// The member's gateway (cluster/gateway.hpp); null while this node has no middleman
  /// connection to it. Self: the local gateway.
  caf::strong_actor_ptr gateway;
};

/// What placement needs: who this node is and the live members (self included), ordered
/// by node id. Entities are placed by rendezvous hashing over the members' ids.
struct cluster_view {
  std::string self_id;
  int64_t self_incarnation = 0;
  bool joined = false;
  std::vector<cluster_member> members;
};

} // namespace messenger::actors

namespace messenger::persistence {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sql_value& x) {
  return f(caf::meta::type_name("messenger::persistence::sql_value"), x.is_null, x.text);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, statement& x) {
  return f(caf::meta::type_name("messenger::persistence::statement"), x.sql, x.params,
           x.plan_each_time);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, result_set& x) {
  return f(caf::meta::type_name("messenger::persistence::result_set"), x.columns, x.rows,
           x.affected_rows);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write_command& x) {
  return f(caf::meta::type_name("messenger::persistence::write_command"), x.statements);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write_result& x) {
  return f(caf::meta::type_name("messenger::persistence::write_result"), x.results);
}

} // namespace messenger::persistence

namespace messenger::actors {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, inbox_view& x) {
  return f(caf::meta::type_name("messenger::actors::inbox_view"), x.inbox_id, x.ring, x.rate_users,
           x.rate_counts, x.queue, x.eligible, x.rate_limit, x.rate_window_s, x.now,
           x.auto_assignment, x.mailbox);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, operator_view& x) {
  return f(caf::meta::type_name("messenger::actors::operator_view"), x.user_id, x.accounts,
           x.statuses, x.connections, x.configured, x.auto_offline, x.last_ping, x.now,
           x.presence_duration_s, x.mailbox);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, conversation_view& x) {
  return f(caf::meta::type_name("messenger::actors::conversation_view"), x.row, x.flood_count,
           x.flood_limit, x.snooze_due, x.now, x.mailbox);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, entity_counts& x) {
  return f(caf::meta::type_name("messenger::actors::entity_counts"), x.conversations, x.inboxes,
           x.operators);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, batch_outcome& x) {
  return f(caf::meta::type_name("messenger::actors::batch_outcome"), x.results, x.codes, x.details,
           x.constraints, x.transactions_committed, x.transactions_rolled_back, x.connected,
           x.backend_pid);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, writer_stats& x) {
  return f(caf::meta::type_name("messenger::actors::writer_stats"), x.commands_received,
           x.commands_committed, x.commands_failed, x.batches, x.transactions_committed,
           x.transactions_rolled_back, x.max_batch_size, x.pending, x.in_flight, x.connected,
           x.backend_pid);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, db_health& x) {
  return f(caf::meta::type_name("messenger::actors::db_health"), x.reachable, x.detail);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_status& x) {
  return f(caf::meta::type_name("messenger::actors::node_status"), x.node_id, x.incarnation,
           x.joined, x.lease_until);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_member& x) {
  return f(caf::meta::type_name("messenger::actors::cluster_member"), x.node_id, x.incarnation,
           x.cluster_addr, x.gateway);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_view& x) {
  return f(caf::meta::type_name("messenger::actors::cluster_view"), x.self_id, x.self_incarnation,
           x.joined, x.members);
}

} // namespace messenger::actors

CAF_BEGIN_TYPE_ID_BLOCK(messenger, caf::first_custom_type_id)

  CAF_ADD_TYPE_ID(messenger, (messenger::persistence::sql_value))
  CAF_ADD_TYPE_ID(messenger, (messenger::persistence::statement))
  CAF_ADD_TYPE_ID(messenger, (messenger::persistence::result_set))
  CAF_ADD_TYPE_ID(messenger, (messenger::persistence::write_command))
  CAF_ADD_TYPE_ID(messenger, (messenger::persistence::write_result))
  CAF_ADD_TYPE_ID(messenger, (std::vector<messenger::persistence::write_command>) )
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::batch_outcome))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::writer_stats))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::db_health))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::node_status))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::conversation_row))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::message_row))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::reporting_row))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::conversation_write))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::inbox_row))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::operator_row))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::performer))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::message_command))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::status_command))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::domain_event))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::inbox_view))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::operator_view))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::entity_counts))
  CAF_ADD_TYPE_ID(messenger, (std::vector<int64_t>) )
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::operator_account))

  CAF_ADD_ATOM(messenger, messenger::actors, write_atom, "write")
  CAF_ADD_ATOM(messenger, messenger::actors, batch_atom, "batch")
  CAF_ADD_ATOM(messenger, messenger::actors, query_atom, "query")
  CAF_ADD_ATOM(messenger, messenger::actors, stats_atom, "stats")
  CAF_ADD_ATOM(messenger, messenger::actors, health_atom, "health")
  CAF_ADD_ATOM(messenger, messenger::actors, join_atom, "join")
  CAF_ADD_ATOM(messenger, messenger::actors, leave_atom, "leave")
  CAF_ADD_ATOM(messenger, messenger::actors, heartbeat_atom, "heartbeat")
  CAF_ADD_ATOM(messenger, messenger::actors, status_atom, "status")
  CAF_ADD_ATOM(messenger, messenger::actors, drain_atom, "drain")
  CAF_ADD_ATOM(messenger, messenger::actors, load_atom, "load")
  CAF_ADD_ATOM(messenger, messenger::actors, save_atom, "save")
  CAF_ADD_ATOM(messenger, messenger::actors, report_atom, "report")
  CAF_ADD_ATOM(messenger, messenger::actors, snoozed_atom, "snoozed")
  CAF_ADD_ATOM(messenger, messenger::actors, conversation_atom, "convers")
  CAF_ADD_ATOM(messenger, messenger::actors, inbox_atom, "inbox")
  CAF_ADD_ATOM(messenger, messenger::actors, operator_atom, "operator")
  CAF_ADD_ATOM(messenger, messenger::actors, message_atom, "message")
  CAF_ADD_ATOM(messenger, messenger::actors, toggle_atom, "toggle")
  CAF_ADD_ATOM(messenger, messenger::actors, priority_atom, "priority")
  CAF_ADD_ATOM(messenger, messenger::actors, assign_atom, "assign")
  CAF_ADD_ATOM(messenger, messenger::actors, auto_assign_atom, "autoassign")
  CAF_ADD_ATOM(messenger, messenger::actors, seen_atom, "seen")
  CAF_ADD_ATOM(messenger, messenger::actors, contact_seen_atom, "cseen")
  CAF_ADD_ATOM(messenger, messenger::actors, unread_atom, "unread")
  CAF_ADD_ATOM(messenger, messenger::actors, typing_atom, "typing")
  CAF_ADD_ATOM(messenger, messenger::actors, labels_atom, "labels")
  CAF_ADD_ATOM(messenger, messenger::actors, attributes_atom, "attrs")
  CAF_ADD_ATOM(messenger, messenger::actors, idle_atom, "idle")
  CAF_ADD_ATOM(messenger, messenger::actors, passivate_atom, "passivate")
  CAF_ADD_ATOM(messenger, messenger::actors, want_agent_atom, "wantagent")
  CAF_ADD_ATOM(messenger, messenger::actors, member_atom, "member")
  CAF_ADD_ATOM(messenger, messenger::actors, eligible_atom, "eligible")
  CAF_ADD_ATOM(messenger, messenger::actors, inspect_atom, "inspect")
  CAF_ADD_ATOM(messenger, messenger::actors, presence_atom, "presence")
  CAF_ADD_ATOM(messenger, messenger::actors, connection_atom, "connection")
  CAF_ADD_ATOM(messenger, messenger::actors, availability_atom, "avail")
  CAF_ADD_ATOM(messenger, messenger::actors, publish_atom, "publish")
  CAF_ADD_ATOM(messenger, messenger::actors, subscribe_atom, "subscribe")
  CAF_ADD_ATOM(messenger, messenger::actors, event_atom, "event")
  CAF_ADD_ATOM(messenger, messenger::actors, count_atom, "count")
  CAF_ADD_ATOM(messenger, messenger::actors, create_atom, "create")
  CAF_ADD_ATOM(messenger, messenger::actors, team_atom, "team")
  CAF_ADD_ATOM(messenger, messenger::actors, retire_atom, "retire")
  CAF_ADD_ATOM(messenger, messenger::actors, release_atom, "release")
  CAF_ADD_ATOM(messenger, messenger::actors, delete_atom, "delete")
  // Timers: one atom per meaning.
  CAF_ADD_ATOM(messenger, messenger::actors, snooze_due_atom, "snoozedue")
  CAF_ADD_ATOM(messenger, messenger::actors, rate_window_atom, "ratewindow")
  CAF_ADD_ATOM(messenger, messenger::actors, presence_expiry_atom, "pexpiry")
  CAF_ADD_ATOM(messenger, messenger::actors, retry_atom, "retry")
  CAF_ADD_ATOM(messenger, messenger::actors, presence_flush_atom, "pflush")
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::conversation_view))
  // Commands as named records (appended).
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::priority_command))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::assign_command))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::auto_assign_command))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::typing_command))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::labels_command))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::attributes_command))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::team_command))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::delete_message_command))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::agent_request))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::inbox_member_change))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::eligibility_change))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::connection_change))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::availability_command))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::operator_member_change))
  // Cluster (issue 11).
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::cluster_member))
  CAF_ADD_TYPE_ID(messenger, (messenger::actors::cluster_view))
  CAF_ADD_ATOM(messenger, messenger::actors, activate_atom, "activate")
  CAF_ADD_ATOM(messenger, messenger::actors, view_atom, "view")
  CAF_ADD_ATOM(messenger, messenger::actors, fence_atom, "fence")
  CAF_ADD_ATOM(messenger, messenger::actors, local_atom, "local")
  CAF_ADD_ATOM(messenger, messenger::actors, acquire_atom, "acquire")
  CAF_ADD_ATOM(messenger, messenger::actors, refresh_atom, "refresh")
  CAF_ADD_ATOM(messenger, messenger::actors, relay_atom, "relay")
  CAF_ADD_ATOM(messenger, messenger::actors, lock_atom, "lock")
  CAF_ADD_ATOM(messenger, messenger::actors, sequence_atom, "sequence")

CAF_END_TYPE_ID_BLOCK(messenger)

namespace messenger::actors {
using caf::get_atom;
using caf::get_atom_v;
} // namespace messenger::actors
