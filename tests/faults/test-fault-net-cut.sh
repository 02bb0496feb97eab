#!/usr/bin/env bash
# Network cut: one of three OSDs is reached over a veth pair, and its link
# is cut under load, then restored.
#
# The test makes two network namespaces of its own: A holds the monitor,
# the mgr, osd.0, osd.1 and the client (qemu-io) on 10.254.77.1, B holds
# osd.2 on 10.254.77.2; a veth pair joins them.  These addresses exist only
# inside the two namespaces, so nothing touches the host's network and no
# packet leaves the machine.  Taking B's end of the pair down cuts osd.2
# off without a reset (as a pulled cable does): requests that wait on it
# stall until its peers report it and the monitor marks it down (about
# 20 s, osd_heartbeat_grace), then go on.  Bringing the link up lets it rejoin.  As when an OSD dies: no request
# fails, writes are acknowledged after the cut, and every sector reads back
# as last written.
#
# Skipped, saying why, where network namespaces cannot be made (no root,
# no CAP_SYS_ADMIN, no veth).
. tests/functions.sh
. tests/ceph/functions.sh
. tests/rbd/functions.sh
. tests/faults/functions.sh
ceph_skip_unless_available

mono() { /usr/bin/python3 -c 'import time; print(time.monotonic())'; }
ns_a=qbpf-$$-a
ns_b=qbpf-$$-b
addr_a=10.254.77.1
addr_b=10.254.77.2
if ! out=$(ip netns add "$ns_a" 2>&1); then
    skip_all "cannot create a network namespace (ip netns add: ${out//$'\n'/ })"
fi
at_exit "ip netns del $ns_a 2>/dev/null"
if ! out=$( { ip netns add "$ns_b" &&
              ip -n "$ns_a" link add veth-a type veth peer name veth-b netns "$ns_b"; } 2>&1); then
    ip netns del "$ns_b" 2>/dev/null
    skip_all "cannot create a veth pair between network namespaces (${out//$'\n'/ })"
fi
at_exit "ip netns del $ns_b 2>/dev/null"
plan 10
check "the namespaces get their addresses" bash -c "
    ip -n $ns_a link set lo up && ip -n $ns_b link set lo up &&
    ip -n $ns_a addr add $addr_a/24 dev veth-a &&
    ip -n $ns_b addr add $addr_b/24 dev veth-b &&
    ip -n $ns_a link set veth-a up && ip -n $ns_b link set veth-b up"

# The cluster, started from inside A (as ceph_start does otherwise).
CEPH_DIR=$scratch/ceph1
client=(ip netns exec "$ns_a")
at_exit "$(printf '%q ' "$CEPH_CLUSTER_SH" stop "$CEPH_DIR") >/dev/null 2>&1"
if ! out=$("${client[@]}" "$CEPH_CLUSTER_SH" start "$CEPH_DIR" --osds 3 \
        --net "$addr_a/24" --osd-netns "2:$ns_b" 2>&1); then
    printf '%s\n' "$out" >&2
    echo "Bail out! the Ceph test cluster in $CEPH_DIR did not start"
    exit 1
fi
printf '%s\n' "$out" | sed 's/^/# /'
export CEPH_CONF=$CEPH_DIR/ceph.conf
# Failure reports count once per host by default, and all three OSDs are on
# this one: count them per OSD, as a cluster of one OSD per host would.
"${client[@]}" ceph config set mon mon_osd_reporter_subtree_level osd
osd2_addr=$("${client[@]}" ceph osd dump --format json | /usr/bin/python3 -c 'import json, sys
for o in json.load(sys.stdin)["osds"]:
    if o["osd"] == 2:
        print(o["public_addr"])')
check_contains "osd.2 lives in namespace B, on $addr_b" "$addr_b:" "$osd2_addr"

fault_image img
t_start=$(mono)
workload_start netcut img 3600
if wait_acks netcut 100; then
    ok "the workload runs in namespace A (100 writes acknowledged)"
else
    not_ok "the workload runs in namespace A (100 writes acknowledged)" "$(cat "$scratch/netcut.out")"
fi

sleep $((FAULT_SECONDS / 4))
t_cut=$(mono)
before=$(workload_acks netcut)
ip -n "$ns_b" link set veth-b down
echo "# fault injected: osd.2's link cut (veth down) after $before acknowledged writes"
if wait_osd 2 down 180; then
    ok "the monitor marks the cut-off osd.2 down"
else
    not_ok "the monitor marks the cut-off osd.2 down" "$(pgs_summary)"
fi
echo "# osd.2 marked down $(awk -v a="$t_cut" -v b="$(mono)" 'BEGIN { printf "%.0f", b - a }') s after the cut; $(pgs_summary)"
if wait_acks netcut 200; then
    ok "writes go on while osd.2 is cut off (200 acknowledged)"
else
    not_ok "writes go on while osd.2 is cut off" "$(tail -n 5 "$scratch/netcut.out")"
fi
ip -n "$ns_b" link set veth-b up
t_up=$(mono)
echo "# link restored after $(awk -v a="$t_cut" -v b="$t_up" 'BEGIN { printf "%.0f", b - a }') s"
if wait_osd 2 up 180; then
    ok "with the link back, osd.2 rejoins"
else
    not_ok "with the link back, osd.2 rejoins" "$(pgs_summary)"
fi
end=$((SECONDS + 120))
while [ $SECONDS -lt $end ]; do
    case $(pgs_summary) in *" 8 active+clean;"*) break ;; esac
    sleep 0.5
done
echo "# placement groups: $(pgs_summary)"
# Run on until FAULT_SECONDS have passed, and a while with osd.2 back.
wait_acks netcut 500
left=$(awk -v a="$t_start" -v b="$(mono)" -v t="$FAULT_SECONDS" 'BEGIN { l = t - (b - a); print (l > 0 ? int(l) : 0) }')
sleep "$left"
kill -USR1 "$wl_pid"
workload_wait netcut "no request failed and every read-back matched"
acked_after netcut "$t_cut" cut
verify_image "every sector reads back as last written" img "$scratch/netcut.expect"
done_testing
