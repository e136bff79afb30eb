//! The Lua scripts of the Redis adapter: the operations whose steps must be atomic.

/// INCRBY and "PEXPIRE if this call created the key" in one atomic step, so a fixed window
/// can neither miss its expiry (crash between two commands) nor have it extended by later hits.
/// Sent with EVAL (the workspace builds redis without its `script` feature); Redis caches the
/// compiled script, so this costs only the few bytes of its text.
pub const INCR_BY: &str = r"
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if created and tonumber(ARGV[2]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return value
";

/// ZADD, "keep the `ARGV[1]` highest" and, when `ARGV[2]` (ms) is positive, PEXPIRE,
/// atomically (a Lua script runs alone). The pairs go to ZADD 500 at a time: Lua's `unpack`
/// stops at about 8 000 values.
pub const ZADD_KEEP_TOP: &str = r"
for i = 3, #ARGV, 1000 do
  redis.call('ZADD', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[1]) - 1)
if tonumber(ARGV[2]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return redis.call('ZCARD', KEYS[1])
";

/// `ARGV[1]` moved to the head of the list (any other copy removed), the first `ARGV[2]`
/// kept and, when `ARGV[3]` (ms) is positive, PEXPIRE: a recently-viewed list in one step.
pub const MOVE_TO_FRONT: &str = r"
redis.call('LREM', KEYS[1], 0, ARGV[1])
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
if tonumber(ARGV[3]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return redis.call('LLEN', KEYS[1])
";

/// DEL then ZADD, atomically: the same as writing a temporary key and RENAMEing it over.
pub const ZREPLACE: &str = r"
redis.call('DEL', KEYS[1])
for i = 1, #ARGV, 1000 do
  redis.call('ZADD', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
return 0
";
