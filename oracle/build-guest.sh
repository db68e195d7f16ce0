#!/bin/bash
# build-guest.sh SERIES: the guest for kernel SERIES (5.10, 6.1, 6.12, 7.2) in the cache
# ($MMSIM_ORACLE_CACHE, default ~/.cache/mmsim-oracle), nothing installed on the host:
#   linux-SERIES/vmlinuz, kver, package   Debian's kernel image (fetch-kernel.sh)
#   linux-SERIES/base.cpio.gz             busybox-static, ndctl, daxctl, mkfs.ext4, mkfs.xfs,
#                                         xfs_io, the nvdimm/pmem/dax/ext4/xfs/brd modules
#                                         (dependency order from the host's modprobe),
#                                         guest-init.sh as /init, guest-lib.sh, runtime.h
# Idempotent. Host packages come from apt (installed when missing).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SERIES=${1:?usage: build-guest.sh SERIES}
CACHE=${MMSIM_ORACLE_CACHE:-$HOME/.cache/mmsim-oracle}
K=$CACHE/linux-$SERIES
mkdir -p "$K"

PKGS="qemu-system-x86 busybox-static ndctl daxctl xfsprogs e2fsprogs cpio kmod gcc libc6-dev"
MISSING=
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || MISSING="$MISSING $p"; done
if [ -n "$MISSING" ]; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $MISSING
fi

"$HERE/fetch-kernel.sh" "$SERIES" "$K"
KVER=$(cat "$K/kver")
KROOT=$K/kroot
MODDIR=$KROOT/lib/modules/$KVER
if [ ! -d "$MODDIR" ] && [ -d "$KROOT/usr/lib/modules/$KVER" ]; then
	mkdir -p "$KROOT/lib/modules"
	ln -sfn "../../usr/lib/modules/$KVER" "$MODDIR"
fi
[ -f "$MODDIR/modules.dep" ] || depmod -b "$KROOT" "$KVER"
first() { for f in "$@"; do [ -e "$f" ] && { echo "$f"; return 0; }; done; return 1; }
cp "$(first "$KROOT"/boot/vmlinuz-* "$KROOT"/usr/lib/linux/*/vmlinuz* "$KROOT"/usr/lib/modules/*/vmlinuz)" "$K/vmlinuz"

STAMP=$(cat "$HERE/guest-init.sh" "$HERE/guest-lib.sh" "$HERE/runtime.h" "$HERE/build-guest.sh" "$K/kver" | md5sum | cut -c1-12)
[ -f "$K/base.cpio.gz" ] && [ "$(cat "$K/base.stamp" 2>/dev/null)" = "$STAMP" ] && exit 0

IR=$K/initramfs
rm -rf "$IR"
mkdir -p "$IR"/{bin,sbin,etc,proc,sys,dev,tmp,mnt,oracle/run,lib/x86_64-linux-gnu,lib64,lib/modules/$KVER}
cp /bin/busybox "$IR/bin/busybox"
install -m 755 "$HERE/guest-init.sh" "$IR/init"
cp "$HERE/guest-lib.sh" "$IR/oracle/guest-lib.sh"
copy_bin() { # SRC [NAME]: a dynamically linked tool and its libraries
	cp -L "$1" "$IR/bin/${2:-$(basename "$1")}"
	ldd "$1" | awk '/=> \//{print $3} /^\t\/lib64/{print $1}' | while read -r lib; do
		case $lib in
		*/ld-linux-x86-64.so.2) cp -L "$lib" "$IR/lib64/" ;;
		*) cp -L "$lib" "$IR/lib/x86_64-linux-gnu/" ;;
		esac
	done
}
copy_bin /usr/bin/ndctl
copy_bin /usr/bin/daxctl
copy_bin /sbin/mke2fs mkfs.ext4
copy_bin /sbin/mkfs.xfs
copy_bin /usr/sbin/xfs_io
cp /etc/mke2fs.conf "$IR/etc/"

# Modules in dependency order (the host's modprobe resolves it; the guest uses insmod).
# Some are built in on some kernels: then modprobe prints nothing for them.
: > "$IR/etc/modules.list"
for m in libnvdimm nfit nd_pmem nd_btt dax_pmem device_dax ext4 xfs brd; do
	modprobe -d "$KROOT" -S "$KVER" --ignore-install --show-depends "$m" 2>/dev/null | awk '$1=="insmod"{print $2}'
done | awk '!seen[$0]++' | while read -r ko; do
	rel=${ko#"$MODDIR/"}
	rel=${rel#"$KROOT/usr/lib/modules/$KVER/"}
	mkdir -p "$IR/lib/modules/$KVER/$(dirname "$rel")"
	cp "$ko" "$IR/lib/modules/$KVER/$rel"
	case $rel in */brd.ko*) ;; *) echo "$rel" >> "$IR/etc/modules.list" ;; esac
done
# compressed modules (.ko.xz/.ko.zst) are not loadable by busybox insmod: decompress them
find "$IR/lib/modules" -name '*.ko.xz' -exec xz -d {} \;
find "$IR/lib/modules" -name '*.ko.zst' -exec sh -c 'zstd -q -d --rm "$1"' _ {} \;
sed -i -e 's/\.ko\.xz$/.ko/' -e 's/\.ko\.zst$/.ko/' "$IR/etc/modules.list"
( cd "$IR" && find . | cpio -o -H newc --quiet | gzip -1 ) > "$K/base.cpio.gz"
echo "$STAMP" > "$K/base.stamp"
echo "guest $SERIES: $(cat "$K/package") ($KVER), modules: $(tr '\n' ' ' < "$IR/etc/modules.list")" >&2
