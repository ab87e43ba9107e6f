#!/usr/bin/env bash
# Jaga in production on one host: the action server, RASA_REPLICAS Rasa servers sharing Redis,
# FRONTENDS Telegram front ends in webhook mode, and WEB_PROCESSES web chat processes
# (`python -m bot web --production`, behind nginx). Every process is supervised: one that
# exits or crashes is started again (with a back-off), so a crash never leaves the bot silent.
# While a Rasa replica is down the front ends still answer with the safe reply (helplines).
#
#   deploy/run-production.sh [start]     start everything, stay in the foreground (Ctrl-C stops)
#   deploy/run-production.sh check       check the settings and print the plan, start nothing
#   deploy/run-production.sh roll        restart the Rasa replicas one at a time (new model)
#   deploy/run-production.sh stop        stop a running `start`
#
# Settings come from the environment, or from the file named by JAGA_ENV_FILE (KEY=value
# lines; keep it chmod 600). Secrets are never passed on a command line and never logged.
# Logs go to JAGA_LOG_DIR/<service>.log, appended: rotate them with deploy/logrotate.conf.
#
#   required: RASA_TOKEN (32+ random characters); with FRONTENDS > 0 also TELEGRAM_BOT_TOKEN,
#             TELEGRAM_WEBHOOK_URL (https://...), TELEGRAM_WEBHOOK_SECRET and JAGA_ID_SECRET
#             (32+ random characters: the key of the conversation ids Rasa and Redis see)
#   optional (default):
#     RASA_REPLICAS (2)  RASA_BASE_PORT (5005)  RASA_INTERFACE (127.0.0.1)
#     ACTION_PORT (5055)  ACTION_INTERFACE (127.0.0.1)
#     FRONTENDS (2)  WEBHOOK_BASE_PORT (8443)  TELEGRAM_WEBHOOK_LISTEN (127.0.0.1)
#     JAGA_RASA_URL (unset: front end i talks to replica i mod RASA_REPLICAS; set it to the
#                    nginx balancer, http://127.0.0.1:5000, so that a replica restart is unseen)
#     JAGA_MODEL (models)  REDIS_HOST (127.0.0.1)  REDIS_PORT (6379)  REDIS_DB (0)
#     REDIS_USERNAME ()  REDIS_PASSWORD ()  REDIS_KEY_PREFIX (jaga)  JAGA_RECORD_EXP (3600)
#       Rasa's Redis user and password: jaga-rasa with the ACL of deploy/redis-users.sh
#     REDIS_FRONTEND_PASSWORD (): the front ends' Redis password (user jaga-frontend); they
#       get REDIS_URL=redis://jaga-frontend:<it>@REDIS_HOST:REDIS_PORT/REDIS_DB in their
#       environment, never on a command line (or set REDIS_URL in the env file yourself)
#     TICKET_LOCK_LIFETIME (10)  RASA_RESPONSE_TIMEOUT (30)  JAGA_RUN_DIR (var/run)  JAGA_LOG_DIR (var/log)
#     JAGA_PYTHON (.venv/bin/python)  JAGA_ENDPOINTS (deploy/endpoints.redis.yml)
#     WEB_PROCESSES (0)  WEB_BASE_PORT (8600)  WEB_LISTEN (127.0.0.1): the public web chat;
#       with WEB_PROCESSES > 0 also WEB_PUBLIC_URL (https://...) and WEB_RATE_SECRET (32+
#       random characters, the key of the rate limits' hashed addresses); REDIS_WEB_PASSWORD
#       (): the web chat's Redis user (jaga-web), or WEB_REDIS_URL; web processes only
# See docs/production.md.
set -euo pipefail
umask 077  # logs, pid files and anything the services write: owner only

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
COMMAND="${1:-start}"

if [[ -n "${JAGA_ENV_FILE:-}" ]]; then
  if [[ ! -r "$JAGA_ENV_FILE" ]]; then
    echo "JAGA_ENV_FILE=$JAGA_ENV_FILE cannot be read" >&2
    exit 2
  fi
  set -a
  # shellcheck disable=SC1090
  source "$JAGA_ENV_FILE"
  set +a
fi

: "${JAGA_PYTHON:=$ROOT/.venv/bin/python}"
: "${RASA_REPLICAS:=2}"
: "${RASA_BASE_PORT:=5005}"
: "${RASA_INTERFACE:=127.0.0.1}"
: "${ACTION_PORT:=5055}"
: "${ACTION_INTERFACE:=127.0.0.1}"
: "${FRONTENDS:=2}"
: "${WEBHOOK_BASE_PORT:=8443}"
: "${TELEGRAM_WEBHOOK_LISTEN:=127.0.0.1}"
: "${WEB_PROCESSES:=0}"
: "${WEB_BASE_PORT:=8600}"
: "${WEB_LISTEN:=127.0.0.1}"
: "${JAGA_RASA_URL:=}"
: "${JAGA_MODEL:=$ROOT/models}"
: "${JAGA_ENDPOINTS:=$ROOT/deploy/endpoints.redis.yml}"
: "${JAGA_CREDENTIALS:=$ROOT/deploy/credentials.yml}"
: "${REDIS_HOST:=127.0.0.1}"
: "${REDIS_PORT:=6379}"
: "${REDIS_DB:=0}"
: "${REDIS_USERNAME:=}"
: "${REDIS_PASSWORD:=}"
: "${REDIS_KEY_PREFIX:=jaga}"
: "${JAGA_RECORD_EXP:=3600}"
: "${TICKET_LOCK_LIFETIME:=10}"
: "${RASA_RESPONSE_TIMEOUT:=30}"
: "${JAGA_RUN_DIR:=$ROOT/var/run}"
: "${JAGA_LOG_DIR:=$ROOT/var/log}"
: "${JAGA_START_TIMEOUT:=180}"
: "${ACTION_SERVER_URL:=http://$ACTION_INTERFACE:$ACTION_PORT/webhook}"
# The web chat's secrets are handed to its processes only (service_command), never exported.
WEB_RATE_SECRET=${WEB_RATE_SECRET:-}
REDIS_WEB_PASSWORD=${REDIS_WEB_PASSWORD:-}
WEB_REDIS_URL=${WEB_REDIS_URL:-}
export -n WEB_RATE_SECRET REDIS_WEB_PASSWORD WEB_REDIS_URL
JAGA_ID_SECRET=${JAGA_ID_SECRET:-}  # front ends and web processes need the same one
export REDIS_HOST REDIS_PORT REDIS_DB REDIS_USERNAME REDIS_PASSWORD REDIS_KEY_PREFIX JAGA_RECORD_EXP
export TICKET_LOCK_LIFETIME ACTION_SERVER_URL
export PYTHONWARNINGS=ignore TF_CPP_MIN_LOG_LEVEL=2 PYTHONUNBUFFERED=1
# Rasa would otherwise send usage telemetry to Rasa Technologies: not from a children's service.
export RASA_TELEMETRY_ENABLED=false
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"

SECRETS=(RASA_TOKEN RASA_API_TOKEN TELEGRAM_BOT_TOKEN TELEGRAM_WEBHOOK_SECRET REDIS_PASSWORD
         REDIS_FRONTEND_PASSWORD REDIS_URL JAGA_ID_SECRET)

say() { printf '%s run-production: %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$*"; }
fail() { say "ERROR: $*" >&2; exit 2; }

is_int() { [[ "$1" =~ ^[0-9]+$ ]]; }

check_settings() {
  [[ -x "$JAGA_PYTHON" ]] || fail "JAGA_PYTHON=$JAGA_PYTHON is not executable (run make venv)"
  for name in RASA_REPLICAS RASA_BASE_PORT ACTION_PORT FRONTENDS WEBHOOK_BASE_PORT REDIS_PORT \
              REDIS_DB JAGA_RECORD_EXP TICKET_LOCK_LIFETIME RASA_RESPONSE_TIMEOUT; do
    is_int "${!name}" || fail "$name must be a whole number, got '${!name}'"
  done
  (( RASA_REPLICAS >= 1 )) || fail "RASA_REPLICAS must be at least 1"
  (( JAGA_RECORD_EXP >= 1 )) || fail "JAGA_RECORD_EXP must be at least 1 second"
  [[ "$REDIS_KEY_PREFIX" =~ ^[A-Za-z0-9]+$ ]] \
    || fail "REDIS_KEY_PREFIX may use letters and digits only (Rasa ignores any other prefix)"
  RASA_TOKEN=${RASA_TOKEN:-}
  (( ${#RASA_TOKEN} >= 32 )) || fail "RASA_TOKEN must be set to 32+ random characters"
  if (( FRONTENDS > 0 )); then
    [[ -n "${TELEGRAM_BOT_TOKEN:-}" ]] || fail "TELEGRAM_BOT_TOKEN is required (or FRONTENDS=0)"
    [[ "${TELEGRAM_WEBHOOK_URL:-}" == https://* ]] \
      || fail "TELEGRAM_WEBHOOK_URL must be the public https:// URL nginx serves"
    [[ -n "${TELEGRAM_WEBHOOK_SECRET:-}" ]] || fail "TELEGRAM_WEBHOOK_SECRET is required"
    JAGA_ID_SECRET=${JAGA_ID_SECRET:-}
    (( ${#JAGA_ID_SECRET} >= 32 )) \
      || fail "JAGA_ID_SECRET must be set to 32+ random characters (the key of conversation ids)"
  fi
  [[ -e "$JAGA_MODEL" ]] || fail "No model at JAGA_MODEL=$JAGA_MODEL (run make train)"
  is_int "$WEB_PROCESSES" || fail "WEB_PROCESSES must be a whole number, got '$WEB_PROCESSES'"
  is_int "$WEB_BASE_PORT" || fail "WEB_BASE_PORT must be a whole number, got '$WEB_BASE_PORT'"
  if (( WEB_PROCESSES > 0 )); then
    [[ "${WEB_PUBLIC_URL:-}" == https://* ]] \
      || fail "WEB_PUBLIC_URL must be the web chat's public https:// address (nginx serves it)"
    (( ${#WEB_RATE_SECRET} >= 32 )) || fail "WEB_RATE_SECRET must be set to 32+ random characters"
    (( ${#JAGA_ID_SECRET} >= 32 )) \
      || fail "JAGA_ID_SECRET must be set to 32+ random characters (every web process must name a tab's conversation alike)"
    if [[ -n "${REDIS_USERNAME:-}" && -z "$REDIS_WEB_PASSWORD$WEB_REDIS_URL" ]]; then
      fail "With Redis users (REDIS_USERNAME), the web chat needs REDIS_WEB_PASSWORD"
    fi
    [[ "$REDIS_WEB_PASSWORD" =~ ^[A-Za-z0-9_-]*$ ]] \
      || fail "REDIS_WEB_PASSWORD may use letters, digits, - and _ only (it goes into a URL)"
  fi
  if [[ "${JAGA_ENABLE_API:-}" == 1 ]]; then
    RASA_API_TOKEN=${RASA_API_TOKEN:-}
    (( ${#RASA_API_TOKEN} >= 32 )) || fail "JAGA_ENABLE_API=1 needs RASA_API_TOKEN (32+ random characters)"
    [[ "$RASA_API_TOKEN" != "$RASA_TOKEN" ]] || fail "RASA_API_TOKEN must differ from RASA_TOKEN"
    say "WARNING: Rasa's HTTP API is on (JAGA_ENABLE_API=1); keep RASA_API_TOKEN away from the front ends"
  elif [[ -n "${JAGA_ENABLE_API:-}" ]]; then
    fail "JAGA_ENABLE_API is 1 or unset"
  fi
  local name interface
  for name in RASA_INTERFACE ACTION_INTERFACE; do
    interface=${!name}
    if [[ "$interface" != 127.0.0.1 && "$interface" != localhost && "$interface" != ::1 ]]; then
      say "WARNING: $name=$interface is not loopback: firewall it (docs/security.md)"
    fi
  done
  if [[ -z "$REDIS_PASSWORD" ]]; then
    say "WARNING: Redis without a password: use the ACL users of deploy/redis-users.sh (docs/production.md)"
  fi
  if [[ -n "$REDIS_USERNAME" ]] && (( FRONTENDS > 0 )) \
      && [[ -z "${REDIS_FRONTEND_PASSWORD:-}${REDIS_URL:-}" ]]; then
    fail "With Redis users (REDIS_USERNAME), the front ends need REDIS_FRONTEND_PASSWORD"
  fi
  if [[ -n "${REDIS_FRONTEND_PASSWORD:-}" && ! "$REDIS_FRONTEND_PASSWORD" =~ ^[A-Za-z0-9_-]+$ ]]; then
    fail "REDIS_FRONTEND_PASSWORD may use letters, digits, - and _ only (it goes into a URL)"
  fi
  redis_ping || fail "Redis at $REDIS_HOST:$REDIS_PORT db $REDIS_DB does not answer"
}

redis_ping() {
  "$JAGA_PYTHON" - <<'EOF'
import os, sys
import redis
try:
    redis.Redis(host=os.environ["REDIS_HOST"], port=int(os.environ["REDIS_PORT"]),
                db=int(os.environ["REDIS_DB"]), username=os.environ.get("REDIS_USERNAME") or None,
                password=os.environ.get("REDIS_PASSWORD") or None, socket_timeout=3).ping()
except Exception as error:  # the message never contains the password
    print(f"redis: {type(error).__name__}", file=sys.stderr)
    sys.exit(1)
EOF
}

# URL that answers 200 once a service is ready (Rasa loads its model before it listens).
wait_ready() {
  local name=$1 url=$2 deadline=$((SECONDS + JAGA_START_TIMEOUT))
  until "$JAGA_PYTHON" -c "import sys, urllib.request as u; u.urlopen(sys.argv[1], timeout=2)" \
      "$url" >/dev/null 2>&1; do
    (( SECONDS < deadline )) || { say "$name is not ready after ${JAGA_START_TIMEOUT}s"; return 1; }
    sleep 0.5
  done
  say "$name is ready"
}

rasa_port() { echo $((RASA_BASE_PORT + $1 - 1)); }
rasa_url() { echo "http://127.0.0.1:$(rasa_port "$1")"; }

# The command of each service. The action server is `python -m rasa_sdk`, the same server as
# `rasa run actions --actions actions`, without importing all of Rasa (starts in 1 s, not 10).
# `env -u` keeps each secret away from processes that do not need it.
# The front ends' Redis URL, with their own user when REDIS_FRONTEND_PASSWORD is set.
frontend_redis_url() {
  if [[ -n "${REDIS_URL:-}" ]]; then
    printf '%s' "$REDIS_URL"
  elif [[ -n "${REDIS_FRONTEND_PASSWORD:-}" ]]; then
    printf 'redis://jaga-frontend:%s@%s:%s/%s' "$REDIS_FRONTEND_PASSWORD" "$REDIS_HOST" "$REDIS_PORT" "$REDIS_DB"
  else
    printf 'redis://%s:%s/%s' "$REDIS_HOST" "$REDIS_PORT" "$REDIS_DB"
  fi
}

# The web chat's Redis URL (its rate-limit counters), with its own user when REDIS_WEB_PASSWORD
# is set; WEB_REDIS_URL overrides it.
web_redis_url() {
  if [[ -n "${WEB_REDIS_URL:-}" ]]; then
    printf '%s' "$WEB_REDIS_URL"
  elif [[ -n "${REDIS_WEB_PASSWORD:-}" ]]; then
    printf 'redis://jaga-web:%s@%s:%s/%s' "$REDIS_WEB_PASSWORD" "$REDIS_HOST" "$REDIS_PORT" "$REDIS_DB"
  else
    printf 'redis://%s:%s/%s' "$REDIS_HOST" "$REDIS_PORT" "$REDIS_DB"
  fi
}

# CMD: the command (its arguments are public: `ps`); SECRET_ENV: NAME=value pairs exported
# in the service's own shell before it starts, so that no secret is ever an argument.
service_command() {
  local name=$1
  SECRET_ENV=()
  case "$name" in
    actions)
      CMD=(env -u RASA_TOKEN -u RASA_API_TOKEN -u TELEGRAM_BOT_TOKEN -u TELEGRAM_WEBHOOK_SECRET
           -u REDIS_USERNAME -u REDIS_PASSWORD -u REDIS_FRONTEND_PASSWORD -u REDIS_URL
           -u JAGA_ID_SECRET
           SANIC_HOST="$ACTION_INTERFACE"
           "$JAGA_PYTHON" -m rasa_sdk --actions actions -p "$ACTION_PORT") ;;
    rasa-*)
      local i=${name#rasa-}
      CMD=(env -u TELEGRAM_BOT_TOKEN -u TELEGRAM_WEBHOOK_SECRET -u REDIS_FRONTEND_PASSWORD -u REDIS_URL
           -u JAGA_ID_SECRET
           "$JAGA_PYTHON" "$ROOT/deploy/rasa_serve.py" -i "$RASA_INTERFACE" -p "$(rasa_port "$i")"
           --credentials "$JAGA_CREDENTIALS" --endpoints "$JAGA_ENDPOINTS" -m "$JAGA_MODEL"
           --response-timeout "$RASA_RESPONSE_TIMEOUT") ;;
    frontend-*)
      local i=${name#frontend-}
      local url=${JAGA_RASA_URL:-$(rasa_url $(( (i - 1) % RASA_REPLICAS + 1 )))}
      # Front ends remember answered update ids in Redis (their own user, their own keys), so
      # a retried webhook is answered once across all of them.
      SECRET_ENV=("REDIS_URL=$(frontend_redis_url)")
      CMD=(env -u REDIS_USERNAME -u REDIS_PASSWORD -u REDIS_FRONTEND_PASSWORD -u RASA_API_TOKEN
           RASA_URL="$url"
           TELEGRAM_WEBHOOK_PORT=$((WEBHOOK_BASE_PORT + i - 1))
           TELEGRAM_WEBHOOK_LISTEN="$TELEGRAM_WEBHOOK_LISTEN"
           "$JAGA_PYTHON" -m bot telegram) ;;
    web-*)
      local i=${name#web-}
      local url=${JAGA_RASA_URL:-$(rasa_url $(( (i - 1) % RASA_REPLICAS + 1 )))}
      # The web chat keeps nothing of a conversation: every turn goes to Rasa, whose tracker
      # store is Redis; its rate limits are counters in Redis too (keyed hashes, expiring),
      # under a Redis user of its own (jaga-web) when REDIS_WEB_PASSWORD is set.
      SECRET_ENV=("WEB_RATE_SECRET=$WEB_RATE_SECRET" "REDIS_URL=$(web_redis_url)")
      CMD=(env -u REDIS_USERNAME -u REDIS_PASSWORD -u REDIS_FRONTEND_PASSWORD -u RASA_API_TOKEN
           -u TELEGRAM_BOT_TOKEN -u TELEGRAM_WEBHOOK_SECRET -u TELEGRAM_WEBHOOK_URL
           RASA_URL="$url"
           WEB_PORT=$((WEB_BASE_PORT + i - 1)) WEB_LISTEN="$WEB_LISTEN"
           "$JAGA_PYTHON" -m bot web --production) ;;
    *) fail "unknown service $name" ;;
  esac
}

SUPERVISORS=()

# Runs a service in a loop: when it exits it is started again, sooner if it ran a while.
supervise() {
  local name=$1
  service_command "$name"
  (
    set +e
    child=""
    stopping=""
    on_stop() {
      stopping=1
      if [[ -n "$child" ]]; then
        kill -TERM "$child" 2>/dev/null
        for _ in $(seq 1 40); do kill -0 "$child" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$child" 2>/dev/null
      fi
      rm -f "$JAGA_RUN_DIR/$name.pid"
      exit 0
    }
    trap on_stop TERM INT
    (( ${#SECRET_ENV[@]} )) && export "${SECRET_ENV[@]}"
    backoff=1
    while [[ -z "$stopping" ]]; do
      started=$SECONDS
      "${CMD[@]}" >>"$JAGA_LOG_DIR/$name.log" 2>&1 &
      child=$!
      echo "$child" >"$JAGA_RUN_DIR/$name.pid"
      wait "$child"
      code=$?
      [[ -n "$stopping" ]] && break
      if (( SECONDS - started > 60 )); then backoff=1; else backoff=$(( backoff * 2 > 30 ? 30 : backoff * 2 )); fi
      say "$name (pid $child) exited with code $code; starting it again in ${backoff}s (log: $JAGA_LOG_DIR/$name.log)"
      sleep "$backoff" &
      wait $!
    done
  ) &
  SUPERVISORS+=($!)
}

stop_all() {
  trap - TERM INT
  say "stopping"
  for pid in "${SUPERVISORS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${SUPERVISORS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -f "$JAGA_RUN_DIR/run-production.pid"
  say "stopped"
  exit 0
}

plan() {
  local api="off"
  [[ "${JAGA_ENABLE_API:-}" == 1 ]] && api="on, with RASA_API_TOKEN"
  say "action server: $ACTION_INTERFACE:$ACTION_PORT"
  for i in $(seq 1 "$RASA_REPLICAS"); do
    say "rasa-$i: $RASA_INTERFACE:$(rasa_port "$i") (Jaga's channel, token required; Rasa's HTTP API $api; Redis $REDIS_HOST:$REDIS_PORT db $REDIS_DB prefix $REDIS_KEY_PREFIX, record_exp ${JAGA_RECORD_EXP}s)"
  done
  for i in $(seq 1 "$FRONTENDS"); do
    say "frontend-$i: webhook on $TELEGRAM_WEBHOOK_LISTEN:$((WEBHOOK_BASE_PORT + i - 1)) -> ${JAGA_RASA_URL:-$(rasa_url $(( (i - 1) % RASA_REPLICAS + 1 )))}"
  done
  for i in $(seq 1 "$WEB_PROCESSES"); do
    say "web-$i: web chat on $WEB_LISTEN:$((WEB_BASE_PORT + i - 1)) for ${WEB_PUBLIC_URL:-?} -> ${JAGA_RASA_URL:-$(rasa_url $(( (i - 1) % RASA_REPLICAS + 1 )))}"
  done
  say "model: $JAGA_MODEL; logs: $JAGA_LOG_DIR; pid files: $JAGA_RUN_DIR"
  say "secrets set: $(for s in "${SECRETS[@]}" WEB_RATE_SECRET REDIS_WEB_PASSWORD WEB_REDIS_URL; do [[ -n "${!s:-}" ]] && printf '%s ' "$s"; done)(values not shown)"
}

start() {
  check_settings
  mkdir -p "$JAGA_RUN_DIR" "$JAGA_LOG_DIR"
  chmod 700 "$JAGA_RUN_DIR" "$JAGA_LOG_DIR" 2>/dev/null || true
  if [[ -f "$JAGA_RUN_DIR/run-production.pid" ]] && kill -0 "$(cat "$JAGA_RUN_DIR/run-production.pid")" 2>/dev/null; then
    fail "already running (pid $(cat "$JAGA_RUN_DIR/run-production.pid")); use '$0 stop' first"
  fi
  echo $$ >"$JAGA_RUN_DIR/run-production.pid"
  trap stop_all TERM INT
  plan
  # Rasa needs the action server only when a turn runs a custom action: start all at once.
  supervise actions
  for i in $(seq 1 "$RASA_REPLICAS"); do supervise "rasa-$i"; done
  wait_ready "action server" "http://127.0.0.1:$ACTION_PORT/health"
  for i in $(seq 1 "$RASA_REPLICAS"); do wait_ready "rasa-$i" "$(rasa_url "$i")/webhooks/jaga/"; done
  for i in $(seq 1 "$FRONTENDS"); do supervise "frontend-$i"; done
  for i in $(seq 1 "$WEB_PROCESSES"); do supervise "web-$i"; done
  say "all started; Ctrl-C or '$0 stop' stops everything"
  while true; do
    sleep 3600 &
    wait $! || true
  done
}

# Restart the Rasa replicas one at a time, each only when the previous one answers again:
# the way to load a new model without downtime (Rasa 3.6's PUT /model stalls and leaks).
roll() {
  [[ -f "$JAGA_RUN_DIR/run-production.pid" ]] || fail "not running (no $JAGA_RUN_DIR/run-production.pid)"
  for i in $(seq 1 "$RASA_REPLICAS"); do
    local pid_file="$JAGA_RUN_DIR/rasa-$i.pid"
    [[ -f "$pid_file" ]] || fail "no pid file for rasa-$i"
    local pid
    pid=$(cat "$pid_file")
    say "restarting rasa-$i (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    sleep 1.5  # the supervisor's back-off
    until [[ "$(cat "$pid_file" 2>/dev/null)" != "$pid" ]]; do sleep 0.5; done
    wait_ready "rasa-$i" "$(rasa_url "$i")/webhooks/jaga/" || fail "rasa-$i did not come back; stopping the roll"
  done
  say "all replicas restarted"
}

case "$COMMAND" in
  start) start ;;
  check) check_settings; plan; say "settings are fine" ;;
  roll) roll ;;
  stop)
    [[ -f "$JAGA_RUN_DIR/run-production.pid" ]] || fail "not running"
    kill -TERM "$(cat "$JAGA_RUN_DIR/run-production.pid")" ;;
  *) echo "usage: $0 [start|check|roll|stop]" >&2; exit 2 ;;
esac
