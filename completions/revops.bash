# bash completion for the revops programs: revops-import, revops-pipeline,
# revops-quote, revops-invoice and revops-metrics.
#
# Install it as bash-completion/completions/revops with a link named after
# each program (make install does), or source it from ~/.bashrc.  It needs
# nothing from the bash-completion package.
#
# What each program takes is in _revops_table, one entry per program (and,
# once a program has verbs, one per "PROGRAM VERB" for the verb's own
# options).  An option written with a trailing '=' takes an argument;
# _revops_arg says what to complete for it.  Before the verb, the options of
# every verb are offered (they may come first); after it, the verb's own.

# The options every program takes (revops(7), "Common options").
_revops_common='-D= --db= --busy-timeout= --mode= -d= --delimiter= --tsv
	--decimal-comma --format= -o= --output= --no-header --excel --max-errors=
	-q --quiet -h --help -V --version'

# The entities of the import contract, for when `revops-import --list`
# cannot be run.
_revops_entities='settings accounts products prices rules stages leads
	opportunities stage_history contracts subscriptions pauses invoices payments
	usage users spend csat fx_rates tax_rates'

# The systems that revops-import --from reads, and the exports of each,
# for when `revops-import --list --from SYSTEM` cannot be run.
_revops_systems='chartmogul hubspot salesforce stripe'
_revops_exports_chartmogul='customers plans subscription_events invoices
	transactions refunds'
_revops_exports_hubspot='companies deals deal-stage-history'
_revops_exports_salesforce='Account OpportunityStage Opportunity
	OpportunityHistory'
_revops_exports_stripe='customers products prices subscriptions invoices
	invoice-line-items payments refunds'

# The metrics of revops-metrics (its --help lists them), and the word
# that it takes instead of them.
_revops_metrics='mrr arr new_mrr expansion_mrr contraction_mrr churned_mrr
	reactivation_mrr paying_accounts new_accounts churned_accounts
	logo_churn_rate gross_revenue_churn net_revenue_churn grr nrr
	renewal_rate renewal_rate_value arpa ltv cac cac_payback_months tcv acv
	bookings_new bookings_expansion bookings_renewal dso rpo crpo csat
	adoption_rate seat_utilization margin win_rate avg_deal_size
	sales_cycle_days pipeline_velocity'

# Sets own (the options of PROGRAM, or of PROGRAM VERB, besides the common
# ones), verbs (the verbs of PROGRAM, if any) and args (what the words
# after the options and the verb are: "entity files", "files", "quote
# files" (a quote, then files), "invoices", "quotes" or "subscriptions"
# (their ids in the database), "moves" (opportunity and stage, in pairs),
# "metrics" (metric names, or reconcile alone), "verbs" (those of the
# program, after help) or "none", also for verbs whose arguments are ids
# that are not completed, such as lead ids).  The options of each verb are those of `PROGRAM VERB --help`:
# tests/docs.sh holds them to it.
_revops_table()
{
	own= verbs= args=files
	case $1 in
	revops-import)
		own='--upsert --replace --dry-run --rejects= --from= --mapping=
		    --list --schema= --export= --log -n= --last= --since='
		args='entity files' ;;
	'revops-pipeline help'|'revops-quote help'|'revops-invoice help')
		args=verbs ;;
	revops-pipeline)
		verbs='convert move list won funnel forecast velocity stages' ;;
	'revops-pipeline convert')
		own='--all-qualified --on= --as-of='
		args=none ;;
	'revops-pipeline move')
		own='--on= --reopen --as-of='
		args=moves ;;
	'revops-pipeline list')
		own='--stage= --owner= --type= --open --closing= --segment='
		args=none ;;
	'revops-pipeline won')
		own='--since='
		args=none ;;
	'revops-pipeline funnel')
		own='--from= --to= --by= --as-of='
		args=none ;;
	'revops-pipeline forecast')
		own='--from= --to= --by= --commit-stage= --currency= --as-of='
		args=none ;;
	'revops-pipeline velocity')
		own='--as-of= --window= --currency='
		args=none ;;
	'revops-pipeline stages')
		args=none ;;
	revops-quote)
		verbs='price new approve reject accept list show revise' ;;
	'revops-quote price')
		own='--currency= --on= --as-of=' ;;
	'revops-quote new')
		own='--currency= --valid-days= --sku= --quantity= --on= --as-of=' ;;
	'revops-quote approve'|'revops-quote reject')
		own='--as= --note= --on= --as-of='
		args=quotes ;;
	'revops-quote accept')
		own='--start= --replaces= --on= --as-of='
		args=quotes ;;
	'revops-quote list')
		own='--status= --account= --on= --as-of='
		args=none ;;
	'revops-quote show')
		own='--lines --on= --as-of='
		args=quotes ;;
	'revops-quote revise')
		own='--valid-days= --on= --as-of='
		args='quote files' ;;
	revops-invoice)
		verbs='run pause resume credit void apply aging dunning schedule
		    deferred export list show render' ;;
	'revops-invoice run')
		own='--period= --on= --account= --dry-run'
		args=none ;;
	'revops-invoice pause')
		own='--from= --to= --dry-run'
		args=subscriptions ;;
	'revops-invoice resume')
		own='--on= --dry-run'
		args=subscriptions ;;
	'revops-invoice credit')
		own='--line= --amount= --reason= --on= --as-of= --dry-run'
		args=invoices ;;
	'revops-invoice void')
		own='--as-of= --dry-run'
		args=invoices ;;
	'revops-invoice apply')
		own='--as-of= --account= --convert --dry-run'
		args=none ;;
	'revops-invoice aging')
		own='--as-of= --by= --basis='
		args=none ;;
	'revops-invoice dunning')
		own='--as-of= --levels='
		args=none ;;
	'revops-invoice schedule')
		own='--from= --to='
		args=none ;;
	'revops-invoice deferred')
		own='--as-of='
		args=none ;;
	'revops-invoice export')
		own='--from= --to= --account= --lines --status= --as-of='
		args=invoices ;;
	'revops-invoice list')
		own='--status= --account= --from= --to= --as-of='
		args=none ;;
	'revops-invoice show')
		own='--as-of='
		args=invoices ;;
	'revops-invoice render')
		own='--as-of='
		args=invoices ;;
	revops-metrics)
		own='--from= --to= --by= --segment= --currency= --long
		    --detail= --dso= --report= --as-of='
		args=metrics ;;
	esac
}

# The exports of system $2 (with mapping file $3, if any), from the
# program itself ($1) when it can tell.
_revops_export_names()
{
	local names fallback=_revops_exports_$2

	names=$("$1" --list --from "$2" ${3:+--mapping "$3"} 2>/dev/null |
	    while read -r name _; do
		printf '%s ' "$name"
	    done)
	[[ $2 == *[!a-z0-9_]* ]] && fallback=
	printf '%s\n' "${names:-${fallback:+${!fallback}}}"
}

# The entity names, from the program itself ($1) when it can tell.
_revops_entity_names()
{
	local names

	names=$("$1" --list 2>/dev/null | while read -r name _; do
		printf '%s ' "$name"
	done)
	printf '%s\n' "${names:-$_revops_entities}"
}

# Runs the program $1 with the arguments after it, quickly and silently,
# on the database that the command line names (db, set by _revops) or
# $REVOPS_DB: nothing when that file does not exist; with neither, on the
# program's own (its config file's, else ./revops.db).  What it runs
# only reads, which never creates a database.
_revops_run()
{
	local prog=$1 file=${db:-$REVOPS_DB}

	shift
	if [[ -n $file ]]; then
		file=${file/#\~/$HOME}
		[[ -f $file ]] || return 0
		set -- -D "$file" "$@"
	fi
	"$prog" --busy-timeout 200 "$@" 2>/dev/null
}

# The stage names of the database (only the open ones when $2 is "open"),
# from `PROGRAM stages` ($1).
_revops_stage_names()
{
	_revops_run "$1" stages --no-header |
	    while IFS=, read -r name _ _ closed _; do
		[[ $2 == open && $closed != false ]] || printf '%s ' "$name"
	    done
}

# The ids of kind $2 in the database: invoices, subscriptions or accounts
# (the first column of revops-import --export), quotes (of revops-quote
# list) or roles (the approvers of the rules), from the programs in the
# folder of $1.
_revops_ids()
{
	local dir=

	[[ $1 == */* ]] && dir=${1%/*}/
	case $2 in
	quotes)
		_revops_run "${dir}revops-quote" list --no-header ;;
	roles)
		_revops_run "${dir}revops-import" --export rules |
		    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++)
			if ($i == "approver") c = i; next } c { print $c }' |
		    sort -u ;;
	*)
		_revops_run "${dir}revops-import" --export "$2" --no-header ;;
	esac | while IFS=, read -r id _; do
		printf '%s ' "$id"
	done
}

# Completes word $3 as the argument of option $2 of the program $1 (with
# the verb in verb, set by _revops).
_revops_arg()
{
	case $2 in
	-o|--output)
		compopt -o filenames 2>/dev/null
		# render writes its documents into a folder
		if [[ ${1##*/} == revops-invoice && $verb == render ]]; then
			COMPREPLY=($(compgen -d -- "$3"))
		else
			COMPREPLY=($(compgen -f -- "$3"))
		fi ;;
	-D|--db|--rejects|--report|--mapping)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$3")) ;;
	--schema|--export)
		COMPREPLY=($(compgen -W "$(_revops_entity_names "$1")" -- "$3")) ;;
	--from)
		[[ ${1##*/} == revops-import ]] &&
		    COMPREPLY=($(compgen -W "$_revops_systems" -- "$3")) ;;
	--format)
		COMPREPLY=($(compgen -W 'csv tsv jsonl json table vertical markdown xlsx' -- "$3")) ;;
	--by)
		case "${1##*/} $verb" in
		'revops-invoice '*)
			COMPREPLY=($(compgen -W 'account segment owner' -- "$3")) ;;
		*' funnel')
			COMPREPLY=($(compgen -W 'owner segment source' -- "$3")) ;;
		*' forecast')
			COMPREPLY=($(compgen -W 'month quarter' -- "$3")) ;;
		'revops-metrics '*)
			COMPREPLY=($(compgen -W 'month quarter year' -- "$3")) ;;
		*)	COMPREPLY=($(compgen -W 'owner segment source month
			    quarter' -- "$3")) ;;
		esac ;;
	--basis)
		COMPREPLY=($(compgen -W 'due issue' -- "$3")) ;;
	--segment)
		# revops-metrics takes a column of the accounts; revops-pipeline
		# list a segment's value, which is not completed.
		case ${1##*/} in
		revops-metrics)
			COMPREPLY=($(compgen -W 'segment region industry owner
			    currency' -- "$3")) ;;
		esac ;;
	--detail)
		COMPREPLY=($(compgen -W 'mrr' -- "$3")) ;;
	--dso)
		COMPREPLY=($(compgen -W 'standard countback' -- "$3")) ;;
	--type)
		COMPREPLY=($(compgen -W 'new expansion renewal' -- "$3")) ;;
	--stage)
		COMPREPLY=($(compgen -W "$(_revops_stage_names "$1")" -- "$3")) ;;
	--status)
		case ${1##*/} in
		revops-invoice)
			COMPREPLY=($(compgen -W 'open paid void credited' \
			    -- "$3")) ;;
		*)	COMPREPLY=($(compgen -W 'needs_approval approved rejected
			    accepted superseded expired' -- "$3")) ;;
		esac ;;
	--commit-stage)
		COMPREPLY=($(compgen -W "$(_revops_stage_names "$1" open)" \
		    -- "$3")) ;;
	--account)
		COMPREPLY=($(compgen -W "$(_revops_ids "$1" accounts)" -- "$3")) ;;
	--as)
		COMPREPLY=($(compgen -W "$(_revops_ids "$1" roles)" -- "$3")) ;;
	--replaces)
		COMPREPLY=($(compgen -W "$(_revops_ids "$1" subscriptions)" \
		    -- "$3")) ;;
	*)
		COMPREPLY=() ;;
	esac
}

_revops()
{
	local cmd=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]}
	local prog=${COMP_WORDS[0]##*/}
	local own verbs args opts base word verb= opt o v i npos=0 dashdash=0
	local alone=0 db= first= progverbs from= mapping=

	COMPREPLY=()
	_revops_table "$prog"
	progverbs=$verbs
	base=" $(printf '%s ' $_revops_common $own)"
	opts=$base
	# Before the verb: the options of every verb, each once.
	for v in $verbs; do
		_revops_table "$prog $v"
		for o in $own; do
			[[ $opts == *" $o "* ]] || opts="$opts$o "
		done
	done
	_revops_table "$prog"

	# Walk the words before this one: options and their arguments, the
	# verb, and how many other words there are.
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		if ((dashdash)) || [[ $word != -?* ]]; then
			if [[ -n $verbs && -z $verb ]]; then
				verb=$word
				_revops_table "$prog $verb"
				opts="$base$(printf '%s ' $own)"
			else
				npos=$((npos + 1))
				((npos == 1)) && first=$word
			fi
			continue
		fi
		case $word in
		--)
			dashdash=1 ;;
		-D|--db)
			db=${COMP_WORDS[i + 1]}
			[[ $db == = ]] && db=${COMP_WORDS[i + 2]} ;;
		--db=*)
			db=${word#--db=} ;;
		--from|--mapping)
			v=${COMP_WORDS[i + 1]}
			[[ $v == = ]] && v=${COMP_WORDS[i + 2]}
			[[ $word == --from ]] && from=$v || mapping=$v ;;
		--from=*)
			from=${word#--from=} ;;
		--mapping=*)
			mapping=${word#--mapping=} ;;
		-D?*)
			db=${word#-D} ;;
		--list|--log|--schema|--schema=*|--export|--export=*|\
		-n|-n?*|--last|--last=*|--since|--since=*|-h|--help|-V|--version)
			alone=1 ;;
		esac
		# "--db PATH", "-D PATH", and "--db = PATH" where '=' breaks
		# words; "--db=PATH" and "-DPATH" are one word.
		if [[ $opts == *" $word= "* ]]; then
			i=$((i + 1))
			[[ ${COMP_WORDS[i]} == = ]] && i=$((i + 1))
		fi
	done

	# The argument of an option.
	opt=${COMP_WORDS[COMP_CWORD - 1]}
	if ((COMP_CWORD > 1)) && [[ $opt == = ]]; then
		opt=${COMP_WORDS[COMP_CWORD - 2]}
		[[ $opts == *" $opt= "* ]] && _revops_arg "$cmd" "$opt" "$cur"
		return 0
	fi
	if [[ $cur == = && $opts == *" $opt= "* ]]; then
		_revops_arg "$cmd" "$opt" ""
		return 0
	fi
	if [[ $cur == --*=* ]]; then
		opt=${cur%%=*}
		_revops_arg "$cmd" "$opt" "${cur#*=}"
		COMPREPLY=("${COMPREPLY[@]/#/$opt=}")
		return 0
	fi
	if ((COMP_CWORD > 1 && !dashdash)) && [[ $opts == *" $opt= "* ]]; then
		_revops_arg "$cmd" "$opt" "$cur"
		return 0
	fi

	if [[ $cur == -* ]] && ((!dashdash)); then
		COMPREPLY=($(compgen -W "${opts//=/}" -- "$cur"))
		return 0
	fi
	((alone)) && return 0
	if [[ -n $verbs && -z $verb ]]; then
		COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
	elif [[ $args == entity* && -n $from ]] && ((npos == 0)); then
		COMPREPLY=($(compgen -W "$(_revops_export_names "$cmd" "$from" \
		    "$mapping")" -- "$cur"))
	elif [[ $args == entity* ]] && ((npos == 0)); then
		COMPREPLY=($(compgen -W "$(_revops_entity_names "$cmd")" \
		    -- "$cur"))
	elif [[ $args == metrics ]]; then
		# reconcile takes no metric, and no metric comes after it.
		if ((npos == 0)); then
			COMPREPLY=($(compgen -W "$_revops_metrics reconcile" \
			    -- "$cur"))
		elif [[ $first != reconcile ]]; then
			COMPREPLY=($(compgen -W "$_revops_metrics" -- "$cur"))
		fi
	elif [[ $args == 'quote files' ]] && ((npos == 0)); then
		COMPREPLY=($(compgen -W "$(_revops_ids "$cmd" quotes)" -- "$cur"))
	elif [[ $args == invoices || $args == quotes ||
	    $args == subscriptions ]]; then
		COMPREPLY=($(compgen -W "$(_revops_ids "$cmd" "$args")" \
		    -- "$cur"))
	elif [[ $args == verbs ]]; then
		((npos == 0)) && COMPREPLY=($(compgen -W "$progverbs" -- "$cur"))
	elif [[ $args == moves ]]; then
		# OPP STAGE pairs: the second of each is a stage.
		((npos % 2 == 1)) && COMPREPLY=($(compgen -W \
		    "$(_revops_stage_names "$cmd")" -- "$cur"))
	elif [[ $args == none ]]; then
		:
	else
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
	return 0
}

complete -F _revops revops-import revops-pipeline revops-quote \
    revops-invoice revops-metrics
