#!/bin/sh
# Prints Jaga's Redis ACL file (redis.conf `aclfile`), one user per kind of process, each
# limited to its own keys and to the commands it uses. Passwords are stored as SHA-256
# hashes, never in clear. POSIX sh (it also runs in the redis:alpine image, see
# docker-compose.yml). Reads, from the environment:
#
#   REDIS_PASSWORD           Rasa's password (user jaga-rasa: conversations and their locks)
#   REDIS_FRONTEND_PASSWORD  the Telegram front ends' password (user jaga-frontend: the ids
#                            of answered updates, each person's quiz round and language
#                            seed, the flood counts; nothing else)
#   REDIS_WEB_PASSWORD       the web chat's password (user jaga-web: its rate-limit counters,
#                            nothing else); only with WEB_PROCESSES > 0
#   REDIS_KEY_PREFIX         Rasa's key prefix (default jaga)
#
#   umask 077; REDIS_PASSWORD=... REDIS_FRONTEND_PASSWORD=... deploy/redis-users.sh > users.acl
#
# The default user is switched off: a client without a user name and password can do
# nothing. Neither user may run scripts (Lua), read other keys, list keys, change the
# configuration or flush the database.
set -eu

prefix=${REDIS_KEY_PREFIX:-jaga}
case "$prefix" in
  *[!A-Za-z0-9]* | "") echo "REDIS_KEY_PREFIX may use letters and digits only" >&2; exit 2 ;;
esac

hash() {
  # The password never appears in any process's arguments: printf is a shell builtin.
  printf '%s' "$1" | sha256sum | cut -d ' ' -f 1
}

need() {
  name=$1
  eval "value=\${$name:-}"
  if [ "${#value}" -lt 32 ]; then
    echo "$name must be set to 32 or more random characters" >&2
    exit 2
  fi
}

need REDIS_PASSWORD
need REDIS_FRONTEND_PASSWORD
if [ "$REDIS_PASSWORD" = "$REDIS_FRONTEND_PASSWORD" ]; then
  echo "REDIS_PASSWORD and REDIS_FRONTEND_PASSWORD must differ" >&2
  exit 2
fi
if [ -n "${REDIS_WEB_PASSWORD:-}" ]; then
  need REDIS_WEB_PASSWORD
  if [ "$REDIS_WEB_PASSWORD" = "$REDIS_PASSWORD" ] || [ "$REDIS_WEB_PASSWORD" = "$REDIS_FRONTEND_PASSWORD" ]; then
    echo "REDIS_WEB_PASSWORD must differ from the other passwords" >&2
    exit 2
  fi
fi

# Commands each user needs: connecting (AUTH, HELLO, PING, SELECT, CLIENT SETNAME), and
#  Rasa's tracker and lock stores: GET, SET (with EX), DEL, EXISTS;
#  the front ends' update store: EXISTS, SET NX EX; their user_data and one-time claims
#  (bot/telegram/persistence.py): GET, SET EX, SET NX EX, EXPIRE, DEL; their flood counts
#  (bot/telegram/flood.py): one MULTI/EXEC of EXISTS, SET NX PX, INCRBY, then SET NX PX (in
#  a Redis 7 selector, so that the update store keeps only EXISTS and SET).
connect="+auth +hello +ping +select +client|setname +quit +reset"
echo "user default off resetkeys resetchannels -@all"
echo "user jaga-rasa on #$(hash "$REDIS_PASSWORD") resetkeys ~${prefix}:tracker:* ~${prefix}:lock:* resetchannels -@all $connect +get +set +del +exists +expire +ttl +pttl"
echo "user jaga-frontend on #$(hash "$REDIS_FRONTEND_PASSWORD") resetkeys ~${prefix}:tg:done:* resetchannels -@all $connect +exists +set +multi +exec +discard (~${prefix}:tg:user:* ~${prefix}:tg:flood:* ~${prefix}:tg:mute:* ~${prefix}:tg:claim:* +get +set +expire +del +exists +incr +incrby)"
# The web chat's rate limits (bot/web/limits.py): one MULTI/EXEC of SET NX PX, INCRBY, PTTL.
if [ -n "${REDIS_WEB_PASSWORD:-}" ]; then
  echo "user jaga-web on #$(hash "$REDIS_WEB_PASSWORD") resetkeys ~${prefix}:web:rl:* resetchannels -@all $connect +multi +exec +discard +set +incr +incrby +pttl +pexpire"
fi
