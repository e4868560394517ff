#!/bin/bash
# PID 1 inside the User-Mode Linux guest started by hil/with-vcan. Not for
# direct use. The kernel passes with_vcan_ctl=<dir> (a host directory shared
# through hostfs) in the environment: it holds the command, its environment,
# working directory and interface list, and receives the exit status.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
hostctl=${with_vcan_ctl:-}
ctl=/run/ctl # the host's control directory, mounted here once /run exists

fail() { # guest setup failed: tell the host why and power off
  echo "$*" > "$ctl/setup-failed" 2>/dev/null
  echo "uml-init: $*" >&2
  poweroff -f
  exit 1
}

mount -t proc proc /proc 2>/dev/null
mount -t sysfs sys /sys 2>/dev/null
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs -o mode=755 run /run || fail "cannot mount tmpfs on /run"
mkdir -p "$ctl"
[ -n "$hostctl" ] && mount -t hostfs -o "$hostctl" none "$ctl" && [ -r "$ctl/cmd" ] \
  || fail "cannot mount the control directory (with_vcan_ctl=$hostctl) through hostfs"

modprobe -d "$ctl/modroot" -a overlay can can-raw vcan || fail "modprobe overlay/can/can-raw/vcan failed"

# Writable root: overlay of the host's / (read-only) and a tmpfs.
mkdir -p /run/ov && mount -t tmpfs -o mode=755 ov /run/ov || fail "cannot mount the overlay tmpfs"
mkdir -p /run/ov/upper /run/ov/work /run/ov/root
mount -t overlay overlay -o lowerdir=/,upperdir=/run/ov/upper,workdir=/run/ov/work /run/ov/root \
  || fail "cannot mount the overlay root"
r=/run/ov/root
mount -t proc proc "$r/proc" || fail "cannot mount proc in the overlay"
mount -t sysfs sys "$r/sys" || fail "cannot mount sysfs in the overlay"
mount -t devtmpfs dev "$r/dev" || fail "cannot mount devtmpfs in the overlay"
mkdir -p "$r/dev/pts" "$r/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$r/dev/pts" || fail "cannot mount devpts"
ln -sf pts/ptmx "$r/dev/ptmx" 2>/dev/null || mount --bind "$r/dev/pts/ptmx" "$r/dev/ptmx"
mount -t tmpfs shm "$r/dev/shm" || fail "cannot mount /dev/shm"
mount -t tmpfs run "$r/run" || fail "cannot mount /run in the overlay"
mount -t tmpfs tmp "$r/tmp" || fail "cannot mount /tmp in the overlay"

# The caller's working directory, read-write, at the same path; the control dir too.
cwd=$(cat "$ctl/cwd")
mkdir -p "$r$cwd" "$r$ctl"
mount -t hostfs -o "$cwd" none "$r$cwd" || fail "cannot mount the working directory $cwd (hostfs)"
mount --bind "$ctl" "$r$ctl" || fail "cannot bind the control directory into the overlay"

ip link set up dev lo
fdmtu=
[ "$(cat "$ctl/fd")" = 1 ] && fdmtu="mtu 72"
for i in $(cat "$ctl/ifaces"); do
  ip link add dev "$i" type vcan || fail "ip link add dev $i type vcan failed"
  # shellcheck disable=SC2086
  ip link set dev "$i" $fdmtu up || fail "ip link set up $i failed"
done

# The command's stdout/stderr: guest consoles 1 and 2, wired by the host to
# its own stdout/stderr. Raw, so bytes pass unchanged (no \n -> \r\n).
for t in 1 2; do stty -F "$r/dev/tty$t" raw -echo 2>/dev/null || fail "cannot set /dev/tty$t raw"; done

# Run the command as the caller would, and hand its status back.
chroot "$r" /bin/bash -c '
  set -a; . "$1/env"; set +a
  export WITH_VCAN=uml
  # AVX-512 registers are not kept per guest thread (uml-xstate-shim.c): keep glibc off them.
  export GLIBC_TUNABLES="glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX512CD${GLIBC_TUNABLES:+:$GLIBC_TUNABLES}"
  cd "$(cat "$1/cwd")" || exit 126
  eval "exec $(cat "$1/cmd")"
' with-vcan-guest "$ctl" </dev/null >"$r/dev/tty1" 2>"$r/dev/tty2"
echo $? > "$r$ctl/status.tmp" && mv "$r$ctl/status.tmp" "$r$ctl/status"
sync
poweroff -f
