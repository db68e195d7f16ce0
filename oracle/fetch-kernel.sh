#!/bin/bash
# fetch-kernel.sh SERIES DIR: put Debian's linux-image for kernel SERIES (5.10, 6.1, 6.12, 7.2)
# unpacked under DIR/kroot, with DIR/kver (uname -r) and DIR/package (name version).
# Nothing is installed. When the configured apt suites do not carry SERIES, the Debian suite
# that does is added to apt's sources for the download only and removed right after.
set -euo pipefail
SERIES=$1 DIR=$2
mkdir -p "$DIR/deb"
[ -f "$DIR/kver" ] && [ -f "$DIR/package" ] && exit 0

# The metapackage version of SERIES in the current apt lists, if any.
find_version() {
	apt-cache madison linux-image-amd64 2>/dev/null |
		awk -v s="$SERIES" '{v=$3} v ~ "^"s"[.+~-]" || v == s {print v; exit}'
}
SUITES_FILE=/etc/apt/sources.list.d/mmsim-oracle-temporary.sources
cleanup() {
	if [ -f "$SUITES_FILE" ]; then rm -f "$SUITES_FILE"; apt-get update -qq || true; fi
}
trap cleanup EXIT

VER=$(find_version || true)
if [ -z "$VER" ]; then
	case $SERIES in
	5.10) SUITES="bullseye bullseye-updates"; SEC="bullseye-security" ;;
	6.12) SUITES="bookworm-backports trixie"; SEC="trixie-security" ;;
	*) SUITES="sid"; SEC= ;;
	esac
	{
		echo "Types: deb"; echo "URIs: http://deb.debian.org/debian"; echo "Suites: $SUITES"
		echo "Components: main"; echo "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
		if [ -n "$SEC" ]; then
			echo; echo "Types: deb"; echo "URIs: http://deb.debian.org/debian-security"
			echo "Suites: $SEC"; echo "Components: main"
			echo "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
		fi
	} > "$SUITES_FILE"
	apt-get update -qq
	echo "apt-cache policy linux-image-amd64 (with $SUITES $SEC added):" >&2
	apt-cache policy linux-image-amd64 >&2
	VER=$(find_version || true)
fi
[ -n "$VER" ] || { echo "Debian's archive serves no linux-image-amd64 $SERIES.*" >&2; exit 1; }

# linux-image-amd64 depends on the versioned image; newer kernels split off modules.
IMG=$(apt-cache show "linux-image-amd64=$VER" |
	awk '/^Depends:/{for(i=2;i<=NF;i++) if ($i ~ /^linux-image-[0-9]/) {sub(",","",$i); print $i; exit}}')
PKGS="$IMG $(apt-cache show "$IMG" 2>/dev/null | awk '/^Depends:/{for(i=2;i<=NF;i++)
	if ($i ~ /^linux-(modules|binary)-[0-9]/) {sub(",","",$i); printf "%s ", $i}}' | head -1)"
rm -rf "$DIR/kroot"
for p in $PKGS; do
	( cd "$DIR/deb" && { ls "${p}"_*.deb >/dev/null 2>&1 || apt-get download -qq "$p" 2>&1 | grep -v unsandboxed || true; } )
	dpkg-deb -x "$DIR"/deb/"${p}"_*.deb "$DIR/kroot"
done
KVER=$(ls "$DIR/kroot/lib/modules" "$DIR/kroot/usr/lib/modules" 2>/dev/null | grep '^[0-9]' | head -1 || true)
[ -n "$KVER" ] || { echo "no modules in $PKGS" >&2; exit 1; }
echo "$KVER" > "$DIR/kver"
echo "$IMG $(dpkg-deb -f "$DIR"/deb/"${IMG}"_*.deb Version)" > "$DIR/package"
echo "fetched $(cat "$DIR/package") ($KVER)" >&2
