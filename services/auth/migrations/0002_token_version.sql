-- Token versions: `accounts.token_version` is bumped in the same transaction as every change
-- that must cut off the account's existing access tokens (role change, deactivation, password
-- reset) and published to the gateway's deny-list, which refuses tokens of a lower version.
-- Every access token carries the version read in the transaction that minted it; a refresh
-- token row keeps the version of the access token issued with it (beside access_jti and
-- access_iat) so a replay inside the grace window re-signs the very same token.
ALTER TABLE accounts ADD COLUMN token_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE refresh_tokens ADD COLUMN access_ver BIGINT NOT NULL DEFAULT 0;
