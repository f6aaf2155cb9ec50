#!/usr/bin/env bash
# Schemathesis against a running server's /openapi.json with every check and the stateful phase
# (links inferred from the document and from Location headers): no 5xx but the documented 503s,
# no response that contradicts the document, no schema-valid request refused for its shape, no
# schema-violating request accepted (scripts/schemathesis.toml says what counts). Starts `commerce serve` on a free port over a fresh database (on the services
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
export IMAGE_DIRECTORY="${TMPDIR:-/tmp}/schemathesis-images-$$"
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
    rm -rf "$IMAGE_DIRECTORY"
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
"$venv/bin/st" --config-file "$here/schemathesis.toml" run "http://127.0.0.1:$port/openapi.json" --url "http://127.0.0.1:$port" \
    -H "Authorization: Bearer $token" \
    --checks all \
    --phases examples,coverage,fuzzing,stateful --max-examples "${SCHEMATHESIS_EXAMPLES:-20}" --seed "${SCHEMATHESIS_SEED:-1}" --workers 1 \
    --suppress-health-check all
