-- The list's meta counts (mine / unassigned / all over an account's conversations in one
-- status) read only these three columns: an index-only scan instead of heap visits.
CREATE INDEX index_conversations_counts ON conversations (account_id, status, assignee_id);
