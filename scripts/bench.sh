#!/usr/bin/env bash
# make bench: multus-swift side by side with Go Multus, in the same run, on the
# same inputs. Prints tables; asserts nothing.
#
#   scripts/bench.sh [MULTUS_SWIFT_BIN]
#   GO_MULTUS_SRC=<bare mirror or checkout of multus-cni> scripts/bench.sh   # with Go Multus
#
# Both meta-plugins get the same environment and the same stdin (apart from
# the configuration's "type"). What each figure counts, and how:
#  - instructions: valgrind cachegrind (--cache-sim=no, --trace-children=no) of
#    the meta-plugin process alone, on a stripped copy (valgrind cannot read the
#    Swift binary's debug info); median of VG_RUNS runs (all runs listed at the end).
#  - CPU time and peak RSS: scripts/bench-trace.py follows the meta-plugin's
#    threads with ptrace but never its children, and sums the threads' run time
#    (user+sys, /proc/TID/schedstat) and reads VmHWM when they exit.
#    perf stat --no-inherit would count the main thread only, and wait4's
#    ru_maxrss is the maximum over the plugins too, so neither is used.
#  - fsyncs: the same tracer counts fsync, fdatasync and sync_file_range on
#    every thread of the meta-plugin (strace without -f sees the main thread only).
#  - API requests and connections: counted by the Kubernetes API server double
#    (kube-api-double), dumped after each CNI call.
#  - wall times (hyperfine) are noisy on a shared machine and labelled so.
#  - daemon mode (multus-swift only: Go's daemon reads its service account from
#    a fixed path): the binary as multus-daemon against the double seeded with
#    110 pods on the node, 300 on other nodes and 1,000 NADs, shaped like real
#    objects (containers, env, managed fields); its RSS (VmRSS, VmHWM) after
#    the caches synced and after DAEMON_RUNS ADD+DEL rounds; the requests of a
#    warm ADD; ADD latency (hyperfine, DEL before each) thin vs through the shim,
#    and the daemon's own handling time (its latency histogram). With Go Multus
#    (GO_MULTUS_DAEMON, or multus-daemon beside GO_MULTUS_BIN or in
#    .build-go/bin), Go's daemon the same way (its service account from a
#    folder bound in a private mount namespace), with Go's shim.
# Creates msw-bench* namespaces and links and removes them on exit.
set -euo pipefail
case ${1:-} in -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SWIFT_BIN=$(readlink -f "${1:-$ROOT/.build/release/multus-swift}")
DOUBLE_BIN=${KUBE_API_DOUBLE:-$(dirname "$SWIFT_BIN")/kube-api-double}
GO_MULTUS_SRC=${GO_MULTUS_SRC:-}
GO_BIN=${GO_MULTUS_BIN:-}      # a Go Multus thin plugin built elsewhere, instead of GO_MULTUS_SRC
RUNS=${RUNS:-40}               # hyperfine runs
VG_RUNS=${VG_RUNS:-3}          # runs of each instruction count (median)
TRACE_RUNS=${TRACE_RUNS:-9}    # runs of each CPU, RSS and fsync figure (median)
NS=msw-bench
TRACE="$ROOT/scripts/bench-trace.py"
DIR=
DOUBLE_PID=
DAEMON_PID=
DAEMON_RUNS=${DAEMON_RUNS:-200}   # ADD+DEL rounds through the daemon before its RSS is read again

need() {
  [ "$(id -u)" -eq 0 ] || { echo "the benchmark creates namespaces and links: run it as root" >&2; exit 1; }
  local tool
  for tool in valgrind hyperfine jq python3 strip curl; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (make deps)" >&2; exit 1; }
  done
}

stop_daemon() {
  [ -z "$DAEMON_PID" ] || { kill "$DAEMON_PID" 2>/dev/null || true; wait "$DAEMON_PID" 2>/dev/null || true; }
  DAEMON_PID=
}

stop_double() {
  [ -z "$DOUBLE_PID" ] || { kill "$DOUBLE_PID" 2>/dev/null || true; wait "$DOUBLE_PID" 2>/dev/null || true; }
  DOUBLE_PID=
}

# On exit: the double always stops; BENCH_KEEP=1 keeps the namespace, links and work folder.
finish() {
  stop_daemon
  stop_double
  [ -n "${BENCH_KEEP:-}" ] && echo "kept: $DIR and namespace $NS" >&2 || cleanup
}

cleanup() {
  stop_daemon
  stop_double
  ip netns del "$NS" 2>/dev/null || true
  ip link del msw-bench-m 2>/dev/null || true
  local b
  for b in msw-bench-b0 msw-bench-b1; do ip link del "$b" 2>/dev/null || true; done
  [ -z "$DIR" ] || rm -rf "$DIR"
}

# --- the two meta-plugins ----------------------------------------------------

# Stripped copies under their own names (argv[0] selects multus-swift's mode):
# the size figure, and binaries valgrind can read.
prepare_binaries() {
  mkdir -p "$DIR/swift" "$DIR/go"
  strip -o "$DIR/swift/multus-swift" "$SWIFT_BIN"
  IMPLS=(swift)
  declare -gA META=([swift]="$DIR/swift/multus-swift") TYPE=([swift]=multus-swift) NAME=([swift]=multus-swift)
  if [ -z "$GO_BIN" ] && [ -n "$GO_MULTUS_SRC" ]; then
    "$ROOT/scripts/build-go-multus.sh" "$GO_MULTUS_SRC" "$ROOT/.build-go" >&2
    GO_BIN="$ROOT/.build-go/bin/multus"
  fi
  if [ -n "$GO_BIN" ]; then
    strip -o "$DIR/go/multus" "$GO_BIN"
    IMPLS+=(go)
    META[go]="$DIR/go/multus" TYPE[go]=multus NAME[go]="Go Multus"
  fi
}

# --- networks, pods and configurations ---------------------------------------

setup_namespace() {
  ip netns add "$NS"
  ip link add msw-bench-m type veth peer name msw-bench-p
  ip link set msw-bench-m up
}

net() {  # name type extra-json subnet: a 1.0.0 delegate with host-local IPAM
  printf '{"cniVersion":"1.0.0","name":"%s","type":"%s",%s"ipam":{"type":"host-local","subnet":"%s","dataDir":"%s/ipam"}}' \
    "$1" "$2" "$3" "$4" "$DIR"
}
cluster_net() { net cluster bridge '"bridge":"msw-bench-b0","isGateway":true,' 10.252.0.0/24; }
macvlan_net() { net "$1" macvlan '"master":"msw-bench-m","mode":"bridge",' "$2"; }
bridge_net() { net "$1" bridge '"bridge":"msw-bench-b1",' "$2"; }

# multus_conf NAME DELEGATES-JSON [KUBECONFIG]: one configuration per meta-plugin,
# identical but for "type".
multus_conf() {
  local impl kube=
  [ -z "${3:-}" ] || kube=",\"kubeconfig\":\"$3\""
  for impl in "${IMPLS[@]}"; do
    printf '{"cniVersion":"1.0.0","name":"multus-bench","type":"%s","confDir":"%s/net.d","cniDir":"%s/cache","binDir":"/usr/lib/cni","delegates":%s%s,"logLevel":"error","logFile":"%s/multus.log","logToStderr":false}\n' \
      "${TYPE[$impl]}" "$DIR" "$DIR" "$2" "$kube" "$DIR" > "$DIR/$impl-$1.json"
  done
}

# The NADs nad-1 … nad-8 (nad-2 a second bridge, the rest macvlan) and pods
# bench-N asking for the first N of them, as manifests for the double.
write_manifests() {
  mkdir -p "$DIR/manifests"
  local i n config nets
  for i in 1 2 3 4 5 6 7 8; do
    if [ "$i" = 2 ]; then config=$(bridge_net nad-2 10.254.0.0/24); else config=$(macvlan_net "nad-$i" "10.253.$i.0/24"); fi
    jq -n --arg name "nad-$i" --arg config "$config" '{apiVersion: "k8s.cni.cncf.io/v1", kind: "NetworkAttachmentDefinition",
      metadata: {name: $name, namespace: "default"}, spec: {config: $config}}' > "$DIR/manifests/nad-$i.json"
  done
  for n in 1 2 4 8; do
    nets=$(seq -s, -f 'nad-%g' 1 "$n")
    jq -n --arg name "bench-$n" --arg nets "$nets" '{apiVersion: "v1", kind: "Pod",
      metadata: {name: $name, namespace: "default", annotations: {"k8s.v1.cni.cncf.io/networks": $nets}},
      spec: {nodeName: "bench-node", containers: [{name: "c", image: "busybox"}]}, status: {phase: "Pending"}}' \
      > "$DIR/manifests/pod-bench-$n.json"
  done
  write_bulk_manifests
}

# The daemon's memory figure: 110 pods on bench-node, 300 elsewhere, 1,000
# NADs, as one List. Pods carry what real ones do (containers with env and
# mounts, labels, managed fields, status), so trimming shows.
write_bulk_manifests() {
  python3 - "$DIR/manifests/bulk.json" <<'PY'
import json, sys
items = []
def pod(i, node):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"bulk-{node}-{i}", "namespace": f"team-{i % 20}",
                         "labels": {"app": f"app-{i}", "pod-template-hash": "5d9c7b8f6", "tier": "backend"},
                         "annotations": {"k8s.v1.cni.cncf.io/networks": f"nad-{i % 1000}",
                                         "kubectl.kubernetes.io/restartedAt": "2026-11-30T10:00:00Z"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"app-{i}-5d9c7b8f6",
                                              "uid": f"0000-{i}", "controller": True}],
                         "managedFields": [{"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1",
                                            "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {"f:app": {}, "f:tier": {}}},
                                                                                  "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {".": {}, "f:image": {}, "f:env": {}}}}}}]},
            "spec": {"nodeName": node, "serviceAccountName": "default", "restartPolicy": "Always",
                     "containers": [{"name": "app", "image": f"registry.example/app-{i}:1.2.3",
                                     "args": ["--port=8080", "--log-level=info"],
                                     "env": [{"name": f"VAR_{k}", "value": "x" * 40} for k in range(12)],
                                     "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                                     "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                                     "volumeMounts": [{"name": "token", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]}],
                     "volumes": [{"name": "token", "projected": {"sources": [{"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}}]}}]},
            "status": {"phase": "Running", "podIP": f"10.{i % 250}.0.{i % 200}", "hostIP": "192.0.2.1",
                       "conditions": [{"type": t, "status": "True"} for t in ["Initialized", "Ready", "ContainersReady", "PodScheduled"]]}}
for i in range(110): items.append(pod(i, "bench-node"))
for i in range(300): items.append(pod(i, f"other-{i % 10}"))
for i in range(1000):
    config = {"cniVersion": "1.0.0", "type": "macvlan", "master": "eth1", "mode": "bridge",
              "ipam": {"type": "host-local", "subnet": f"10.{100 + i // 250}.{i % 250}.0/24"}}
    items.append({"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
                  "metadata": {"name": f"bulk-nad-{i}", "namespace": f"team-{i % 20}"},
                  "spec": {"config": json.dumps(config)}})
json.dump({"apiVersion": "v1", "kind": "List", "items": items}, open(sys.argv[1], "w"))
PY
}

write_configs() {
  multus_conf inline "[$(cluster_net),$(macvlan_net macvlan-net 10.253.0.0/24)]"
  multus_conf one "[$(cluster_net)]"
  multus_conf three "[$(cluster_net),$(macvlan_net macvlan-net 10.253.0.0/24),$(bridge_net second-bridge 10.254.0.0/24)]"
  if [ -n "$DOUBLE_PID" ]; then multus_conf api "[$(cluster_net)]" "$DIR/double/kubeconfig"; fi
}

# --- the API server double ---------------------------------------------------

start_double() {
  [ -x "$DOUBLE_BIN" ] || { echo "($DOUBLE_BIN not built: Kubernetes figures skipped)" >&2; return; }
  "$DOUBLE_BIN" --dir "$DIR/double" --manifests "$DIR/manifests" > "$DIR/double.out" 2>&1 &
  DOUBLE_PID=$!
  local i
  for i in $(seq 100); do [ -s "$DIR/double/port" ] && return; sleep 0.1; done
  echo "the API server double did not start:" >&2; cat "$DIR/double.out" >&2; exit 1
}

# double_log FILE: the requests since the previous call, as JSON, into FILE.
double_log() {
  rm -f "$DIR/double/requests.json"
  kill -USR1 "$DOUBLE_PID"
  local i
  for i in $(seq 200); do [ -f "$DIR/double/requests.json" ] && break; sleep 0.025; done
  mv "$DIR/double/requests.json" "$1"
}

# --- running one CNI call ----------------------------------------------------

# cni IMPL COMMAND CONF POD [WRAPPER…]: the meta-plugin as a runtime starts it,
# with nothing else in its environment; stdout to $DIR/out.
cni() {
  local impl=$1 command=$2 conf=$3 pod=$4
  shift 4
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CNI_COMMAND="$command" CNI_CONTAINERID="bench-$pod" \
    CNI_NETNS="/var/run/netns/$NS" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
    CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=$pod;K8S_POD_INFRA_CONTAINER_ID=bench-$pod" \
    "$@" "${META[$impl]}" < "$DIR/$impl-$conf.json" > "$DIR/out" 2>> "$DIR/stderr"
}

# measured IMPL COMMAND CONF POD WRAPPER…: one call under WRAPPER; an ADD is
# deleted again afterwards (not measured). Fails when the call failed.
measured() {
  local impl=$1 command=$2 conf=$3 pod=$4 status=0
  cni "$@" || status=$?
  cp "$DIR/out" "$DIR/out.measured"
  if [ "$command" = ADD ]; then cni "$impl" DEL "$conf" "$pod" || true; fi
  [ "$status" -eq 0 ] || { echo "  ${NAME[$impl]} $command ($conf) failed: $(head -c 300 "$DIR/out.measured")" >&2; return 1; }
}

# Figures are lists of runs, "v1 v2 …"; tables show their median.
median() { tr ' ' '\n' | awk NF | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

# instructions IMPL COMMAND CONF POD: the instruction count (Ir) of VG_RUNS runs.
# Against the API server, a run only counts when the double saw the requests an
# ADD and a DEL make without valgrind: under valgrind's slowdown Go Multus's
# pod GET can miss its 250 ms deadline and be retried, which is not its cost.
instructions() {
  local impl=$1 command=$2 conf=$3 pod=$4 attempt out="$DIR/cachegrind.out" kept=0 expected=
  [ "$conf" != api ] || expected=$(( ${FIG["req-add|$impl"]:-0} + ${FIG["req-del|$impl"]:-0} ))
  for attempt in $(seq $((VG_RUNS * 3))); do
    [ -z "$expected" ] || double_log "$DIR/requests.skip"
    measured "$impl" "$command" "$conf" "$pod" \
      valgrind --tool=cachegrind --cache-sim=no --trace-children=no --cachegrind-out-file="$out" -q || continue
    if [ -n "$expected" ]; then
      double_log "$DIR/requests.valgrind"
      local seen; seen=$(count_of "$DIR/requests.valgrind")
      if [ "$seen" != "$expected" ]; then
        echo "  (${NAME[$impl]} $command $conf under valgrind: $seen requests instead of $expected, run not counted)" >&2
        continue
      fi
    fi
    awk '/^summary:/ { print $2 }' "$out"
    kept=$((kept + 1))
    [ "$kept" -lt "$VG_RUNS" ] || break
  done | xargs
}

# traced IMPL COMMAND CONF POD FIELD [--syscalls LIST]: one field of
# bench-trace.py's report (cpu_ms, peak_rss_kib, or a syscall count) in TRACE_RUNS runs.
traced() {
  local impl=$1 command=$2 conf=$3 pod=$4 field=$5 i
  shift 5
  for i in $(seq "$TRACE_RUNS"); do
    measured "$impl" "$command" "$conf" "$pod" "$TRACE" --out "$DIR/trace.json" "$@" -- || return 0
    jq -r "$field" "$DIR/trace.json"
  done | xargs
}

# --- the figures -------------------------------------------------------------

declare -A FIG   # "<row>|<impl>" → value

row() {  # row KEY LABEL UNIT: one line of the table (medians), with ours/Go
  local s g ratio=
  s=$(median <<< "${FIG["$1|swift"]:-}"); g=$(median <<< "${FIG["$1|go"]:-}")
  if [ -n "$s" ] && [ -n "$g" ]; then ratio=$(awk -v s="$s" -v g="$g" 'BEGIN { if (g > 0) printf "%.2f", s / g }'); fi
  printf '%-56s %14s %14s %7s\n' "$2" "$(show "$s" "$3")" "$(show "$g" "$3")" "$ratio"
}

show() {  # show VALUE UNIT: "n/a" for nothing, instructions in millions
  [ -n "$1" ] || { echo n/a; return; }
  case $2 in
    M) awk -v v="$1" 'BEGIN { printf "%.2f M", v / 1e6 }' ;;
    ms) awk -v v="$1" 'BEGIN { printf "%.1f ms", v }' ;;
    MiB) awk -v v="$1" 'BEGIN { printf "%.1f MiB", v / 1024 }' ;;
    MB) awk -v v="$1" 'BEGIN { printf "%.1f MB", v / 1e6 }' ;;
    *) echo "$1" ;;
  esac
}

measure_instructions() {
  local impl
  for impl in "${IMPLS[@]}"; do
    echo "  instructions: ${NAME[$impl]}" >&2
    FIG["add-inline|$impl"]=$(instructions "$impl" ADD inline inline)
    FIG["version|$impl"]=$(instructions "$impl" VERSION inline inline)
    [ -z "$DOUBLE_PID" ] || FIG["add-api|$impl"]=$(instructions "$impl" ADD api bench-2)
  done
  # For reference: a plain Go CNI plugin starting up (Debian's bridge).
  FIG[bridge-version]=$(for i in $(seq "$VG_RUNS"); do
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CNI_COMMAND=VERSION valgrind --tool=cachegrind --cache-sim=no \
      --cachegrind-out-file="$DIR/cg-bridge.out" -q /usr/lib/cni/bridge < "$DIR/swift-inline.json" > /dev/null 2>&1 \
      && awk '/^summary:/ { print $2 }' "$DIR/cg-bridge.out"
  done | xargs)
}

measure_traced() {
  local impl
  for impl in "${IMPLS[@]}"; do
    echo "  CPU, RSS, fsyncs: ${NAME[$impl]}" >&2
    FIG["fsync|$impl"]=$(traced "$impl" ADD inline inline '.syscalls | add' --syscalls fsync,fdatasync,sync_file_range)
    FIG["cpu-inline|$impl"]=$(traced "$impl" ADD inline inline .cpu_ms)
    FIG["rss-inline|$impl"]=$(traced "$impl" ADD inline inline .peak_rss_kib)
    [ -n "$DOUBLE_PID" ] || continue
    FIG["cpu-api|$impl"]=$(traced "$impl" ADD api bench-2 .cpu_ms)
    FIG["rss-api|$impl"]=$(traced "$impl" ADD api bench-2 .peak_rss_kib)
    FIG["fsync-api|$impl"]=$(traced "$impl" ADD api bench-2 '.syscalls | add' --syscalls fsync,fdatasync,sync_file_range)
  done
}

measure_sizes() {
  local impl
  for impl in "${IMPLS[@]}"; do FIG["size|$impl"]=$(stat -c %s "${META[$impl]}"); done
}

# requests LOG: "<count> requests, <n> connections" of one double log.
count_of() { jq -r '.requests | length' "$1"; }
connections_of() { jq -r '.connections' "$1"; }
# what LOG: the requests, one "METHOD path (HTTP/x)" line each, collapsed.
what() { jq -r '.requests[] | "\(.method) \(.path) \(.httpVersion)"' "$1" | sort | uniq -c | sed 's/^ */      /'; }

# API requests per ADD, first DEL and repeated DEL of the 2-NAD pod, and per
# ADD of pods with N NADs, with the connections they used.
measure_requests() {
  local impl n log="$DIR/requests"
  for impl in "${IMPLS[@]}"; do
    echo "  API requests: ${NAME[$impl]}" >&2
    double_log "$log.skip"
    cni "$impl" ADD api bench-2 || echo "  ${NAME[$impl]} ADD failed: $(head -c 300 "$DIR/out")" >&2
    double_log "$log.$impl.add"
    cni "$impl" DEL api bench-2 || true
    double_log "$log.$impl.del"
    cni "$impl" DEL api bench-2 || true
    double_log "$log.$impl.del2"
    FIG["req-add|$impl"]=$(count_of "$log.$impl.add")
    FIG["conn-add|$impl"]=$(connections_of "$log.$impl.add")
    FIG["req-del|$impl"]=$(count_of "$log.$impl.del")
    FIG["req-del2|$impl"]=$(count_of "$log.$impl.del2")
    for n in 1 2 4 8; do
      cni "$impl" ADD api "bench-$n" || echo "  ${NAME[$impl]} ADD with $n NADs failed: $(head -c 300 "$DIR/out")" >&2
      double_log "$log.$impl.n$n"
      cni "$impl" DEL api "bench-$n" || true
      double_log "$log.skip"
      FIG["req-n$n|$impl"]="$(count_of "$log.$impl.n$n") ($(connections_of "$log.$impl.n$n"))"
    done
  done
}

# --- wall times (noisy) --------------------------------------------------------

# The same plugins run directly, as a runtime would without a meta-plugin.
write_direct_script() {
  local conf
  for conf in one three; do
    {
      echo '#!/bin/sh'
      echo "export CNI_COMMAND=\$1 CNI_CONTAINERID=bench-direct CNI_NETNS=/var/run/netns/$NS CNI_PATH=/usr/lib/cni"
      jq -c '.delegates | to_entries[]' "$DIR/swift-$conf.json" | while read -r entry; do
        local i type net
        i=$(jq -r .key <<< "$entry"); type=$(jq -r .value.type <<< "$entry"); net=$(jq -c .value <<< "$entry")
        if [ "$i" = 0 ]; then ifname=eth0; else ifname="net$i"; fi
        echo "echo '$net' | CNI_IFNAME=$ifname /usr/lib/cni/$type >/dev/null || exit 1"
      done
    } > "$DIR/direct-$conf.sh"
    chmod +x "$DIR/direct-$conf.sh"
  done
  for impl in "${IMPLS[@]}"; do
    for conf in one three; do
      printf '#!/bin/sh\nexport CNI_COMMAND=$1 CNI_CONTAINERID=bench-wall CNI_NETNS=/var/run/netns/%s CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni\nexec %s < %s >/dev/null\n' \
        "$NS" "${META[$impl]}" "$DIR/$impl-$conf.json" > "$DIR/$impl-$conf.sh"
      chmod +x "$DIR/$impl-$conf.sh"
    done
  done
}

mean_ms() { jq -r '.results[0].mean * 1000' "$1"; }

measure_wall() {
  local impl conf kind
  echo "  wall times (hyperfine)" >&2
  write_direct_script
  for impl in "${IMPLS[@]}"; do
    env -i CNI_COMMAND=VERSION hyperfine -N --warmup 10 --runs $((RUNS * 5)) --export-json "$DIR/v.json" \
      "${META[$impl]}" > /dev/null 2>> "$DIR/stderr"
    FIG["wall-version|$impl"]=$(mean_ms "$DIR/v.json")
  done
  for conf in one three; do
    # DEL (untimed) before each ADD, so every ADD starts from a clean namespace.
    for kind in direct "${IMPLS[@]}"; do
      local script="$DIR/$kind-$conf.sh"
      hyperfine -N --warmup 3 --runs "$RUNS" --prepare "$script DEL" --export-json "$DIR/w.json" "$script ADD" \
        > /dev/null 2>> "$DIR/stderr"
      "$script" DEL || true
      FIG["wall-$conf|$kind"]=$(mean_ms "$DIR/w.json")
    done
    for impl in "${IMPLS[@]}"; do
      FIG["overhead-$conf|$impl"]=$(awk -v m="${FIG["wall-$conf|$impl"]}" -v d="${FIG["wall-$conf|direct"]}" 'BEGIN { printf "%.2f", m - d }')
    done
  done
}

# --- daemon mode ---------------------------------------------------------------

# daemon_config DIR: DIR/daemon-config.json as a DaemonSet has it
# (multusConfigFile auto, the cluster network as the primary config in
# DIR/autoconf); the caller adds its keys. Go's daemon serves only in auto
# mode: with a file path it starts, then exits (nothing keeps it waiting).
daemon_config() {
  local d=$1
  mkdir -p "$d/autoconf" "$d/net.d" "$d/run"
  jq '.delegates[0]' "$DIR/swift-api.json" > "$d/autoconf/10-cluster.conf"
  jq -n --arg d "$d" \
    '{cniVersion: "1.0.0", logLevel: "error", logToStderr: false, logFile: ($d + "/daemon.log"), cniConfigDir: ($d + "/net.d"),
      multusConfigFile: "auto", multusAutoconfigDir: ($d + "/autoconf"), socketDir: ($d + "/run")}'
}

# The daemon from a daemon config in $DIR/daemon, against the double, watching
# bench-node; the shim's config names the same delegates as the thin "api" one.
start_daemon() {
  local d="$DIR/daemon"
  mkdir -p "$d/bin" "$d/net.d" "$d/run"
  ln -sf "${META[swift]}" "$d/bin/multus-daemon"
  ln -sf "${META[swift]}" "$d/bin/multus-shim"
  jq --arg run "$d/run" '.type = "multus-shim" | .daemonSocketDir = $run | del(.kubeconfig)' "$DIR/swift-api.json" > "$d/shim.json"
  daemon_config "$d" | jq --arg kube "$DIR/double/kubeconfig" '. + {kubeconfig: $kube, metricsPort: 29391}' > "$d/daemon-config.json"
  MULTUS_NODE_NAME=bench-node "$d/bin/multus-daemon" -config "$d/daemon-config.json" > "$d/daemon.out" 2>&1 &
  DAEMON_PID=$!
  local i
  for i in $(seq 300); do
    curl -sf --unix-socket "$d/run/multus.sock" http://daemon/readyz > /dev/null 2>&1 && return
    sleep 0.1
  done
  echo "the daemon did not start:" >&2; cat "$d/daemon.out" "$d/daemon.log" >&2; stop_daemon
}

shim_call() {  # shim_call COMMAND POD: as cni() does, through the shim
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CNI_COMMAND="$1" CNI_CONTAINERID="bench-$2" \
    CNI_NETNS="/var/run/netns/$NS" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
    CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=$2;K8S_POD_INFRA_CONTAINER_ID=bench-$2" \
    "$DIR/daemon/bin/multus-shim" < "$DIR/daemon/shim.json" > "$DIR/out" 2>> "$DIR/stderr"
}

rss_of() { awk -v f="$2" '$1 == f":" { print $2 }' "/proc/$1/status"; }

measure_daemon() {
  [ -n "$DOUBLE_PID" ] || return 0
  echo "  daemon mode: memory, requests, latency" >&2
  start_daemon
  [ -n "$DAEMON_PID" ] || return 0
  sleep 1
  FIG[daemon-rss-start]=$(rss_of "$DAEMON_PID" VmRSS)
  FIG[daemon-cache]=$(curl -s --unix-socket "$DIR/daemon/run/multus.sock" http://daemon/healthz > /dev/null; \
    jq -r '.items | length' "$DIR/manifests/bulk.json")
  double_log "$DIR/requests.skip"
  shim_call ADD bench-2 || echo "  daemon ADD failed: $(head -c 300 "$DIR/out")" >&2
  double_log "$DIR/requests.daemon.add"
  shim_call DEL bench-2 || true
  double_log "$DIR/requests.daemon.del"
  FIG[daemon-req-add]=$(count_of "$DIR/requests.daemon.add")
  FIG[daemon-req-del]=$(count_of "$DIR/requests.daemon.del")
  local i
  for i in $(seq "$DAEMON_RUNS"); do shim_call ADD bench-2 || true; shim_call DEL bench-2 || true; done
  FIG[daemon-rss-after]=$(rss_of "$DAEMON_PID" VmRSS)
  FIG[daemon-hwm]=$(rss_of "$DAEMON_PID" VmHWM)
  # ADD latency, DEL (untimed) before each: thin with kubeconfig vs through the daemon.
  printf '#!/bin/sh\nexport CNI_COMMAND=$1 CNI_CONTAINERID=bench-lat CNI_NETNS=/var/run/netns/%s CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=bench-2"\nexec %s < %s >/dev/null\n' \
    "$NS" "${META[swift]}" "$DIR/swift-api.json" > "$DIR/lat-thin.sh"
  printf '#!/bin/sh\nexport CNI_COMMAND=$1 CNI_CONTAINERID=bench-lat CNI_NETNS=/var/run/netns/%s CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=bench-2"\nexec %s < %s >/dev/null\n' \
    "$NS" "$DIR/daemon/bin/multus-shim" "$DIR/daemon/shim.json" > "$DIR/lat-daemon.sh"
  chmod +x "$DIR/lat-thin.sh" "$DIR/lat-daemon.sh"
  latency thin
  local before after
  before=$(daemon_add_seconds 29391)
  latency daemon
  after=$(daemon_add_seconds 29391)
  FIG[lat-daemon-own]=$(awk -v b="$before" -v a="$after" 'BEGIN { split(b, x); split(a, y); if (y[2] > x[2]) printf "%.1f", (y[1] - x[1]) * 1000 / (y[2] - x[2]) }')
  stop_daemon
  measure_go_daemon
}

latency() {  # latency KIND: hyperfine of lat-KIND.sh ADD, DEL (untimed) before each; mean and min
  hyperfine -N --warmup 3 --runs "$RUNS" --prepare "$DIR/lat-$1.sh DEL" --export-json "$DIR/lat.json" \
    "$DIR/lat-$1.sh ADD" > /dev/null 2>> "$DIR/stderr" || true
  "$DIR/lat-$1.sh" DEL || true
  FIG[lat-$1]=$(mean_ms "$DIR/lat.json")
  FIG[lat-$1-min]=$(jq -r '.results[0].min * 1000' "$DIR/lat.json")
}

daemon_add_seconds() {  # "sum count" of the daemon's ADD latency histogram
  curl -s "http://127.0.0.1:$1/metrics" | awk '
    /^multus_cni_request_duration_seconds_sum\{command="ADD"\}/ { s = $2 }
    /^multus_cni_request_duration_seconds_count\{command="ADD"\}/ { c = $2 }
    END { print s + 0, c + 0 }'
}

# Go's daemon on the same double, cluster and pods: its service account (the
# double's token and CA) bound over the fixed in-cluster path in a mount
# namespace of its own; Go's shim in front of it.
measure_go_daemon() {
  local daemon=${GO_MULTUS_DAEMON:-}
  [ -n "$daemon" ] || { [ -z "$GO_BIN" ] || daemon="$(dirname "$GO_BIN")/multus-daemon"; }
  [ -x "$daemon" ] || daemon="$ROOT/.build-go/bin/multus-daemon"
  [ -x "$daemon" ] && [ -x "$(dirname "$daemon")/multus-shim" ] || return 0
  command -v unshare > /dev/null || return 0
  local d="$DIR/go-daemon" sa=/var/run/secrets/kubernetes.io/serviceaccount made=
  mkdir -p "$d/sa" "$d/net.d" "$d/run"
  cp "$DIR/double/pki/ca.crt" "$d/sa/ca.crt"
  printf 'bench-token' > "$d/sa/token"
  [ -d "$sa" ] || { mkdir -p "$sa"; made=1; }
  jq --arg run "$d/run" '.type = "multus-shim" | .daemonSocketDir = $run | del(.kubeconfig)' "$DIR/swift-api.json" > "$d/shim.json"
  daemon_config "$d" > "$d/daemon-config.json"
  unshare -m --propagation private sh -c "mount --bind '$d/sa' '$sa' && KUBERNETES_SERVICE_HOST=127.0.0.1 \
    KUBERNETES_SERVICE_PORT=$(cat "$DIR/double/port") MULTUS_NODE_NAME=bench-node exec '$daemon' -config '$d/daemon-config.json'" \
    > "$d/daemon.out" 2>&1 &
  DAEMON_PID=$!
  local i
  for i in $(seq 300); do
    curl -sf --unix-socket "$d/run/multus.sock" http://daemon/readyz > /dev/null 2>&1 && break
    sleep 0.1
  done
  sleep 1
  if ! kill -0 "$DAEMON_PID" 2> /dev/null; then
    echo "  Go's daemon did not start:" >&2; tail -20 "$d/daemon.out" "$d/daemon.log" >&2 2> /dev/null || true
    DAEMON_PID=; [ -z "$made" ] || rmdir "$sa" /var/run/secrets/kubernetes.io /var/run/secrets 2>/dev/null || true
    return 0
  fi
  FIG[go-daemon-rss-start]=$(rss_of "$DAEMON_PID" VmRSS)
  printf '#!/bin/sh\nexport CNI_COMMAND=$1 CNI_CONTAINERID=bench-lat CNI_NETNS=/var/run/netns/%s CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=bench-2"\nexec %s < %s >/dev/null\n' \
    "$NS" "$(dirname "$daemon")/multus-shim" "$d/shim.json" > "$DIR/lat-go-daemon.sh"
  chmod +x "$DIR/lat-go-daemon.sh"
  for i in $(seq "$DAEMON_RUNS"); do "$DIR/lat-go-daemon.sh" ADD || true; "$DIR/lat-go-daemon.sh" DEL || true; done
  FIG[go-daemon-rss-after]=$(rss_of "$DAEMON_PID" VmRSS)
  FIG[go-daemon-hwm]=$(rss_of "$DAEMON_PID" VmHWM)
  latency go-daemon
  stop_daemon
  [ -z "$made" ] || rmdir "$sa" /var/run/secrets/kubernetes.io /var/run/secrets 2>/dev/null || true
}

report_daemon() {
  [ -n "${FIG[daemon-rss-start]:-}" ] || return 0
  echo
  echo "== daemon mode (multus-swift): 110 pods on the node, 300 elsewhere, 1,000 NADs in the cluster"
  printf '%-56s %14s\n' "daemon RSS, caches synced (VmRSS)" "$(show "${FIG[daemon-rss-start]}" MiB)"
  printf '%-56s %14s\n' "daemon RSS after $DAEMON_RUNS ADD+DEL rounds (VmRSS)" "$(show "${FIG[daemon-rss-after]}" MiB)"
  printf '%-56s %14s\n' "  peak (VmHWM)" "$(show "${FIG[daemon-hwm]}" MiB)"
  printf '%-56s %14s\n' "API requests per warm ADD, pod with 2 NADs" "${FIG[daemon-req-add]}"
  printf '%-56s %14s\n' "API requests per DEL" "${FIG[daemon-req-del]}"
  echo "  daemon, ADD of the 2-NAD pod:"; what "$DIR/requests.daemon.add"
  echo "  ADD latency of the 2-NAD pod (wall, hyperfine: mean / min; the plugins' own time included):"
  printf '%-56s %14s %14s\n' "  thin (kubeconfig, TLS)" "$(show "${FIG[lat-thin]:-}" ms)" "$(show "${FIG[lat-thin-min]:-}" ms)"
  printf '%-56s %14s %14s\n' "  through multus-shim and multus-daemon" "$(show "${FIG[lat-daemon]:-}" ms)" "$(show "${FIG[lat-daemon-min]:-}" ms)"
  printf '%-56s %14s\n' "    of which in the daemon (its histogram, mean)" "$(show "${FIG[lat-daemon-own]:-}" ms)"
  [ -n "${FIG[go-daemon-rss-start]:-}" ] || return 0
  echo "  Go's daemon, same double and pods (with Go's shim):"
  printf '%-56s %14s\n' "  Go daemon RSS, caches synced (VmRSS)" "$(show "${FIG[go-daemon-rss-start]}" MiB)"
  printf '%-56s %14s\n' "  Go daemon RSS after $DAEMON_RUNS ADD+DEL rounds (VmRSS)" "$(show "${FIG[go-daemon-rss-after]}" MiB)"
  printf '%-56s %14s\n' "    peak (VmHWM)" "$(show "${FIG[go-daemon-hwm]}" MiB)"
  printf '%-56s %14s %14s\n' "  ADD latency through Go's shim and daemon" "$(show "${FIG[lat-go-daemon]:-}" ms)" "$(show "${FIG[lat-go-daemon-min]:-}" ms)"
}

# --- report ------------------------------------------------------------------

report() {
  local impl
  echo
  echo "== multus-swift ($(basename "$SWIFT_BIN")) vs Go Multus$([ -n "$GO_BIN" ] || echo ' (not measured: set GO_MULTUS_SRC)'), same run, same inputs; ratio = multus-swift / Go"
  printf '%-56s %14s %14s %7s\n' "figure" "multus-swift" "Go Multus" "ratio"
  row add-inline "ADD, 2 networks, inline delegates: instructions" M
  row cpu-inline "  CPU time (user+sys)" ms
  row rss-inline "  peak RSS" MiB
  row fsync "  fsyncs per ADD" count
  if [ -n "$DOUBLE_PID" ]; then
    row add-api "ADD, pod with 2 NADs, kubeconfig (TLS+token): instructions" M
    row cpu-api "  CPU time (user+sys)" ms
    row rss-api "  peak RSS" MiB
    row fsync-api "  fsyncs per ADD" count
    row req-add "  API requests per ADD" count
    row conn-add "  connections per ADD" count
    row req-del "  API requests per first DEL" count
    row req-del2 "  API requests per repeated DEL" count
  fi
  row version "VERSION: instructions" M
  printf '%-56s %14s\n' "  (Debian's bridge plugin, VERSION, for reference)" "$(show "$(median <<< "${FIG[bridge-version]:-}")" M)"
  row size "static binary, stripped" MB
  if [ -n "$DOUBLE_PID" ]; then
    echo
    echo "== API requests (connections) per ADD of a pod with N NADs + the cluster network"
    printf '%-56s %14s %14s\n' "NADs" "multus-swift" "Go Multus"
    local n
    for n in 1 2 4 8; do printf '%-56s %14s %14s\n' "  N = $n" "${FIG["req-n$n|swift"]:-n/a}" "${FIG["req-n$n|go"]:-n/a}"; done
    for impl in "${IMPLS[@]}"; do
      echo "  ${NAME[$impl]}, ADD of the 2-NAD pod:"; what "$DIR/requests.$impl.add"
      echo "  ${NAME[$impl]}, first DEL:"; what "$DIR/requests.$impl.del"
      echo "  ${NAME[$impl]}, repeated DEL:"; what "$DIR/requests.$impl.del2"
    done
  fi
  echo
  echo "== wall times (hyperfine means; noisy on a shared machine, for orientation only)"
  printf '%-56s %14s %14s %14s\n' "measure" "multus-swift" "Go Multus" "plugins alone"
  printf '%-56s %14s %14s %14s\n' "VERSION" "$(show "${FIG["wall-version|swift"]:-}" ms)" "$(show "${FIG["wall-version|go"]:-}" ms)" "-"
  local conf label
  for conf in one three; do
    label="ADD, 1 network"; [ "$conf" = one ] || label="ADD, 3 networks"
    printf '%-56s %14s %14s %14s\n' "$label" "$(show "${FIG["wall-$conf|swift"]:-}" ms)" \
      "$(show "${FIG["wall-$conf|go"]:-}" ms)" "$(show "${FIG["wall-$conf|direct"]:-}" ms)"
    printf '%-56s %14s %14s %14s\n' "  overhead over the plugins alone" "$(show "${FIG["overhead-$conf|swift"]:-}" ms)" \
      "$(show "${FIG["overhead-$conf|go"]:-}" ms)" "-"
  done
  report_daemon
  echo
  echo "== every run (the tables show medians)"
  local key
  for key in $(printf '%s\n' "${!FIG[@]}" | grep -E '^(add|version|cpu|rss|fsync)' | sort); do
    printf '  %-24s %s\n' "$key" "${FIG[$key]}"
  done
  printf '  %-24s %s\n' "bridge-version" "${FIG[bridge-version]:-}"
  echo
  echo "instructions: cachegrind, meta-plugin process only (stripped copies); CPU: sum of the meta-plugin's threads'"
  echo "run time (schedstat, plugins excluded); RSS: its VmHWM at exit; fsyncs: fsync+fdatasync+sync_file_range on"
  echo "all its threads; requests: counted by the API server double (TLS, bearer token; it answers JSON, also to"
  echo "client-go's protobuf Accept header, and reads its protobuf request bodies)."
  [ -z "$GO_BIN" ] || echo "Go Multus: $(cat "$(dirname "$GO_BIN")/.built-from" 2>/dev/null || echo "$GO_BIN")"
}

main() {
  need
  cleanup  # what an interrupted run left
  trap finish EXIT
  DIR=$(mktemp -d /tmp/msw-bench.XXXXXX)
  [ -z "${BENCH_DEBUG:-}" ] || set -x
  prepare_binaries
  setup_namespace
  write_manifests
  start_double
  write_configs
  echo "measuring (${IMPLS[*]}), this takes a few minutes" >&2
  measure_sizes
  [ -z "$DOUBLE_PID" ] || measure_requests  # first: the instruction counts check against it
  measure_instructions
  measure_traced
  measure_wall
  measure_daemon
  report
}
main
