#!/usr/bin/env bash
# A single-node SLURM on this machine, for the cluster test (tests/test_slurm.py) and for
# trying profiles/slurm by hand. Debian's slurm-wlm + munge, started directly (no systemd):
# munged as user munge, slurmctld and slurmd as root; proctrack/pgid, task/none, no accounting,
# MinJobAge=300 so that Snakemake's SLURM executor can follow jobs through squeue.
#
#   bash .ci/slurm.sh install   # apt packages (as root); no-op when present
#   bash .ci/slurm.sh start     # write slurm.conf, start munged/slurmctld/slurmd, wait for idle
#   bash .ci/slurm.sh status    # exit 0 only when the node answers sinfo as idle/mixed/allocated
#   bash .ci/slurm.sh stop      # stop the three daemons (by their pid files)
#
# Every subcommand is idempotent. The slurm.conf written here carries a marker line; an existing
# /etc/slurm/slurm.conf without it (a real cluster's) is never overwritten.
set -euo pipefail

CONF_DIR=/etc/slurm
CONF="$CONF_DIR/slurm.conf"
MARKER="# written by cohortmark .ci/slurm.sh"
LOG_DIR=/var/log/slurm
SPOOL_CTLD=/var/spool/slurmctld
SPOOL_D=/var/spool/slurmd
RUN_DIR=/run/cohortmark-slurm
PARTITION=main
START_TIMEOUT=${SLURM_START_TIMEOUT:-90}

log() { echo "slurm.sh: $*" >&2; }
die() { log "$*"; exit 1; }

have_bins() {
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null \
    && command -v sbatch >/dev/null && command -v munged >/dev/null
}

do_install() {
  if have_bins; then
    log "slurm-wlm and munge already installed"
    return 0
  fi
  [ "$(id -u)" = 0 ] || die "not root: cannot apt-get install slurm-wlm munge"
  command -v apt-get >/dev/null || die "no apt-get on this machine"
  export DEBIAN_FRONTEND=noninteractive
  # Update the package lists only when apt does not know the packages yet (saves CI time).
  if ! apt-cache show slurm-wlm >/dev/null 2>&1; then
    apt-get update -qq
  fi
  apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 \
    slurm-wlm munge >/dev/null
  have_bins || die "slurm-wlm/munge installed but binaries are missing"
  log "installed $(slurmctld -V)"
}

pid_alive() {  # pid_alive FILE -> 0 when the pid in FILE is a live process
  [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

start_munge() {
  local pidf=/run/munge/munged.pid
  if pid_alive "$pidf" && munge -n </dev/null | unmunge >/dev/null 2>&1; then
    return 0
  fi
  install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
  install -d -o munge -g munge -m 0755 /run/munge
  if [ ! -s /etc/munge/munge.key ]; then
    runuser -u munge -- mungekey --create --keyfile=/etc/munge/munge.key
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
  runuser -u munge -- /usr/sbin/munged --force
  for _ in $(seq 50); do
    munge -n </dev/null | unmunge >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "munged did not answer: $(tail -n 3 /var/log/munge/munged.log 2>/dev/null | tr '\n' ' ')"
}

write_conf() {
  local host cpus mem
  host=$(hostname -s)
  cpus=$(nproc)
  # slurmd -C reports what slurmd itself will measure; declaring more would drain the node.
  mem=$(slurmd -C 2>/dev/null | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' | head -n1)
  [ -n "$mem" ] || mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 ))
  if [ -e "$CONF" ] && ! grep -qxF "$MARKER" "$CONF"; then
    die "$CONF exists and was not written by this script; refusing to overwrite it"
  fi
  install -d -m 0755 "$CONF_DIR" "$LOG_DIR" "$SPOOL_CTLD" "$SPOOL_D" "$RUN_DIR"
  cat >"$CONF.tmp" <<EOF
$MARKER
# Single-node test cluster on $host: ${cpus} CPUs, ${mem} MB.
ClusterName=cohortmark
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# Every finished job is appended here: the test's proof that work went through sbatch.
JobCompType=jobcomp/filetxt
JobCompLoc=$LOG_DIR/jobcomp.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# squeue must still show finished jobs when Snakemake polls (the plugin wants >= 120 s).
MinJobAge=300
ReturnToService=2
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$SPOOL_CTLD
SlurmdSpoolDir=$SPOOL_D
SlurmctldPidFile=$RUN_DIR/slurmctld.pid
SlurmdPidFile=$RUN_DIR/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
Waittime=0
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=$PARTITION Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$CONF.tmp" "$CONF"
}

node_state() {
  sinfo -h -N -n "$(hostname -s)" -o '%T' 2>/dev/null | head -n1
}

LOG_MARK_CTLD=0
LOG_MARK_D=0
mark_logs() {  # remember where the logs end, so that a failure reports this start's lines only
  LOG_MARK_CTLD=$(wc -l <"$LOG_DIR/slurmctld.log" 2>/dev/null || echo 0)
  LOG_MARK_D=$(wc -l <"$LOG_DIR/slurmd.log" 2>/dev/null || echo 0)
}

new_log_lines() {
  tail -n +"$((LOG_MARK_CTLD + 1))" "$LOG_DIR/slurmctld.log" 2>/dev/null || true
  tail -n +"$((LOG_MARK_D + 1))" "$LOG_DIR/slurmd.log" 2>/dev/null || true
}

daemon_error() {  # this start's last fatal (else error) log line: the reason it failed
  local line
  line=$(new_log_lines | grep -i 'fatal' | tail -n 1)
  # Harmless at every start: the PMIx MPI plugin is absent, the first start has no saved state.
  [ -n "$line" ] || line=$(new_log_lines | grep -i 'error' \
    | grep -viE 'pmix|MPI: Cannot create context|state file|Trying backup' | tail -n 1)
  echo "${line:-no error in $LOG_DIR/slurmctld.log or slurmd.log}"
}

fail_start() {  # report the reason, then stop whatever this start left running
  local msg="$1"
  do_stop >/dev/null 2>&1 || true
  die "$msg"
}

do_start() {
  have_bins || die "slurm-wlm/munge not installed: run 'bash .ci/slurm.sh install' as root"
  [ "$(id -u)" = 0 ] || die "not root: cannot start slurmctld/slurmd"
  if do_status >/dev/null 2>&1; then
    log "already running: $(hostname -s) $(node_state)"
    return 0
  fi
  write_conf
  start_munge
  mark_logs
  if ! pid_alive "$RUN_DIR/slurmctld.pid"; then
    slurmctld || fail_start "slurmctld failed: $(daemon_error)"
  fi
  if ! pid_alive "$RUN_DIR/slurmd.pid"; then
    slurmd || fail_start "slurmd failed: $(daemon_error)"
  fi
  local state="" t0=$SECONDS
  while [ $((SECONDS - t0)) -lt "$START_TIMEOUT" ]; do
    state=$(node_state || true)
    case "$state" in
      idle|mixed|allocated|completing) log "node $(hostname -s) $state after $((SECONDS - t0)) s"; return 0 ;;
      down*|drain*|drained*)
        scontrol update NodeName="$(hostname -s)" State=RESUME >/dev/null 2>&1 || true ;;
    esac
    if ! pid_alive "$RUN_DIR/slurmctld.pid"; then fail_start "slurmctld exited: $(daemon_error)"; fi
    if ! pid_alive "$RUN_DIR/slurmd.pid"; then fail_start "slurmd exited: $(daemon_error)"; fi
    sleep 1
  done
  fail_start "node not idle after ${START_TIMEOUT}s (state '${state}'): $(daemon_error)"
}

do_status() {
  local ok=0
  for d in slurmctld slurmd; do
    if pid_alive "$RUN_DIR/$d.pid"; then echo "$d: running (pid $(cat "$RUN_DIR/$d.pid"))"
    else echo "$d: not running"; ok=1; fi
  done
  if pid_alive /run/munge/munged.pid; then echo "munged: running (pid $(cat /run/munge/munged.pid))"
  else echo "munged: not running"; ok=1; fi
  local state
  state=$(node_state || true)
  echo "node $(hostname -s): ${state:-no answer}"
  case "$state" in idle|mixed|allocated|completing) ;; *) ok=1 ;; esac
  return $ok
}

stop_pid() {  # stop_pid NAME FILE
  local pidf=$2 pid
  pid_alive "$pidf" || return 0
  pid=$(cat "$pidf")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || { log "$1 stopped"; return 0; }
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  log "$1 killed"
}

do_stop() {
  stop_pid slurmd "$RUN_DIR/slurmd.pid"
  stop_pid slurmctld "$RUN_DIR/slurmctld.pid"
  stop_pid munged /run/munge/munged.pid
}

case "${1:-}" in
  install) do_install ;;
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
