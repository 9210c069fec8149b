#!/usr/bin/env bash
# Installs what the workstation needs on Debian 12 (as root) and builds .venv; quick when done already.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  xvfb xauth libgl1 libegl1 libglx-mesa0 libegl-mesa0 libgl1-mesa-dri libosmesa6 libfontconfig1
  libglib2.0-0 libx11-xcb1 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4
  libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xkb1
  libxcb-xfixes0 libxcb-sync1 libxcb-shm0 libxcb-glx0 libdbus-1-3 libportaudio2
  orthanc orthanc-dicomweb orthanc-gdcm dcmtk
  squashfs-tools msitools wixl
  poppler-utils pulseaudio pulseaudio-utils libasound2-plugins
  postgresql
  slapd ldap-utils
)

missing_debian_packages() {
  local pkg
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
  done
}

missing=$(missing_debian_packages)
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: these Debian packages are missing and only root can install them:" $missing >&2
    exit 1
  fi
  echo "setup: installing Debian packages:" $missing
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
  # The orthanc package starts a system service; the project runs its own instances on loopback.
  (systemctl stop orthanc 2>/dev/null || service orthanc stop 2>/dev/null || true) >/dev/null 2>&1
  # Likewise slapd: the LDAP tests start their own on loopback.
  (systemctl stop slapd 2>/dev/null || service slapd stop 2>/dev/null || true) >/dev/null 2>&1
fi

PYTHON=${PYTHON:-python3}
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[test,package]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
