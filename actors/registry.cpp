#include "actors/registry.hpp"

#include "actors/conversation_actor.hpp"
#include "actors/entity_metrics.hpp"
#include "actors/errors.hpp"
#include "actors/inbox_actor.hpp"
#include "actors/operator_actor.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <map>
#include <memory>

namespace messenger::actors {

namespace {

constexpr auto timeout = std::chrono::seconds{30};

/// What a live entity belongs to, for retiring by scope (0: not applicable).
struct entity_keys {
  int64_t account = 0;
  int64_t inbox = 0;
  int64_t contact = 0;
};

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

/// A retire: its scope, and the registry epoch it started.
struct retire_record {
  retire_scope scope{};
  int64_t id = 0;
  uint64_t epoch = 0;
};

/// Live entities of one kind plus the requests waiting for one being loaded (with the
/// registry epoch their load started at).
template <class Handle>
struct entity_table {
  std::map<int64_t, Handle> live;
  std::map<int64_t, entity_keys> keys;
  std::map<int64_t, std::vector<caf::typed_response_promise<Handle>>> loading;
  std::map<int64_t, uint64_t> load_epoch;
};

struct registry_state {
  registry_state() = default; // not an aggregate: CAF must not build it from `self`
  entity_context ctx;
  entity_table<conversation_actor> conversations;
  entity_table<inbox_actor> inboxes;
  entity_table<operator_actor> operators;
  /// Scopes being deleted: nothing inside is activated until released.
  std::vector<retire_record> blocked;
  /// Recent retires: a load that started before one of them and ends inside its scope read
  /// a row the delete may have removed since, so it is not activated.
  std::vector<retire_record> history;
  uint64_t epoch = 0;
  static inline const char* name = "registry";
};

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

using pointer = registry_actor::stateful_pointer<registry_state>;

template <class Handle, class Row, class Kind, class Spawn>
caf::result<Handle> resolve(pointer self, entity_table<Handle> registry_state::*table, Kind kind,
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
  auto finish = [=](auto&& deliver_all) {
    auto& t = self->state.*table;
    auto pending = std::move(t.loading[id]);
    t.loading.erase(id);
    t.load_epoch.erase(id);
    prune_history(self->state);
    deliver_all(pending);
  };
  self->request(self->state.ctx.store, timeout, load_atom_v, kind, id)
    .then(
      [=](Row& row) {
        auto& st = self->state;
        auto keys = keys_of(row);
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
  return promise;
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

template <class Handle>
void stop_all(entity_table<Handle>& tab) {
  for (auto& [_, hdl] : tab.live)
    caf::anon_send_exit(hdl, caf::exit_reason::user_shutdown);
  tab.live.clear();
}

bool passivate(pointer self, uint8_t kind, int64_t id, const caf::actor_addr& addr) {
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

/// Forgets entities that stopped; stops every entity when the registry exits.
void set_lifecycle_handlers(pointer self) {
  self->set_down_handler([=](caf::down_msg& dm) {
    erase_by_address(self->state.conversations, dm.source);
    erase_by_address(self->state.inboxes, dm.source);
    erase_by_address(self->state.operators, dm.source);
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

registry_actor::behavior_type registry(pointer self, entity_context ctx) {
  self->state.ctx = std::move(ctx);
  self->state.ctx.registry = self;
  set_lifecycle_handlers(self);
  return {
    [=](conversation_atom, int64_t id) -> caf::result<conversation_actor> {
      return resolve<conversation_actor, conversation_row>(
        self, &registry_state::conversations, conversation_atom_v, entity_kind::conversation, id,
        [](pointer p, conversation_row row, entity_context c) {
          return spawn_conversation(p, std::move(row), std::move(c));
        });
    },
    [=](inbox_atom, int64_t id) -> caf::result<inbox_actor> {
      return resolve<inbox_actor, inbox_row>(self, &registry_state::inboxes, inbox_atom_v,
                                             entity_kind::inbox, id,
                                             [](pointer p, inbox_row row, entity_context c) {
                                               return spawn_inbox(p, std::move(row), std::move(c));
                                             });
    },
    [=](operator_atom, int64_t id) -> caf::result<operator_actor> {
      return resolve<operator_actor, operator_row>(
        self, &registry_state::operators, operator_atom_v, entity_kind::operator_, id,
        [](pointer p, operator_row row, entity_context c) {
          return spawn_operator(p, std::move(row), std::move(c));
        });
    },
    [=](passivate_atom, uint8_t kind, int64_t id, caf::actor_addr& addr) -> bool {
      return passivate(self, kind, id, addr);
    },
    [=](count_atom) -> entity_counts {
      auto& st = self->state;
      return {st.conversations.live.size(), st.inboxes.live.size(), st.operators.live.size()};
    },
    [=](retire_atom, uint8_t scope_code, int64_t scope_id) -> caf::result<uint64_t> {
      return retire(self, scope_code, scope_id);
    },
    [=](release_atom, uint8_t scope_code, int64_t scope_id) {
      release(self, scope_code, scope_id);
    },
  };
}

} // namespace

registry_actor spawn_registry(caf::actor_system& sys, entity_context ctx) {
  return sys.spawn(registry, std::move(ctx));
}

} // namespace messenger::actors
