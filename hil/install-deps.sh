#!/usr/bin/env bash
# Install what the HIL rig needs from Debian's packages, when missing.
#
#   hil/install-deps.sh          install what is missing (needs root + apt-get)
#   hil/install-deps.sh --check  only report; exit 0 when complete, 4 when not
#
# Needed: socat (pty pairs), can-utils (cangen/candump), iproute2 (ip link),
# kmod (modprobe), gcc (builds hil/uml-xstate-shim.c), zsh (the completion script's parse check),
# dosfstools and mtools (the SD card tests make and read FAT images with mkfs.vfat, fsck.fat, mcopy, mdir), and
# user-mode-linux (a guest kernel with SocketCAN, used when the host kernel has no vcan). Exit 0 when everything is there, 4 when
# something is still missing (and says what, loudly, on stderr).
set -u

check_only=0
[ "${1:-}" = "--check" ] && check_only=1

# command -> Debian package providing it
declare -A need=(
  [socat]=socat
  [cangen]=can-utils
  [candump]=can-utils
  [ip]=iproute2
  [modprobe]=kmod
  [cc]=gcc
  [zsh]=zsh
  [mkfs.vfat]=dosfstools
  [fsck.fat]=dosfstools
  [mcopy]=mtools
  [mdir]=mtools
)

missing_pkgs=()
add_pkg() { local p; for p in "${missing_pkgs[@]}"; do [ "$p" = "$1" ] && return; done; missing_pkgs+=("$1"); }

find_cmd() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }

scan() {
  missing_pkgs=()
  local c
  for c in "${!need[@]}"; do find_cmd "$c" || add_pkg "${need[$c]}"; done
  [ -x /usr/bin/linux.uml ] || add_pkg user-mode-linux
}

scan
if [ ${#missing_pkgs[@]} -eq 0 ]; then
  echo "hil/install-deps: all rig dependencies present (socat, can-utils, iproute2, kmod, gcc, zsh, dosfstools, mtools, user-mode-linux)"
  exit 0
fi

if [ $check_only -eq 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "hil/install-deps: not root: cannot install ${missing_pkgs[*]}" >&2
  elif ! command -v apt-get >/dev/null 2>&1; then
    echo "hil/install-deps: no apt-get on this machine: cannot install ${missing_pkgs[*]}" >&2
  else
    echo "hil/install-deps: installing ${missing_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Package lists may be absent on a fresh machine: update once, then install.
    if ! apt-get install -y --no-install-recommends "${missing_pkgs[@]}" >/tmp/hil-apt.log 2>&1; then
      apt-get update >>/tmp/hil-apt.log 2>&1
      apt-get install -y --no-install-recommends "${missing_pkgs[@]}" >>/tmp/hil-apt.log 2>&1 \
        || { echo "hil/install-deps: apt-get failed, see /tmp/hil-apt.log:" >&2; tail -n 5 /tmp/hil-apt.log >&2; }
    fi
    scan
  fi
fi

if [ ${#missing_pkgs[@]} -gt 0 ]; then
  {
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    echo "!! HIL rig incomplete: missing Debian packages: ${missing_pkgs[*]}"
    echo "!! install them as root:  apt-get install ${missing_pkgs[*]}"
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  } >&2
  exit 4
fi
echo "hil/install-deps: all rig dependencies present"
exit 0
