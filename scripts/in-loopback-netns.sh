#!/usr/bin/env bash
# Run a command inside a fresh, loopback-only network namespace.
#
#   bash scripts/in-loopback-netns.sh CMD [ARGS...]
#
# Inside, the only interface is `lo` (brought up), so a browser, WebRTC or a
# benchmark can reach 127.0.0.0/8 and nothing else. Every browser and WebRTC
# test or bench of this project goes through this script.
#
# Needs permission to create a network namespace: root, or (tried second) an
# unprivileged user namespace (`unshare -r -n`). If neither is allowed — e.g. on
# a developer's own machine — it prints a notice and runs CMD unprotected; with
# CI=true it refuses instead and exits 1.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

# The inner shell receives CMD as its positional parameters ("$@"), so CMD's
# arguments are passed through unchanged, however they are quoted.
# The default route on lo is for Firefox: without one it gathers no ICE candidate
# ("failed to find default addresses"). Every packet still stays on lo; Chromium
# does not care either way.
inner='ip link set lo up && ip route add default dev lo src 127.0.0.1 && exec "$@"'

if unshare -n sh -c 'ip link set lo up' >/dev/null 2>&1; then
  exec unshare -n sh -c "$inner" sh "$@"
fi
if unshare -r -n sh -c 'ip link set lo up' >/dev/null 2>&1; then
  exec unshare -r -n sh -c "$inner" sh "$@"
fi

if [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; then
  echo "in-loopback-netns: cannot create a loopback-only network namespace (unshare -n / ip link)." >&2
  echo "in-loopback-netns: refusing to run browser/WebRTC tests unprotected on CI: $*" >&2
  exit 1
fi
echo "in-loopback-netns: notice: no permission for a network namespace here; running without network isolation: $*" >&2
exec "$@"
