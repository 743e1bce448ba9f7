#!/usr/bin/env bash
# A single-node Slurm cluster started by hand, without systemd (the steps of
# ../shared/guide/slurm.md): `start DIR` starts munge (unless it runs), slurmctld and slurmd
# with a config in DIR/slurm.conf and waits until the node is idle; `stop DIR` stops what start
# started, by the process ids it recorded in DIR/pids. Commands that talk to this cluster need
# SLURM_CONF=DIR/slurm.conf. Needs root and Debian's slurmctld, slurmd, slurm-client, munge.
set -euo pipefail

cmd=${1:?usage: slurm-single-node.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: slurm-single-node.sh start|stop DIR}")

case "$cmd" in
start)
    mkdir -p "$dir/ctld" "$dir/d" "$dir/log"
    : > "$dir/pids"
    if ! pgrep -x munged >/dev/null; then
        mkdir -p /run/munge
        chown munge:munge /run/munge 2>/dev/null || true
        /etc/init.d/munge start >/dev/null
        pgrep -x munged >> "$dir/pids"
    fi
    munge -n | unmunge >/dev/null
    # The node claims what slurmd finds here, no more (or it is drained).
    hw=$(slurmd -C | head -n 1)
    cpus=$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$hw")
    mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$hw")
    cat > "$dir/slurm.conf" <<CONF
ClusterName=harness
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/d
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
MpiDefault=none
NodeName=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
    export SLURM_CONF="$dir/slurm.conf"
    slurmctld -i
    slurmd -N localhost
    for _ in $(seq 60); do
        [ -s "$dir/slurmctld.pid" ] && [ -s "$dir/slurmd.pid" ] && break
        sleep 0.5
    done
    cat "$dir/slurmctld.pid" "$dir/slurmd.pid" >> "$dir/pids"
    for _ in $(seq 60); do
        if sinfo -h -o %t 2>/dev/null | grep -qx idle; then
            echo "slurm: node idle ($cpus CPUs); export SLURM_CONF=$dir/slurm.conf"
            exit 0
        fi
        sleep 0.5
    done
    echo "slurm: the node did not become idle; see $dir/log" >&2
    sinfo >&2 || true
    exit 1
    ;;
stop)
    if [ -f "$dir/pids" ]; then
        pids=$(cat "$dir/pids")
        for pid in $pids; do
            kill "$pid" 2>/dev/null || true
        done
        # Until they have exited (slurmctld saves its state first), at most 20 s.
        for _ in $(seq 40); do
            alive=""
            for pid in $pids; do
                if kill -0 "$pid" 2>/dev/null; then alive=1; fi
            done
            [ -z "$alive" ] && break
            sleep 0.5
        done
        rm -f "$dir/pids"
    fi
    ;;
*)
    echo "usage: slurm-single-node.sh start|stop DIR" >&2
    exit 2
    ;;
esac
