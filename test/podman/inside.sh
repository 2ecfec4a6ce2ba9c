#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test/podman/inside.sh - The podman harness's part inside the trixie chroot
#
# Started by test/podman/run.sh through test/lib/chroot-enter: root, in the
# host network namespace of the test, in private mount and PID namespaces.
# Makes the unprivileged user, podman's private configuration and a busybox
# image, runs the containers and prints "PASS|FAIL|SKIP NAME: DETAIL" lines.
# Variables come from /opt/passt-test/share/env (written by run.sh).

set -u
# shellcheck source=/dev/null
. /opt/passt-test/share/env
# Nothing but 0, 1 and 2 for the callers to inherit (the shells that
# started us leave some open): what the daemon gets is then theirs
for f in /proc/$$/fd/*; do
	n=${f##*/}
	[ "$n" -gt 2 ] && [ "$n" -ne 255 ] && eval "exec $n>&-"
done 2>/dev/null

SHARE=/opt/passt-test/share
TU=passt-test TUID=1500
THOME=/home/$TU
IMG=localhost/passt-test/busybox:latest
export TZ=UTC

res() { echo "$*"; }
note() { echo "# $*"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# as_user CMD... - Run CMD as the test user, with podman's private settings
as_user() {
	setpriv --reuid=$TUID --regid=$TUID --init-groups -- \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=$THOME \
		USER=$TU LOGNAME=$TU LANG=C.UTF-8 TZ=UTC \
		XDG_RUNTIME_DIR=/run/user/$TUID \
		XDG_CONFIG_HOME=$THOME/.config \
		CONTAINERS_CONF=/etc/passt-test/containers.conf \
		CONTAINERS_STORAGE_CONF=/etc/passt-test/storage.conf \
		"$@"
}

# pdm ARGS... - podman as the test user, bounded in time
pdm() {
	as_user timeout -k 5 120 podman "$@"
}

# --- The unprivileged user, rootless podman's needs -----------------------
id "$TU" >/dev/null 2>&1 ||
	useradd -m -u $TUID -U -s /bin/sh "$TU" || { res "FAIL setup: useradd"; exit 1; }
echo "$TU:100000:65536" >/etc/subuid
echo "$TU:100000:65536" >/etc/subgid
install -d -m 700 -o $TUID -g $TUID /run/user/$TUID
# The host's resolver, as the daemon will read it
printf 'nameserver %s\nsearch passt.test\n' "$C_DNS4" >/etc/resolv.conf

# --- The pasta under test: a tracing wrapper in helper_binaries_dir --------
real=/usr/bin/pasta
[ -x /opt/passt-test/bin/pasta ] && real=/opt/passt-test/bin/pasta
mkdir -p /opt/passt-test/helpers
install -d -m 1777 "$SHARE/trace"
cat >/opt/passt-test/helpers/pasta <<EOT
#!/bin/bash
# Records how podman starts pasta, then runs it with the same argv[0]
t=$SHARE/trace/pasta.\$\$
# (ls in a child, so that no pipe of ours shows among the fds)
ls -l /proc/\$\$/fd/ >"\$t.fds" 2>&1
{
	echo "argv: \$0 \$*"
	echo "uid: \$(id -u) gid: \$(id -g) groups: \$(id -G)"
	echo "cwd: \$(pwd)"
	awk 'NF > 8 && \$9 != 255 { print "fd " \$9 ": " \$NF }' "\$t.fds"
	echo "umask: \$(umask)"
	grep -E '^(Cap|NoNewPrivs|Seccomp:)' /proc/\$\$/status
	grep -E 'open files' /proc/\$\$/limits
	echo "env:"; env | sort | sed 's/^/  /'
} >"\$t" 2>&1
rm -f "\$t.fds"
t0=\$(date +%s.%N)
[ -f /opt/passt-test/bin/preload.so ] &&
	export LD_PRELOAD=/opt/passt-test/bin/preload.so
(exec -a "\$0" $real "\$@")
rc=\$?
t1=\$(date +%s.%N)
echo "exit: \$rc after \$(awk -v a=\$t0 -v b=\$t1 'BEGIN { printf "%.3f", b - a }') s" >>"\$t"
exit \$rc
EOT
chmod 755 /opt/passt-test/helpers/pasta
if [ "$real" = /usr/bin/pasta ]; then
	note "pasta under test: $real, Debian's passt" \
	     "$(dpkg-query -W -f '${Version}' passt)"
else
	note "pasta under test: $real"
fi
# What podman inherits from this harness (to tell its own fds from ours)
for f in /proc/$$/fd/*; do
	echo "fd ${f##*/}: $(readlink "$f")"
done >"$SHARE/harness-fds.txt"

# --- podman's private configuration ----------------------------------------
mkdir -p /etc/passt-test
cat >/etc/passt-test/containers.conf <<EOT
[containers]
# No cgroup for the containers: no systemd to delegate one, and rootless
# crun cannot create any in the cgroup2 mount it gets here
cgroups = "disabled"
# podman's default (the hard limit it may raise itself to) is not allowed
# for the container here: stay under the harness's hard limit
default_ulimits = ["nofile=1024:1024"]
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "crun"
# Ours first, then podman's defaults (netavark, rootlessport live there)
helper_binaries_dir = ["/opt/passt-test/helpers", "/usr/local/libexec/podman",
		       "/usr/local/lib/podman", "/usr/libexec/podman",
		       "/usr/lib/podman"]

[network]
default_rootless_network_cmd = "pasta"
EOT
cat >/etc/passt-test/storage.conf <<EOT
[storage]
driver = "vfs"
graphroot = "$THOME/storage"
runroot = "/run/user/$TUID/containers"
EOT
chmod 644 /etc/passt-test/*.conf

# --- The image: busybox-static, imported from a tarball ---------------------
img=/tmp/img
rm -rf "$img"
mkdir -p "$img"/{bin,etc,tmp,proc,sys,dev,root,www}
cp /bin/busybox "$img/bin/busybox"
for a in $(/bin/busybox --list); do
	[ "$a" = busybox ] || ln -s busybox "$img/bin/$a"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$img/etc/passwd"
echo 'root:x:0:' >"$img/etc/group"
chmod 1777 "$img/tmp"
tar -C "$img" -cf /tmp/busybox.tar .
chmod 644 /tmp/busybox.tar
t0=$(now)
if ! out=$(pdm import /tmp/busybox.tar "$IMG" 2>&1); then
	echo "$out" | sed 's/^/# /'
	res "FAIL setup: podman import"
	exit 1
fi
note "podman import: $(elapsed "$t0" "$(now)") s"
pdm info --format 'podman {{.Version.Version}}, {{.Host.OCIRuntime.Name}}
	{{- ""}} {{.Host.OCIRuntime.Version}}, cgroups {{.Host.CgroupsVersion}}
	{{- ""}} {{.Host.CgroupManager}}, storage {{.Store.GraphDriverName}},
	{{- ""}} network {{.Host.NetworkBackend}}
	{{- ""}} rootless cmd {{.Host.RootlessNetworkCmd}}' 2>&1 |
	tr '\n' ' ' | sed 's/^/# /; s/$/\n/'

# --- 1. Addresses: the host's, in the container -----------------------------
t0=$(now)
out=$(pdm run --rm --network pasta "$IMG" sh -c \
	'ip -4 addr show; ip -6 addr show; ip route; ip -6 route;
	 echo "resolv: $(grep nameserver /etc/resolv.conf | tr "\n" " ")"' 2>&1)
rc=$?
t_run=$(elapsed "$t0" "$(now)")
echo "$out" >"$SHARE/addr.out"
if [ $rc -ne 0 ]; then
	echo "$out" | sed 's/^/# /' | tail -n 20
	res "FAIL run: podman run --network pasta exited $rc"
	# Nothing else can work
	exit 1
fi
res "PASS run: podman run --network pasta, $t_run s"
miss=
grep -q "inet $C_HOST4/24" <<<"$out" || miss="$miss $C_HOST4/24"
grep -q "inet6 $C_HOST6/64" <<<"$out" || miss="$miss $C_HOST6/64"
grep -q "^default via $C_GW4" <<<"$out" || miss="$miss default-via-$C_GW4"
grep -q "^default via $C_GW6" <<<"$out" || miss="$miss default-via-$C_GW6"
if [ -z "$miss" ]; then
	res "PASS addresses: $C_HOST4/24 $C_HOST6/64, routes via $C_GW4 $C_GW6"
else
	echo "$out" | sed 's/^/# /'
	res "FAIL addresses: missing$miss"
fi

# --- 2. Outbound: TCP both ways, half-close, UDP, DNS ------------------------
# One container, one line per step: "R STEP ok|fail DETAIL"
cat >"$SHARE/out.sh" <<'EOT'
r4=$1 r6=$2 sink=$3 src=$4 half=$5 tftp=$6
t() { timeout 30 "$@"; }
head -c 4194304 /dev/urandom >/tmp/up
l=$(sha256sum </tmp/up | cut -d' ' -f1)
got=$(t nc "$r4" "$sink" </tmp/up)
[ "$got" = "$l 4194304" ] && echo "R tcp-up ok 4 MiB, $l" ||
	echo "R tcp-up fail sent $l 4194304, server got '$got'"
# sumc - Print "SHA256 BYTES" of standard input
sumc() {
	tee /tmp/s | sha256sum | cut -d' ' -f1 | tr '\n' ' '
	wc -c </tmp/s
	rm -f /tmp/s
}
echo "R tcp-down $(t nc "$r4" "$src" </dev/null | sumc)"
echo "R tcp6-down $(t nc "$r6" "$src" </dev/null | sumc)"
got=$(t nc "$r6" "$sink" </tmp/up)
[ "$got" = "$l 4194304" ] && echo "R tcp6-up ok 4 MiB" ||
	echo "R tcp6-up fail server got '$got'"
echo "R half $(echo request | t nc "$r4" "$half" | sumc)"
rm -f /tmp/u
t tftp -g -r udp.bin -l /tmp/u "$r4" "$tftp" 2>&1 | sed 's/^/L tftp: /'
echo "R udp $(sha256sum </tmp/u 2>/dev/null | cut -d' ' -f1)"
rm -f /tmp/u
t tftp -g -r udp.bin -l /tmp/u "$r6" "$tftp" 2>&1 | sed 's/^/L tftp6: /'
echo "R udp6 $(sha256sum </tmp/u 2>/dev/null | cut -d' ' -f1)"
echo "R resolv $(grep '^nameserver' /etc/resolv.conf | head -n1 | cut -d' ' -f2)"
t nslookup -type=a host.passt.test 2>&1 | sed 's/^/L dns: /'
echo "R dns $(t nslookup -type=a host.passt.test 2>&1 |
	awk '/^Address/ && !/#53/ { a = $NF } END { print a }')"
echo "R nxdomain $(t nslookup nowhere.invalid 2>&1 | grep -c NXDOMAIN)"
EOT
chmod 644 "$SHARE/out.sh"
t0=$(now)
out=$(pdm run --rm --network pasta -v "$SHARE/out.sh:/out.sh:ro" "$IMG" \
	sh /out.sh "$C_REMOTE4" "$C_REMOTE6" "$C_SINK" "$C_SOURCE" "$C_HALF" \
	"$C_TFTP" 2>&1)
t_out=$(elapsed "$t0" "$(now)")
echo "$out" >"$SHARE/out.out"
grep '^L ' <<<"$out" | sed 's/^L /# /'
rline() { sed -n "s/^R $1 //p" <<<"$out" | head -n1; }

# expect NAME GOT WANT DESCRIPTION
expect() {
	if [ "$2" = "$3" ]; then
		res "PASS $1: $4"
	else
		res "FAIL $1: $4: expected '$3', got '${2:-nothing}'"
	fi
}
# expect_ok NAME - the container said "ok" for step NAME
expect_ok() {
	local l
	l=$(rline "$1")
	case "$l" in
	ok*) res "PASS $1: ${l#ok }" ;;
	*)   res "FAIL $1: ${l:-no result}" ;;
	esac
}
expect_ok tcp-up
expect tcp-down "$(rline tcp-down)" "$C_SHA_DOWN 4194304" \
	"4 MiB from $C_REMOTE4, sha256 verified"
expect_ok tcp6-up
expect tcp6-down "$(rline tcp6-down)" "$C_SHA_DOWN 4194304" \
	"4 MiB from [$C_REMOTE6], sha256 verified"
expect half-close "$(rline half)" "$C_SHA_HALF 1048576" \
	"1 MiB sent by the server after the container's FIN"
expect udp "$(rline udp)" "$C_SHA_UDP" \
	"64 KiB by TFTP (UDP, 128 request/response rounds) from $C_REMOTE4"
expect udp6 "$(rline udp6)" "$C_SHA_UDP" \
	"64 KiB by TFTP from [$C_REMOTE6]"
expect dns-config "$(rline resolv)" 169.254.1.1 \
	"the container's resolver is pasta's --dns-forward address"
expect dns "$(rline dns)" "$C_REMOTE4" \
	"host.passt.test resolved through --dns-forward by $C_DNS4"
case "$(rline nxdomain)" in
[1-9]*) res "PASS dns-nxdomain: NXDOMAIN passed back" ;;
*)	res "FAIL dns-nxdomain: no NXDOMAIN for nowhere.invalid" ;;
esac
# Control: the same busybox nc and servers from the host namespace, no
# pasta: a failure above that passes here is the daemon's
sumc() {
	tee /tmp/s | sha256sum | cut -d' ' -f1 | tr '\n' ' '
	wc -c </tmp/s
	rm -f /tmp/s
}
expect control-tcp-down \
	"$(timeout 30 busybox nc "$C_REMOTE4" "$C_SOURCE" </dev/null | sumc)" \
	"$C_SHA_DOWN 4194304" "the same download from the host namespace"
expect control-half-close \
	"$(echo request | timeout 30 busybox nc "$C_REMOTE4" "$C_HALF" | sumc)" \
	"$C_SHA_HALF 1048576" "the same half-close from the host namespace"
note "outbound container: $t_out s"

# --- 3. Inbound: -p HOSTPORT:CPORT, then pasta's exit ------------------------
cat >"$SHARE/in.sh" <<'EOT'
head -c 2097152 /dev/urandom >/www/f
sha256sum </www/f | cut -d' ' -f1 >/www/sum
exec httpd -f -p 80 -h /www
EOT
chmod 644 "$SHARE/in.sh"
t0=$(now)
if ! pdm run -d --name fwd --network pasta -p 8080:80 \
	   -v "$SHARE/in.sh:/in.sh:ro" "$IMG" sh /in.sh >/dev/null \
	   2>"$SHARE/fwd.err"; then
	sed 's/^/# /' "$SHARE/fwd.err"
	res "FAIL forward: podman run -d -p 8080:80 failed"
	exit 1
fi
note "podman run -d: $(elapsed "$t0" "$(now)") s"
sum=
for ((i = 0; i < 100; i++)); do
	sum=$(busybox wget -q -O - http://127.0.0.1:8080/sum 2>/dev/null) &&
		[ -n "$sum" ] && break
	sleep 0.1
done
got=$(timeout 30 busybox wget -q -O - http://127.0.0.1:8080/f | sha256sum |
      cut -d' ' -f1)
expect forward-loopback "$got" "${sum:-?}" \
	"2 MiB from the container's httpd on 127.0.0.1:8080 (-p 8080:80)"
got=$(timeout 30 busybox wget -q -O - 'http://[::1]:8080/f' | sha256sum |
      cut -d' ' -f1)
expect forward-loopback6 "$got" "${sum:-?}" "the same on [::1]:8080"
got=$(timeout 30 nsenter --net=/run/passt-test/remote.netns \
	busybox wget -q -O - "http://$C_HOST4:8080/f" | sha256sum | cut -d' ' -f1)
expect forward-remote "$got" "${sum:-?}" \
	"the same from the remote namespace to $C_HOST4:8080"

# The pasta process of this container
sandbox=$(pdm inspect --format '{{.NetworkSettings.SandboxKey}}' fwd 2>/dev/null)
ppid=
for p in /proc/[0-9]*; do
	cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || continue
	case "$cmd" in
	*pasta*--netns\ "$sandbox"*|*pasta*--netns\ "$sandbox") ppid=${p#/proc/} ;;
	esac
done
if [ -n "$ppid" ]; then
	{
		echo "pid $ppid cmdline: $(tr '\0' ' ' <"/proc/$ppid/cmdline")"
		grep -E '^(PPid|Uid|Gid|Groups|Cap|NoNewPrivs|Seccomp):' \
			"/proc/$ppid/status"
		echo "fds: $(for f in /proc/$ppid/fd/*; do
			readlink "$f"; done | sed 's/:.*//' | sort | uniq -c |
			awk '{ printf "%s %s, ", $1, $2 }')"
		for f in /proc/$ppid/fd/[012]; do
			echo "fd ${f##*/}: $(readlink "$f")"
		done
	} >"$SHARE/pasta-running.txt" 2>&1
fi

t0=$(now)
pdm rm -f -t 0 fwd >/dev/null 2>&1
t_rm=$(now)
if [ -z "$ppid" ]; then
	res "FAIL pasta-exit: no pasta process found for $sandbox"
else
	gone=
	while :; do
		st=$(awk '/^State:/ { print $2 }' "/proc/$ppid/status" 2>/dev/null)
		[ -z "$st" ] || [ "$st" = Z ] && { gone=$(now); break; }
		awk -v a="$t_rm" -v b="$(now)" 'BEGIN { exit !(b - a > 5) }' &&
			break
		sleep 0.05
	done
	if [ -n "$gone" ]; then
		res "PASS pasta-exit: pasta (pid $ppid) gone" \
		    "$(elapsed "$t_rm" "$gone") s after podman rm returned" \
		    "($(elapsed "$t0" "$t_rm") s)"
	else
		res "FAIL pasta-exit: pasta (pid $ppid) still running 5 s after" \
		    "podman rm"
	fi
fi
exit 0
