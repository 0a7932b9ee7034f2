-- Chatwoot's JSON shapes for contacts and agents, rendered next to the data so that every
-- endpoint that shows one (contacts, agents, inbox members, team members, conversation
-- meta) renders it the same way with one query. Times follow API.md §0: epoch seconds.

CREATE FUNCTION messenger_epoch(t timestamp without time zone) RETURNS bigint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT floor(extract(epoch FROM t))::bigint $$;

-- The brief inbox of contact_inboxes: {id, avatar_url, channel_id, name, channel_type, provider}.
CREATE FUNCTION messenger_inbox_brief(i inboxes) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT jsonb_build_object('id', i.id, 'avatar_url', '', 'channel_id', i.channel_id,
                                  'name', i.name, 'channel_type', i.channel_type,
                                  'provider', NULL) $$;

-- Contact (`_contact.json.jbuilder`), with `contact_inboxes` when asked.
CREATE FUNCTION messenger_contact_json(c contacts, with_inboxes boolean) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$
    SELECT jsonb_build_object(
             'additional_attributes', coalesce(c.additional_attributes, '{}'::jsonb),
             'availability_status', 'offline', 'email', c.email, 'id', c.id,
             'name', coalesce(c.name, ''), 'phone_number', c.phone_number,
             'blocked', c.blocked, 'identifier', c.identifier, 'thumbnail', '',
             'custom_attributes', coalesce(c.custom_attributes, '{}'::jsonb),
             'last_activity_at', messenger_epoch(c.last_activity_at),
             'created_at', messenger_epoch(c.created_at))
           || CASE WHEN with_inboxes THEN jsonb_build_object('contact_inboxes', coalesce(
                (SELECT jsonb_agg(jsonb_build_object('source_id', ci.source_id,
                                                     'inbox', messenger_inbox_brief(i))
                                  ORDER BY ci.id)
                   FROM contact_inboxes ci JOIN inboxes i ON i.id = ci.inbox_id
                  WHERE ci.contact_id = c.id), '[]'::jsonb))
              ELSE '{}'::jsonb END $$;

-- Agent (`_agent.json.jbuilder`) of one account membership.
CREATE FUNCTION messenger_agent_json(u users, au account_users) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$
    SELECT jsonb_build_object(
             'id', u.id, 'account_id', au.account_id,
             'availability_status', CASE au.availability WHEN 0 THEN 'online'
                                                         WHEN 2 THEN 'busy'
                                                         ELSE 'offline' END,
             'auto_offline', au.auto_offline, 'confirmed', u.confirmed_at IS NOT NULL,
             'email', u.email, 'provider', u.provider,
             'available_name', coalesce(nullif(u.display_name, ''), u.name), 'name', u.name,
             'role', CASE au.role WHEN 1 THEN 'administrator' ELSE 'agent' END,
             'thumbnail', '', 'custom_role_id', au.custom_role_id) $$;


-- A message's `sender` (Message#push_event_data): an agent's or a contact's push data.
CREATE FUNCTION messenger_sender_json(sender_type text, sender_id bigint) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$
    SELECT CASE sender_type
      WHEN 'User' THEN (SELECT jsonb_build_object(
                                 'id', u.id, 'name', u.name,
                                 'available_name', coalesce(nullif(u.display_name, ''), u.name),
                                 'avatar_url', '', 'type', 'user',
                                 'availability_status', 'offline', 'thumbnail', '')
                          FROM users u WHERE u.id = sender_id)
      WHEN 'Contact' THEN (SELECT messenger_contact_json(c, false)
                                  || jsonb_build_object('type', 'contact')
                             FROM contacts c WHERE c.id = sender_id)
    END $$;
