#include "tests/support/memory_store.hpp"

#include "actors/errors.hpp"

#include <caf/all.hpp>

namespace messenger::test {

using namespace messenger::actors;

namespace {

template <class Map>
auto find_or_error(Map& map, int64_t id) -> caf::result<typename Map::mapped_type> {
  auto it = map.find(id);
  if (it == map.end())
    return to_caf_error({errc::not_found, "Resource could not be found"});
  return it->second;
}

store_actor::behavior_type memory_store(store_actor::pointer, std::shared_ptr<memory_data> data) {
  return {
    [=](load_atom, conversation_atom, int64_t id) -> caf::result<conversation_row> {
      return find_or_error(data->conversations, id);
    },
    [=](load_atom, inbox_atom, int64_t id) -> caf::result<inbox_row> {
      return find_or_error(data->inboxes, id);
    },
    [=](load_atom, operator_atom, int64_t id) -> caf::result<operator_row> {
      return find_or_error(data->operators, id);
    },
    [=](save_atom, conversation_write& w) -> caf::result<message_row> {
      if (data->fail_saves)
        return to_caf_error({errc::database_unavailable, "memory store told to fail"});
      ++data->saves;
      data->conversations[w.conversation.id] = w.conversation;
      for (auto& r : w.reports)
        data->reports.push_back(r);
      if (w.delete_message_id != 0) {
        auto index = static_cast<size_t>(w.delete_message_id - 1);
        if (w.delete_message_id < 0 || index >= data->messages.size()
            || data->messages[index].conversation_id != w.conversation.id)
          return message_row{}; // committed, matched nothing (as pg_store answers)
        auto& m = data->messages[index];
        m.content = "This message was deleted";
        m.content_attributes = R"({"deleted":true})";
        return m;
      }
      if (!w.has_message)
        return message_row{};
      w.message.id = static_cast<int64_t>(data->messages.size()) + 1;
      data->messages.push_back(w.message);
      return w.message;
    },
    [=](save_atom, inbox_atom, inbox_row& i) -> caf::result<bool> {
      if (data->fail_saves)
        return to_caf_error({errc::database_unavailable, "memory store told to fail"});
      auto& stored = data->inboxes[i.id];
      stored.ring = i.ring;
      stored.rate_users = i.rate_users;
      stored.rate_times = i.rate_times;
      ++data->inbox_saves;
      return true;
    },
    [=](report_atom, reporting_row& r) -> bool {
      data->reports.push_back(r);
      return true;
    },
    [=](create_atom, conversation_row& c) -> caf::result<conversation_row> {
      if (data->fail_saves)
        return to_caf_error({errc::database_unavailable, "memory store told to fail"});
      c.id = data->conversations.empty() ? 1 : data->conversations.rbegin()->first + 1;
      c.display_id = c.id;
      c.last_activity_at = c.waiting_since = c.last_non_human_activity = c.created_at;
      data->conversations[c.id] = c;
      return c;
    },
    [=](save_atom, int64_t user_id, operator_account& acc) -> caf::result<bool> {
      if (data->fail_saves)
        return to_caf_error({errc::database_unavailable, "memory store told to fail"});
      for (auto& a : data->operators[user_id].accounts)
        if (a.account_id == acc.account_id) {
          a.availability = acc.availability;
          a.auto_offline = acc.auto_offline;
        }
      return true;
    },
    [=](snoozed_atom) -> std::vector<int64_t> {
      std::vector<int64_t> ids;
      for (auto& [id, row] : data->conversations)
        if (row.status == 3 && row.snoozed_until != 0)
          ids.push_back(id);
      return ids;
    },
    // Ownership is a database matter: every acquire succeeds with a new epoch.
    [=](acquire_atom, uint8_t, int64_t, std::string&, int64_t) -> int64_t {
      return ++data->epochs;
    },
    [=](release_atom, uint8_t, int64_t) {},
    [=](fence_atom) {},
  };
}

} // namespace

store_actor spawn_memory_store(caf::actor_system& sys, std::shared_ptr<memory_data> data) {
  return sys.spawn(memory_store, std::move(data));
}

} // namespace messenger::test
