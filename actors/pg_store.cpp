#include "actors/pg_store.hpp"

#include "actors/entity_context.hpp"
#include "actors/entity_metrics.hpp"
#include "actors/errors.hpp"
#include "actors/row_codec.hpp"
#include "common/log.hpp"
#include "persistence/queries/cluster.hpp"
#include "persistence/queries/entity_store.hpp"

#include <caf/all.hpp>

#include <map>

namespace messenger::actors {

namespace {

namespace queries = persistence::queries::entity_store;
using persistence::result_set;
using persistence::statement;
using persistence::write_command;
constexpr auto timeout = std::chrono::seconds{30};

// -- the actors' wire records <-> the store's rows ---------------------------------------

inbox_row inbox_from(const queries::inbox_state& i) {
  inbox_row row;
  row.id = i.id;
  row.account_id = i.account_id;
  row.enable_auto_assignment = i.enable_auto_assignment;
  for (const auto& m : i.members)
    row.members.push_back({m.user_id, m.name});
  row.waiting = i.waiting;
  row.ring = i.ring;
  row.rate_users = i.rate_users;
  row.rate_times = i.rate_times;
  return row;
}

operator_row operator_from(const queries::operator_state& o) {
  operator_row row;
  row.user_id = o.user_id;
  row.name = o.name;
  for (const auto& a : o.accounts)
    row.accounts.push_back({a.account_id, a.availability, a.auto_offline, a.inboxes});
  return row;
}

write_command command_of(const conversation_write& w) {
  write_command cmd;
  const auto& c = w.conversation;
  if (w.has_message)
    cmd.statements.push_back(queries::insert_message(w.message));
  if (w.delete_message_id != 0)
    cmd.statements.push_back(queries::soft_delete_message(c.id, w.delete_message_id));
  cmd.statements.push_back(queries::update_conversation(c));
  if (w.labels_changed)
    for (auto& stmt : queries::sync_label_taggings(c.id, c.labels))
      cmd.statements.push_back(std::move(stmt));
  for (const auto& r : w.reports)
    cmd.statements.push_back(queries::insert_report(r));
  return cmd;
}

/// The entity_owners name of a kind code.
std::string kind_name(uint8_t kind) {
  return actors::kind_name(static_cast<entity_kind>(kind));
}

struct store_state {
  store_state() = default; // not an aggregate: CAF must not build it from self
  writer_actor writer;
  reader_actor reader;
  /// The epoch this node acquired each owned entity under (kind, id): every write of the
  /// entity checks it in its transaction. Entities never acquired (single-node tests of
  /// the actors) write unfenced.
  std::map<std::pair<uint8_t, int64_t>, int64_t> epochs;
  static inline const char* name = "pg_store";
};

using pointer = store_actor::stateful_pointer<store_state>;

caf::error not_found() {
  return to_caf_error({errc::not_found, "Resource could not be found"});
}

/// Runs a read query, reads its row with `read` (nullopt: none) and answers `convert(row)`,
/// or fails with not_found when it has no row.
template <class T, class Read, class Convert>
caf::result<T> read_one(pointer self, statement stmt, Read read, Convert convert) {
  auto promise = self->make_response_promise<T>();
  self->request(self->state.reader, timeout, query_atom_v, std::move(stmt))
    .then(
      [=](result_set& rs) mutable {
        if (auto row = read(rs))
          promise.deliver(convert(*row));
        else
          promise.deliver(not_found());
      },
      [=](caf::error& err) mutable { promise.deliver(err); });
  return promise;
}

/// The owning entity of a write: its fencing statement goes first in the transaction.
struct owner_key {
  entity_kind kind;
  int64_t id;
};

/// Commits `cmd` through the writer, fenced by `owner`'s epoch when this node acquired it;
/// `answer(result, promise)` delivers the answer (the fence's own result removed).
template <class T, class Answer>
caf::result<T> commit(pointer self, owner_key owner, write_command cmd, Answer answer) {
  auto code = static_cast<uint8_t>(owner.kind);
  bool fenced = false;
  if (auto it = self->state.epochs.find({code, owner.id}); it != self->state.epochs.end()) {
    cmd.statements.insert(cmd.statements.begin(), persistence::queries::cluster::fence(
                                                    kind_name(code), owner.id, it->second));
    fenced = true;
  }
  auto promise = self->make_response_promise<T>();
  self->request(self->state.writer, timeout, write_atom_v, std::move(cmd))
    .then(
      [=](persistence::write_result& res) mutable {
        if (fenced)
          res.results.erase(res.results.begin());
        answer(res, promise);
      },
      [=](caf::error& err) mutable { promise.deliver(err); });
  return promise;
}

/// Takes ownership of (kind, id) for (node, incarnation): the new epoch, or errc::fenced
/// while another live node holds it.
caf::result<int64_t> acquire(pointer self, uint8_t kind, int64_t id, const std::string& node,
                             int64_t incarnation) {
  namespace cq = persistence::queries::cluster;
  auto promise = self->make_response_promise<int64_t>();
  write_command cmd{{cq::acquire(kind_name(kind), id, node, incarnation)}};
  self->request(self->state.writer, timeout, write_atom_v, std::move(cmd))
    .then(
      [=](persistence::write_result& res) mutable {
        auto epoch = cq::read_epoch(res.results.at(0));
        if (!epoch) {
          promise.deliver(
            to_caf_error({errc::fenced, kind_name(kind) + " is held by another live node"}));
          return;
        }
        self->state.epochs[{kind, id}] = *epoch;
        promise.deliver(*epoch);
      },
      [=](caf::error& err) mutable { promise.deliver(err); });
  return promise;
}

/// Sends the release of (kind, id) under `epoch`; a failed one is sent again (a row left
/// held by a live node that no longer hosts the entity would refuse its new owner).
void send_release(pointer self, uint8_t kind, int64_t id, int64_t epoch, int attempts_left) {
  write_command cmd{{persistence::queries::cluster::release(kind_name(kind), id, epoch)}};
  self->request(self->state.writer, timeout, write_atom_v, std::move(cmd))
    .then([](persistence::write_result&) {},
          [=](caf::error& err) {
            log::warn("entity_release_failed",
                      log::fields{}("kind", kind_name(kind))("id", id)("epoch", epoch)(
                        "error", self->system().render(err))("attempts_left", attempts_left));
            if (attempts_left > 0)
              send_release(self, kind, id, epoch, attempts_left - 1);
          });
}

/// Gives (kind, id) up (passivation, handoff), if this node holds it.
void release(pointer self, uint8_t kind, int64_t id) {
  auto it = self->state.epochs.find({kind, id});
  if (it == self->state.epochs.end())
    return;
  auto epoch = it->second;
  self->state.epochs.erase(it);
  send_release(self, kind, id, epoch, 5);
}

/// The stored message of a conversation_write: the inserted one with its id, or the one it
/// soft-deleted (id 0 when the conversation has no such message: the write committed and
/// matched nothing, which is an answer, not a failure of the write).
caf::result<message_row> save(pointer self, const conversation_write& w) {
  bool has_message = w.has_message;
  bool deletes = w.delete_message_id != 0;
  auto message = w.message;
  return commit<message_row>(
    self, {entity_kind::conversation, w.conversation.id}, command_of(w),
    [=](persistence::write_result& res, caf::typed_response_promise<message_row>& promise) {
      auto stored = message;
      if (has_message)
        stored.id = queries::read_inserted_id(res.results.at(0));
      if (deletes) {
        const auto& rs = res.results.at(has_message ? 1 : 0);
        auto deleted = persistence::queries::message_rows::read_messages(rs);
        stored = deleted.empty() ? message_row{} : to_message_row(deleted.front());
      }
      promise.deliver(stored);
    });
}

caf::result<conversation_row> create(pointer self, const conversation_row& c) {
  return commit<conversation_row>(
    self, {entity_kind::inbox, c.inbox_id}, write_command{{queries::create_conversation(c)}},
    [=](persistence::write_result& res, caf::typed_response_promise<conversation_row>& promise) {
      auto row = c;
      auto created = queries::read_created_conversation(res.results.at(0))
                       .value_or(queries::created_conversation{});
      row.id = created.id;
      row.display_id = created.display_id;
      row.uuid = created.uuid;
      row.last_activity_at = row.created_at;
      row.waiting_since = row.created_at;
      row.last_non_human_activity = row.created_at;
      promise.deliver(row);
    });
}

/// Answers true once `cmd` committed.
caf::result<bool> commit_plain(pointer self, owner_key owner, write_command cmd) {
  return commit<bool>(self, owner, std::move(cmd),
                      [](persistence::write_result&, caf::typed_response_promise<bool>& promise) {
                        promise.deliver(true);
                      });
}

caf::result<std::vector<int64_t>> snoozed(pointer self) {
  auto promise = self->make_response_promise<std::vector<int64_t>>();
  self->request(self->state.reader, timeout, query_atom_v, queries::snoozed_conversations())
    .then([=](result_set& rs) mutable { promise.deliver(queries::read_ids(rs)); },
          [=](caf::error& err) mutable { promise.deliver(err); });
  return promise;
}

store_actor::behavior_type pg_store(pointer self, writer_actor writer, reader_actor reader) {
  self->state.writer = std::move(writer);
  self->state.reader = std::move(reader);
  return {
    [=](load_atom, conversation_atom, int64_t id) -> caf::result<conversation_row> {
      return read_one<conversation_row>(self, queries::load_conversation(id),
                                        queries::read_conversation,
                                        [](conversation_row& row) { return std::move(row); });
    },
    [=](load_atom, inbox_atom, int64_t id) -> caf::result<inbox_row> {
      return read_one<inbox_row>(self, queries::load_inbox(id), queries::read_inbox, inbox_from);
    },
    [=](load_atom, operator_atom, int64_t id) -> caf::result<operator_row> {
      return read_one<operator_row>(self, queries::load_operator(id), queries::read_operator,
                                    operator_from);
    },
    [=](save_atom, conversation_write& w) -> caf::result<message_row> { return save(self, w); },
    [=](save_atom, inbox_atom, inbox_row& i) -> caf::result<bool> {
      return commit_plain(
        self, {entity_kind::inbox, i.id},
        write_command{{queries::save_inbox_assignment(i.id, i.ring, i.rate_users, i.rate_times)}});
    },
    [=](report_atom, reporting_row& r) -> caf::result<bool> {
      return commit_plain(self, {entity_kind::conversation, r.conversation_id},
                          write_command{{queries::insert_report(r)}});
    },
    [=](create_atom, conversation_row& c) -> caf::result<conversation_row> {
      return create(self, c);
    },
    [=](save_atom, int64_t user_id, operator_account& acc) -> caf::result<bool> {
      queries::operator_account account{acc.account_id, acc.availability, acc.auto_offline, {}};
      return commit_plain(self, {entity_kind::operator_, user_id},
                          write_command{{queries::save_availability(user_id, account)}});
    },
    [=](snoozed_atom) -> caf::result<std::vector<int64_t>> { return snoozed(self); },
    [=](acquire_atom, uint8_t kind, int64_t id, std::string& node, int64_t incarnation)
      -> caf::result<int64_t> { return acquire(self, kind, id, node, incarnation); },
    [=](release_atom, uint8_t kind, int64_t id) { release(self, kind, id); },
    [=](fence_atom) { self->state.epochs.clear(); },
  };
}

} // namespace

store_actor spawn_pg_store(caf::actor_system& sys, writer_actor writer, reader_actor reader) {
  return sys.spawn(pg_store, std::move(writer), std::move(reader));
}

} // namespace messenger::actors
