#!/usr/bin/env bash
# make bench: start-up and ADD overhead of multus-swift against running the
# same reference plugins directly, and peak RSS. Prints a table; asserts nothing.
# Creates msw-bench* namespaces/links and removes them on exit.
set -euo pipefail
BIN=$(readlink -f "${1:-.build/release/multus-swift}")
RUNS=${RUNS:-40}
[ "$(id -u)" -eq 0 ] || { echo "the benchmark creates namespaces and links: run it as root" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine is missing (make deps)" >&2; exit 1; }

NS=msw-bench
DIR=
cleanup() {
  ip netns del "$NS" 2>/dev/null || true
  ip link del msw-bench-m 2>/dev/null || true
  for b in msw-bench-b0 msw-bench-b1; do ip link del "$b" 2>/dev/null || true; done
  [ -z "$DIR" ] || rm -rf "$DIR"
}
[ -n "${BENCH_KEEP:-}" ] || trap cleanup EXIT
cleanup
[ -z "${BENCH_DEBUG:-}" ] || set -x
DIR=$(mktemp -d /tmp/msw-bench.XXXXXX)
ip netns add "$NS"
ip link add msw-bench-m type veth peer name msw-bench-p
ip link set msw-bench-m up
mkdir -p "$DIR/net.d"

net() {  # name type extra-json subnet
  printf '{"cniVersion":"1.0.0","name":"%s","type":"%s",%s"ipam":{"type":"host-local","subnet":"%s","dataDir":"%s/ipam"}}\n' \
    "$1" "$2" "$3" "$4" "$DIR"
}
net cluster bridge '"bridge":"msw-bench-b0","isGateway":true,' 10.252.0.0/24 > "$DIR/net.d/10-cluster.conf"
net macvlan-net macvlan '"master":"msw-bench-m","mode":"bridge",' 10.253.0.0/24 > "$DIR/net.d/20-macvlan.conf"
net second-bridge bridge '"bridge":"msw-bench-b1",' 10.254.0.0/24 > "$DIR/net.d/30-bridge.conf"

multus_conf() {  # file default-networks-json
  printf '{"cniVersion":"1.0.0","name":"multus-bench","type":"multus-swift","confDir":"%s/net.d","cniDir":"%s/cache","binDir":"/usr/lib/cni","clusterNetwork":"%s/net.d/10-cluster.conf","defaultNetworks":%s,"logLevel":"%s","logFile":"%s/multus.log","logToStderr":false}\n' \
    "$DIR" "$DIR" "$DIR" "$2" "${3:-error}" "$DIR" > "$1"
}
multus_conf "$DIR/multus-1.conf" '[]'
multus_conf "$DIR/multus-3.conf" '["macvlan-net","second-bridge"]'
multus_conf "$DIR/multus-3-debug.conf" '["macvlan-net","second-bridge"]' debug

# Wrappers: the same shell start-up on both sides, so it cancels in the difference.
ENV="export CNI_CONTAINERID=bench CNI_NETNS=/var/run/netns/$NS CNI_PATH=/usr/lib/cni CNI_ARGS='IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=bench'"
cat > "$DIR/direct.sh" <<SH
#!/bin/sh
# direct.sh COMMAND N: run the first N networks' plugins directly, as a runtime would.
$ENV CNI_COMMAND=\$1
CNI_IFNAME=eth0 /usr/lib/cni/bridge < $DIR/net.d/10-cluster.conf >/dev/null || exit 1
[ "\$2" = 3 ] || exit 0
CNI_IFNAME=net1 /usr/lib/cni/macvlan < $DIR/net.d/20-macvlan.conf >/dev/null || exit 1
CNI_IFNAME=net2 /usr/lib/cni/bridge < $DIR/net.d/30-bridge.conf >/dev/null
SH
cat > "$DIR/multus.sh" <<SH
#!/bin/sh
# multus.sh COMMAND N: the same networks through multus-swift.
$ENV CNI_COMMAND=\$1 CNI_IFNAME=eth0
exec $BIN < $DIR/multus-\$2.conf >/dev/null
SH
chmod +x "$DIR/direct.sh" "$DIR/multus.sh"

mean_ms() { jq -r '.results[0].mean * 1000' "$1"; }

echo "== VERSION start-up ($RUNS+ runs)"
CNI_COMMAND=VERSION hyperfine -N --warmup 10 --runs $((RUNS * 5)) --export-json "$DIR/version.json" "$BIN" >/dev/null
version_ms=$(mean_ms "$DIR/version.json")

for n in 1 3; do
  for kind in direct multus; do
    hyperfine -N --warmup 3 --runs "$RUNS" --prepare "$DIR/$kind.sh DEL $n" \
      --export-json "$DIR/add-$kind-$n.json" "$DIR/$kind.sh ADD $n" >/dev/null
    "$DIR/$kind.sh" DEL "$n"
  done
done

# Peak RSS of multus-swift itself (not its plugins): it logs getrusage at debug level.
CNI_COMMAND=ADD CNI_CONTAINERID=bench-rss CNI_NETNS=/var/run/netns/$NS CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
  "$BIN" < "$DIR/multus-3-debug.conf" >/dev/null
CNI_COMMAND=DEL CNI_CONTAINERID=bench-rss CNI_NETNS=/var/run/netns/$NS CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
  "$BIN" < "$DIR/multus-3-debug.conf" >/dev/null
rss_add=$(grep -o 'ADD finished.*peak RSS [0-9]* KiB' "$DIR/multus.log" | grep -o '[0-9]* KiB' | tail -1)
version_rss=$(CNI_COMMAND=VERSION /usr/bin/time -f %M "$BIN" 2>&1 >/dev/null)

printf '\n%-34s %12s %12s %12s\n' "measure" "multus-swift" "direct" "overhead"
printf '%-34s %10.2f ms %12s %12s\n' "VERSION wall time" "$version_ms" "-" "-"
for n in 1 3; do
  m=$(mean_ms "$DIR/add-multus-$n.json"); d=$(mean_ms "$DIR/add-direct-$n.json")
  printf '%-34s %10.2f ms %9.2f ms %9.2f ms\n' "ADD, $n network(s)" "$m" "$d" "$(echo "$m - $d" | bc -l)"
done
printf '%-34s %12s\n' "peak RSS, ADD with 3 networks" "$rss_add"
printf '%-34s %9s KiB\n' "peak RSS, VERSION" "$version_rss"
echo "(targets: VERSION < 5 ms, ADD overhead < 5 ms, peak RSS < 20 MiB)"

echo; echo "== with Kubernetes: pod annotation with 2 NADs + cluster network, local API server double (TLS, HTTP/2)"
MULTUS_SWIFT_BENCH=1 MULTUS_SWIFT_BIN="$BIN" swift test --filter KubernetesBenchmark 2>&1 | grep '^BENCH' | sed 's/^BENCH //' \
  || echo "(the Kubernetes benchmark did not run)"
