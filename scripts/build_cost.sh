#!/usr/bin/env bash
# What it costs an application to depend on this crate: a one-call app built from scratch
# (dev profile, empty target directory, offline once its dependencies are fetched), beside the
# same app written against the vendor's own crate (`sendmux` 0.5.1), built in the same run.
# Prints each build's wall time and the ratio; with --timings, keeps cargo's timing reports.
# Usage: scripts/build_cost.sh [--rounds N] [--timings] [--work DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
crate=$(pwd)
rounds=1
timings=
work=${TMPDIR:-/tmp}/sendmux-build-cost
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --timings) timings=--timings; shift ;;
    --work) work=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

rm -rf "$work"
mkdir -p "$work/ours/src" "$work/official/src"

cat >"$work/ours/Cargo.toml" <<EOF
[package]
name = "one-call-ours"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
sendmux-management = { path = "$crate" }
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }

[workspace]
EOF
cat >"$work/ours/src/main.rs" <<'EOF'
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = sendmux_management::Client::from_env()?;
    let me = client.get_me().await?;
    println!("{me:?}");
    Ok(())
}
EOF

cat >"$work/official/Cargo.toml" <<'EOF'
[package]
name = "one-call-official"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
sendmux = "=0.5.1"
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }

[workspace]
EOF
cat >"$work/official/src/main.rs" <<'EOF'
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = std::env::var("SENDMUX_API_KEY")?;
    let client = sendmux::ManagementClient::new(key)?;
    let me = client.get_connection().await?;
    println!("{:?}", me.data);
    Ok(())
}
EOF

# The only step that needs the registry; the builds themselves run offline.
for app in ours official; do
  (cd "$work/$app" && cargo fetch --quiet)
done

build() {
  local app=$1 start end
  rm -rf "$work/$app/target"
  start=$(date +%s.%N)
  (cd "$work/$app" && CARGO_INCREMENTAL=0 cargo build --offline --quiet $timings)
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

for round in $(seq 1 "$rounds"); do
  # Alternate the order so that neither app always builds on a warmer machine.
  if [ $((round % 2)) -eq 1 ]; then order="ours official"; else order="official ours"; fi
  for app in $order; do
    declare "time_$app=$(build "$app")"
  done
  printf 'round %d: ours %.1f s, official %.1f s, ratio %.2f\n' "$round" "$time_ours" \
    "$time_official" "$(echo "$time_ours / $time_official" | bc -l)"
done
if [ -n "$timings" ]; then
  echo "timing reports: $work/ours/target/cargo-timings, $work/official/target/cargo-timings"
fi
