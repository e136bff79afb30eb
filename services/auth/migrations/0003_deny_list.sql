-- The deny-list's durable copy. Every entry the auth service writes to the shared cache (the
-- gateway reads it there on each request) is recorded here first, so a cache that restarts
-- empty — `vici up`'s in-process cache after a restart, a Redis without persistence — is
-- filled again from this table (at start, and whenever the cache's marker key is missing).
-- `expires_at` is unix milliseconds: the entry is of no use after it.
CREATE TABLE deny_list (
    cache_key TEXT PRIMARY KEY,
    cache_value TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX deny_list_expiry ON deny_list (expires_at);
