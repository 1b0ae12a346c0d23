# shellcheck shell=bash
# Sourced by the build scripts that delete and remake parts of the OUTDIR a
# user names (kernel-config/build, scripts/musl-deps): they take a directory
# only when nothing in it can be someone else's.
#
# outdir_take PROG DIR MARKER [OLD-FILE...]: DIR is taken when it does not
# exist, is an empty directory, or holds MARKER (a file PROG writes when it
# first takes a directory) or one of the OLD-FILEs holding nothing but a hash
# (what PROG's versions before MARKER left, e.g. its cache key); then DIR is
# made and MARKER written. Otherwise one line on stderr and exit status 2,
# with DIR untouched.
outdir_take() {
	local prog=$1 dir=$2 marker=$3 entries old
	shift 3
	if [ -e "$dir" ] && [ ! -d "$dir" ]; then
		printf '%s: OUTDIR %s exists and is not a directory (see --help)\n' "$prog" "$dir" >&2
		exit 2
	fi
	if [ -d "$dir" ] && [ ! -f "$dir/$marker" ]; then
		entries=$(ls -A -- "$dir" 2>/dev/null) || {
			printf '%s: cannot read OUTDIR %s (see --help)\n' "$prog" "$dir" >&2
			exit 2
		}
		for old; do
			if grep -qsxE '[0-9a-f]{24}|[0-9a-f]{64}' "$dir/$old"; then entries=; fi
		done
		if [ -n "$entries" ]; then
			printf '%s: OUTDIR %s is not empty and was not made by %s (no %s): give a new or empty directory (see --help)\n' \
				"$prog" "$dir" "$prog" "$marker" >&2
			exit 2
		fi
	fi
	mkdir -p -- "$dir"
	printf '%s: made by %s, which deletes and remakes what it made here\n' "$marker" "$prog" >"$dir/$marker"
}
