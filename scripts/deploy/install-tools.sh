#!/usr/bin/env bash
# Installs what `npm run test:deploy` needs, quietly and only when missing:
#   docker-compose, promtool, prometheus  Debian's docker-compose and prometheus packages
#   kubernetes-validate                   PyPI (ships the Kubernetes JSON schemas)
#   helm                                  built from the Go module proxy (`go install`), kept in
#                                         $FLOWLINE_TOOLS_DIR/bin (default /opt/flowline-tools/bin)
# `apt-get update` runs only when a package is missing. .ci/run calls this with APT_UPDATED=1 when it
# has just updated the lists itself.
set -euo pipefail
HELM_VERSION=v3.22.0
tools_dir=${FLOWLINE_TOOLS_DIR:-/opt/flowline-tools}

need_apt=()
command -v docker-compose >/dev/null 2>&1 || need_apt+=(docker-compose)
{ command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; } || need_apt+=(prometheus)
if [[ ${#need_apt[@]} -gt 0 ]]; then
  export DEBIAN_FRONTEND=noninteractive
  [[ ${APT_UPDATED:-0} == 1 ]] || apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

python3 -m kubernetes_validate --version >/dev/null 2>&1 || pip3 install -q --disable-pip-version-check kubernetes-validate

if [[ ! -x $tools_dir/bin/helm ]]; then
  command -v go >/dev/null 2>&1 || PATH=$PATH:/usr/local/go/bin
  started=$SECONDS
  gopath=$(mktemp -d)
  mkdir -p "$tools_dir/bin"
  log=$gopath/go-install.log
  if ! GOPATH=$gopath GOBIN=$tools_dir/bin GOFLAGS=-modcacherw go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
  fi
  rm -rf "$gopath"
  echo "install-tools: built helm $HELM_VERSION in $((SECONDS - started)) s"
fi
