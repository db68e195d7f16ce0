# guest-lib.sh - shell functions the setup scripts `mmsim oracle` generates call, in the
# guest (busybox sh). Each prints one JSON line per test statement on fd 3, in the shape
# of the program's lines: {"scope":"init","index":I,"line":L,"op":OP,"ret":0 | "errno":E}.
# Anything else goes to the console. A failed step makes the scenario's setup fail
# (o_failed), except mount, whose failure is an observable (mount -o dax on raw pmem).

O_FAILED=0
o_log() { echo "[oracle] $*" > /dev/console; }
o_say() { echo "$*" >&3; }
# o_result INDEX LINE OP RC [MESSAGE]: the JSON line; an errno name read from MESSAGE.
o_result() {
	local e=
	if [ "$4" = 0 ]; then o_say "{\"scope\":\"init\",\"index\":$1,\"line\":$2,\"op\":\"$3\",\"ret\":0}"; return 0; fi
	case $5 in
	*"Invalid argument"*) e=EINVAL ;;
	*"not supported"*) e=EOPNOTSUPP ;;
	*"No such device"*) e=ENODEV ;;
	*"No such file"*) e=ENOENT ;;
	*"Permission denied"*) e=EACCES ;;
	*"No space"*) e=ENOSPC ;;
	*) e=EIO ;;
	esac
	o_say "{\"scope\":\"init\",\"index\":$1,\"line\":$2,\"op\":\"$3\",\"errno\":\"$e\"}"
	return 1
}
o_run() { # INDEX LINE OP CMD...: run, log, report
	local i=$1 l=$2 op=$3 out rc
	shift 3
	out=$("$@" 2>&1); rc=$?
	o_log "$op: rc=$rc: $* ${out:+| $(echo "$out" | tail -2 | tr '\n' ' ')}"
	o_result "$i" "$l" "$op" "$rc" "$out" || { [ "$op" = mount ] || O_FAILED=1; return 1; }
}
o_thp() { echo "$2" > /sys/kernel/mm/transparent_hugepage/$1 2>/dev/null || o_log "thp $1=$2 failed"; }

# The sorted list of nd regions (region N of the test is the N-th).
o_region() { ls /sys/bus/nd/devices 2>/dev/null | grep '^region' | sort -V | sed -n "$(($1 + 1))p"; }
o_link() { # NAME TARGET: /dev/NAME -> /dev/TARGET, so the program and tools use test names
	[ "$1" = "$2" ] && return 0
	[ -e "/dev/$1" ] && [ ! -L "/dev/$1" ] && { o_log "/dev/$1 exists; cannot name $2 so"; return 1; }
	ln -sfn "/dev/$2" "/dev/$1"
	echo "$1" >> /tmp/oracle-links
}
# o_pmem INDEX LINE REGION NAME MODE MAP ALIGN: reconfigure the region's namespace.
# map=none (no struct pages) is a raw namespace on today's kernels.
o_pmem() {
	local r ns args dev
	r=$(o_region "$3")
	[ -n "$r" ] || { o_result "$1" "$2" pmem 1 "No such device"; O_FAILED=1; return 1; }
	ns=namespace${r#region}.0
	case $5/$6 in
	raw/* | fsdax/none) args="-m raw" ;;
	fsdax/*) args="-m fsdax --map=$6" ;;
	devdax/*) args="-m devdax" ;;
	esac
	[ "$7" != 0 ] && [ "$5" != raw ] && [ "$6" != none ] && args="$args --align=$7"
	o_run "$1" "$2" pmem ndctl create-namespace -f -e "$ns" $args || return 1
	local sysdev
	if [ "$5" = devdax ]; then
		dev=$(ndctl list -n "$ns" | grep -o '"chardev":"[^"]*"' | cut -d'"' -f4)
		[ "$dev" = "dax$3.0" ] || o_link "dax$3.0" "$dev"
		sysdev=$(readlink -f "/sys/bus/dax/devices/$dev")
	else
		dev=$(ndctl list -n "$ns" | grep -o '"blockdev":"[^"]*"' | cut -d'"' -f4)
		o_link "$4" "$dev"
		sysdev=$(readlink -f "/sys/block/$dev/device")
	fi
	# `unbind NAME` (concurrent runs): the driver's unbind file and the device to write
	echo "$sysdev/driver/unbind ${sysdev##*/}" > "/tmp/oracle-dev-$4"
}
o_disk() { # INDEX LINE N NAME: the N-th ramdisk
	o_link "$4" "ram$3"
	o_result "$1" "$2" disk 0
	blkdiscard "/dev/ram$3" 2>/dev/null
	true
}
o_mkfs() { # INDEX LINE DEV ext4|xfs
	local dev=/dev/$3 pmem=0
	case $(readlink "$dev" || echo "$dev") in *pmem*) pmem=1 ;; esac
	if [ "$4" = xfs ]; then
		# 2M stripe unit so allocations are 2M-aligned; small devices need an explicit log
		o_run "$1" "$2" mkfs mkfs.xfs -f -q -d su=2m,sw=1,agcount=2 -l size=64m -m reflink=0 "$dev"
	elif [ $pmem = 1 ]; then
		o_run "$1" "$2" mkfs mkfs.ext4 -F -q -b 4096 -E stride=512,stripe_width=512 "$dev"
	else
		o_run "$1" "$2" mkfs mkfs.ext4 -F -q -b 4096 "$dev"
	fi
}
o_mount() { # INDEX LINE DEV PATH FS DAX
	mkdir -p "$4"
	local opt=
	[ "$6" = 1 ] && opt="-o dax"
	o_run "$1" "$2" mount mount -t "$5" $opt "/dev/$3" "$4" || return 1
	echo "$4" >> /tmp/oracle-mounts
	# xfs: new files inherit a 2M extent size hint (aligned extents for PMD faults)
	[ "$5" = xfs ] && xfs_io -c "extsize 2m" "$4" 2>/dev/null
	true
}
o_file() { # INDEX LINE PATH SIZE LAYOUT UNCACHED
	local blocks=$(($4 / 4096)) cmds= b drop=
	# uncached: written and synced, then dropped from the page cache (POSIX_FADV_DONTNEED)
	[ "${6:-0}" = 1 ] && drop="fadvise -d 0 $4"
	case $5 in
	contiguous) # allocated in one go (2M-aligned on these filesystems), then written
		o_run "$1" "$2" file xfs_io -f -c "falloc 0 $4" -c "pwrite -q -S 0 -b 2m 0 $4" -c fsync \
			${drop:+-c "$drop"} "$3" ;;
	hole) # allocated, never written: unwritten extents
		o_run "$1" "$2" file xfs_io -f -c "falloc 0 $4" ${drop:+-c "$drop"} "$3" ;;
	fragmented) # written 4K at a time from the end backwards: no 2M-aligned ascending run
		b=$blocks
		while [ $b -gt 0 ]; do b=$((b - 1)); cmds="$cmds -c \"pwrite -q -S 0 $((b * 4096)) 4096\" -c fsync"; done
		[ -n "$drop" ] && cmds="$cmds -c \"$drop\""
		eval o_run "$1" "$2" file xfs_io -f $cmds "$3" ;;
	esac
}
# o_hugetlbfs INDEX LINE PATH PAGES: reserve PAGES 2M huge pages, mount hugetlbfs at PATH.
o_hugetlbfs() {
	echo "$4" > /proc/sys/vm/nr_hugepages
	local got
	got=$(cat /proc/sys/vm/nr_hugepages)
	o_log "hugetlbfs: nr_hugepages=$got (asked $4)"
	[ "$got" -ge "$4" ] || { o_result "$1" "$2" hugetlbfs 1 "No space"; O_FAILED=1; return 1; }
	mkdir -p "$3"
	o_run "$1" "$2" hugetlbfs mount -t hugetlbfs -o pagesize=2M none "$3" || return 1
	echo "$3" >> /tmp/oracle-mounts
	touch /tmp/oracle-hugetlb
}
# o_file_size INDEX LINE PATH SIZE: a file with a size and no pages (on hugetlbfs, where
# write(2) does not exist and falloc would allocate every huge page).
o_file_size() {
	o_run "$1" "$2" file xfs_io -f -c "truncate $4" "$3"
}
# Undo what the setup did: unmount, drop the links. After a concurrent run unbound a
# device, its filesystem stays mounted: evicting a fs-dax inode whose DAX entries point
# into the removed memmap oopses (dax_disassociate_entry), on 5.10 and 6.1 alike.
o_teardown() {
	if [ -f /tmp/oracle-unbound ]; then
		o_log "a device was unbound: its filesystems stay mounted"
		rm -f /tmp/oracle-mounts /tmp/oracle-unbound
	fi
	[ -f /tmp/oracle-mounts ] && sort -r /tmp/oracle-mounts | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
	[ -f /tmp/oracle-links ] && while read -r l; do rm -f "/dev/$l"; done < /tmp/oracle-links
	rm -f /tmp/oracle-mounts /tmp/oracle-links /tmp/oracle-dev-*
	[ -f /tmp/oracle-hugetlb ] && echo 0 > /proc/sys/vm/nr_hugepages && rm -f /tmp/oracle-hugetlb
	echo 3 > /proc/sys/vm/drop_caches
}
