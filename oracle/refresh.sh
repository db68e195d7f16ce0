#!/bin/bash
# refresh.sh [SERIES...]: re-run every scenario of scenarios/oracle and scenarios/oracle-race
# in each kernel series (default: every series with a guest: 6.1, 5.10, 6.12, 7.2, those
# Debian serves) and rewrite Tests/oracle/SERIES/*.json and *.race.json. Sequential tests:
# one guest boot per series. Concurrent tests: one boot for those that remove no device,
# then one boot for each test that unbinds one (a removal can wreck the guest kernel).
# One QEMU at a time. Run from anywhere; needs root for apt the first time (build-guest.sh).
# $MMSIM_ORACLE_ONLY=race or =sequential refreshes one kind only; =NAME refreshes the one
# concurrent test scenarios/oracle-race/NAME.litmus (NAME or its MM name race-NAME).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SERIES=${*:-"6.1 5.10 6.12 7.2"}
ONLY=${MMSIM_ORACLE_ONLY:-}
RACES=$(ls scenarios/oracle-race/*.litmus)
case $ONLY in
'' | race | sequential) ;;
*)
	RACES=scenarios/oracle-race/${ONLY#race-}.litmus
	[ -f "$RACES" ] || { echo "refresh: no test $RACES" >&2; exit 2; } ;;
esac
swift build -c release --scratch-path "${MMSIM_SCRATCH:-.build}" >&2 || exit 1
MMSIM=$(swift build -c release --scratch-path "${MMSIM_SCRATCH:-.build}" --show-bin-path)/mmsim
RC=0
for s in $SERIES; do
	if ! "$ROOT/oracle/build-guest.sh" "$s" >&2; then
		echo "refresh: no guest for $s (Debian's archive does not serve it?); skipped" >&2
		continue
	fi
	if [ -z "$ONLY" ] || [ "$ONLY" = sequential ]; then
		find "Tests/oracle/$s" -name '*.json' ! -name '*.race.json' -delete 2>/dev/null
		"$MMSIM" oracle scenarios/oracle --kernel "$s" --record Tests/oracle || RC=1
	fi
	if [ "$ONLY" != sequential ]; then
		for t in $RACES; do rm -f "Tests/oracle/$s/$(sed -n 's/^MM *//p' "$t" | head -1).race.json"; done
		quiet=$(grep -L '^ *[a-z]* *= *unbind \|^ *unbind ' $RACES)
		removing=$(grep -l '^ *[a-z]* *= *unbind \|^ *unbind ' $RACES)
		[ -n "$quiet" ] && { "$MMSIM" oracle $quiet --kernel "$s" --record Tests/oracle || RC=1; }
		for t in $removing; do "$MMSIM" oracle "$t" --kernel "$s" --record Tests/oracle || RC=1; done
	fi
done
exit $RC
