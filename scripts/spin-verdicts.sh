#!/usr/bin/env bash
# Regenerates Tests/peers/spin-verdicts.json by running the Spin peer (../shared/peers/spin/run.sh)
# on every cell PeerAgreementTests compares: nocheck, check, ipi at 2 and 3 threads. The test
# falls back to these records when Spin or ../shared is missing, and checks that live runs still
# give the same states and errors when they are present. Nothing in the file is typed by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
run=${PEERS:-../shared/peers}/spin/run.sh
[ -x "$run" ] || { echo "no $run (shared/ must sit beside the repo)" >&2; exit 2; }
out=Tests/peers/spin-verdicts.json
version=$(spin -V | head -1)
{
  printf '{\n  "source": "../shared/peers/spin/run.sh VARIANT THREADS (pan -c0, exhaustive)",\n'
  printf '  "spin": "%s",\n  "recorded": "%s",\n  "cells": [\n' "$version" "$(date -u +%Y-%m-%d)"
  sep=""
  for v in nocheck check ipi; do
    for t in 2 3; do
      line=$("$run" "$v" "$t")
      st=$(sed -n 's/.* states=\([0-9]*\) .*/\1/p' <<<"$line")
      tr=$(sed -n 's/.* transitions=\([0-9]*\) .*/\1/p' <<<"$line")
      er=$(sed -n 's/.* errors=\([0-9]*\) .*/\1/p' <<<"$line")
      [ -n "$st" ] && [ -n "$tr" ] && [ -n "$er" ] || { echo "cannot parse: $line" >&2; exit 1; }
      printf '%s    {"variant": "%s", "threads": %d, ' "$sep" "$v" "$t"
      printf '"states": %d, "transitions": %d, "errors": %d}' "$st" "$tr" "$er"
      sep=$',\n'
    done
  done
  printf '\n  ]\n}\n'
} > "$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
