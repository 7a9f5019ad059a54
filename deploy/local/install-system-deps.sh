#!/usr/bin/env bash
# Installs the system packages the platform needs on a fresh Debian machine of this kind, only
# those missing: Java 17 and Maven (the local Kafka broker), PostgreSQL (event-store contract
# tests), a CJK TrueType font embedded in the reporting service's PDF reports (fonts-wqy-zenhei:
# TrueType outlines, which reportlab can embed; Noto CJK is CFF and cannot be), and poppler-utils
# (pdftotext: the reporting tests read the PDFs' text back), and Chromium (the console's Playwright browser
# tests drive Debian's build; the same CJK font renders its Chinese), and wrk (`make bench` loads the HTTP
# command path with it: a Python client would be the bottleneck), and npm (the Makefile installs axe-core with it
# from the npm registry, for the console's accessibility checks). Needs root for apt-get; prints what it does.
set -euo pipefail

missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  missing+=(postgresql)
fi
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || missing+=(fonts-wqy-zenhei)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]})); then
  echo "installing system packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "need root to install: ${missing[*]} (run: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
# The Debian package starts a cluster of its own; the tests start their own throwaway servers.
if command -v pg_ctlcluster >/dev/null 2>&1 && ls /etc/postgresql/*/main >/dev/null 2>&1; then
  for conf in /etc/postgresql/*/main; do
    version=$(basename "$(dirname "$conf")")
    pg_ctlcluster "$version" main stop >/dev/null 2>&1 || true
  done
fi
