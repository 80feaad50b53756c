#!/bin/sh
# Installs the Debian packages given as arguments that are missing. An argument
# "cmd:pkg" installs pkg only when the command cmd is not on PATH (so a Node.js
# from another source, with its own npm, is left alone). Uses sudo when not root
# and prints nothing when everything is present.
set -e
missing=""
for arg in "$@"; do
  case "$arg" in
    *:*) command -v "${arg%%:*}" >/dev/null 2>&1 || missing="$missing ${arg#*:}" ;;
    *) dpkg-query -W -f='${Status}' "$arg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $arg" ;;
  esac
done
[ -z "$missing" ] && exit 0
echo "Installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing
