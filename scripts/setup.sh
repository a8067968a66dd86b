#!/usr/bin/env bash
# Makes a machine ready to run asymmetric from this checkout, and is safe to run again:
# a running Docker engine (installed from Debian's packages and started when missing),
# debootstrap (to make the base image where no image registry is reachable), the node
# modules and the build. With --with-browser it also installs Chromium for the web tests.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*" >&2; }
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

packages=()
if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null 2>&1 || packages+=(docker.io iptables)
fi
command -v debootstrap >/dev/null 2>&1 || packages+=(debootstrap)
# git and GitHub's CLI: the GitHub clone's suites drive it with the real binaries.
command -v git >/dev/null 2>&1 || packages+=(git)
command -v gh >/dev/null 2>&1 || packages+=(gh)
if [ "${1:-}" = "--with-browser" ] && ! command -v chromium >/dev/null 2>&1; then packages+=(chromium fonts-noto-color-emoji); fi

if [ "${#packages[@]}" -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "please install: ${packages[*]} (no apt-get here), then run this again"
    exit 1
  fi
  say "installing ${packages[*]}"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  # No systemd on these machines: start the engine ourselves and wait for it.
  say "starting the Docker engine"
  $SUDO sh -c 'nohup dockerd >/var/log/dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { say "dockerd did not start; see /var/log/dockerd.log"; exit 1; }
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing node modules"
  npm ci --no-audit --no-fund --loglevel=error
fi

npm run --silent build
say "ready"
