#include "cluster/liveness.hpp"

#include "common/log.hpp"
#include "persistence/connection.hpp"
#include "persistence/queries/cluster.hpp"

#include <caf/all.hpp>

#include <memory>

namespace messenger::cluster {

namespace {

using namespace messenger::actors;
namespace queries = persistence::queries::cluster;

struct liveness_state {
  std::string url;
  std::unique_ptr<persistence::connection> conn;
  int64_t incarnation = 0; ///< whose lock `conn` holds (0: none)
  static inline const char* name = "cluster_liveness";
};

using pointer = liveness_actor::stateful_pointer<liveness_state>;

/// A fresh connection that takes the lock of `incarnation`; false when it could not.
bool take(pointer self, int64_t incarnation) {
  auto& st = self->state;
  st.conn.reset(); // an older incarnation's lock goes with its session
  st.incarnation = 0;
  auto opened = persistence::connection::open(st.url);
  if (!opened)
    return false;
  auto rs = (*opened)->query(queries::lock_incarnation(incarnation));
  if (!rs || !queries::read_held(*rs))
    return false;
  st.conn = std::move(*opened);
  st.incarnation = incarnation;
  return true;
}

bool lock(pointer self, int64_t incarnation) {
  auto& st = self->state;
  if (st.conn && st.incarnation == incarnation && st.conn->is_open()) {
    auto rs = st.conn->query(queries::holds_incarnation(incarnation));
    if (rs && queries::read_held(*rs))
      return true;
    log::warn("cluster_liveness_lock_lost", log::fields{}("incarnation", incarnation));
    st.conn.reset();
    st.incarnation = 0;
    return false; // the caller fences: peers may already have taken our entities
  }
  return take(self, incarnation);
}

liveness_actor::behavior_type liveness(pointer self, std::string url) {
  self->state.url = std::move(url);
  return {
    [=](lock_atom, int64_t incarnation) -> bool { return lock(self, incarnation); },
  };
}

} // namespace

actors::liveness_actor spawn_liveness(caf::actor_system& sys, std::string database_url) {
  return sys.spawn<caf::detached>(liveness, std::move(database_url));
}

} // namespace messenger::cluster
