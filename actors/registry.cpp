#include "actors/registry.hpp"

#include "actors/conversation_actor.hpp"
#include "actors/entity_metrics.hpp"
#include "actors/errors.hpp"
#include "actors/inbox_actor.hpp"
#include "actors/operator_actor.hpp"
#include "actors/registry_state.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <map>
#include <memory>

namespace messenger::actors {

namespace registry_detail {

entity_keys keys_of(const conversation_row& row) {
  return {row.account_id, row.inbox_id, row.contact_id};
}
entity_keys keys_of(const inbox_row& row) {
  return {row.account_id, row.id, 0};
}
entity_keys keys_of(const operator_row&) {
  return {};
}

/// Whether the entity (`kind`, `id`, `keys`) is inside a retire scope.
bool in_scope(retire_scope scope, int64_t scope_id, entity_kind kind, int64_t id,
              const entity_keys& keys) {
  switch (scope) {
    case retire_scope::conversation:
      return kind == entity_kind::conversation && id == scope_id;
    case retire_scope::inbox:
      return (kind == entity_kind::conversation && keys.inbox == scope_id)
             || (kind == entity_kind::inbox && id == scope_id);
    case retire_scope::contact:
      return kind == entity_kind::conversation && keys.contact == scope_id;
    case retire_scope::account:
      return kind != entity_kind::operator_ && keys.account == scope_id;
  }
  return false;
}

/// Whether a freshly loaded entity must not be activated (see registry_state).
bool doomed(const registry_state& st, entity_kind kind, int64_t id, const entity_keys& keys,
            uint64_t load_started) {
  for (const auto& b : st.blocked)
    if (in_scope(b.scope, b.id, kind, id, keys))
      return true;
  for (const auto& h : st.history)
    if (h.epoch > load_started && in_scope(h.scope, h.id, kind, id, keys))
      return true;
  return false;
}

template <class Handle>
uint64_t oldest_load(const entity_table<Handle>& tab, uint64_t now) {
  for (const auto& [_, started] : tab.load_epoch)
    now = std::min(now, started);
  return now;
}

/// Drops the retire records no load in progress can still be affected by.
void prune_history(registry_state& st) {
  auto oldest = oldest_load(st.conversations, st.epoch);
  oldest = oldest_load(st.inboxes, oldest);
  std::erase_if(st.history, [&](const retire_record& r) { return r.epoch <= oldest; });
}

/// Delivers `fill(pending)` to every request waiting for the load of `id` and ends it.
template <class Handle, class Fill>
void finish_load(pointer self, entity_table<Handle> registry_state::*table, int64_t id,
                 Fill&& deliver_all) {
  auto& t = self->state.*table;
  auto pending = std::move(t.loading[id]);
  t.loading.erase(id);
  t.load_epoch.erase(id);
  t.acquire_attempt.erase(id);
  prune_history(self->state);
  deliver_all(pending);
}

template <class Handle>
void fail_load(pointer self, entity_table<Handle> registry_state::*table, int64_t id,
               const caf::error& err) {
  finish_load(self, table, id, [&](auto& pending) {
    for (auto& p : pending)
      p.deliver(err);
  });
}

template <class Handle, class Row, class Kind, class Spawn>
void load_and_spawn(pointer self, entity_table<Handle> registry_state::*table, Kind kind,
                    entity_kind entity, int64_t id, Spawn spawn_fn);

/// In a cluster, activation first takes the entity's entity_owners row (a new epoch that
/// fences every earlier owner's writes); refused while a live node still holds it, it is
/// retried (`acquire_atom` to self) while that node hands it over.
template <class Handle, class Row, class Kind, class Spawn>
void acquire_then_load(pointer self, entity_table<Handle> registry_state::*table, Kind kind,
                       entity_kind entity, int64_t id, Spawn spawn_fn) {
  auto& st = self->state;
  if (st.draining)
    return fail_load(self, table, id,
                     to_caf_error({errc::owner_unreachable, "this node is shutting down"}));
  if (!st.ctx.options.owned_entities)
    return load_and_spawn<Handle, Row>(self, table, kind, entity, id, spawn_fn);
  if (!st.view.joined)
    return fail_load(self, table, id,
                     to_caf_error({errc::owner_unreachable, "this node has not joined"}));
  auto code = static_cast<uint8_t>(entity);
  auto fences = st.fences;
  self
    ->request(st.ctx.store, timeout, acquire_atom_v, code, id, st.view.self_id,
              st.view.self_incarnation)
    .then(
      [=](int64_t) {
        if (self->state.fences != fences) // fenced meanwhile: the store forgot that epoch
          return fail_load(self, table, id,
                           to_caf_error({errc::owner_unreachable, "this node fenced itself"}));
        load_and_spawn<Handle, Row>(self, table, kind, entity, id, spawn_fn);
      },
      [=](caf::error& err) {
        auto& t = self->state.*table;
        if (from_caf_error(err).code == errc::fenced && t.loading.count(id) != 0
            && ++t.acquire_attempt[id] < acquire_attempts) {
          self->delayed_send(self, acquire_retry, acquire_atom_v, code, id);
          return;
        }
        fail_load(self, table, id, err);
      });
}

/// Starts the activation of a local entity (or joins the one under way).
template <class Handle, class Row, class Kind, class Spawn>
caf::result<Handle> activate(pointer self, entity_table<Handle> registry_state::*table, Kind kind,
                             entity_kind entity, int64_t id, Spawn spawn_fn) {
  auto& tab = self->state.*table;
  if (auto it = tab.live.find(id); it != tab.live.end())
    return it->second;
  auto promise = self->make_response_promise<Handle>();
  auto& waiting = tab.loading[id];
  waiting.push_back(promise);
  if (waiting.size() > 1)
    return promise; // a load is already under way
  tab.load_epoch[id] = self->state.epoch;
  acquire_then_load<Handle, Row>(self, table, kind, entity, id, spawn_fn);
  return promise;
}

template <class Handle, class Row, class Kind, class Spawn>
void load_and_spawn(pointer self, entity_table<Handle> registry_state::*table, Kind kind,
                    entity_kind entity, int64_t id, Spawn spawn_fn) {
  auto finish = [=](auto&& deliver_all) { finish_load(self, table, id, deliver_all); };
  auto fences = self->state.fences;
  self->request(self->state.ctx.store, timeout, load_atom_v, kind, id)
    .then(
      [=](Row& row) {
        auto& st = self->state;
        auto keys = keys_of(row);
        if (st.fences != fences) // a self-fence while loading: its epoch is void
          return fail_load(self, table, id,
                           to_caf_error({errc::owner_unreachable, "this node fenced itself"}));
        if (st.draining) // its row goes with the node's leave
          return fail_load(self, table, id,
                           to_caf_error({errc::owner_unreachable, "this node is shutting down"}));
        if (doomed(st, entity, id, keys, (st.*table).load_epoch[id])) {
          finish([](auto& pending) {
            for (auto& p : pending)
              p.deliver(to_caf_error({errc::not_found, "Resource could not be found"}));
          });
          return;
        }
        auto hdl = spawn_fn(self, std::move(row), st.ctx);
        entity_spawns(entity).inc();
        self->monitor(hdl);
        (st.*table).live[id] = hdl;
        (st.*table).keys[id] = keys;
        finish([&](auto& pending) {
          for (auto& p : pending)
            p.deliver(hdl);
        });
      },
      [=](caf::error& err) {
        finish([&](auto& pending) {
          for (auto& p : pending)
            p.deliver(err);
        });
      });
}

/// Asks the owner's gateway for the entity's handle (cached until it goes down or the
/// members change).
template <class Handle, class Kind>
caf::result<Handle> resolve_remote(pointer self, const cluster_member& owner, Kind kind,
                                   entity_kind entity, int64_t id) {
  auto key = std::pair{static_cast<uint8_t>(entity), id};
  auto& st = self->state;
  if (auto it = st.remote.find(key); it != st.remote.end())
    return caf::actor_cast<Handle>(it->second);
  if (!owner.gateway)
    return to_caf_error({errc::owner_unreachable, "node " + owner.node_id + " is not connected"});
  auto promise = self->make_response_promise<Handle>();
  auto gateway = caf::actor_cast<gateway_actor>(owner.gateway);
  auto addr = caf::actor_cast<caf::actor_addr>(owner.gateway);
  if (st.watched_gateways.insert(addr).second)
    self->monitor(gateway);
  auto ticket = ++st.next_ticket;
  st.asked_peers.emplace(
    ticket,
    registry_state::awaiting{addr, [promise](const caf::error& e) mutable { promise.deliver(e); }});
  self->request(gateway, peer_timeout, activate_atom_v, kind, id)
    .then(
      [=](Handle& hdl) mutable {
        if (self->state.asked_peers.erase(ticket) == 0)
          return; // already failed: the gateway went down
        if (hdl) {
          self->monitor(hdl);
          self->state.remote[key] = caf::actor_cast<caf::strong_actor_ptr>(hdl);
        }
        promise.deliver(hdl);
      },
      [=](caf::error& err) mutable {
        if (self->state.asked_peers.erase(ticket) != 0)
          promise.deliver(err);
      });
  return promise;
}

/// The entity's handle: activated here, or asked of the owning node.
template <class Handle, class Row, class Kind, class Spawn>
caf::result<Handle> resolve(pointer self, entity_table<Handle> registry_state::*table, Kind kind,
                            entity_kind entity, int64_t id, Spawn spawn_fn) {
  if (const auto* owner = remote_owner(self->state, entity, id))
    return resolve_remote<Handle>(self, *owner, kind, entity, id);
  return activate<Handle, Row>(self, table, kind, entity, id, spawn_fn);
}

/// Moves the live entities inside the scope out of `tab` into `out` (the caller asks each to
/// retire: finish its writes in flight, then stop).
template <class Handle>
void retire_live(entity_table<Handle>& tab, entity_kind kind, retire_scope scope, int64_t scope_id,
                 std::vector<Handle>& out) {
  for (auto it = tab.live.begin(); it != tab.live.end();) {
    auto keys = tab.keys[it->first];
    if (in_scope(scope, scope_id, kind, it->first, keys)) {
      out.push_back(it->second);
      tab.keys.erase(it->first);
      it = tab.live.erase(it);
    } else {
      ++it;
    }
  }
}

template <class Handle>
bool erase_if_current(entity_table<Handle>& tab, int64_t id, const caf::actor_addr& addr) {
  auto it = tab.live.find(id);
  if (it == tab.live.end() || it->second.address() != addr)
    return false;
  tab.live.erase(it);
  tab.keys.erase(id);
  return true;
}

template <class Handle>
void erase_by_address(entity_table<Handle>& tab, const caf::actor_addr& addr) {
  for (auto it = tab.live.begin(); it != tab.live.end(); ++it)
    if (it->second.address() == addr) {
      tab.keys.erase(it->first);
      tab.live.erase(it);
      return;
    }
}

bool erase_entity(pointer self, uint8_t kind, int64_t id, const caf::actor_addr& addr) {
  auto& st = self->state;
  switch (static_cast<entity_kind>(kind)) {
    case entity_kind::conversation:
      return erase_if_current(st.conversations, id, addr);
    case entity_kind::inbox:
      return erase_if_current(st.inboxes, id, addr);
    case entity_kind::operator_:
      return erase_if_current(st.operators, id, addr);
  }
  return false;
}

/// An idle entity may stop: it leaves the table and gives its entity_owners row up, so
/// another node may take it without waiting.
bool passivate(pointer self, uint8_t kind, int64_t id, const caf::actor_addr& addr) {
  if (!erase_entity(self, kind, id, addr))
    return false;
  self->send(self->state.ctx.store, release_atom_v, kind, id);
  return true;
}

/// Blocks the scope, takes its live entities out of the tables and answers how many there
/// were once each of them has retired (finished its writes in flight and stopped).
caf::result<uint64_t> retire(pointer self, uint8_t scope_code, int64_t scope_id) {
  auto& st = self->state;
  if (scope_code > static_cast<uint8_t>(retire_scope::account))
    return to_caf_error({errc::invalid_argument, "unknown retire scope"});
  auto scope = static_cast<retire_scope>(scope_code);
  retire_record record{scope, scope_id, ++st.epoch};
  st.blocked.push_back(record);
  st.history.push_back(record);
  std::vector<conversation_actor> conversations;
  std::vector<inbox_actor> inboxes;
  retire_live(st.conversations, entity_kind::conversation, scope, scope_id, conversations);
  retire_live(st.inboxes, entity_kind::inbox, scope, scope_id, inboxes);
  auto total = static_cast<uint64_t>(conversations.size() + inboxes.size());
  auto promise = self->make_response_promise<uint64_t>();
  if (total == 0) {
    promise.deliver(total);
    return promise;
  }
  auto left = std::make_shared<uint64_t>(total);
  auto one_done = [=]() mutable {
    if (--*left == 0)
      promise.deliver(total);
  };
  // An entity that is already gone has nothing in flight either.
  for (auto& hdl : conversations)
    self->request(hdl, timeout, retire_atom_v)
      .then([=](bool) mutable { one_done(); }, [=](caf::error&) mutable { one_done(); });
  for (auto& hdl : inboxes)
    self->request(hdl, timeout, retire_atom_v)
      .then([=](bool) mutable { one_done(); }, [=](caf::error&) mutable { one_done(); });
  return promise;
}

void release(pointer self, uint8_t scope_code, int64_t scope_id) {
  auto& st = self->state;
  auto it = std::find_if(st.blocked.begin(), st.blocked.end(), [&](const retire_record& r) {
    return static_cast<uint8_t>(r.scope) == scope_code && r.id == scope_id;
  });
  if (it != st.blocked.end())
    st.blocked.erase(it);
  prune_history(st);
}

/// Forgets entities that stopped (local ones, and cached handles of remote ones); stops
/// every entity when the registry exits.
void set_lifecycle_handlers(pointer self) {
  self->set_down_handler([=](caf::down_msg& dm) {
    erase_by_address(self->state.conversations, dm.source);
    erase_by_address(self->state.inboxes, dm.source);
    erase_by_address(self->state.operators, dm.source);
    std::erase_if(self->state.remote, [&](const auto& entry) {
      return caf::actor_cast<caf::actor_addr>(entry.second) == dm.source;
    });
    gateway_down(self, dm.source);
  });
  // Entities are only monitored, so they must be stopped explicitly (their timers would
  // otherwise keep them, and with them ~actor_system(), alive).
  self->set_exit_handler([=](caf::exit_msg& msg) {
    if (msg.reason == caf::exit_reason::normal)
      return; // a linked helper finished
    stop_all(self->state.conversations);
    stop_all(self->state.inboxes);
    stop_all(self->state.operators);
    self->quit(msg.reason);
  });
}

conversation_actor spawn_conversation_entity(pointer p, conversation_row row, entity_context c) {
  return spawn_conversation(p, std::move(row), std::move(c));
}
inbox_actor spawn_inbox_entity(pointer p, inbox_row row, entity_context c) {
  return spawn_inbox(p, std::move(row), std::move(c));
}
operator_actor spawn_operator_entity(pointer p, operator_row row, entity_context c) {
  return spawn_operator(p, std::move(row), std::move(c));
}

/// Activations of this node's own entities (placement checked by the caller, or asked by a
/// peer through the gateway).
caf::result<conversation_actor> activate_conversation(pointer self, int64_t id) {
  return activate<conversation_actor, conversation_row>(
    self, &registry_state::conversations, conversation_atom_v, entity_kind::conversation, id,
    spawn_conversation_entity);
}
caf::result<inbox_actor> activate_inbox(pointer self, int64_t id) {
  return activate<inbox_actor, inbox_row>(self, &registry_state::inboxes, inbox_atom_v,
                                          entity_kind::inbox, id, spawn_inbox_entity);
}
caf::result<operator_actor> activate_operator(pointer self, int64_t id) {
  return activate<operator_actor, operator_row>(self, &registry_state::operators, operator_atom_v,
                                                entity_kind::operator_, id, spawn_operator_entity);
}

/// A refused acquire's next attempt, if its load still waits.
void retry_acquire(pointer self, uint8_t code, int64_t id) {
  auto& st = self->state;
  switch (static_cast<entity_kind>(code)) {
    case entity_kind::conversation:
      if (st.conversations.loading.count(id) != 0)
        acquire_then_load<conversation_actor, conversation_row>(
          self, &registry_state::conversations, conversation_atom_v, entity_kind::conversation, id,
          spawn_conversation_entity);
      return;
    case entity_kind::inbox:
      if (st.inboxes.loading.count(id) != 0)
        acquire_then_load<inbox_actor, inbox_row>(self, &registry_state::inboxes, inbox_atom_v,
                                                  entity_kind::inbox, id, spawn_inbox_entity);
      return;
    case entity_kind::operator_:
      if (st.operators.loading.count(id) != 0)
        acquire_then_load<operator_actor, operator_row>(self, &registry_state::operators,
                                                        operator_atom_v, entity_kind::operator_, id,
                                                        spawn_operator_entity);
      return;
  }
}

registry_actor::behavior_type registry(pointer self, entity_context ctx) {
  self->state.ctx = std::move(ctx);
  self->state.ctx.registry = self;
  set_lifecycle_handlers(self);
  return {
    [=](conversation_atom, int64_t id) -> caf::result<conversation_actor> {
      return resolve<conversation_actor, conversation_row>(
        self, &registry_state::conversations, conversation_atom_v, entity_kind::conversation, id,
        spawn_conversation_entity);
    },
    [=](inbox_atom, int64_t id) -> caf::result<inbox_actor> {
      return resolve<inbox_actor, inbox_row>(self, &registry_state::inboxes, inbox_atom_v,
                                             entity_kind::inbox, id, spawn_inbox_entity);
    },
    [=](operator_atom, int64_t id) -> caf::result<operator_actor> {
      return resolve<operator_actor, operator_row>(self, &registry_state::operators,
                                                   operator_atom_v, entity_kind::operator_, id,
                                                   spawn_operator_entity);
    },
    [=](activate_atom, conversation_atom, int64_t id) -> caf::result<conversation_actor> {
      if (auto err = placed_elsewhere(self->state, entity_kind::conversation, id))
        return err;
      return activate_conversation(self, id);
    },
    [=](activate_atom, inbox_atom, int64_t id) -> caf::result<inbox_actor> {
      if (auto err = placed_elsewhere(self->state, entity_kind::inbox, id))
        return err;
      return activate_inbox(self, id);
    },
    [=](activate_atom, operator_atom, int64_t id) -> caf::result<operator_actor> {
      if (auto err = placed_elsewhere(self->state, entity_kind::operator_, id))
        return err;
      return activate_operator(self, id);
    },
    [=](passivate_atom, uint8_t kind, int64_t id, caf::actor_addr& addr) -> bool {
      return passivate(self, kind, id, addr);
    },
    [=](count_atom) -> entity_counts {
      auto& st = self->state;
      return {st.conversations.live.size(), st.inboxes.live.size(), st.operators.live.size()};
    },
    [=](retire_atom, uint8_t scope_code, int64_t scope_id) -> caf::result<uint64_t> {
      return retire_everywhere(self, scope_code, scope_id);
    },
    [=](release_atom, uint8_t scope_code, int64_t scope_id) {
      release_everywhere(self, scope_code, scope_id);
    },
    [=](retire_atom, uint8_t scope_code, int64_t scope_id, local_atom) -> caf::result<uint64_t> {
      return retire(self, scope_code, scope_id);
    },
    [=](release_atom, uint8_t scope_code, int64_t scope_id, local_atom) {
      release(self, scope_code, scope_id);
    },
    [=](view_atom, cluster_view& view) { apply_view(self, std::move(view)); },
    [=](fence_atom) { fence(self); },
    [=](drain_atom) -> caf::result<entity_counts> { return drain(self); },
    [=](acquire_atom, uint8_t code, int64_t id) { retry_acquire(self, code, id); },
  };
}

} // namespace registry_detail

registry_actor spawn_registry(caf::actor_system& sys, entity_context ctx) {
  return sys.spawn(registry_detail::registry, std::move(ctx));
}

} // namespace messenger::actors
