#pragma once

// Typed actor handles exported across folders. An untyped caf::actor never leaves a .cpp.

#include "actors/message_types.hpp"

#include <caf/typed_actor.hpp>

namespace messenger::actors {

/// Group-commit writer: replies only after the command's transaction committed.
using writer_actor = caf::typed_actor<
  caf::replies_to<write_atom, persistence::write_command>::with<persistence::write_result>,
  caf::replies_to<stats_atom>::with<writer_stats>, caf::replies_to<drain_atom>::with<writer_stats>>;

/// The blocking half of the writer: one connection, one batch at a time (detached).
using committer_actor = caf::typed_actor<
  caf::replies_to<batch_atom, std::vector<persistence::write_command>>::with<batch_outcome>>;

/// Read queries (pool of connections) and the database health probe.
using reader_actor = caf::typed_actor<
  caf::replies_to<query_atom, persistence::statement>::with<persistence::result_set>,
  caf::replies_to<health_atom>::with<db_health>>;

/// This node's membership row in cluster_nodes (join, lease heartbeat, leave), the live
/// members read every heartbeat (or at once on `refresh`), the middleman connections to
/// them, and the self-fence when the lease cannot be renewed in time.
using membership_actor = caf::typed_actor<
  caf::replies_to<join_atom>::with<node_status>, caf::reacts_to<heartbeat_atom, uint64_t>,
  caf::replies_to<status_atom>::with<node_status>, caf::replies_to<leave_atom>::with<node_status>,
  caf::reacts_to<refresh_atom>, caf::replies_to<view_atom>::with<cluster_view>,
  caf::reacts_to<fence_atom, uint64_t>>;

/// Holds the session lock that tells peers this incarnation is alive, on a connection of
/// its own (detached): `lock` answers whether it holds the lock of that incarnation now.
using liveness_actor = caf::typed_actor<caf::replies_to<lock_atom, int64_t>::with<bool>>;

} // namespace messenger::actors

namespace messenger::actors {

/// Loads entity state and commits entity writes. pg_store (production) turns these into
/// SQL for the writer/reader; tests of pure actor logic use a memory store.
using store_actor = caf::typed_actor<
  caf::replies_to<load_atom, conversation_atom, int64_t>::with<conversation_row>,
  caf::replies_to<load_atom, inbox_atom, int64_t>::with<inbox_row>,
  caf::replies_to<load_atom, operator_atom, int64_t>::with<operator_row>,
  caf::replies_to<save_atom, conversation_write>::with<message_row>,
  caf::replies_to<save_atom, inbox_atom, inbox_row>::with<bool>,
  caf::replies_to<report_atom, reporting_row>::with<bool>,
  caf::replies_to<snoozed_atom>::with<std::vector<int64_t>>,
  caf::replies_to<create_atom, conversation_row>::with<conversation_row>,
  caf::replies_to<save_atom, int64_t, operator_account>::with<bool>,
  caf::replies_to<acquire_atom, uint8_t, int64_t, std::string, int64_t>::with<int64_t>,
  caf::reacts_to<release_atom, uint8_t, int64_t>, caf::reacts_to<fence_atom>>;

/// Receives every published event (realtime fan-out, reporting, webhooks, activity).
using listener_actor = caf::typed_actor<caf::reacts_to<event_atom, domain_event>>;

/// The one place events are published. Fan-out is asynchronous: a slow or failing
/// listener never blocks the publisher.
using dispatcher_actor = caf::typed_actor<caf::reacts_to<publish_atom, domain_event>,
                                          caf::reacts_to<subscribe_atom, listener_actor>>;

/// The single writer of one conversation.
using conversation_actor
  = caf::typed_actor<caf::replies_to<message_atom, message_command>::with<message_row>,
                     caf::replies_to<toggle_atom, status_command>::with<conversation_row>,
                     caf::replies_to<priority_atom, priority_command>::with<conversation_row>,
                     caf::replies_to<assign_atom, assign_command>::with<conversation_row>,
                     caf::replies_to<auto_assign_atom, auto_assign_command>::with<bool>,
                     caf::replies_to<seen_atom, int64_t>::with<conversation_row>,
                     caf::replies_to<contact_seen_atom>::with<conversation_row>,
                     caf::replies_to<unread_atom>::with<conversation_row>,
                     caf::replies_to<typing_atom, typing_command>::with<bool>,
                     caf::replies_to<labels_atom, labels_command>::with<conversation_row>,
                     caf::replies_to<attributes_atom, attributes_command>::with<conversation_row>,
                     caf::replies_to<team_atom, team_command>::with<conversation_row>,
                     caf::replies_to<delete_atom, delete_message_command>::with<message_row>,
                     caf::replies_to<get_atom>::with<conversation_row>,
                     caf::reacts_to<snooze_due_atom, uint64_t>, caf::reacts_to<idle_atom, uint64_t>,
                     caf::replies_to<retire_atom>::with<bool>,
                     caf::replies_to<inspect_atom>::with<conversation_view>>;

/// Owns an inbox's round-robin ring, assignment rate limiter and waiting queue.
using inbox_actor = caf::typed_actor<
  caf::replies_to<create_atom, conversation_row>::with<conversation_row>,
  caf::reacts_to<want_agent_atom, agent_request>, caf::reacts_to<member_atom, inbox_member_change>,
  caf::reacts_to<eligible_atom, eligibility_change>, caf::reacts_to<toggle_atom, bool>,
  caf::replies_to<inspect_atom>::with<inbox_view>, caf::reacts_to<rate_window_atom, uint64_t>,
  caf::reacts_to<idle_atom, uint64_t>, caf::replies_to<retire_atom>::with<bool>>;

/// An agent: presence per account, availability, auto_offline; tells its inboxes when
/// its eligibility for auto-assignment changes.
using operator_actor
  = caf::typed_actor<caf::replies_to<presence_atom, int64_t>::with<operator_view>,
                     caf::replies_to<connection_atom, connection_change>::with<operator_view>,
                     caf::replies_to<availability_atom, availability_command>::with<operator_view>,
                     caf::replies_to<member_atom, operator_member_change>::with<operator_view>,
                     caf::replies_to<eligible_atom, int64_t>::with<bool>,
                     caf::replies_to<get_atom>::with<operator_view>,
                     caf::reacts_to<presence_expiry_atom, uint64_t>,
                     caf::reacts_to<idle_atom, uint64_t>>;

/// Maps (kind, id) to the entity's actor, spawning (after loading its state) on first
/// use. Callers never spawn entities themselves. In a cluster the registry places (kind,
/// id) on one live member by rendezvous hashing: a local owner is activated here (after
/// acquiring its entity_owners row), a remote one is asked of its node's gateway
/// (`activate`), and the answer is the same handle type either way.
/// Deletes go through `retire` (scope as `retire_scope`, id): the live entities in the
/// scope finish their writes in flight and stop, and none in the scope is activated again
/// until the matching `release` (after the delete committed or failed). The answer is the
/// number of live entities that were stopped.
using registry_actor = caf::typed_actor<
  caf::replies_to<conversation_atom, int64_t>::with<conversation_actor>,
  caf::replies_to<inbox_atom, int64_t>::with<inbox_actor>,
  caf::replies_to<operator_atom, int64_t>::with<operator_actor>,
  caf::replies_to<passivate_atom, uint8_t, int64_t, caf::actor_addr>::with<bool>,
  caf::replies_to<count_atom>::with<entity_counts>,
  caf::replies_to<retire_atom, uint8_t, int64_t>::with<uint64_t>,
  caf::reacts_to<release_atom, uint8_t, int64_t>,
  // From this node's gateway: activate here, whatever placement says.
  caf::replies_to<activate_atom, conversation_atom, int64_t>::with<conversation_actor>,
  caf::replies_to<activate_atom, inbox_atom, int64_t>::with<inbox_actor>,
  caf::replies_to<activate_atom, operator_atom, int64_t>::with<operator_actor>,
  caf::replies_to<retire_atom, uint8_t, int64_t, local_atom>::with<uint64_t>,
  caf::reacts_to<release_atom, uint8_t, int64_t, local_atom>,
  // From membership: the live members; a self-fence stops every entity.
  caf::reacts_to<view_atom, cluster_view>, caf::reacts_to<fence_atom>,
  // Graceful shutdown: every live entity hands over; nothing activates here afterwards.
  caf::replies_to<drain_atom>::with<entity_counts>,
  // Internal: an acquire refused while the previous owner hands over.
  caf::reacts_to<acquire_atom, uint8_t, int64_t>>;

/// What one node publishes on its cluster address (CAF middleman) for its peers:
/// activation of the entities placed here, deletes' retire/release, and the events for
/// every node's realtime subscribers. Locally it is the dispatcher's listener that feeds
/// the realtime hub: each broadcast event is numbered (`stream_id`) by its account's
/// sequencer node (`sequence`), which hands it to every node (`relay`), so SSE ids are the
/// same on every node.
using gateway_actor = caf::typed_actor<
  caf::replies_to<activate_atom, conversation_atom, int64_t>::with<conversation_actor>,
  caf::replies_to<activate_atom, inbox_atom, int64_t>::with<inbox_actor>,
  caf::replies_to<activate_atom, operator_atom, int64_t>::with<operator_actor>,
  caf::replies_to<retire_atom, uint8_t, int64_t>::with<uint64_t>,
  caf::reacts_to<release_atom, uint8_t, int64_t>, caf::reacts_to<event_atom, domain_event>,
  caf::reacts_to<relay_atom, domain_event>, caf::reacts_to<sequence_atom, domain_event>,
  caf::reacts_to<subscribe_atom, listener_actor>, caf::reacts_to<view_atom, cluster_view>>;

} // namespace messenger::actors
