# Faults on PostgreSQL (issue 14), read by tests/pg.sh with its server
# running: $dir (the server's folder and socket), $gen, $bindir on PATH,
# start() and stop_server(), and rc, set to 1 on a failure.
#
#  kill      revops-import of 100,000 invoice lines and revops-invoice run
#            over 15,000 subscriptions, each killed with SIGKILL at 8
#            moments spread over its run, as tests/stress/run.sh does on
#            SQLite: the server rolls back what the dead client began, so
#            the database holds all of the command's changes or none, and
#            the next command, run at once (it waits for the writer lock
#            of the dead client's session until the server ends it),
#            works;
#  full      a billing run into /dev/full, past RLIMIT_FSIZE and into a
#            closed pipe: exit 3 (or SIGPIPE), nothing committed;
#  stopped   the server stopped (pg_ctl stop -m immediate) in the middle
#            of that import, which reads a FIFO fed half before and half
#            after the stop: exit 3 and a message of the program's (each
#            line starts with its name), nothing committed, and after a
#            restart the same import works in full;
#  password  a role with a password, its socket under scram-sha-256: a
#            wrong password (in the URL, its query or PGPASSWORD), a
#            database not there, a socket with no server and a port with
#            none exit 3 with libpq's reason and never print the password;
#            the right one works, and the audit_log holds no password.
# libpq's messages are read in English.
LC_ALL=C
export LC_ALL

fault() {
	echo "FAIL: $*"
	rc=1
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# pg_state DB: what a command may change, as one line: counts and sums.
pg_state() {
	psql -X -A -t -d "$1" -c "SELECT
	    (SELECT count(*) FROM invoices) || ' ' ||
	    (SELECT count(*) || ' ' || coalesce(sum(amount_minor), 0) || ' ' ||
	     coalesce(sum(tax_amount_minor), 0) FROM invoice_lines) || ' ' ||
	    (SELECT count(*) || ' ' || coalesce(sum(amount_minor), 0)
	     FROM billing_records) || ' ' ||
	    (SELECT count(*) || ' ' || coalesce(sum(amount_minor), 0)
	     FROM payment_applications) || ' ' ||
	    (SELECT count(*) FROM import_batches) || ' ' ||
	    (SELECT count(*) FROM audit_log) || ' ' ||
	    (SELECT string_agg(tbl || '=' || next, ',' ORDER BY tbl)
	     FROM id_counters)"
}

# pg_copy FROM TO: TO made anew as a copy of the database FROM.
pg_copy() {
	dropdb --if-exists --force "$2" 2>/dev/null
	createdb -T "$1" "$2"
}

# ---- the company ----------------------------------------------------------
# 5,000 accounts: the 100,000 invoice lines refer to them.
for e in accounts products prices tax_rates fx_rates subscriptions; do
	"$gen" --scale 0.05 "$e" >"$dir/f-$e.csv" ||
	    { echo "faults: the generator failed"; exit 2; }
done
"$gen" --scale 0.05 --rows 100000 invoices >"$dir/f-invoices.csv" ||
    { echo "faults: the generator failed"; exit 2; }
createdb revops_f_base || exit 2
for e in accounts products prices tax_rates fx_rates; do
	revops-import -D postgresql:///revops_f_base "$e" "$dir/f-$e.csv" \
	    2>/dev/null || { echo "faults: the setup import of $e failed"; exit 2; }
done
pg_copy revops_f_base revops_f_subs &&
    revops-import -D postgresql:///revops_f_subs subscriptions \
    "$dir/f-subscriptions.csv" 2>/dev/null ||
    { echo "faults: the setup import of subscriptions failed"; exit 2; }

# ---- kill -----------------------------------------------------------------

# The next command after a kill: a write (it takes the writer lock) whose
# changes (a batch and an audit row) are the same on either state.
next_cmd() {
	revops-import -D "postgresql:///$1" --upsert tax_rates \
	    "$dir/f-tax_rates.csv" >/dev/null 2>"$dir/next.err"
}

# pg_kills NAME BEFORE-DB CMD...: runs CMD (which takes -D after its
# arguments) on a copy of BEFORE-DB to the end once, then the next
# command (the state after both), and the next command alone on another
# copy (the state before, with it); then 8 times CMD killed with SIGKILL
# at moments spread over its run, each followed at once by the next
# command, which must work: the database must then be in one of the two.
pg_kills() {
	name=$1
	from=$2
	shift 2
	pg_copy "$from" revops_f_k || exit 2
	t0=$(now_ms)
	"$@" -D postgresql:///revops_f_k >/dev/null 2>&1 ||
	    { fault "kill: $name: the run failed"; return; }
	t1=$(now_ms)
	span=$((t1 - t0))
	next_cmd revops_f_k ||
	    { fault "kill: $name: the next command failed"; return; }
	after=$(pg_state revops_f_k)
	pg_copy "$from" revops_f_k && next_cmd revops_f_k || exit 2
	before=$(pg_state revops_f_k)
	nbefore=0 nafter=0 i=0
	while [ $i -lt 8 ]; do
		pg_copy "$from" revops_f_k || exit 2
		# moments from 6% to 118% of the run, the last two past its end
		ms=$((span * (6 + i * 16) / 100))
		"$@" -D postgresql:///revops_f_k >/dev/null 2>&1 &
		pid=$!
		sleep "$(awk -v ms="$ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		if ! next_cmd revops_f_k; then
			fault "kill: $name: killed at $ms ms: the next command" \
			    "failed: $(head -n 3 "$dir/next.err")"
			i=$((i + 1))
			continue
		fi
		got=$(pg_state revops_f_k)
		if [ "$got" = "$before" ]; then
			nbefore=$((nbefore + 1))
		elif [ "$got" = "$after" ]; then
			nafter=$((nafter + 1))
		else
			fault "kill: $name: killed at $ms ms: neither before nor" \
			    "after: $got (before $before, after $after)"
		fi
		i=$((i + 1))
	done
	echo "kill on PostgreSQL: $name ($span ms) killed 8 times:" \
	    "$nbefore left nothing, $nafter all of it, the next command worked"
}

pg_kills "revops-import invoices, 100000 lines" revops_f_base \
    revops-import invoices "$dir/f-invoices.csv"
import_after=$after
pg_kills "revops-invoice run --period 2026-06, 15000 subscriptions" \
    revops_f_subs revops-invoice run --period 2026-06

# ---- full -----------------------------------------------------------------

# A command that writes holds its output until it commits, and writes it
# out before the commit: a billing run whose stdout is /dev/full, one
# whose held output finds the file system full (RLIMIT_FSIZE, SIGXFSZ
# ignored: the file it holds it in, then stdout), and one into a closed
# pipe exit 3 with the program's message (or die by SIGPIPE, for the
# pipe) and commit nothing.
# full_run HOW: the billing run on a copy of the subscriptions' database,
# stdout and limits as HOW says; sets st, and got to the state after.
full_run() {
	pg_copy revops_f_subs revops_f_full || exit 2
	case $1 in
	full)	revops-invoice -D postgresql:///revops_f_full run \
		    --period 2026-06 >/dev/full 2>"$dir/full.err"
		st=$? ;;
	fsize)	sh -c 'trap "" XFSZ; ulimit -f 64; exec revops-invoice \
		    -D postgresql:///revops_f_full run --period 2026-06' \
		    >"$dir/full.out" 2>"$dir/full.err"
		st=$? ;;
	pipe)	sh -c 'revops-invoice -D postgresql:///revops_f_full run \
		    --period 2026-06 2>"$1"; echo $? >"$2"' sh "$dir/full.err" \
		    "$dir/full.st" | head -n 1 >/dev/null
		st=$(cat "$dir/full.st") ;;
	esac
	got=$(pg_state revops_f_full)
}
before=$(pg_state revops_f_subs)
for how in full fsize pipe; do
	full_run "$how"
	if [ "$st" != 3 ] && ! { [ "$how" = pipe ] && [ "$st" = 141 ]; }; then
		fault "full: the run ($how) exited $st:" \
		    "$(head -n 2 "$dir/full.err")"
	elif [ "$st" = 3 ] && ! grep -q "^revops-invoice: .*$(case $how in
	    full) echo 'No space left on device' ;;
	    fsize) echo 'File too large' ;;
	    pipe) echo 'Broken pipe' ;; esac)" "$dir/full.err"; then
		fault "full: the run ($how): not the program's message:" \
		    "$(head -n 2 "$dir/full.err")"
	elif [ "$got" != "$before" ]; then
		fault "full: the run ($how) committed: $got (before $before)"
	fi
	eval "st_$how=\$st"
done
echo "full on PostgreSQL: a billing run into /dev/full exited $st_full," \
    "past RLIMIT_FSIZE $st_fsize, into a closed pipe $st_pipe; none" \
    "committed"

# ---- stopped --------------------------------------------------------------

# The import stopped in the middle of its run: exit 3, a message that says
# the connection was lost, each line with the program's name (none of
# libpq's bare, no hint on a line of its own), the database as before it
# once the server is back, and the import again then makes all of it
# (the state the kills' whole run left, with the next command's changes).
# It reads a FIFO: half of the lines, then the server stops, then the
# rest, so that it is in the middle whatever the machine's speed (it
# cannot commit before the end of its input).
lost='server closed the connection|terminating connection|connection to'
pg_copy revops_f_base revops_f_stop || exit 2
before=$(pg_state revops_f_stop)
half=$(($(wc -l <"$dir/f-invoices.csv") / 2))
rm -f "$dir/stop.fifo"
mkfifo "$dir/stop.fifo" || exit 2
revops-import -D postgresql:///revops_f_stop invoices "$dir/stop.fifo" \
    >/dev/null 2>"$dir/stop.err" &
pid=$!
# The feeder in the background, which an import gone before it opens the
# FIFO would leave blocked in its open (killed below); SIGPIPE is its
# own if the import goes after.  Time to send some of the half's
# batches, then the stop.
{
	head -n "$half" "$dir/f-invoices.csv"
	sleep 0.5
	stop_server >&2
	tail -n "+$((half + 1))" "$dir/f-invoices.csv"
} >"$dir/stop.fifo" 2>"$dir/feeder.err" &
feeder=$!
wait "$pid"
status=$?
kill "$feeder" 2>/dev/null
wait "$feeder"
# still up if the import went before the stop
(cd / && $as "$pgbin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1) &&
    stop_server
start || { fault "stopped: the server did not start again"; exit 1; }
got=$(pg_state revops_f_stop)
if [ "$status" -ne 3 ]; then
	fault "stopped: the import exited $status, not 3:" \
	    "$(head -n 3 "$dir/stop.err")"
elif ! grep -q -E "^revops-import: .*($lost)" "$dir/stop.err" ||
    grep -v -q '^revops-import: ' "$dir/stop.err"; then
	fault "stopped: not the program's message:" \
	    "$(head -n 4 "$dir/stop.err")"
elif [ "$got" != "$before" ]; then
	fault "stopped: the import left $got (before $before)"
elif ! revops-import -D postgresql:///revops_f_stop invoices \
    "$dir/f-invoices.csv" 2>"$dir/again.err" ||
    ! next_cmd revops_f_stop; then
	fault "stopped: after the restart: $(head -n 3 "$dir/again.err")"
elif [ "$(pg_state revops_f_stop)" != "$import_after" ]; then
	fault "stopped: after the restart the import left" \
	    "$(pg_state revops_f_stop) (a whole run $import_after)"
else
	echo "stopped on PostgreSQL: the import exited 3 with" \
	    "'$(head -n 1 "$dir/stop.err" | cut -c 1-60)...', left nothing," \
	    "and worked after a restart"
fi

# ---- password -------------------------------------------------------------

# cant WHAT REASON URL [VAR=VALUE]: revops-import through URL (in the
# environment VAR=VALUE) must exit 3, its message naming REASON, with no
# password of the test's in it.
cant() {
	what=$1 reason=$2 url=$3
	shift 3
	env "$@" revops-import -D "$url" accounts "$dir/f-accounts.csv" \
	    >"$dir/pw.out" 2>&1
	status=$?
	if [ "$status" -ne 3 ]; then
		fault "password: $what: exit $status, not 3: $(head -n 3 "$dir/pw.out")"
	elif grep -q -e Wrong-Pass-13 -e Right-Pass-42 "$dir/pw.out"; then
		fault "password: $what: the password printed: $(cat "$dir/pw.out")"
	elif ! grep -q "^revops-import: .*$reason" "$dir/pw.out"; then
		fault "password: $what: not '$reason': $(head -n 3 "$dir/pw.out")"
	else
		passed=$((passed + 1))
	fi
}

psql -X -q -d postgres -c "CREATE ROLE revops_pw LOGIN PASSWORD
    'Right-Pass-42'" && createdb -O revops_pw revops_f_pw || exit 2
# the role's own line first: pg_hba.conf's first line that fits applies
{ echo "local all revops_pw scram-sha-256"; cat "$dir/data/pg_hba.conf"; } \
    >"$dir/hba" && cat "$dir/hba" >"$dir/data/pg_hba.conf" &&
    (cd / && $as "$pgbin/pg_ctl" -D "$dir/data" reload >/dev/null) &&
    sleep 1 || exit 2
passed=0
u=postgresql://revops_pw
cant "wrong in the URL" "password authentication failed" \
    "$u:Wrong-Pass-13@/revops_f_pw"
cant "wrong in the query" "password authentication failed" \
    "$u@/revops_f_pw?password=Wrong-Pass-13"
cant "wrong in PGPASSWORD" "password authentication failed" \
    "$u@/revops_f_pw" PGPASSWORD=Wrong-Pass-13
cant "none" "no password supplied" "$u@/revops_f_pw"
cant "no such database" 'database "revops_f_none" does not exist' \
    "$u:Right-Pass-42@/revops_f_none"
cant "no server at the socket" "No such file or directory" \
    "$u:Right-Pass-42@/revops_f_pw?host=$dir/none"
cant "no server at the port" "No such file or directory" \
    "$u@/revops_f_pw?port=1&password=Right-Pass-42"
# the right password, in the URL, its query and PGPASSWORD
revops-import -D "$u:Right-Pass-42@/revops_f_pw" accounts \
    "$dir/f-accounts.csv" >"$dir/pw.out" 2>&1 &&
    revops-import -D "$u@/revops_f_pw?password=Right-Pass-42&sslmode=disable" \
    products "$dir/f-products.csv" >>"$dir/pw.out" 2>&1 &&
    PGPASSWORD=Right-Pass-42 revops-metrics -D "$u@/revops_f_pw" \
    --from 2026-01 --to 2026-01 mrr >>"$dir/pw.out" 2>&1 ||
    fault "password: the right one: $(head -n 3 "$dir/pw.out")"
logged=$(psql -X -A -t -d revops_f_pw -c "SELECT arguments FROM audit_log
    ORDER BY audit_id")
if grep -q Right-Pass-42 "$dir/pw.out"; then
	fault "password: printed: $(grep Right-Pass-42 "$dir/pw.out")"
elif [ "$(printf '%s\n' "$logged" | grep -c '^-D postgresql://revops_pw@')" \
    -ne 2 ] || printf '%s\n' "$logged" | grep -q -i pass; then
	fault "password: the audit_log holds: $logged"
else
	echo "password on PostgreSQL: $passed connections refused with" \
	    "exit 3 and their reason, none printed the password, nor" \
	    "the audit_log"
fi
