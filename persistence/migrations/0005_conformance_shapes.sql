-- Conformance fixes to the JSON shapes of migration 0003 (issues 14 and 16, found by the
-- openapi.prism scenario), and the time rendering Rails gives a Time in JSON.

-- A Time as Rails renders it in JSON: ISO-8601 in UTC with milliseconds and "Z"
-- (2026-11-29T11:34:51.897Z; the fraction truncated, as Rails does). NULL stays NULL.
CREATE FUNCTION messenger_iso(t timestamp without time zone) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

-- Contact (`_contact.json.jbuilder`): `last_activity_at` only while it is set (the partial
-- renders it `if resource[:last_activity_at].present?`), never as null.
CREATE OR REPLACE FUNCTION messenger_contact_json(c contacts, with_inboxes boolean) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$
    SELECT jsonb_build_object(
             'additional_attributes', coalesce(c.additional_attributes, '{}'::jsonb),
             'availability_status', 'offline', 'email', c.email, 'id', c.id,
             'name', coalesce(c.name, ''), 'phone_number', c.phone_number,
             'blocked', c.blocked, 'identifier', c.identifier, 'thumbnail', '',
             'custom_attributes', coalesce(c.custom_attributes, '{}'::jsonb),
             'created_at', messenger_epoch(c.created_at))
           || CASE WHEN c.last_activity_at IS NULL THEN '{}'::jsonb
                   ELSE jsonb_build_object('last_activity_at',
                                           messenger_epoch(c.last_activity_at)) END
           || CASE WHEN with_inboxes THEN jsonb_build_object('contact_inboxes', coalesce(
                (SELECT jsonb_agg(jsonb_build_object('source_id', ci.source_id,
                                                     'inbox', messenger_inbox_brief(i))
                                  ORDER BY ci.id)
                   FROM contact_inboxes ci JOIN inboxes i ON i.id = ci.inbox_id
                  WHERE ci.contact_id = c.id), '[]'::jsonb))
              ELSE '{}'::jsonb END $$;

-- Contact#push_event_data (app/models/contact.rb): what a message's contact `sender` is, in
-- the Application API, the Client API and push data alike. Not the contact partial: no
-- availability_status, created_at, last_activity_at.
CREATE FUNCTION messenger_contact_push_json(c contacts) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$
    SELECT jsonb_build_object(
             'additional_attributes', coalesce(c.additional_attributes, '{}'::jsonb),
             'custom_attributes', coalesce(c.custom_attributes, '{}'::jsonb),
             'email', c.email, 'id', c.id, 'identifier', c.identifier,
             'name', coalesce(c.name, ''), 'phone_number', c.phone_number, 'thumbnail', '',
             'blocked', c.blocked, 'type', 'contact') $$;

CREATE OR REPLACE FUNCTION messenger_sender_json(sender_type text, sender_id bigint) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$
    SELECT CASE sender_type
      WHEN 'User' THEN (SELECT jsonb_build_object(
                                 'id', u.id, 'name', u.name,
                                 'available_name', coalesce(nullif(u.display_name, ''), u.name),
                                 'avatar_url', '', 'type', 'user',
                                 'availability_status', 'offline', 'thumbnail', '')
                          FROM users u WHERE u.id = sender_id)
      WHEN 'Contact' THEN (SELECT messenger_contact_push_json(c)
                             FROM contacts c WHERE c.id = sender_id)
    END $$;

-- The raw contact record as Rails serialises it (`json.contact resource.contact` in the Client
-- API's conversation): every column, times as ISO-8601 with "Z", the contact_type enum by name.
CREATE FUNCTION messenger_contact_record_json(c contacts) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$
    SELECT to_jsonb(c) || jsonb_build_object(
             'created_at', messenger_iso(c.created_at),
             'updated_at', messenger_iso(c.updated_at),
             'last_activity_at', messenger_iso(c.last_activity_at),
             'contact_type', CASE c.contact_type WHEN 0 THEN 'visitor' WHEN 1 THEN 'lead'
                                                 WHEN 2 THEN 'customer' END) $$;
