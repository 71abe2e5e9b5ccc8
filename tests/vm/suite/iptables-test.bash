#!/bin/bash
# Runs iptables' extension test files (*.t) as iptables' own
# iptables-test.py does (Debian's iptables source package), without
# python3, which the guest does not have: the same file format, the same
# steps and verdicts (its per-line run, not its fast batch mode, which only
# runs the same rules through iptables-restore), and its summary lines.
#
#   iptables-test.bash [-l] [-n] FILE.t...     -l legacy, -n nft (default both)
#
# A simple file (one table, no commands, no variants) runs fast, as there:
# the rules expected to load go in with one iptables-restore, one
# iptables-save must show them all, the others run one by one; if that
# fails, the file runs again line by line (and is reported "but fast mode
# failed!"). Line by line, each rule taken is deleted again by its
# specification (iptables -D RULE).
#
# A file holds ":CHAIN,CHAIN" (the chains of the lines below), "*table",
# "#" comments, "@command" lines run as they are, and test lines
# "RULE;SAVED;RESULT[;VARIANT[;ALT]]": RESULT is OK (iptables -A takes the
# rule and iptables-save shows "CHAIN SAVED", "=" meaning RULE), FAIL (-A
# refuses it) or NOMATCH (taken, but not saved so); VARIANT NFT or LEGACY
# scopes RESULT to that backend (the other gets ALT, or the inverse).
# Exit status: 0 when every unit test passed.
set -u
variants=()
while getopts ln o; do
	case $o in
	l) variants+=(legacy) ;;
	n) variants+=(nft) ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ ${#variants[@]} -gt 0 ] || variants=(legacy nft)
LOG=${IPTABLES_TEST_LOG:-/tmp/iptables-test.log}

error() {	# error FILE LINENO REASON
	echo "$1: ERROR: line $2 ($3)" >&2
}

execute() {	# execute CMD: its status, output to the log
	echo "command: $1" >>"$LOG"
	sh -c "$1" >>"$LOG" 2>&1
}

delete_rule() {	# delete_rule IPT RULE FILE LINENO
	if ! execute "$EXECUTABLE $1 -D $2"; then
		error "$3" "$4" "cannot delete: $1 -I $2"
		return 1
	fi
}

run_test() {	# run_test IPT RULE RULE_SAVE RES FILE LINENO
	local ipt=$1 rule=$2 save=$3 res=$4 out
	if ! execute "$EXECUTABLE $ipt -A $rule"; then
		[ "$res" = FAIL ] && return 0
		error "$5" "$6" "cannot load: $ipt -A $rule"
		return 1
	fi
	if [ "$res" = FAIL ]; then
		error "$5" "$6" "should fail: $ipt -A $rule"
		delete_rule "$ipt" "$rule" "$5" "$6"
		return 1
	fi
	out=$($EXECUTABLE "$ipt-save" 2>/dev/null)
	if [[ $out != *"$save"* ]]; then
		[ "$res" = OK ] || return 0
		error "$5" "$6" "cannot find: $ipt -I $rule"
		delete_rule "$ipt" "$rule" "$5" "$6"
		return 1
	fi
	if [ "$res" != OK ]; then
		error "$5" "$6" "should not match: $ipt -A $rule"
		delete_rule "$ipt" "$rule" "$5" "$6"
		return 1
	fi
	delete_rule "$ipt" "$rule" "$5" "$6"
}

variant_res() {	# variant_res RES VARIANT [ALT]
	local want=xtables-${2,,}-multi
	if [ "$want" = "$EXECUTABLE" ]; then echo "$1"; return; fi
	if [ -n "${3:-}" ]; then echo "$3"; return; fi
	case $1 in OK) echo FAIL ;; *) echo OK ;; esac
}

fast_run_possible() {	# fast_run_possible FILE
	local table= rules=0 line item
	while IFS= read -r line || [ -n "$line" ]; do
		case ${line:0:1} in '#'|:|'') continue ;; esac
		[ -n "${line// /}" ] || continue
		if [ "${line:0:1}" = '*' ]; then
			[ -z "$table" ] && [ $rules -eq 0 ] || return 1
			table=${line:1}
		fi
		case ${line:0:1} in @|%) return 1 ;; esac
		IFS=';' read -ra item <<<"$line"
		[ ${#item[@]} -le 3 ] || return 1
		rules=$((rules + 1))
	done <"$1"
}

run_test_file_fast() {	# run_test_file_fast IPT FILE: sets file_tests, or fails
	local ipt=$1 f=$2 table=filter chains=() lineno=0 line chain item rule save res c out
	local -A restore=() expect=()
	file_tests=0
	while IFS= read -r line || [ -n "$line" ]; do
		lineno=$((lineno + 1))
		[ -n "${line// /}" ] || continue
		case ${line:0:1} in
		'#') continue ;;
		'*') table=${line:1}; continue ;;
		:) IFS=, read -ra chains <<<"${line:1}"; continue ;;
		esac
		[ ${#chains[@]} -gt 0 ] || return 1
		file_tests=$((file_tests + 1))
		IFS=';' read -ra item <<<"$line"
		for chain in "${chains[@]}"; do
			rule="$chain ${item[0]}"
			if [ "${item[1]}" = "=" ]; then save="$chain ${item[0]}"; else save="$chain ${item[1]}"; fi
			res=${item[2]}
			if [ "$res" != OK ]; then
				run_test "$ipt" "$chain -t $table ${item[0]}" "$save" "$res" "$f" "$lineno" || return 1
				continue
			fi
			restore[$chain]+="-A $rule"$'\n'
			expect[$chain]+="-A $save"$'\n'
		done
	done <"$f"
	local data="*$table"$'\n' want=
	for c in PREROUTING INPUT FORWARD OUTPUT POSTROUTING; do
		data+=${restore[$c]:-}
		want+=${expect[$c]:-}
	done
	data+=COMMIT$'\n'
	printf '%s-restore: %s\n' "$ipt" "$data" >>"$LOG"
	if ! $EXECUTABLE "$ipt-restore" <<<"$data" >>"$LOG" 2>&1; then
		echo "$ipt-restore failed" >>"$LOG"
		return 1
	fi
	out=$($EXECUTABLE "$ipt-save" 2>/dev/null)
	execute "$EXECUTABLE $ipt -F -t $table"
	want=${want%$'\n'}
	if [[ $out != *"$want"* ]]; then
		{ echo "dumps differ!"; sed 's/^/expect: /' <<<"$want"; grep -v '^[*:#]' <<<"$out" | sed 's/^/got: /'; } >>"$LOG"
		return 1
	fi
}

run_test_file() {	# run_test_file FILE: sets file_tests, file_passed
	local f=$1 ipt=iptables table= chains=() lineno=0 line chain item rule save res ok all_ok=1 fast_failed=
	file_tests=0 file_passed=0
	[[ $f == *.t ]] || return 0
	case ${f##*/} in
	libip6t_*) ipt=ip6tables ;;
	libarpt_*|libebt_*) [ "$EXECUTABLE" = xtables-nft-multi ] || return 0
		[[ ${f##*/} == libarpt_* ]] && ipt=arptables || ipt=ebtables ;;
	esac
	if fast_run_possible "$f"; then
		if run_test_file_fast "$ipt" "$f" && [ "$file_tests" -gt 0 ]; then
			file_passed=$file_tests
			echo "$f: OK"
			return 0
		fi
		fast_failed=" but fast mode failed!"
		file_tests=0
	fi
	while IFS= read -r line || [ -n "$line" ]; do
		lineno=$((lineno + 1))
		[ -n "${line// /}" ] || continue
		case ${line:0:1} in
		'#') continue ;;
		:) IFS=, read -ra chains <<<"${line:1}"; continue ;;
		@|%) execute "${line:1}"; continue ;;
		'*') table=${line:1}; continue ;;
		esac
		if [ ${#chains[@]} -eq 0 ]; then
			error "$f" "$lineno" "broken test, missing chain"
			all_ok=0
			break
		fi
		file_tests=$((file_tests + 1))
		ok=1
		IFS=';' read -ra item <<<"$line"
		for chain in "${chains[@]}"; do
			if [ -z "$table" ]; then rule="$chain ${item[0]}"; else rule="$chain -t $table ${item[0]}"; fi
			if [ "${item[1]}" = "=" ]; then save="$chain ${item[0]}"; else save="$chain ${item[1]}"; fi
			res=${item[2]}
			[ ${#item[@]} -le 3 ] || res=$(variant_res "$res" "${item[3]}" "${item[4]:-}")
			if ! run_test "$ipt" "$rule" "$save" "$res" "$f" "$lineno"; then
				ok=0 all_ok=0
				break
			fi
		done
		[ $ok -eq 0 ] || file_passed=$((file_passed + 1))
	done <"$f"
	[ $all_ok -eq 0 ] || echo "$f: OK$fast_failed"
}

total_files=0 total_tests=0 total_passed=0
for variant in "${variants[@]}"; do
	EXECUTABLE=xtables-$variant-multi
	: >"$LOG"
	files=0 tests=0 passed=0
	for f in "$@"; do
		run_test_file "$f"
		if [ "$file_tests" -gt 0 ]; then
			tests=$((tests + file_tests)) passed=$((passed + file_passed)) files=$((files + 1))
		fi
	done
	echo "$variant: $files test files, $tests unit tests, $passed passed"
	total_tests=$((total_tests + tests)) total_passed=$((total_passed + passed))
	[ $files -le $total_files ] || total_files=$files
done
[ ${#variants[@]} -eq 1 ] ||
	echo "total: $total_files test files, $total_tests unit tests, $total_passed passed"
[ $total_passed -eq $total_tests ]
