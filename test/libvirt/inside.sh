#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test/libvirt/inside.sh - The libvirt harness's part inside the trixie chroot
#
# Started by test/libvirt/run.sh through test/lib/chroot-enter: root, in the
# host network namespace of the test, in private mount and PID namespaces.
# Starts virtlogd and libvirtd (no systemd: by hand), with the passt under
# test first in libvirtd's PATH (a tracing wrapper in /opt/passt-test/bin),
# defines the domains, boots them (qemu, TCG, the test/vm kernel and
# initramfs) and prints "PASS|FAIL|SKIP NAME: DETAIL" lines.
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
PDIR=/run/libvirt/qemu/passt
export LIBVIRT_DEFAULT_URI=qemu:///system

res() { echo "$*"; }
note() { echo "# $*"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
vsh() { timeout -k 5 120 virsh -q "$@"; }

printf 'nameserver %s\nsearch passt.test\n' "$C_DNS4" >/etc/resolv.conf

# --- The passt under test: a tracing wrapper first in libvirtd's PATH -------
real=/usr/bin/passt
[ -x /opt/passt-test/bin/passt.real ] && real=/opt/passt-test/bin/passt.real
if [ "$real" = /usr/bin/passt ]; then
	note "passt under test: $real, Debian's passt" \
	     "$(dpkg-query -W -f '${Version}' passt)"
else
	note "passt under test: $real"
fi
mkdir -p /opt/passt-test/bin
install -d -m 1777 "$SHARE/trace"
cat >/opt/passt-test/bin/passt <<EOT
#!/bin/bash
# Records how libvirt starts passt, then runs it with the same argv[0]
t=$SHARE/trace/passt.\$\$
# (ls in a child, so that no pipe of ours shows among the fds)
ls -l /proc/\$\$/fd/ >"\$t.fds" 2>&1
{
	echo "argv: \$0 \$*"
	echo "uid: \$(id -u) (\$(id -un)) gid: \$(id -g) groups: \$(id -G)"
	echo "cwd: \$(pwd)"
	awk 'NF > 8 && \$9 != 255 { print "fd " \$9 ": " \$NF }' "\$t.fds"
	echo "umask: \$(umask)"
	grep -E '^(Cap|NoNewPrivs|Seccomp:)' /proc/\$\$/status
	grep -E 'open files' /proc/\$\$/limits
	echo "env:"; env | sort | sed 's/^/  /'
} >"\$t" 2>&1
rm -f "\$t.fds"
t0=\$(date +%s.%N)
(exec -a "\$0" $real "\$@")
rc=\$?
t1=\$(date +%s.%N)
echo "exit: \$rc after \$(awk -v a=\$t0 -v b=\$t1 'BEGIN { printf "%.3f", b - a }') s" >>"\$t"
exit \$rc
EOT
chmod 755 /opt/passt-test/bin/passt

# --- libvirt's configuration: what differs from a systemd host ---------------
cat >>/etc/libvirt/qemu.conf <<EOT
# passt-test: qemu's output to files, not virtlogd's pipes
stdio_handler = "file"
# No private /dev for qemu: this /dev is already ours
namespaces = []
# No cgroups: the host's are a v1/v2 hybrid, and nothing delegates any
cgroup_controllers = []
# No AppArmor/SELinux here
security_driver = "none"
remember_owner = 0
EOT
mkdir -p /var/log/libvirt/qemu /var/lib/libvirt/boot /run/libvirt
cp /opt/passt-test/vm/bzImage /opt/passt-test/vm/initrd.gz /var/lib/libvirt/boot/
chmod 644 /var/lib/libvirt/boot/*

export LIBVIRT_LOG_OUTPUTS="1:file:$SHARE/libvirtd.log"
export LIBVIRT_LOG_FILTERS="1:qemu.qemu_passt 1:qemu.qemu_extdevice 1:util.command 1:util.process 1:util.pidfile 3:*"
PATH=/opt/passt-test/bin:$PATH virtlogd -d 2>"$SHARE/virtlogd.err"
t0=$(now)
PATH=/opt/passt-test/bin:$PATH libvirtd -d 2>"$SHARE/libvirtd.err"
for ((i = 0; i < 300; i++)); do
	vsh version >/dev/null 2>&1 && break
	sleep 0.1
done
if ! vsh version >/dev/null 2>&1; then
	sed 's/^/# /' "$SHARE/libvirtd.err" | tail -n 20
	res "FAIL setup: libvirtd did not answer"
	exit 1
fi
note "$(vsh version | tr '\n' ' ')(libvirtd up in $(elapsed "$t0" "$(now)") s)"

# --- Domains -------------------------------------------------------------
CMDLINE="console=ttyS0 quiet panic=-1 vm.halt=wait vm.v6wait=8"
CMDLINE="$CMDLINE vm.tcpup=$C_REMOTE4:$C_SINK"
CMDLINE="$CMDLINE vm.tcpdown=$C_REMOTE4:$C_SOURCE"
CMDLINE="$CMDLINE vm.tcpdown6=[$C_REMOTE6]:$C_SOURCE"
CMDLINE="$CMDLINE vm.tcphalf=$C_REMOTE4:$C_HALF"
CMDLINE="$CMDLINE vm.udp=$C_REMOTE4:$C_TFTP vm.serve=22"

# domain_xml NAME KIND - Print the XML of a domain, KIND user or vhostuser
domain_xml() {
	local mb='' iface

	if [ "$2" = vhostuser ]; then
		mb="<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>"
	fi
	cat <<EOT
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>256</memory>
  $mb
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>/var/lib/libvirt/boot/bzImage</kernel>
    <initrd>/var/lib/libvirt/boot/initrd.gz</initrd>
    <cmdline>$CMDLINE</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <interface type='$2'>
      <mac address='52:54:00:12:34:56'/>
      <model type='virtio'/>
      <backend type='passt'/>
      <portForward proto='tcp'>
        <range start='2222' to='22'/>
      </portForward>
    </interface>
    <serial type='file'>
      <source path='/var/log/libvirt/qemu/$1-console.log'/>
      <target port='0'/>
    </serial>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
EOT
}

# passt_pids - Print the PIDs of running passt processes (not zombies)
passt_pids() {
	local p st
	for p in /proc/[0-9]*; do
		case "$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" in
		*passt*--socket*|*passt*--vhost-user*) ;;
		*) continue ;;
		esac
		case "$(readlink "$p/exe" 2>/dev/null)" in
		*/bash) continue ;;	# the tracing wrapper
		esac
		st=$(awk '/^State:/ { print $2 }' "$p/status" 2>/dev/null)
		[ -n "$st" ] && [ "$st" != Z ] && echo "${p#/proc/}"
	done
}

# vm_line LOG STEP - Print the guest's first "VM-RESULT STEP ..." line, less
# the prefix
vm_line() {
	tr -d '\r' <"$1" 2>/dev/null |
		sed -n "s/^.*VM-RESULT $2 //p; s/^.*VM-RESULT $2\$//p" | head -n1
}

# wait_line LOG STEP SECONDS - Wait for the guest's STEP line
wait_line() {
	local i
	for ((i = 0; i < $3 * 5; i++)); do
		grep -q "VM-RESULT $2" "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# expect NAME GOT WANT DESCRIPTION
expect() {
	if [ "$2" = "$3" ]; then
		res "PASS $1: $4"
	else
		res "FAIL $1: $4: expected '$3', got '${2:-nothing}'"
	fi
}

# run_domain NAME KIND TAG FULL - Start domain NAME, check what the guest
# reports; FULL=1: every step, else the lease, a download and the forward.
# Results are named TAG-STEP.
run_domain() {
	local name=$1 kind=$2 tag=$3 full=$4 log t0 t_lease t_done l got
	local sock pidf ppid pid_before

	log=/var/log/libvirt/qemu/$name-console.log
	rm -f "$log"
	t0=$(now)
	if ! out=$(vsh start "$name" 2>&1); then
		echo "$out" | sed 's/^/# /'
		tail -n 20 "/var/log/libvirt/qemu/$name.log" 2>/dev/null |
			sed 's/^/# qemu log: /'
		res "FAIL $tag-start: virsh start $name"
		return 1
	fi
	res "PASS $tag-start: virsh start $name ($(elapsed "$t0" "$(now)") s)"
	sock=$(ls "$PDIR"/*"$name"*.socket 2>/dev/null | head -n1)
	pidf=$(ls "$PDIR"/*"$name"*.pid 2>/dev/null | head -n1)
	ppid=$(cat "$pidf" 2>/dev/null)
	note "$tag: socket ${sock:-none}, pid file ${pidf:-none} (${ppid:-?})," \
	     "passt running: $(passt_pids | tr '\n' ' ')," \
	     "in $PDIR: $(ls -A "$PDIR" | tr '\n' ' ')"
	if [ -n "$ppid" ]; then
		{
			echo "pid $ppid cmdline: $(tr '\0' ' ' <"/proc/$ppid/cmdline")"
			grep -E '^(PPid|Uid|Gid|Groups|CapEff|NoNewPrivs|Seccomp):' \
				"/proc/$ppid/status"
			for f in /proc/$ppid/fd/[012]; do
				echo "fd ${f##*/}: $(readlink "$f")"
			done
		} >"$SHARE/passt-running-$tag.txt" 2>&1
	fi

	if ! wait_line "$log" "dhcp" 120; then
		res "FAIL $tag-lease: no DHCP result from the guest in 120 s"
	else
		t_lease=$(now)
		l=$(vm_line "$log" dhcp)
		case "$l" in
		"ok $C_HOST4/24 $C_GW4 $C_DNS4"*)
			res "PASS $tag-lease: $l ($(elapsed "$t0" "$t_lease") s" \
			    "after virsh start)" ;;
		*)	res "FAIL $tag-lease: expected 'ok $C_HOST4/24 $C_GW4" \
			    "$C_DNS4', got '${l:-nothing}'" ;;
		esac
	fi
	if ! wait_line "$log" "serve ready" 180; then
		res "FAIL $tag-guest: the guest did not reach its server step"
		tr -d '\r' <"$log" | tail -n 30 | sed 's/^/# console: /'
		return 1
	fi
	# The host reaches the guest's server through passt's forwarded port
	l=$(vm_line "$log" "serve ready")
	got=$(timeout 30 busybox nc 127.0.0.1 2222 </dev/null |
	      { cat >/tmp/fwd.in; echo "$(sha256sum </tmp/fwd.in |
		cut -d' ' -f1) $(wc -c </tmp/fwd.in)"; })
	expect "$tag-forward" "$got" "$l" \
		"1 MiB from the guest's port 22 on 127.0.0.1:2222 (portForward 2222 to 22)"
	wait_line "$log" done 60 || res "FAIL $tag-done: the guest did not finish"
	t_done=$(now)

	if [ "$full" = 1 ]; then
		for step in ping slaac dhcp6 ping6; do
			l=$(vm_line "$log" "$step")
			case "$l" in
			ok*)	res "PASS $tag-$step: $l" ;;
			none*)	res "SKIP $tag-$step: $l (not in this guest image)" ;;
			*)	res "FAIL $tag-$step: ${l:-no result}" ;;
			esac
		done
		l=$(vm_line "$log" tcpup)
		case "$l" in
		ok*) res "PASS $tag-tcp-up: 1 MiB to $C_REMOTE4, server's sha256 ${l#ok }" ;;
		*)   res "FAIL $tag-tcp-up: ${l:-no result}" ;;
		esac
		expect "$tag-tcp-down6" "$(vm_line "$log" tcpdown6)" \
			"$C_SHA_DOWN 4194304" "4 MiB from [$C_REMOTE6], sha256 verified"
		expect "$tag-half-close" "$(vm_line "$log" tcphalf)" \
			"$C_SHA_HALF 1048576" \
			"1 MiB sent by the server after the guest's FIN"
		expect "$tag-udp" "$(vm_line "$log" udp)" "$C_SHA_UDP 65536" \
			"64 KiB by TFTP from $C_REMOTE4"
	fi
	expect "$tag-tcp-down" "$(vm_line "$log" tcpdown)" \
		"$C_SHA_DOWN 4194304" "4 MiB from $C_REMOTE4, sha256 verified"
	note "$tag: guest done $(elapsed "$t0" "$t_done") s after virsh start"
	cp "$log" "$SHARE/console-$tag.log" 2>/dev/null

	# virsh destroy: no passt, socket or pid file may remain
	pid_before=$(passt_pids | tr '\n' ' ')
	local logl
	logl=$(wc -l <"$SHARE/libvirtd.log" 2>/dev/null || echo 0)
	t0=$(now)
	vsh destroy "$name" >/dev/null 2>&1 || res "FAIL $tag-destroy: virsh destroy"
	local left='' i
	for ((i = 0; i < 50; i++)); do
		left=$(passt_pids | tr '\n' ' ')
		[ -z "$left" ] && [ -z "$(ls -A "$PDIR" 2>/dev/null)" ] && break
		sleep 0.1
	done
	# Did libvirt kill passt, or did passt leave by itself (--one-off)?
	tail -n +"$((logl + 1))" "$SHARE/libvirtd.log" 2>/dev/null |
		grep -E 'virProcessKill|virPidFile|passt' | cut -c 30-200 |
		sed "s/^/# $tag destroy, libvirtd: /" | head -n 8
	if [ -z "$left" ] && [ -z "$(ls -A "$PDIR" 2>/dev/null)" ]; then
		res "PASS $tag-cleanup: passt (${pid_before:-none}) gone, $PDIR" \
		    "empty, $(elapsed "$t0" "$(now)") s after virsh destroy"
	else
		res "FAIL $tag-cleanup: 5 s after virsh destroy: passt" \
		    "'$left', in $PDIR: '$(ls -A "$PDIR" 2>/dev/null | tr '\n' ' ')'"
	fi
}

# Control: the servers and a busybox nc from the host namespace, no passt
got=$(timeout 30 busybox nc "$C_REMOTE4" "$C_SOURCE" </dev/null |
      { cat >/tmp/c.in; echo "$(sha256sum </tmp/c.in | cut -d' ' -f1)" \
	"$(wc -c </tmp/c.in)"; })
expect control-tcp-down "$got" "$C_SHA_DOWN 4194304" \
	"the remote's 4 MiB, read from the host namespace (no passt)"

domain_xml ptest-user user >"$SHARE/ptest-user.xml"
domain_xml ptest-vhost vhostuser >"$SHARE/ptest-vhost.xml"
if ! out=$(vsh define "$SHARE/ptest-user.xml" 2>&1); then
	echo "$out" | sed 's/^/# /'
	res "FAIL define: virsh define (interface type user, backend passt)"
	exit 1
fi
res "PASS define: domain with <interface type='user'><backend type='passt'/> and a portForward"

run_domain ptest-user user user 1
# The same domain again: a new passt, the same socket and pid file names
run_domain ptest-user user user-again 0

if [ "${LIBVIRT_VHOST:-1}" = 1 ]; then
	if ! out=$(vsh define "$SHARE/ptest-vhost.xml" 2>&1); then
		echo "$out" | sed 's/^/# /'
		res "FAIL vhost-define: virsh define (interface type vhostuser)"
	else
		run_domain ptest-vhost vhostuser vhost 1
	fi
fi

cp /var/log/libvirt/qemu/*.log "$SHARE/" 2>/dev/null
exit 0
