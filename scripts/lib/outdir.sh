# shellcheck shell=bash
# Sourced by the build scripts that delete and remake parts of the OUTDIR a
# user names (kernel-config/build, scripts/musl-deps): they take a directory
# only when nothing in it can be someone else's.
#
# outdir_take PROG DIR MARKER KEYLEN PROOF FREE NAME...: DIR is taken when it
# does not exist, is an empty directory, or holds MARKER (a file PROG writes
# when it first takes a directory). One without MARKER (a tree of PROG's
# versions before MARKER, or of their first run that failed) is taken only
# when every entry in it is one of the NAMEs (all PROG ever makes there),
# its file `key`, if there is one, is exactly one line of KEYLEN hex digits,
# and, if it holds more than the names in FREE (what a run makes before it
# writes anything else, e.g. its lock), that key or the file PROOF (a path
# in DIR only PROG writes) is there. Then DIR is made and MARKER written.
# Otherwise one line on stderr and exit status 2, with DIR untouched.
outdir_take() {
	local prog=$1 dir=$2 marker=$3 keylen=$4 proof=$5 free=$6 name ours=1 strange others=() more=()
	shift 6
	if [ -e "$dir" ] && [ ! -d "$dir" ]; then
		printf '%s: OUTDIR %s exists and is not a directory (see --help)\n' "$prog" "$dir" >&2
		exit 2
	fi
	if [ -d "$dir" ] && [ ! -f "$dir/$marker" ]; then
		# find reads the directory itself (an unreadable one fails here
		# rather than looking empty) and prints an x per entry that is
		# none of the NAMEs, whatever its name holds.
		for name; do others+=(! -name "$name"); done
		for name in $free; do more+=(! -name "$name"); done
		strange=$(find "$dir" -mindepth 1 -maxdepth 1 "${others[@]}" -printf x 2>/dev/null) || {
			printf '%s: cannot read OUTDIR %s (see --help)\n' "$prog" "$dir" >&2
			exit 2
		}
		[ -z "$strange" ] || ours=0
		if [ -e "$dir/key" ] || [ -L "$dir/key" ]; then
			# grep -c counts the lines that match; wc -l all of them.
			[ -f "$dir/key" ] && [ ! -L "$dir/key" ] &&
				[ "$(grep -cxE "[0-9a-f]{$keylen}" "$dir/key" 2>/dev/null)" = 1 ] &&
				[ "$(wc -l <"$dir/key")" = 1 ] || ours=0
		elif [ ! -f "$dir/$proof" ] || [ -L "$dir/$proof" ]; then
			# Nothing proves the tree PROG's: only what a run makes
			# first may be there.
			[ -z "$(find "$dir" -mindepth 1 -maxdepth 1 "${more[@]}" -printf x 2>/dev/null)" ] || ours=0
		fi
		if [ $ours -eq 0 ]; then
			printf '%s: OUTDIR %s is not empty and was not made by %s (no %s): give a new or empty directory (remove it if it is an old build tree; see --help)\n' \
				"$prog" "$dir" "$prog" "$marker" >&2
			exit 2
		fi
	fi
	mkdir -p -- "$dir"
	printf '%s: made by %s, which deletes and remakes what it made here\n' "$marker" "$prog" >"$dir/$marker"
}
