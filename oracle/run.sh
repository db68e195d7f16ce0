#!/bin/bash
# run.sh --kernel SERIES --work DIR: boot the guest of SERIES once and run every test of
# the batch `mmsim oracle` wrote in DIR (DIR/NN/{prog.c,setup.sh,name}, DIR/brd-kb).
# Writes DIR/results.jsonl (ttyS1), DIR/console.log (ttyS0) and DIR/timing.txt.
# $MMSIM_ORACLE_SMP vCPUs (default 2; `mmsim oracle` asks one per thread of a concurrent test).
# $MMSIM_ORACLE_MEM of memory (default 2G; `mmsim oracle` adds what a hugetlbfs test reserves).
# One QEMU at a time: a lock in the cache serialises concurrent callers.
# Exit 0 when the guest reported "done".
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SERIES= WORK= TIMEOUT=${MMSIM_ORACLE_TIMEOUT:-900}
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) SERIES=$2; shift ;;
	--work) WORK=$2; shift ;;
	--timeout) TIMEOUT=$2; shift ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
[ -n "$SERIES" ] && [ -d "$WORK" ] || { echo "usage: run.sh --kernel SERIES --work DIR" >&2; exit 2; }
CACHE=${MMSIM_ORACLE_CACHE:-$HOME/.cache/mmsim-oracle}
K=$CACHE/linux-$SERIES
"$HERE/build-guest.sh" "$SERIES" >&2 || exit 1

# The batch: each program compiled statically against runtime.h, appended as a second
# cpio archive (the kernel unpacks concatenated archives in order).
OV=$WORK/overlay
rm -rf "$OV"; mkdir -p "$OV/oracle/run"
for d in "$WORK"/[0-9]*/; do
	n=$(basename "$d")
	mkdir -p "$OV/oracle/run/$n"
	gcc -O1 -Wall -Wno-unused-function -Wno-format-truncation -static -I "$HERE" -o "$OV/oracle/run/$n/prog" "$d/prog.c" || exit 1
	cp "$d/setup.sh" "$d/name" "$OV/oracle/run/$n/"
done
cp "$WORK/brd-kb" "$OV/oracle/run/brd-kb" 2>/dev/null
cp "$K/package" "$WORK/package"
( cd "$OV" && find . | cpio -o -H newc --quiet | gzip -1 ) > "$WORK/overlay.cpio.gz"
cat "$K/base.cpio.gz" "$WORK/overlay.cpio.gz" > "$WORK/initramfs.cpio.gz"

# Three emulated NVDIMMs without labels (regions 0..2, namespaces reconfigurable by
# ndctl; raw really is raw). Sparse files in the work directory.
MACHINE=(-machine pc,nvdimm=on -m "${MMSIM_ORACLE_MEM:-2G},slots=4,maxmem=16G")
for i in 0 1 2; do
	img=$WORK/nvdimm$i.img
	rm -f "$img"; truncate -s 512M "$img"
	MACHINE+=(-object "memory-backend-file,id=mem$i,share=on,mem-path=$img,size=512M,align=2M"
		-device "nvdimm,memdev=mem$i,id=nv$i")
done
# Concurrent runs' settings reach the guest's init (and its programs) as environment:
# the kernel passes unknown NAME=VALUE parameters on to init.
RACE_ENV=
for v in MMSIM_ORACLE_RACE_ITERS MMSIM_ORACLE_RACE_SECONDS MMSIM_ORACLE_RACE_DELAY_US \
	MMSIM_ORACLE_RACE_BLOCK_SECONDS MMSIM_ORACLE_RACE_UNBIND_DELAY_US; do
	[ -n "${!v:-}" ] && RACE_ENV="$RACE_ENV $v=${!v}"
done
exec 9> "$CACHE/qemu.lock"
flock 9
T0=$(date +%s.%N)
timeout --foreground "$TIMEOUT" qemu-system-x86_64 -accel tcg,thread=multi -cpu max "${MACHINE[@]}" -smp "${MMSIM_ORACLE_SMP:-2}" \
	-kernel "$K/vmlinuz" -initrd "$WORK/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 quiet loglevel=4${RACE_ENV} ${MMSIM_ORACLE_APPEND:-}" \
	-display none -monitor none -serial file:"$WORK/console.log" -serial file:"$WORK/results.jsonl" \
	-no-reboot
RC=$?
T1=$(date +%s.%N)
flock -u 9
rm -f "$WORK"/nvdimm*.img
echo "kernel=$SERIES release=$(cat "$K/kver") qemu_rc=$RC wall_s=$(echo "$T1 - $T0" | bc)" | tee "$WORK/timing.txt" >&2
grep -q '"oracle":"done"' "$WORK/results.jsonl" 2>/dev/null && exit 0
echo "run.sh: the guest did not finish; see $WORK/console.log" >&2
exit 1
