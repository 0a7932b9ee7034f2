-- The inbox actor's assignment state (issue 11, handoff): the round-robin ring and the
-- assignment rate limiter's window. Only the inbox's owning actor writes its row (under its
-- fencing epoch), after each change and before it stops, so the next owner (after a handoff,
-- a passivation or a restart) continues the same rotation and the same windows instead of
-- starting over from the member list with empty windows.
CREATE TABLE inbox_assignment_states (
    inbox_id   integer PRIMARY KEY REFERENCES inboxes (id) ON DELETE CASCADE,
    -- user ids, head first: the next pick is the eligible id closest to the tail
    ring       bigint[] NOT NULL DEFAULT '{}',
    -- the assignments inside the rate window: rate_users[i] was assigned at rate_times[i]
    -- (microseconds since the epoch)
    rate_users bigint[] NOT NULL DEFAULT '{}',
    rate_times bigint[] NOT NULL DEFAULT '{}',
    updated_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);
