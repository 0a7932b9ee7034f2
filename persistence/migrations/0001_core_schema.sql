-- 0001_core_schema.sql - messenger core schema (PostgreSQL 15).
--
-- Chatwoot-compatible: table names, column names, types, defaults,
-- nullability, integer enum encodings and index names follow Chatwoot
-- v4.16.2 db/schema.rb as transcribed in /work/shared/docs/chatwoot/DATA_MODEL.md.
-- Our deviations are marked "messenger:" and listed in docs/schema.md.
--
-- Executed by the migrator as ONE string inside ONE transaction. Plain DDL
-- only: no psql meta-commands, no CREATE INDEX CONCURRENTLY, and no
-- IF NOT EXISTS (except for the two extensions) - the migrator records the
-- version in schema_migrations and never runs this file twice.
--
-- Type mapping used throughout (Rails -> PostgreSQL):
--   string            -> character varying            (limit: n -> varchar(n))
--   text              -> text
--   float             -> double precision
--   datetime (precision: nil) -> timestamp without time zone
--   datetime (Rails 7 default) -> timestamp(6) without time zone
--   id: :serial       -> serial PK (int4);  default PK -> bigserial (int8)
-- created_at / updated_at have NO database default in Chatwoot (Rails fills
-- them); the application must supply them.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- ---------------------------------------------------------------------------
-- accounts
-- ---------------------------------------------------------------------------
CREATE TABLE accounts (
    id                    serial PRIMARY KEY,
    name                  character varying NOT NULL,
    created_at            timestamp without time zone NOT NULL,
    updated_at            timestamp without time zone NOT NULL,
    locale                integer DEFAULT 0,
    domain                character varying(100),
    support_email         character varying(100),
    feature_flags         bigint DEFAULT 0 NOT NULL,
    auto_resolve_duration integer,
    limits                jsonb DEFAULT '{}'::jsonb,
    custom_attributes     jsonb DEFAULT '{}'::jsonb,
    status                integer DEFAULT 0,          -- active=0, suspended=1
    internal_attributes   jsonb DEFAULT '{}'::jsonb NOT NULL,
    settings              jsonb DEFAULT '{}'::jsonb,
    feature_flags_ext_1   bigint DEFAULT 0 NOT NULL
);

CREATE INDEX index_accounts_on_status ON accounts USING btree (status);

-- display_id: every account owns a sequence conv_dpid_seq_<account_id>
-- (Chatwoot hairtrigger `accounts_after_insert_row_tr`, verbatim body).
CREATE FUNCTION accounts_after_insert_row_tr() RETURNS TRIGGER AS $$
BEGIN
  EXECUTE format('create sequence IF NOT EXISTS conv_dpid_seq_%s', NEW.id);
  RETURN NULL;
END; $$ LANGUAGE plpgsql;

CREATE TRIGGER accounts_after_insert_row_tr AFTER INSERT ON accounts
  FOR EACH ROW EXECUTE PROCEDURE accounts_after_insert_row_tr();

-- messenger: Chatwoot drops the sequence from Ruby (Account#remove_account_sequences);
-- we do it in the database so every delete path (API, SQL, tests) cleans up.
CREATE FUNCTION accounts_after_delete_row_tr() RETURNS TRIGGER AS $$
BEGIN
  EXECUTE format('drop sequence IF EXISTS conv_dpid_seq_%s', OLD.id);
  RETURN NULL;
END; $$ LANGUAGE plpgsql;

CREATE TRIGGER accounts_after_delete_row_tr AFTER DELETE ON accounts
  FOR EACH ROW EXECUTE PROCEDURE accounts_after_delete_row_tr();

-- ---------------------------------------------------------------------------
-- users
-- ---------------------------------------------------------------------------
CREATE TABLE users (
    id                     serial PRIMARY KEY,
    provider               character varying DEFAULT 'email'::character varying NOT NULL,
    uid                    character varying DEFAULT ''::character varying NOT NULL,
    encrypted_password     character varying DEFAULT ''::character varying NOT NULL,
    reset_password_token   character varying,
    reset_password_sent_at timestamp without time zone,
    remember_created_at    timestamp without time zone,
    sign_in_count          integer DEFAULT 0 NOT NULL,
    current_sign_in_at     timestamp without time zone,
    last_sign_in_at        timestamp without time zone,
    current_sign_in_ip     character varying,
    last_sign_in_ip        character varying,
    confirmation_token     character varying,
    confirmed_at           timestamp without time zone,
    confirmation_sent_at   timestamp without time zone,
    unconfirmed_email      character varying,
    name                   character varying NOT NULL,
    display_name           character varying,
    email                  character varying,
    tokens                 json,
    created_at             timestamp without time zone NOT NULL,
    updated_at             timestamp without time zone NOT NULL,
    pubsub_token           character varying,
    availability           integer DEFAULT 0,          -- online=0, offline=1, busy=2
    ui_settings            jsonb DEFAULT '{}'::jsonb,
    custom_attributes      jsonb DEFAULT '{}'::jsonb,
    type                   character varying,
    message_signature      text,
    otp_secret             character varying,
    consumed_timestep      integer,
    otp_required_for_login boolean DEFAULT false,
    otp_backup_codes       text
);

CREATE INDEX index_users_on_email ON users USING btree (email);
CREATE INDEX index_users_on_otp_required_for_login ON users USING btree (otp_required_for_login);
CREATE UNIQUE INDEX index_users_on_otp_secret ON users USING btree (otp_secret);
CREATE UNIQUE INDEX index_users_on_pubsub_token ON users USING btree (pubsub_token);
CREATE UNIQUE INDEX index_users_on_reset_password_token ON users USING btree (reset_password_token);
CREATE UNIQUE INDEX index_users_on_uid_and_provider ON users USING btree (uid, provider);

-- ---------------------------------------------------------------------------
-- access_tokens
-- ---------------------------------------------------------------------------
CREATE TABLE access_tokens (
    id           bigserial PRIMARY KEY,
    owner_type   character varying,                  -- 'User' | 'AgentBot' | 'PlatformApp'
    owner_id     bigint,
    token        character varying,                  -- Chatwoot plaintext; NULL when only the digest is stored
    created_at   timestamp(6) without time zone NOT NULL,
    updated_at   timestamp(6) without time zone NOT NULL,
    token_digest text                                -- messenger: hashed token (see docs/schema.md)
);

CREATE INDEX index_access_tokens_on_owner_type_and_owner_id ON access_tokens USING btree (owner_type, owner_id);
CREATE UNIQUE INDEX index_access_tokens_on_token ON access_tokens USING btree (token);
CREATE UNIQUE INDEX index_access_tokens_on_token_digest ON access_tokens USING btree (token_digest);

COMMENT ON COLUMN access_tokens.token_digest IS
  'messenger: digest of the api_access_token; lookups go through this column, token may be NULL';

-- ---------------------------------------------------------------------------
-- account_users
-- ---------------------------------------------------------------------------
CREATE TABLE account_users (
    id                       bigserial PRIMARY KEY,
    account_id               bigint,
    user_id                  bigint,
    role                     integer DEFAULT 0,          -- agent=0, administrator=1
    inviter_id               bigint,
    created_at               timestamp(6) without time zone NOT NULL,
    updated_at               timestamp(6) without time zone NOT NULL,
    active_at                timestamp without time zone,
    availability             integer DEFAULT 0 NOT NULL, -- online=0, offline=1, busy=2
    auto_offline             boolean DEFAULT true NOT NULL,
    custom_role_id           bigint,
    agent_capacity_policy_id bigint
);

CREATE UNIQUE INDEX uniq_user_id_per_account_id ON account_users USING btree (account_id, user_id);
CREATE INDEX index_account_users_on_account_id ON account_users USING btree (account_id);
CREATE INDEX index_account_users_on_agent_capacity_policy_id ON account_users USING btree (agent_capacity_policy_id);
CREATE INDEX index_account_users_on_custom_role_id ON account_users USING btree (custom_role_id);
CREATE INDEX index_account_users_on_user_id ON account_users USING btree (user_id);

-- ---------------------------------------------------------------------------
-- inboxes
-- ---------------------------------------------------------------------------
CREATE TABLE inboxes (
    id                            serial PRIMARY KEY,
    channel_id                    integer NOT NULL,
    account_id                    integer NOT NULL,
    name                          character varying NOT NULL,
    created_at                    timestamp without time zone NOT NULL,
    updated_at                    timestamp without time zone NOT NULL,
    channel_type                  character varying,     -- e.g. 'Channel::Api'
    enable_auto_assignment        boolean DEFAULT true,
    greeting_enabled              boolean DEFAULT false,
    greeting_message              character varying,
    email_address                 character varying,
    working_hours_enabled         boolean DEFAULT false,
    out_of_office_message         character varying,
    timezone                      character varying DEFAULT 'UTC'::character varying,
    enable_email_collect          boolean DEFAULT true,
    csat_survey_enabled           boolean DEFAULT false,
    allow_messages_after_resolved boolean DEFAULT true,
    auto_assignment_config        jsonb DEFAULT '{}'::jsonb,
    lock_to_single_conversation   boolean DEFAULT false NOT NULL,
    portal_id                     bigint,
    sender_name_type              integer DEFAULT 0 NOT NULL, -- friendly=0, professional=1
    business_name                 character varying,
    csat_config                   jsonb DEFAULT '{}'::jsonb NOT NULL
);

CREATE INDEX index_inboxes_on_account_id ON inboxes USING btree (account_id);
CREATE INDEX index_inboxes_on_channel_id_and_channel_type ON inboxes USING btree (channel_id, channel_type);
CREATE INDEX index_inboxes_on_portal_id ON inboxes USING btree (portal_id);

-- ---------------------------------------------------------------------------
-- channel_api
-- ---------------------------------------------------------------------------
CREATE TABLE channel_api (
    id                    bigserial PRIMARY KEY,
    account_id            integer NOT NULL,
    webhook_url           character varying,
    created_at            timestamp(6) without time zone NOT NULL,
    updated_at            timestamp(6) without time zone NOT NULL,
    identifier            character varying,
    hmac_token            character varying,
    hmac_mandatory        boolean DEFAULT false,
    additional_attributes jsonb DEFAULT '{}'::jsonb,
    secret                character varying
);

CREATE UNIQUE INDEX index_channel_api_on_hmac_token ON channel_api USING btree (hmac_token);
CREATE UNIQUE INDEX index_channel_api_on_identifier ON channel_api USING btree (identifier);

-- ---------------------------------------------------------------------------
-- inbox_members
-- ---------------------------------------------------------------------------
CREATE TABLE inbox_members (
    id         serial PRIMARY KEY,
    user_id    integer NOT NULL,
    inbox_id   integer NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL
);

CREATE UNIQUE INDEX index_inbox_members_on_inbox_id_and_user_id ON inbox_members USING btree (inbox_id, user_id);
CREATE INDEX index_inbox_members_on_inbox_id ON inbox_members USING btree (inbox_id);

-- ---------------------------------------------------------------------------
-- teams / team_members
-- ---------------------------------------------------------------------------
CREATE TABLE teams (
    id                bigserial PRIMARY KEY,
    name              character varying NOT NULL,
    description       text,
    allow_auto_assign boolean DEFAULT true,
    account_id        bigint NOT NULL,
    created_at        timestamp(6) without time zone NOT NULL,
    updated_at        timestamp(6) without time zone NOT NULL,
    icon              character varying DEFAULT ''::character varying,
    icon_color        character varying DEFAULT ''::character varying
);

CREATE INDEX index_teams_on_account_id ON teams USING btree (account_id);
CREATE UNIQUE INDEX index_teams_on_name_and_account_id ON teams USING btree (name, account_id);

CREATE TABLE team_members (
    id         bigserial PRIMARY KEY,
    team_id    bigint NOT NULL,
    user_id    bigint NOT NULL,
    created_at timestamp(6) without time zone NOT NULL,
    updated_at timestamp(6) without time zone NOT NULL
);

CREATE UNIQUE INDEX index_team_members_on_team_id_and_user_id ON team_members USING btree (team_id, user_id);
CREATE INDEX index_team_members_on_team_id ON team_members USING btree (team_id);
CREATE INDEX index_team_members_on_user_id ON team_members USING btree (user_id);

-- ---------------------------------------------------------------------------
-- labels (per-account catalogue) / tags + taggings (acts-as-taggable-on)
-- ---------------------------------------------------------------------------
CREATE TABLE labels (
    id              bigserial PRIMARY KEY,
    title           character varying,
    description     text,
    color           character varying DEFAULT '#1f93ff'::character varying NOT NULL,
    show_on_sidebar boolean,
    account_id      bigint,
    created_at      timestamp(6) without time zone NOT NULL,
    updated_at      timestamp(6) without time zone NOT NULL
);

CREATE INDEX index_labels_on_account_id ON labels USING btree (account_id);
CREATE UNIQUE INDEX index_labels_on_title_and_account_id ON labels USING btree (title, account_id);

CREATE TABLE tags (
    id             serial PRIMARY KEY,
    name           character varying,
    taggings_count integer DEFAULT 0
);

CREATE INDEX tags_name_trgm_idx ON tags USING gin (lower((name)::text) gin_trgm_ops);
CREATE UNIQUE INDEX index_tags_on_name ON tags USING btree (name);

CREATE TABLE taggings (
    id            serial PRIMARY KEY,
    tag_id        integer,
    taggable_type character varying,                 -- 'Conversation' | 'Contact'
    taggable_id   integer,
    tagger_type   character varying,
    tagger_id     integer,
    context       character varying(128),            -- 'labels'
    created_at    timestamp without time zone
);

CREATE INDEX index_taggings_on_context ON taggings USING btree (context);
CREATE UNIQUE INDEX taggings_idx ON taggings USING btree (tag_id, taggable_id, taggable_type, context, tagger_id, tagger_type);
CREATE INDEX index_taggings_on_tag_id ON taggings USING btree (tag_id);
CREATE INDEX index_taggings_on_taggable_id_and_taggable_type_and_context ON taggings USING btree (taggable_id, taggable_type, context);
CREATE INDEX taggings_idy ON taggings USING btree (taggable_id, taggable_type, tagger_id, context);
CREATE INDEX index_taggings_on_taggable_id ON taggings USING btree (taggable_id);
CREATE INDEX index_taggings_on_taggable_type ON taggings USING btree (taggable_type);
CREATE INDEX index_taggings_on_tagger_id_and_tagger_type ON taggings USING btree (tagger_id, tagger_type);
CREATE INDEX index_taggings_on_tagger_id ON taggings USING btree (tagger_id);

-- ---------------------------------------------------------------------------
-- contacts
-- ---------------------------------------------------------------------------
CREATE TABLE contacts (
    id                    serial PRIMARY KEY,
    name                  character varying DEFAULT ''::character varying,
    email                 character varying,
    phone_number          character varying,
    account_id            integer NOT NULL,
    created_at            timestamp without time zone NOT NULL,
    updated_at            timestamp without time zone NOT NULL,
    additional_attributes jsonb DEFAULT '{}'::jsonb,
    identifier            character varying,
    custom_attributes     jsonb DEFAULT '{}'::jsonb,
    last_activity_at      timestamp without time zone,
    contact_type          integer DEFAULT 0,          -- visitor=0, lead=1, customer=2
    middle_name           character varying DEFAULT ''::character varying,
    last_name             character varying DEFAULT ''::character varying,
    location              character varying DEFAULT ''::character varying,
    country_code          character varying DEFAULT ''::character varying,
    blocked               boolean DEFAULT false NOT NULL,
    company_id            bigint
);

CREATE INDEX index_contacts_on_lower_email_account_id ON contacts USING btree (lower((email)::text), account_id);
CREATE INDEX index_contacts_on_account_id_and_contact_type ON contacts USING btree (account_id, contact_type);
CREATE INDEX index_contacts_on_nonempty_fields ON contacts USING btree (account_id, email, phone_number, identifier)
  WHERE (((email)::text <> ''::text) OR ((phone_number)::text <> ''::text) OR ((identifier)::text <> ''::text));
CREATE INDEX index_contacts_on_account_id_and_last_activity_at ON contacts USING btree (account_id, last_activity_at DESC NULLS LAST);
CREATE INDEX index_contacts_on_account_id ON contacts USING btree (account_id);
CREATE INDEX index_resolved_contact_account_id ON contacts USING btree (account_id)
  WHERE (((email)::text <> ''::text) OR ((phone_number)::text <> ''::text) OR ((identifier)::text <> ''::text));
CREATE INDEX index_contacts_on_blocked ON contacts USING btree (blocked);
CREATE INDEX index_contacts_on_company_id ON contacts USING btree (company_id);
CREATE UNIQUE INDEX uniq_email_per_account_contact ON contacts USING btree (email, account_id);
CREATE UNIQUE INDEX uniq_identifier_per_account_contact ON contacts USING btree (identifier, account_id);
CREATE INDEX index_contacts_on_name_email_phone_number_identifier ON contacts
  USING gin (name gin_trgm_ops, email gin_trgm_ops, phone_number gin_trgm_ops, identifier gin_trgm_ops);
CREATE INDEX index_contacts_on_phone_number_and_account_id ON contacts USING btree (phone_number, account_id);

-- ---------------------------------------------------------------------------
-- contact_inboxes
-- ---------------------------------------------------------------------------
CREATE TABLE contact_inboxes (
    id            bigserial PRIMARY KEY,
    contact_id    bigint,
    inbox_id      bigint,
    source_id     text NOT NULL,
    created_at    timestamp(6) without time zone NOT NULL,
    updated_at    timestamp(6) without time zone NOT NULL,
    hmac_verified boolean DEFAULT false,
    pubsub_token  character varying
);

CREATE INDEX index_contact_inboxes_on_contact_id ON contact_inboxes USING btree (contact_id);
CREATE UNIQUE INDEX index_contact_inboxes_on_inbox_id_and_source_id ON contact_inboxes USING btree (inbox_id, source_id);
CREATE INDEX index_contact_inboxes_on_inbox_id ON contact_inboxes USING btree (inbox_id);
CREATE UNIQUE INDEX index_contact_inboxes_on_pubsub_token ON contact_inboxes USING btree (pubsub_token);
CREATE INDEX index_contact_inboxes_on_source_id ON contact_inboxes USING btree (source_id);

-- ---------------------------------------------------------------------------
-- conversations
-- ---------------------------------------------------------------------------
CREATE TABLE conversations (
    id                     serial PRIMARY KEY,
    account_id             integer NOT NULL,
    inbox_id               integer NOT NULL,
    status                 integer DEFAULT 0 NOT NULL,     -- open=0, resolved=1, pending=2, snoozed=3
    assignee_id            integer,
    created_at             timestamp without time zone NOT NULL,
    updated_at             timestamp without time zone NOT NULL,
    contact_id             bigint,
    display_id             integer NOT NULL,               -- set by conversations_before_insert_row_tr
    contact_last_seen_at   timestamp without time zone,
    agent_last_seen_at     timestamp without time zone,
    additional_attributes  jsonb DEFAULT '{}'::jsonb,
    contact_inbox_id       bigint,
    uuid                   uuid DEFAULT gen_random_uuid() NOT NULL,
    identifier             character varying,
    last_activity_at       timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    team_id                bigint,
    campaign_id            bigint,
    snoozed_until          timestamp without time zone,
    custom_attributes      jsonb DEFAULT '{}'::jsonb,
    assignee_last_seen_at  timestamp without time zone,
    first_reply_created_at timestamp without time zone,
    priority               integer,                         -- low=0, medium=1, high=2, urgent=3, NULL=none
    sla_policy_id          bigint,
    waiting_since          timestamp(6) without time zone,
    cached_label_list      text,
    assignee_agent_bot_id  bigint
);

CREATE UNIQUE INDEX index_conversations_on_account_id_and_display_id ON conversations USING btree (account_id, display_id);
CREATE INDEX index_conversations_on_id_and_account_id ON conversations USING btree (account_id, id);
CREATE INDEX conv_acid_inbid_stat_asgnid_idx ON conversations USING btree (account_id, inbox_id, status, assignee_id);
CREATE INDEX index_conversations_on_account_id ON conversations USING btree (account_id);
CREATE INDEX index_conversations_on_assignee_id_and_account_id ON conversations USING btree (assignee_id, account_id);
CREATE INDEX index_conversations_on_campaign_id ON conversations USING btree (campaign_id);
CREATE INDEX index_conversations_on_contact_id ON conversations USING btree (contact_id);
CREATE INDEX index_conversations_on_contact_inbox_id ON conversations USING btree (contact_inbox_id);
CREATE INDEX index_conversations_on_first_reply_created_at ON conversations USING btree (first_reply_created_at);
CREATE INDEX index_conversations_on_identifier_and_account_id ON conversations USING btree (identifier, account_id);
CREATE INDEX index_conversations_on_inbox_id ON conversations USING btree (inbox_id);
CREATE INDEX index_conversations_on_priority ON conversations USING btree (priority);
CREATE INDEX index_conversations_on_status_and_account_id ON conversations USING btree (status, account_id);
CREATE INDEX index_conversations_on_status_and_priority ON conversations USING btree (status, priority);
CREATE INDEX index_conversations_on_team_id ON conversations USING btree (team_id);
CREATE UNIQUE INDEX index_conversations_on_uuid ON conversations USING btree (uuid);
CREATE INDEX index_conversations_on_waiting_since ON conversations USING btree (waiting_since);

-- messenger: keyset-friendly list indexes (default sort last_activity_at DESC).
CREATE INDEX index_conversations_list_by_status ON conversations USING btree (account_id, status, last_activity_at DESC);
CREATE INDEX index_conversations_list_by_inbox ON conversations USING btree (account_id, inbox_id, status, last_activity_at DESC);
CREATE INDEX index_conversations_list_by_assignee ON conversations USING btree (account_id, assignee_id, status, last_activity_at DESC);

-- display_id: per-account number from conv_dpid_seq_<account_id>
-- (Chatwoot hairtrigger `conversations_before_insert_row_tr`, verbatim body).
-- Any application-supplied display_id is overwritten.
CREATE FUNCTION conversations_before_insert_row_tr() RETURNS TRIGGER AS $$
BEGIN
  NEW.display_id := nextval('conv_dpid_seq_' || NEW.account_id);
  RETURN NEW;
END; $$ LANGUAGE plpgsql;

CREATE TRIGGER conversations_before_insert_row_tr BEFORE INSERT ON conversations
  FOR EACH ROW EXECUTE PROCEDURE conversations_before_insert_row_tr();

-- ---------------------------------------------------------------------------
-- messages
-- ---------------------------------------------------------------------------
CREATE TABLE messages (
    id                        serial PRIMARY KEY,
    content                   text,
    account_id                integer NOT NULL,
    inbox_id                  integer NOT NULL,
    conversation_id           integer NOT NULL,            -- conversations.id (NOT display_id)
    message_type              integer NOT NULL,            -- incoming=0, outgoing=1, activity=2, template=3
    created_at                timestamp without time zone NOT NULL,
    updated_at                timestamp without time zone NOT NULL,
    private                   boolean DEFAULT false NOT NULL,
    status                    integer DEFAULT 0,           -- sent=0, delivered=1, read=2, failed=3
    source_id                 text,
    content_type              integer DEFAULT 0 NOT NULL,  -- text=0 ... voice_call=12 (docs/schema.md)
    -- messenger: Chatwoot declares json; we use jsonb and require an object.
    content_attributes        jsonb DEFAULT '{}'::jsonb,
    sender_type               character varying,           -- 'Contact' | 'User' | 'AgentBot' | 'Captain::Assistant'
    sender_id                 bigint,
    external_source_ids       jsonb DEFAULT '{}'::jsonb,
    additional_attributes     jsonb DEFAULT '{}'::jsonb,
    processed_message_content text,
    sentiment                 jsonb DEFAULT '{}'::jsonb,
    echo_id                   text,                         -- messenger: client idempotency key
    deleted_at                timestamp(6) without time zone, -- messenger: soft delete marker
    CONSTRAINT messages_content_attributes_is_object
      CHECK (jsonb_typeof(content_attributes) = 'object')
);

CREATE INDEX index_messages_on_additional_attributes_campaign_id ON messages USING gin (((additional_attributes -> 'campaign_id'::text)));
CREATE INDEX idx_messages_account_content_created ON messages USING btree (account_id, content_type, created_at);
CREATE INDEX index_messages_on_account_created_type ON messages USING btree (account_id, created_at, message_type);
CREATE INDEX index_messages_on_account_id_and_inbox_id ON messages USING btree (account_id, inbox_id);
CREATE INDEX index_messages_on_account_id ON messages USING btree (account_id);
-- The single trigram index on content (Chatwoot's name; the brief's
-- index_messages_on_content_trgm is this index).
CREATE INDEX index_messages_on_content ON messages USING gin (content gin_trgm_ops);
CREATE INDEX index_messages_on_conversation_account_type_created ON messages USING btree (conversation_id, account_id, message_type, created_at);
CREATE INDEX index_messages_on_conversation_id ON messages USING btree (conversation_id);
CREATE INDEX index_messages_on_created_at ON messages USING btree (created_at);
CREATE INDEX index_messages_on_inbox_id ON messages USING btree (inbox_id);
CREATE INDEX index_messages_on_sender_and_created ON messages USING btree (sender_type, sender_id, created_at);
CREATE INDEX index_messages_on_sender_type_and_sender_id ON messages USING btree (sender_type, sender_id);
CREATE INDEX index_messages_on_source_id ON messages USING btree (source_id);

-- messenger additions
CREATE INDEX index_messages_on_conversation_id_and_id ON messages USING btree (conversation_id, id);
CREATE UNIQUE INDEX index_messages_on_inbox_id_and_source_id ON messages USING btree (inbox_id, source_id)
  WHERE source_id IS NOT NULL;
CREATE UNIQUE INDEX index_messages_on_inbox_id_and_echo_id ON messages USING btree (inbox_id, echo_id)
  WHERE echo_id IS NOT NULL;

COMMENT ON COLUMN messages.echo_id IS
  'messenger: client-supplied idempotency key, unique per inbox (index_messages_on_inbox_id_and_echo_id)';
COMMENT ON COLUMN messages.deleted_at IS
  'messenger: set when the message is soft-deleted (Chatwoot only rewrites content/content_attributes)';

-- ---------------------------------------------------------------------------
-- attachments
-- ---------------------------------------------------------------------------
CREATE TABLE attachments (
    id               serial PRIMARY KEY,
    file_type        integer DEFAULT 0,               -- image=0 ... embed=12 (docs/schema.md)
    external_url     character varying,
    coordinates_lat  double precision DEFAULT 0.0,
    coordinates_long double precision DEFAULT 0.0,
    message_id       integer NOT NULL,
    account_id       integer NOT NULL,
    created_at       timestamp without time zone NOT NULL,
    updated_at       timestamp without time zone NOT NULL,
    fallback_title   character varying,
    extension        character varying,
    meta             jsonb DEFAULT '{}'::jsonb
);

CREATE INDEX index_attachments_on_account_id ON attachments USING btree (account_id);
CREATE INDEX index_attachments_on_message_id ON attachments USING btree (message_id);

-- ---------------------------------------------------------------------------
-- reporting_events
-- ---------------------------------------------------------------------------
CREATE TABLE reporting_events (
    id                      bigserial PRIMARY KEY,
    name                    character varying,
    value                   double precision,
    account_id              integer,
    inbox_id                integer,
    user_id                 integer,
    conversation_id         integer,
    created_at              timestamp(6) without time zone NOT NULL,
    updated_at              timestamp(6) without time zone NOT NULL,
    value_in_business_hours double precision,
    event_start_time        timestamp without time zone,
    event_end_time          timestamp without time zone
);

CREATE INDEX reporting_events__account_id__name__created_at ON reporting_events USING btree (account_id, name, created_at);
CREATE INDEX index_reporting_events_for_response_distribution ON reporting_events USING btree (account_id, name, inbox_id, created_at);
CREATE INDEX index_reporting_events_on_account_id ON reporting_events USING btree (account_id);
CREATE INDEX index_reporting_events_on_conversation_id ON reporting_events USING btree (conversation_id);
CREATE INDEX index_reporting_events_on_created_at ON reporting_events USING btree (created_at);
CREATE INDEX index_reporting_events_on_inbox_id ON reporting_events USING btree (inbox_id);
CREATE INDEX index_reporting_events_on_name ON reporting_events USING btree (name);
CREATE INDEX index_reporting_events_on_user_id ON reporting_events USING btree (user_id);

-- ---------------------------------------------------------------------------
-- webhooks
-- ---------------------------------------------------------------------------
CREATE TABLE webhooks (
    id            bigserial PRIMARY KEY,
    account_id    integer,
    inbox_id      integer,
    url           text,
    created_at    timestamp(6) without time zone NOT NULL,
    updated_at    timestamp(6) without time zone NOT NULL,
    webhook_type  integer DEFAULT 0,                  -- account_type=0, inbox_type=1
    subscriptions jsonb DEFAULT '["conversation_status_changed", "conversation_updated", "conversation_created", "contact_created", "contact_updated", "message_created", "message_updated", "webwidget_triggered"]'::jsonb,
    name          character varying,
    secret        character varying
);

CREATE UNIQUE INDEX index_webhooks_on_account_id_and_url ON webhooks USING btree (account_id, url);

-- ---------------------------------------------------------------------------
-- canned_responses (Chatwoot declares no secondary index)
-- ---------------------------------------------------------------------------
CREATE TABLE canned_responses (
    id         serial PRIMARY KEY,
    account_id integer NOT NULL,
    short_code character varying,
    content    text,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL
);

-- ---------------------------------------------------------------------------
-- messenger: cluster membership and entity ownership (fencing)
-- All lease arithmetic uses the database clock (now()).
-- ---------------------------------------------------------------------------
CREATE SEQUENCE cluster_incarnation_seq;

CREATE TABLE cluster_nodes (
    node_id      text PRIMARY KEY,                    -- stable node name (rendezvous-hash input)
    incarnation  bigint NOT NULL,                     -- nextval('cluster_incarnation_seq') on every process start
    http_addr    text,
    cluster_addr text,
    status       text DEFAULT 'up' NOT NULL
                 CONSTRAINT cluster_nodes_status_check CHECK (status IN ('up', 'leaving', 'left')),
    started_at   timestamptz DEFAULT now() NOT NULL,
    lease_until  timestamptz NOT NULL,
    heartbeat_at timestamptz
);

CREATE TABLE entity_owners (
    entity_type       text NOT NULL,
    entity_id         text NOT NULL,
    owner_node        text NOT NULL,                  -- '' = released
    owner_incarnation bigint NOT NULL,
    epoch             bigint NOT NULL,                -- fencing token, +1 on every ownership change
    PRIMARY KEY (entity_type, entity_id)
);
