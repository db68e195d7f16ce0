#!/bin/bash
# refresh.sh [SERIES...]: re-run every scenario of scenarios/oracle in each kernel series
# (default: every series with a guest: 6.1, 5.10, 6.12, 7.2, those Debian serves) and
# rewrite Tests/oracle/SERIES/*.json. One guest boot per series, one QEMU at a time.
# Run from anywhere; needs root for apt the first time (oracle/build-guest.sh).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SERIES=${*:-"6.1 5.10 6.12 7.2"}
swift build -c release --scratch-path "${MMSIM_SCRATCH:-.build}" >&2 || exit 1
MMSIM=$(swift build -c release --scratch-path "${MMSIM_SCRATCH:-.build}" --show-bin-path)/mmsim
RC=0
for s in $SERIES; do
	if ! "$ROOT/oracle/build-guest.sh" "$s" >&2; then
		echo "refresh: no guest for $s (Debian's archive does not serve it?); skipped" >&2
		continue
	fi
	rm -f "Tests/oracle/$s"/*.json
	"$MMSIM" oracle scenarios/oracle --kernel "$s" --record Tests/oracle || RC=1
done
exit $RC
