-- Cluster ownership (issue 11): which incarnation is alive, who owns an entity, and the
-- fencing check every entity write makes. All lease arithmetic uses the database clock.

-- Every node process holds a session-level advisory lock on (class 7411, its incarnation) on
-- a connection of its own for as long as it lives. A process that died (kill -9, crash) loses
-- it as soon as PostgreSQL sees its socket close, so peers need not wait for its lease: the
-- incarnation is dead when its lock can be taken. (Taken and given back at once.)
CREATE FUNCTION messenger_incarnation_dead(p_incarnation bigint) RETURNS boolean
  LANGUAGE plpgsql VOLATILE
  AS $$
BEGIN
  IF pg_try_advisory_lock(7411, p_incarnation::int) THEN
    PERFORM pg_advisory_unlock(7411, p_incarnation::int);
    RETURN true;
  END IF;
  RETURN false;
END $$;

-- Whether (node, incarnation) is a live member: 'up', lease unexpired by the database clock,
-- and its process still holds its lock.
CREATE FUNCTION messenger_member_live(p_node text, p_incarnation bigint) RETURNS boolean
  LANGUAGE sql VOLATILE
  AS $$
    SELECT EXISTS (SELECT 1 FROM cluster_nodes n
                    WHERE n.node_id = p_node AND n.incarnation = p_incarnation
                      AND n.status = 'up' AND n.lease_until > now())
           AND NOT messenger_incarnation_dead(p_incarnation)
  $$;

-- The first statement of every entity write transaction: the row lock (FOR SHARE) makes a
-- takeover's UPDATE wait for this transaction, and a write under an epoch that moved on (a
-- zombie owner: paused past its lease while another node took the entity) is rejected with
-- SQLSTATE MF001, which rolls back its command and nothing else.
CREATE FUNCTION messenger_fence(p_type text, p_id text, p_epoch bigint) RETURNS void
  LANGUAGE plpgsql VOLATILE
  AS $$
BEGIN
  PERFORM 1 FROM entity_owners
   WHERE entity_type = p_type AND entity_id = p_id AND epoch = p_epoch
     FOR SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'entity % % is no longer owned under epoch %', p_type, p_id, p_epoch
      USING ERRCODE = 'MF001';
  END IF;
END $$;

-- Takes (type, id) for (node, incarnation) with a new epoch when the row is free, already
-- this incarnation's, or held by an incarnation that is not live; only while the caller is
-- live itself. NULL when someone live holds it. It waits at most 500 ms for the row: a
-- holder that stalled inside a write transaction (a node cut off from the database after
-- its fence) is ended by idle_in_transaction_session_timeout, and the caller retries
-- meanwhile (SQLSTATE 55P03) instead of stalling its whole write connection.
CREATE FUNCTION messenger_acquire(p_type text, p_id text, p_node text, p_incarnation bigint)
  RETURNS bigint
  LANGUAGE plpgsql VOLATILE
  AS $$
DECLARE
  taken bigint;
BEGIN
  PERFORM set_config('lock_timeout', '500ms', true);
  INSERT INTO entity_owners AS o (entity_type, entity_id, owner_node, owner_incarnation, epoch)
  SELECT p_type, p_id, p_node, p_incarnation, 1 WHERE messenger_member_live(p_node, p_incarnation)
  ON CONFLICT (entity_type, entity_id) DO UPDATE
    SET owner_node = excluded.owner_node, owner_incarnation = excluded.owner_incarnation,
        epoch = o.epoch + 1
    WHERE o.owner_node = ''
       OR (o.owner_node = excluded.owner_node AND o.owner_incarnation = excluded.owner_incarnation)
       OR NOT messenger_member_live(o.owner_node, o.owner_incarnation)
  RETURNING epoch INTO taken;
  PERFORM set_config('lock_timeout', '0', true);
  RETURN taken;
END $$;

CREATE INDEX entity_owners_owner ON entity_owners (owner_node, owner_incarnation);

-- Timing settings every node must share (a one-sided middleman connection timeout declares
-- healthy peers dead): the first node writes them, every later node must match.
-- (Rewritten only while no other node is live, so the whole cluster can be restarted with
-- new values.)
CREATE TABLE cluster_settings (
    id                int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    lease_s           int NOT NULL,
    heartbeat_s       int NOT NULL,
    peer_heartbeat_ms int NOT NULL,
    peer_timeout_ms   int NOT NULL
);
