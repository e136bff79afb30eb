# Talking to a running shop through its API, for the benchmark scripts that need users, tokens,
# stock and PostgreSQL databases (cart.sh, checkout.sh). Source it after lib.sh; it expects
# `call`, `die` and $WORK from there, and sets:
#   PASSWORD     the password of every user it registers
#   HEADERS      the file of "Authorization: Bearer …" lines, one per registered user
#   ADMIN_AUTH   curl arguments that authenticate as the demo admin
PASSWORD="Bench-Passw0rd-$$"
HEADERS=$WORK/headers.txt
ADMIN_AUTH=()

ok_answer() { # answer(“status body”) status → prints the body, or dies naming the answer
  [[ ${1%% *} == "$2" ]] || die "expected $2, got ${1:0:300}"
  echo "${1#* }"
}
login() { # email password → prints a fresh access token
  local token
  printf '{"email":"%s","password":"%s"}' "$1" "$2" >"$WORK/login.json"
  token=$(ok_answer "$(call POST /auth/login "$WORK/login.json")" 200 | jq -r '.data.accessToken // empty')
  [[ -n $token ]] || die "no accessToken in the login answer for $1"
  echo "$token"
}
register_users() { # count → registers that many users; their emails go to $WORK/users.txt
  local i email
  : >"$WORK/users.txt"
  for ((i = 0; i < $1; i++)); do
    email="bench-${SCRIPT_NAME%.sh}-$(date +%s)-$$-$i@example.com"
    printf '{"email":"%s","password":"%s","firstName":"Bench","lastName":"Shopper"}' "$email" "$PASSWORD" \
      >"$WORK/register.json"
    ok_answer "$(call POST /auth/register "$WORK/register.json")" 201 >/dev/null
    echo "$email" >>"$WORK/users.txt"
  done
}
admin_token() {
  local token
  token=$(login admin@example.com password123)
  ADMIN_AUTH=(-H "Authorization: Bearer $token")
}
fresh_tokens() { # access tokens live 15 min: a new one per user (and the admin) before each part
  local email token
  : >"$HEADERS"
  while IFS= read -r email; do
    token=$(login "$email" "$PASSWORD")
    echo "Authorization: Bearer $token" >>"$HEADERS"
  done <"$WORK/users.txt"
  admin_token
}
set_stock() { # product-id quantity: admin SET of the product's available stock
  printf '{"operation":"SET","quantity":%d,"reason":"bench"}' "$2" >"$WORK/stock.json"
  ok_answer "$(call PUT "/admin/inventory/$1" "$WORK/stock.json" "${ADMIN_AUTH[@]}")" 200 >/dev/null
}
simple_products() { # → prints the ids of the active products without variants, catalogue order
  ok_answer "$(call GET "/products?limit=100")" 200 |
    jq -r '.data[] | select(.status == "ACTIVE" and (.variants | length) == 0) | .id'
}
drop_databases() { # prefix: drops every PostgreSQL database named <prefix>_*
  local name
  for name in $(psql "$PG_URL/postgres" -Atc "SELECT datname FROM pg_database WHERE datname LIKE '${1}\_%'"); do
    psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null
  done
}
