# Helpers shared by the curl seed scripts (sourced, not run): numbered steps, checks that stop the script with
# what differed from the seed document, and an optional transcript of every HTTP exchange for the tests.
#
# Environment: GATEHOUSE_URL (or the first argument; default http://127.0.0.1:8080), GATEHOUSE_ADMIN_EMAIL and
# GATEHOUSE_ADMIN_PASSWORD (the admin creates what the seed assumes exists: projects, bots, users, APIs),
# SEEDS_TRANSCRIPT (a file to append one JSON line per exchange to), SEEDS_KNOWN_DIFFERENCES (comma-separated
# ids of differences to report without failing; see docs/seeds.md).
set -euo pipefail

for tool in curl jq; do
  command -v "$tool" >/dev/null 2>&1 || { echo "seed $SEED: '$tool' is required and was not found on PATH" >&2; exit 2; }
done

GATEHOUSE_URL="${1:-${GATEHOUSE_URL:-http://127.0.0.1:8080}}"
GATEHOUSE_URL="${GATEHOUSE_URL%/}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
STEP_ID=setup
KNOWN_SEEN=''
STATUS=0
BODY=''
# A suffix that keeps reruns against the same Gatehouse apart (emails and bot names are unique).
RUN="$(date +%s)$RANDOM"

step() {
  STEP_ID="$1"
  shift
  printf '\n[%s %s] %s\n' "$SEED" "$STEP_ID" "$*"
}

ok() { printf '  ok    %s\n' "$*"; }

differs() {
  printf '\nSEED %s DIFFERS at step %s: %s\n' "$SEED" "$STEP_ID" "$*" >&2
  if [ -n "$BODY" ]; then printf '  last response (HTTP %s): %.600s\n' "$STATUS" "$BODY" >&2; fi
  exit 1
}

# known_difference ID TEXT: listed in SEEDS_KNOWN_DIFFERENCES → reported loudly, the flow goes on; otherwise → fail.
known_difference() {
  local id="$1" text="$2"
  case ",${SEEDS_KNOWN_DIFFERENCES:-}," in
    *",$id,"*)
      printf '  KNOWN DIFFERENCE %s: %s\n' "$id" "$text"
      KNOWN_SEEN="${KNOWN_SEEN:+$KNOWN_SEEN, }$id"
      record_note "known_difference" "$id" ;;
    *) differs "$text (difference id: $id)" ;;
  esac
}

# finish NAME: the last line of a script that got to its end.
finish() {
  if [ -n "${KNOWN_SEEN:-}" ]; then
    printf '\nseed %s (%s): every step as the document shows, except the known differences: %s (docs/seeds.md)\n' "$SEED" "$1" "$KNOWN_SEEN"
  else
    printf '\nseed %s (%s): every step as the document shows\n' "$SEED" "$1"
  fi
}

record_note() {
  [ -n "${SEEDS_TRANSCRIPT:-}" ] || return 0
  jq -nc --arg seed "$SEED" --arg step "$STEP_ID" --arg kind "$1" --arg id "$2" '{seed:$seed, step:$step, kind:$kind, id:$id}' >>"$SEEDS_TRANSCRIPT"
}

# call METHOD URL [curl options...]: one HTTP exchange with curl; sets STATUS and BODY and records it.
call() {
  local method="$1" url="$2"
  shift 2
  printf '  →     curl -X %s %s\n' "$method" "$url"
  STATUS="$(curl -sS -X "$method" -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' "$url" "$@")" ||
    differs "curl could not complete $method $url"
  BODY="$(cat "$WORK/body")"
  printf '  ←     HTTP %s %.160s%s\n' "$STATUS" "$(tr -s '\n ' '  ' <<<"$BODY")" "$([ ${#BODY} -gt 160 ] && echo ' ...')"
  if [ -n "${SEEDS_TRANSCRIPT:-}" ]; then
    jq -nc --arg seed "$SEED" --arg step "$STEP_ID" --arg method "$method" --arg url "$url" --argjson status "$STATUS" \
      --rawfile body "$WORK/body" --rawfile headers "$WORK/headers" \
      '{seed:$seed, step:$step, kind:"http", method:$method, url:$url, status:$status, headers:$headers, body:$body}' >>"$SEEDS_TRANSCRIPT"
  fi
}

# header NAME: the value of a response header of the last call (case-insensitive), empty when absent.
header() {
  tr -d '\r' <"$WORK/headers" | awk -v name="$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')" -F': ' \
    'tolower($1) == name { sub(/^[^:]*: /, ""); value = $0 } END { print value }'
}

expect_status() {
  [ "$STATUS" = "$1" ] || differs "expected HTTP $1, got HTTP $STATUS"
  ok "HTTP $1"
}

# json FILTER [INPUT]: jq over the last body (or INPUT).
json() { jq -c "$1" <<<"${2:-$BODY}" 2>/dev/null || differs "the response is not JSON: $(printf '%.200s' "${2:-$BODY}")"; }

# str FILTER [INPUT]: a string field of the last body, raw.
str() { jq -r "$1" <<<"${2:-$BODY}" 2>/dev/null || differs "the response is not JSON: $(printf '%.200s' "${2:-$BODY}")"; }

# expect_eq FILTER EXPECTED_JSON [INPUT]: one field, compared as JSON.
expect_eq() {
  local actual
  actual="$(json "$1" "${3:-}")"
  [ "$actual" = "$(jq -c -n "$2")" ] || differs "$1: expected $2, got $actual"
  ok "$1 = $2"
}

# expect_true FILTER DESCRIPTION [INPUT]
expect_true() {
  [ "$(json "$1" "${3:-}")" = "true" ] || differs "$2 (check: $1; value: $(json '.' "${3:-}" | cut -c1-300))"
  ok "$2"
}

# expect_keys "k1 k2 ..." [INPUT]: the object has exactly these keys (JSON objects are unordered: order aside).
expect_keys() {
  local expected actual
  expected="$(jq -cn --arg k "$1" '$k | split(" ")')"
  actual="$(json 'keys_unsorted' "${2:-}")"
  if [ "$(jq -cn --argjson a "$actual" '$a | sort')" != "$(jq -cn --argjson e "$expected" '$e | sort')" ]; then
    differs "fields: expected exactly $expected, got $actual (missing: $(jq -cn --argjson e "$expected" --argjson a "$actual" '$e - $a'), extra: $(jq -cn --argjson e "$expected" --argjson a "$actual" '$a - $e'))"
  fi
  ok "exactly the fields $1"
}

# expect_has_keys "k1 k2 ..." [INPUT]: at least these keys.
expect_has_keys() {
  local missing
  missing="$(jq -cn --arg k "$1" --argjson a "$(json 'keys_unsorted' "${2:-}")" '($k | split(" ")) - $a')"
  [ "$missing" = "[]" ] || differs "missing fields $missing"
  ok "has the fields $1"
}

# jwt_part TOKEN N: the decoded JSON of a JWT's header (0) or payload (1), not verified.
jwt_part() {
  jq -cR --argjson n "$2" 'split(".") | .[$n] | gsub("-"; "+") | gsub("_"; "/") | (. + ("=" * ((4 - length % 4) % 4))) | @base64d | fromjson' <<<"$1" 2>/dev/null ||
    differs "not a JWT: $(printf '%.40s' "$1")..."
}

# The admin's token for the management API (the seeds' "log in first" step, done with the password grant).
admin_login() {
  : "${GATEHOUSE_ADMIN_EMAIL:?set GATEHOUSE_ADMIN_EMAIL (and GATEHOUSE_ADMIN_PASSWORD) to the Gatehouse admin}"
  : "${GATEHOUSE_ADMIN_PASSWORD:?set GATEHOUSE_ADMIN_PASSWORD}"
  call POST "$GATEHOUSE_URL/oauth/token" --data-urlencode grant_type=password \
    --data-urlencode "username=$GATEHOUSE_ADMIN_EMAIL" --data-urlencode "password=$GATEHOUSE_ADMIN_PASSWORD"
  expect_status 200
  ADMIN_TOKEN="$(str .access_token)"
}

# admin_api METHOD PATH [JSON]: the management API as the admin.
admin_api() {
  if [ $# -ge 3 ]; then
    call "$1" "$GATEHOUSE_URL$2" -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' -d "$3"
  else
    call "$1" "$GATEHOUSE_URL$2" -H "Authorization: Bearer $ADMIN_TOKEN"
  fi
}

# The error shape of the Dataloy seed (every non-OAuth error of Gatehouse and of @gatehouse/verify APIs).
expect_error_shape() {
  local status="$1" method="$2" uri="$3"
  expect_status "$status"
  expect_keys "statusCode statusText message date statusFamily method uri"
  expect_eq .statusCode "$status"
  expect_eq .statusFamily '"CLIENT_ERROR"'
  expect_eq .method "\"$method\""
  expect_eq .uri "$(jq -cn --arg u "$uri" '$u')"
  expect_true '.date | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$")' 'date is like "2019-11-13T06:26:01"'
}
