#!/usr/bin/env bash
# Instructions per GET (client and loopback server in one process, current-thread runtime,
# release build), counted by callgrind: (I(2500) - I(500)) / 2000, which leaves out start-up.
# Usage: scripts/instructions.sh [ours|plain|official]
set -euo pipefail
cd "$(dirname "$0")/.."
client=${1:-ours}
case $client in ours|plain|official) ;; *) echo "unknown client: $client" >&2; exit 2 ;; esac
cargo bench -p sendmux-management-benchmarks --bench instructions --no-run
binary=$(ls -t target/release/deps/instructions-* | grep -v '\.d$' | head -1)
count() {
  local out
  out=$(mktemp)
  REQUESTS=$1 CLIENT=$client valgrind --tool=callgrind --callgrind-out-file="$out" "$binary" \
    >/dev/null 2>&1
  sed -n 's/^summary: //p' "$out"
  rm -f "$out"
}
low=$(count 500)
high=$(count 2500)
echo "$client: $(( (high - low) / 2000 )) instructions per GET"
