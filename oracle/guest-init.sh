#!/bin/busybox sh
# guest-init.sh - PID 1 of the `mmsim oracle` guest. Loads the modules, then runs each test
# of the batch under /oracle/run/NN/ (setup.sh, then prog, then teardown) and powers off.
# Console (ttyS0): kernel log and progress. Results (ttyS1): JSON lines only:
#   {"oracle":"boot","release":R}  {"oracle":"begin","test":N,"name":NAME}  ...statement lines...
#   {"oracle":"end","test":N,"setup":0|1,"rc":RC}  {"oracle":"done"}
/bin/busybox --install -s /bin
export PATH=/bin:/sbin LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp /mnt && mount -t tmpfs tmpfs /tmp
exec 3>/dev/ttyS1
stty -F /dev/ttyS1 raw -echo 2>/dev/null
. /oracle/guest-lib.sh
KVER=$(uname -r)
o_say "{\"oracle\":\"boot\",\"release\":\"$KVER\"}"

while read -r ko; do insmod "/lib/modules/$KVER/$ko" 2>/dev/null; done < /etc/modules.list
BRD_KB=$(cat /oracle/run/brd-kb 2>/dev/null || echo 65536)
insmod "$(find /lib/modules/$KVER -name 'brd.ko*' | head -1)" rd_nr=4 rd_size="$BRD_KB" 2>/dev/null
i=0
while [ $i -lt 50 ] && ! ls /sys/bus/nd/devices 2>/dev/null | grep -q region; do sleep 0.1; i=$((i + 1)); done
o_log "modules: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
o_log "regions: $(ls /sys/bus/nd/devices 2>/dev/null | grep region | tr '\n' ' ')"

for d in /oracle/run/*/; do
	[ -f "$d/prog" ] || continue
	n=$(basename "$d")
	o_log "test $n: $(cat "$d/name")"
	o_say "{\"oracle\":\"begin\",\"test\":\"$n\",\"name\":\"$(cat "$d/name")\"}"
	O_FAILED=0
	. "$d/setup.sh"
	rc=-1
	if [ $O_FAILED = 0 ]; then
		# A concurrent run that removed a device prints its results, touches
		# /tmp/oracle-prog-done, then unmaps; if that or its exit hangs in a wrecked kernel
		# (7.2: munmap of a fs-dax PMD on a removed namespace oopses holding the page-table
		# lock), the results are kept and the run goes on after 10 s.
		rm -f /tmp/oracle-prog-done
		(cd /tmp && exec timeout 120 "$d/prog" >&3 2>/dev/console) &
		pid=$! i=0
		while kill -0 $pid 2>/dev/null; do
			[ -f /tmp/oracle-prog-done ] && i=$((i + 1)) && [ $i -gt 50 ] && break
			sleep 0.2
		done
		if kill -0 $pid 2>/dev/null; then
			rc='"hung after its results"'
			o_log "test $n: the program hung after printing its results; going on"
		else
			wait $pid
			rc=$?
		fi
	fi
	o_say "{\"oracle\":\"end\",\"test\":\"$n\",\"setup\":$O_FAILED,\"rc\":$rc}"
	o_teardown
done
o_say "{\"oracle\":\"done\"}"
sync
[ "$(cat /proc/cmdline | grep -o 'oracle.shell')" ] && exec setsid cttyhack sh
poweroff -f
