#!/usr/bin/env bash
# Build the slsguard image and check that it scans the example apps as a non-root user.
# Needs a Docker engine (`docker info` must succeed), so `.ci/run` does not call it.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! docker info >/dev/null 2>&1; then
  echo "docker-smoke: no Docker engine answers 'docker info'; start one (or run this where one runs)." >&2
  exit 3
fi
image="slsguard:smoke"
docker build --quiet --tag "$image" .
uid=$(docker run --rm --entrypoint id "$image" -u)
if [ "$uid" = "0" ]; then
  echo "docker-smoke: the image runs as root" >&2
  exit 1
fi
set +e
docker run --rm -v "$PWD/examples:/src:ro" "$image" scan /src --format json > /tmp/slsguard-smoke.json
code=$?
set -e
if [ "$code" != "1" ]; then
  echo "docker-smoke: expected exit code 1 (findings) on examples/, got $code" >&2
  exit 1
fi
python3 -c 'import json,sys; d=json.load(open("/tmp/slsguard-smoke.json")); assert d["findings"], "no findings"; print(len(d["findings"]), "findings")'
echo "docker-smoke: ok"
