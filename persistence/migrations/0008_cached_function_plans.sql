-- Issue 12 (performance): helpers whose body has a sub-SELECT cannot be inlined, and a
-- LANGUAGE sql function that is not inlined is parsed and planned again on every execution
-- of the statement that calls it (~0.3 ms each: `bench_http_ingest` found push data, one
-- statement per message, spending most of its time there). The same functions in PL/pgSQL
-- keep their plans for the session. Results are unchanged; the simple helpers that ARE
-- inlined (messenger_ts, messenger_iso, messenger_contact_push_json, ...) stay SQL.

-- A message's `sender` (Message#push_event_data): an agent's or a contact's push data.
CREATE OR REPLACE FUNCTION messenger_sender_json(sender_type text, sender_id bigint) RETURNS jsonb
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  AS $$
DECLARE
  body jsonb;
BEGIN
  IF sender_type = 'User' THEN
    SELECT jsonb_build_object('id', u.id, 'name', u.name,
                              'available_name', coalesce(nullif(u.display_name, ''), u.name),
                              'avatar_url', '', 'type', 'user',
                              'availability_status', 'offline', 'thumbnail', '')
      INTO body FROM users u WHERE u.id = sender_id;
  ELSIF sender_type = 'Contact' THEN
    SELECT messenger_contact_push_json(c) INTO body FROM contacts c WHERE c.id = sender_id;
  END IF;
  RETURN body;
END $$;

-- Contact (`_contact.json.jbuilder`), with `contact_inboxes` when asked.
CREATE OR REPLACE FUNCTION messenger_contact_json(c contacts, with_inboxes boolean) RETURNS jsonb
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  AS $$
DECLARE
  body jsonb;
  v_inboxes jsonb;
BEGIN
  body := jsonb_build_object(
            'additional_attributes', coalesce(c.additional_attributes, '{}'::jsonb),
            'availability_status', 'offline', 'email', c.email, 'id', c.id,
            'name', coalesce(c.name, ''), 'phone_number', c.phone_number,
            'blocked', c.blocked, 'identifier', c.identifier, 'thumbnail', '',
            'custom_attributes', coalesce(c.custom_attributes, '{}'::jsonb),
            'created_at', messenger_epoch(c.created_at));
  IF c.last_activity_at IS NOT NULL THEN
    body := body || jsonb_build_object('last_activity_at', messenger_epoch(c.last_activity_at));
  END IF;
  IF with_inboxes THEN
    SELECT coalesce(jsonb_agg(jsonb_build_object('source_id', ci.source_id,
                                                 'inbox', messenger_inbox_brief(i))
                              ORDER BY ci.id), '[]'::jsonb)
      INTO v_inboxes
      FROM contact_inboxes ci JOIN inboxes i ON i.id = ci.inbox_id
     WHERE ci.contact_id = c.id;
    body := body || jsonb_build_object('contact_inboxes', v_inboxes);
  END IF;
  RETURN body;
END $$;

-- Whether (node, incarnation) is a live member (migration 0006): 'up', lease unexpired by the
-- database clock, and its process still holds its lock. Called by every acquire.
CREATE OR REPLACE FUNCTION messenger_member_live(p_node text, p_incarnation bigint)
  RETURNS boolean
  LANGUAGE plpgsql VOLATILE
  AS $$
BEGIN
  RETURN EXISTS (SELECT 1 FROM cluster_nodes n
                  WHERE n.node_id = p_node AND n.incarnation = p_incarnation
                    AND n.status = 'up' AND n.lease_until > now())
         AND NOT messenger_incarnation_dead(p_incarnation);
END $$;

-- The fence runs first in every entity write. Its lookup is by entity_owners' primary key,
-- but the session keeps the generic plan it chose while the table was small: a sequential
-- scan, which stays cached while activations grow the table by thousands of rows between
-- two autoanalyzes (measured: 4.8 ms per fence at 20,000 rows, 26 µs with the index). The
-- fence never needs anything but the index.
ALTER FUNCTION messenger_fence(text, text, bigint) SET enable_seqscan = off;
