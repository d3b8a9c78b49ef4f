#!/usr/bin/env bash
# make demo: one pod sandbox, a bridge cluster network and a macvlan default
# network attached by multus-swift with the real reference plugins, then DEL.
# Everything it creates is named msw-demo* and removed at the end.
set -euo pipefail
BIN=${1:-.build/release/multus-swift}
BIN=$(readlink -f "$BIN")
[ "$(id -u)" -eq 0 ] || { echo "the demo creates namespaces and links: run it as root" >&2; exit 1; }

NS=msw-demo
DIR=
cleanup() {
  ip netns del "$NS" 2>/dev/null || true
  ip link del msw-demo-m 2>/dev/null || true
  ip link del msw-demo-br 2>/dev/null || true
  [ -z "$DIR" ] || rm -rf "$DIR"
}
trap cleanup EXIT
cleanup   # leftovers of an interrupted earlier run
DIR=$(mktemp -d /tmp/msw-demo.XXXXXX)

ip netns add "$NS"
# The macvlan master: the host end of a veth pair made for the demo.
ip link add msw-demo-m type veth peer name msw-demo-p
ip link set msw-demo-m up
ip link set msw-demo-p up
mkdir -p "$DIR/net.d"

cat > "$DIR/net.d/10-cluster.conf" <<JSON
{ "cniVersion": "1.0.0", "name": "cluster", "type": "bridge", "bridge": "msw-demo-br",
  "isGateway": true, "ipMasq": false,
  "ipam": { "type": "host-local", "subnet": "10.250.0.0/24", "dataDir": "$DIR/ipam" } }
JSON
# The cluster, as a folder of manifests (no API server here): the pod asks for
# the macvlan NetworkAttachmentDefinition by annotation.
mkdir -p "$DIR/manifests"
cat > "$DIR/manifests/demo.yaml" <<YAML
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata:
  name: macvlan-net
  namespace: default
spec:
  config: '{ "cniVersion": "1.0.0", "type": "macvlan", "master": "msw-demo-m", "mode": "bridge",
    "ipam": { "type": "host-local", "subnet": "10.251.0.0/24", "dataDir": "$DIR/ipam" } }'
---
apiVersion: v1
kind: Pod
metadata:
  name: demo
  namespace: default
  uid: 6f1c0c5e-demo
  annotations:
    k8s.v1.cni.cncf.io/networks: '[{"name": "macvlan-net", "interface": "net1"}]'
YAML
cat > "$DIR/multus.conf" <<JSON
{ "cniVersion": "1.0.0", "name": "multus-demo", "type": "multus-swift",
  "confDir": "$DIR/net.d", "cniDir": "$DIR/cache", "binDir": "/usr/lib/cni",
  "clusterNetwork": "$DIR/net.d/10-cluster.conf", "manifestDir": "$DIR/manifests",
  "logLevel": "verbose", "logFile": "$DIR/multus.log", "logToStderr": false }
JSON

run() {
  CNI_COMMAND=$1 CNI_CONTAINERID=demo-container CNI_NETNS=/var/run/netns/$NS CNI_IFNAME=eth0 \
  CNI_PATH=/usr/lib/cni CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=demo;K8S_POD_UID=6f1c0c5e-demo" \
  "$BIN" < "$DIR/multus.conf"
}

echo "== multus configuration"; cat "$DIR/multus.conf"
echo; echo "== ADD (result returned to the runtime: the cluster network's)"
run ADD | jq .
echo; echo "== interfaces inside the pod namespace"
ip -n "$NS" -br addr show
echo; echo "== k8s.v1.cni.cncf.io/network-status written back to the pod ($DIR/manifests/demo.yaml)"
sed -n '/network-status/,$p' "$DIR/manifests/demo.yaml"
echo; echo "== events"; cat "$DIR/manifests/events.jsonl"
echo; echo "== CHECK"; run CHECK && echo "CHECK ok"
echo; echo "== attachments recorded for DEL ($DIR/cache/demo-container, Go Multus's delegate list)"
jq -c '.[] | {network: .Name, ifName: .multusSwift.ifName, master: .multusSwift.master}' "$DIR/cache/demo-container"
echo; echo "== DEL"; run DEL && echo "DEL ok"
echo "interfaces left in the namespace:"; ip -n "$NS" -br link show | grep -v '^lo' || echo "  (none)"
echo "host-local reservations left: $(find "$DIR/ipam" -type f -name '10.*' | wc -l)"
echo; echo "== log ($DIR/multus.log)"; cat "$DIR/multus.log"
