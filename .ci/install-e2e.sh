#!/usr/bin/env bash
# Installs what the end-to-end SSH test (tests/test_ssh_e2e.py) needs: OpenSSH's server
# and client, tmux, and Debian's venv support for /usr/bin/python3.
#
# Idempotent: does nothing when everything is there. Never fails the build: when it
# cannot install (not root, no apt-get, no network) it says so and exits 0, and the
# test skips with the reason. Runs with no terminal and no standard input.
set -u

missing=()
[ -x /usr/sbin/sshd ] || command -v sshd >/dev/null 2>&1 || missing+=(openssh-server)
command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
if [ -x /usr/bin/python3 ] && ! /usr/bin/python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    missing+=(python3-venv)
fi

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-e2e: missing ${missing[*]} and cannot install (needs root and apt-get);" \
        "the SSH end-to-end test will skip" >&2
    exit 0
fi

echo "install-e2e: installing ${missing[*]}" >&2
# Keep apt from starting a system-wide sshd on port 22: the test runs its own, on
# 127.0.0.1 only. A policy-rc.d that is already there (as in Docker images) is left alone.
made_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
fi
export DEBIAN_FRONTEND=noninteractive
status=0
apt-get update -qq </dev/null >/dev/null || status=$?
if [ "$status" -eq 0 ]; then
    apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null \
        || status=$?
fi
if [ -n "$made_policy" ]; then
    rm -f /usr/sbin/policy-rc.d
fi
if [ "$status" -ne 0 ]; then
    echo "install-e2e: apt-get failed (exit $status); the SSH end-to-end test will skip" >&2
fi
exit 0
