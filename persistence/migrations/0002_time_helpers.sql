-- Exact conversions between timestamp (without time zone, UTC by convention) and
-- microseconds since the epoch, the form entity actors use on the wire.
CREATE FUNCTION messenger_us(t timestamp without time zone) RETURNS bigint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT (extract(epoch FROM t) * 1000000)::bigint $$;

CREATE FUNCTION messenger_ts(us bigint) RETURNS timestamp without time zone
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE WHEN us IS NULL OR us = 0 THEN NULL
               ELSE 'epoch'::timestamp + us * interval '1 microsecond' END $$;

-- Serves the inbox actor's activation query (open, unassigned conversations of an inbox,
-- oldest first) and the snooze re-arm at start.
CREATE INDEX index_conversations_waiting_for_agent ON conversations (inbox_id, created_at)
  WHERE status = 0 AND assignee_id IS NULL;
CREATE INDEX index_conversations_snoozed_until ON conversations (snoozed_until)
  WHERE status = 3 AND snoozed_until IS NOT NULL;
