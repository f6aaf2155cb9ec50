#!/usr/bin/env bash
# Schemathesis against a running server's /openapi.json: no 5xx, no response that contradicts
# the document. Starts `commerce serve` on a free port over a fresh database (on the services
# scripts/test started), with the demo catalog and an admin token, and stops it afterwards.
#
#   scripts/schemathesis.sh <commerce binary>
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib.sh"
load_service_env
commerce=$1

database="schemathesis_$$"
admin_url=${DATABASE_URL}
base=${DATABASE_URL%/*}
export DATABASE_URL="$base/$database"
psql "$admin_url" -qc "CREATE DATABASE $database"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export PORT=$port PAYMENT_GATEWAY=sandbox JWT_SECRET="schemathesis-secret-of-at-least-32-bytes" WEBHOOK_SECRET="schemathesis-webhook-secret-32-bytes!" LOG_LEVEL=error
export KAFKA_TOPIC_PREFIX="schemathesis-$$"
# Thousands of requests from one address in minutes: the per-address limits would refuse most.
export RATE_LIMIT_AUTH_PER_MINUTE=0 RATE_LIMIT_COMMANDS_PER_MINUTE=0 RATE_LIMIT_QUERIES_PER_MINUTE=0
"$commerce" migrate >/dev/null
"$commerce" seed >/dev/null
"$commerce" users create-admin --email admin@example.com --password "schemathesis-admin" >/dev/null
"$commerce" serve >"${TMPDIR:-/tmp}/schemathesis-server-$$.log" 2>&1 &
server=$!
cleanup() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    psql "$admin_url" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break
    sleep 0.2
done
token=$(curl -sf -X POST "http://127.0.0.1:$port/auth/login" -H 'content-type: application/json' \
    -d '{"email":"admin@example.com","password":"schemathesis-admin"}' | "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
log "schemathesis against http://127.0.0.1:$port/openapi.json"
# One worker: with two threads, Hypothesis's ast.parse calls race inside CPython 3.11
# ("SystemError: AST constructor recursion depth mismatch", CPython gh-106905), a spurious error.
"$venv/bin/st" run "http://127.0.0.1:$port/openapi.json" --url "http://127.0.0.1:$port" \
    -H "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing --max-examples "${SCHEMATHESIS_EXAMPLES:-20}" --seed 1 --workers 1 \
    --suppress-health-check all
