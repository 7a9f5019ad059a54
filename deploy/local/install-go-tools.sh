#!/usr/bin/env bash
# Builds the Go programs the platform and its tests use into .venv/bin (GOBIN), from the `tool` directives of the
# tools modules: deploy/local/tools (promtool: `promtool check rules` / `test rules` on deploy/monitoring/alerts.yml)
# and each module in a folder below it (deploy/local/tools/jaeger: Jaeger v2, the trace backend of `make run` and of
# the test session). A module per program family, so that adding one never moves another's shared dependencies
# (Jaeger's and Prometheus' prometheus and OpenTelemetry libraries differ). Versions are pinned in each go.mod and
# its committed go.sum, and the default -mod=readonly refuses a build that would change either: every machine builds
# the same sources. A tool is built only when the binary in GOBIN is not of its pinned module version (a cold build
# takes minutes on two cores). Adding a program is one `go get -tool <package>@<version>` in a tools module, or a
# new folder with its own go.mod; nothing here changes. Modules and build cache: Go's defaults (GOMODCACHE, GOCACHE
# under the user's home and cache).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
tools="$root/deploy/local/tools"
bin="${GOBIN:-$root/.venv/bin}"
mkdir -p "$bin"
command -v go >/dev/null 2>&1 || { echo "go not found: the Go tools (promtool, jaeger) need Go $(awk '$1=="go"{print $2}' "$tools/go.mod") or newer" >&2; exit 1; }

# Build tags per tools module (its folder below deploy/local/tools, "." for that folder itself).
# promtool with the service discoveries our scrape configs use only (static, file and http always; kubernetes), not
# AWS, Azure, GCE and the twenty others (Prometheus' plugins/ build tags): a cold build took 11m41s instead of 29m45s
# on two busy cores. promtool then refuses a config naming another discovery, as a full build would not.
# Jaeger documents no tags that leave components out (cmd/jaeger/internal/components.go lists them all).
declare -A tags=([.]="remove_all_sd,enable_kubernetes_sd")

for gomod in "$tools/go.mod" "$tools"/*/go.mod; do
  module_dir="$(dirname "$gomod")"
  key="${module_dir#"$tools"}"; key="${key#/}"; key="${key:-.}"
  stale=()
  # One line per tool: package path, its module's path and pinned version (from go.mod; no build).
  while read -r package module version; do
    name="${package##*/}"
    # `go version -m` lists the module a binary was built from (dep line: built as a tool of the tools module).
    if [ -x "$bin/$name" ] && go version -m "$bin/$name" 2>/dev/null | grep -qP "^\t(mod|dep)\t\Q$module\E\t\Q$version\E(\t|$)"; then
      continue
    fi
    stale+=("$package")
    echo "building $name ($module $version) into $bin"
  done < <(go -C "$module_dir" list -f '{{.ImportPath}} {{.Module.Path}} {{.Module.Version}}' tool)

  if ((${#stale[@]})); then
    started=$SECONDS
    GOBIN="$bin" go -C "$module_dir" install -tags "${tags[$key]:-}" "${stale[@]}"
    echo "built ${stale[*]##*/} in $((SECONDS - started)) s"
  fi
done
