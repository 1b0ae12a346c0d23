# shellcheck shell=bash disable=SC2154  # die, prog, work, deb_cache...: rootfs/build
# Stores from Debian packages, sourced by rootfs/build: resolving and fetching
# packages, unpacking them without their maintainer scripts, the merged-/usr
# layout, and the refusal of packages that cannot work without their scripts.
# docs/images.md, "Stores from Debian packages, by name" and "App stores".
#
# Uses from rootfs/build: die, prog, work, deb_cache, SOURCE_DATE_EPOCH.

# The directories Debian's merged-/usr layout keeps in /usr only, with a link
# at the top (as usrmerge does).
usr_merged_dirs=(bin sbin lib lib32 lib64 libx32)

# usr_path PATH: PATH as it is in a merged-/usr tree (/lib/x -> /usr/lib/x).
usr_path() {
	local d
	for d in "${usr_merged_dirs[@]}"; do
		case $1 in
		"/$d" | "/$d"/*) printf '/usr%s\n' "$1"; return ;;
		esac
	done
	printf '%s\n' "$1"
}

# Essential packages are no one's dependency (apt assumes every system has
# them). This one comes with every package store, as programs rely on it
# without saying so: libc-bin, with the C.UTF-8 locale (foot, for one, will
# not start without a UTF-8 locale) and ldconfig. Others (a shell, coreutils)
# are named like any package when an app needs them.
store_implicit=(libc-bin)

# Packages whose maintainer scripts build something the package cannot work
# without, which rootfs/build does not build instead: a store holding one
# fails, naming it and why. (The scripts rootfs/build does replicate:
# store-caches.sh.)
declare -A pkg_needs_scripts=(
	[tex-common]="TeX's formats, font maps and file database are made by its maintainer scripts and triggers (fmtutil, updmap, mktexlsr)"
	[ca-certificates-java]="Java's trust store (/etc/ssl/certs/java/cacerts) is made by its maintainer scripts"
	[sgml-base]="the SGML catalog (/etc/sgml/catalog) is assembled by maintainer scripts"
	[xml-core]="the XML catalog (/etc/xml/catalog) is assembled by maintainer scripts"
)

# The apt command that sees an empty system: its own dpkg status, the
# package cache, no recommends; the system's apt configuration and state are
# left alone.
apt_empty() {
	local status=$work/dpkg-status.empty
	: >"$status"
	apt-get -q -o "Dir::State::status=$status" -o "Dir::Cache::archives=$deb_cache" \
		-o Debug::NoLocking=1 -o APT::Sandbox::User=root -o APT::Install-Recommends=false \
		-o APT::Install-Suggests=false "$@"
}

# resolve_packages NAME LIST PKGS...: resolves the packages (and
# store_implicit) and every dependency as on a system where nothing is
# installed; writes "NAME VERSION ARCH" lines to LIST, sorted. Nothing is
# downloaded. apt's reasons are printed when it cannot.
resolve_packages() {
	local name=$1 list=$2 out
	shift 2
	out=$(apt_empty -s install "$@" "${store_implicit[@]}" 2>&1) ||
		{ printf '%s\n' "$out" | grep -E '^(E:| )' >&2; die "store $name: apt cannot resolve $*"; }
	# "Inst NAME (VERSION ARCHIVE [ARCH])"
	awk '$1 == "Inst" { v = $3; sub(/^\(/, "", v); a = ""
		if (match($0, /\[[a-z0-9]+\]\)/)) a = substr($0, RSTART + 1, RLENGTH - 3)
		print $2, v, a }' \
		<<<"$out" | sort >"$list"
	[ -s "$list" ] || die "store $name: apt resolved nothing for $*"
}

# download_packages NAME LIST PKGS...: the package files of LIST (resolved
# from PKGS), downloaded into the cache unless they are there; prints them,
# one per line, in LIST's order.
download_packages() {
	local name=$1 list=$2 pkg ver arch deb missing=0
	shift 2
	mkdir -p "$deb_cache/partial" || die "cannot create the package cache $deb_cache"
	while read -r pkg ver arch; do
		[ -f "$deb_cache/${pkg}_${ver//:/%3a}_$arch.deb" ] || missing=1
	done <"$list"
	# One download at a time into the shared cache (none when it has them all).
	[ $missing -eq 0 ] || (
		flock 9
		apt_empty -qq -y --download-only install "$@" "${store_implicit[@]}" >"$work/apt-download.log" 2>&1 ||
			{ cat "$work/apt-download.log" >&2; exit 1; }
	) 9>"$deb_cache/.lock" || die "store $name: downloading the packages failed"
	while read -r pkg ver arch; do
		deb=$deb_cache/${pkg}_${ver//:/%3a}_$arch.deb
		[ -f "$deb" ] || die "store $name: $pkg $ver was not downloaded (expected $deb)"
		printf '%s\n' "$deb"
	done <"$list"
}

# check_denied NAME LIST: fails on a package that cannot work without its
# maintainer scripts (pkg_needs_scripts), before anything is downloaded.
check_denied() {
	local pkg
	while read -r pkg _; do
		[ -z "${pkg_needs_scripts[$pkg]:-}" ] ||
			die "store $1: package $pkg cannot work without its maintainer scripts, which stores do not run: ${pkg_needs_scripts[$pkg]}"
	done <"$2"
}

# same_entry A B: A and B are the same symlink or files of the same content.
same_entry() {
	if [ -L "$1" ] || [ -L "$2" ]; then
		[ -L "$1" ] && [ -L "$2" ] && [ "$(readlink "$1")" = "$(readlink "$2")" ]
	else
		[ -f "$1" ] && [ -f "$2" ] && cmp -s "$1" "$2"
	fi
}

# unpack_packages NAME DIR LIST DEBS...: dpkg-deb -x of each package into DIR,
# in order, keeping their control files under $work/control/PKG. A path that
# two packages ship with different contents fails: on an installed system a
# diversion or an alternative in a maintainer script decides which one is
# used, and a store cannot know.
unpack_packages() {
	local name=$1 dir=$2 list=$3 deb pkg earlier path i=0
	shift 3
	local -a names
	mapfile -t names < <(cut -d' ' -f1 "$list")
	rm -rf "$work/control" "$work/dup"
	mkdir -p "$work/control"
	for deb in "$@"; do
		pkg=${names[i]}
		i=$((i + 1))
		dpkg-deb -e "$deb" "$work/control/$pkg" || die "store $name: cannot read the control files of $deb"
		# Unpacked and listed in one go.
		dpkg-deb -X "$deb" "$dir" >"$work/unpacked" || die "store $name: cannot unpack $deb"
		sed "s|^|$pkg |" "$work/unpacked"
	done >"$work/contents"
	# "EARLIER PATH" for every file a later package unpacked over.
	awk '$2 !~ /\/$/ { p = substr($0, length($1) + 2); sub(/^\.\//, "", p)
		if (p in owner) print owner[p], p; owner[p] = $1 }' "$work/contents" >"$work/dups"
	while read -r earlier path; do
		deb=$(grep -n -x -F "$earlier" <(printf '%s\n' "${names[@]}") | cut -d: -f1)
		[ -d "$work/dup/$earlier" ] || { mkdir -p "$work/dup/$earlier" && dpkg-deb -x "${*:deb:1}" "$work/dup/$earlier"; } ||
			die "store $name: cannot unpack $earlier"
		same_entry "$work/dup/$earlier/$path" "$dir/$path" ||
			die "store $name: packages $earlier and $(awk -v p="./$path" 'substr($0, length($1) + 2) == p { o = $1 } END { print o }' "$work/contents") both ship /$path, differently (an installed system decides between them in maintainer scripts, with a diversion or an alternative; a store cannot)"
	done <"$work/dups"
	rm -rf "$work/dup"
}

# check_maintainer_scripts NAME LIST: writes $work/scripts-skipped: one line per package whose scripts or triggers do
# something rootfs/build neither replicates nor considers irrelevant to an
# app in a VM, with what they do.
check_maintainer_scripts() {
	local list=$2 pkg ctl what
	: >"$work/scripts-skipped"
	while read -r pkg _; do
		ctl=$work/control/$pkg
		what=$(
			cat "$ctl/preinst" "$ctl/postinst" 2>/dev/null | sed 's/#.*//' |
				grep -oE '(^|[^[:alnum:]_-])(update-alternatives|adduser|addgroup|useradd|groupadd|systemd-sysusers|ucf|dpkg-divert)([^[:alnum:]_-]|$)' |
				sed -E 's/^[^[:alpha:]]*//; s/[^[:alpha:]]*$//' | sort -u | paste -sd, -
			[ ! -f "$ctl/triggers" ] || awk '$1 ~ /^interest/ { print $2 }' "$ctl/triggers" |
				while IFS= read -r t; do trigger_replicated "$t" || printf 'trigger %s\n' "$t"; done
		)
		[ -z "$what" ] || printf '%s: %s\n' "$pkg" "$(printf '%s\n' "$what" | paste -sd';' - | sed 's/^;//')" >>"$work/scripts-skipped"
	done <"$list"
}

# trigger_replicated PATH: true for a file trigger whose work rootfs/build
# does (store-caches.sh) or that concerns nothing a store keeps (manual pages,
# info pages, documentation).
trigger_replicated() {
	case $1 in
	/usr/share/fonts* | /usr/share/ghostscript/fonts | /usr/share/texmf/fonts) ;;
	/usr/share/glib-2.0/schemas | /usr/lib/*/gio/modules) ;;
	/usr/lib/gdk-pixbuf-2.0/* | /usr/lib/*/gdk-pixbuf-2.0/*) ;;
	/usr/share/mime/packages | /usr/share/icons/*) ;;
	/usr/lib/*/gtk-3.0/3.0.0/immodules) ;;
	update-ca-certificates | update-ca-certificates-fresh) ;;
	/usr/share/man* | /usr/share/info* | /usr/share/doc* | /usr/share/lintian*) ;;
	ldconfig) ;;
	*) return 1 ;;
	esac
}

# usr_merge NAME DIR: Debian's merged-/usr layout: the contents of /bin,
# /sbin and /lib* move into /usr, and those become links (bin -> usr/bin).
# An app's view of its store (docs/images.md, "App stores") maps only the
# store's /usr, and programs reach the loader as /lib64/ld-linux-x86-64.so.2.
# A path in both places is kept once when both are the same (or one is a
# link to the other); otherwise the build fails naming it.
usr_merge() {
	local name=$1 dir=$2 d f t rel dest
	for d in "${usr_merged_dirs[@]}"; do
		if [ -L "$dir/$d" ]; then
			[ "$(readlink "$dir/$d")" = "usr/$d" ] ||
				die "store $name: /$d is a link to $(readlink "$dir/$d"), not to usr/$d"
			continue
		fi
		[ -e "$dir/$d" ] || continue
		[ -d "$dir/$d" ] || die "store $name: /$d is not a directory"
		# A relative link keeps its target: rewritten as an absolute path
		# (relative_symlinks makes it relative again, from its new place).
		while IFS= read -r -d '' f; do
			t=$(readlink "$f")
			[[ $t == /* ]] || t=$(realpath -m -s "$(dirname "${f#"$dir"}")/$t")
			ln -sfn "$(usr_path "$t")" "$f"
		done < <(find "$dir/$d" -type l -print0)
		while IFS= read -r -d '' f; do
			rel=${f#"$dir/$d/"}
			dest=$dir/usr/$d/$rel
			if [ -e "$dest" ] || [ -L "$dest" ]; then
				t=
				if [ -L "$dest" ]; then
					t=$(readlink "$dest")
					[[ $t == /* ]] || t=$(realpath -m -s "$(dirname "/usr/$d/$rel")/$t")
				fi
				if [ -n "$t" ] && [ "$(usr_path "$t")" = "/usr/$d/$rel" ]; then
					mv -f "$f" "$dest" # the /usr path was a compatibility link
				elif [ -L "$f" ] && [ "$(readlink "$f")" = "/usr/$d/$rel" ]; then
					rm -f "$f"
				else
					same_entry "$f" "$dest" ||
						die "store $name: /$d/$rel and /usr/$d/$rel differ: a merged-/usr store cannot hold both"
				fi
				continue
			fi
			mkdir -p "$(dirname "$dest")"
			mv "$f" "$dest"
		done < <(find "$dir/$d" ! -type d -print0 | sort -z)
		(cd "$dir/$d" && find . -mindepth 1 -type d -print0) |
			(mkdir -p "$dir/usr/$d" && cd "$dir/usr/$d" && xargs -0 -r mkdir -p)
		rm -rf "${dir:?}/$d"
		ln -s "usr/$d" "$dir/$d"
	done
}

# relative_symlinks DIR: every absolute symlink in DIR points to the same
# path inside DIR instead (packages assume they are installed at /).
relative_symlinks() {
	local dir=$1 l t
	while IFS= read -r -d '' l; do
		t=$(readlink "$l")
		[ ! -L "$dir/usr" ] && [ -d "$dir/usr" ] && [ -L "$dir/lib" ] && t=$(usr_path "$t")
		ln -sfn "$(realpath -m -s --relative-to="$(dirname "$l")" "$dir$t")" "$l"
	done < <(find "$dir" -type l -lname '/*' -print0 | sort -z)
}

# prune_docs DIR: what a store does not need to run: manual pages, info
# pages and documentation (copyright files stay).
prune_docs() {
	local dir=$1
	rm -rf "$dir/usr/share/man" "$dir/usr/share/info" "$dir/usr/share/lintian"
	[ -d "$dir/usr/share/doc" ] || return 0
	find "$dir/usr/share/doc" -mindepth 1 \( -type f -o -type l \) ! -name copyright -delete
	find "$dir/usr/share/doc" -mindepth 1 -type d -empty -delete
}

# package_store NAME DIR PKGS...: DIR holds the packages and their
# dependencies, unpacked, merged-/usr, with the caches their maintainer
# scripts would have made (store-caches.sh), and .appvm/packages.
package_store() {
	local name=$1 dir=$2
	shift 2
	local -a files
	resolve_packages "$name" "$work/packages" "$@"
	check_denied "$name" "$work/packages"
	download_packages "$name" "$work/packages" "$@" >"$work/debs"
	mapfile -t files <"$work/debs"
	rm -rf "$dir"
	mkdir -p "$dir"
	unpack_packages "$name" "$dir" "$work/packages" "${files[@]}"
	check_maintainer_scripts "$name" "$work/packages"
	usr_merge "$name" "$dir"
	relative_symlinks "$dir"
	prune_docs "$dir"
	mkdir -p "$dir/.appvm"
	cut -d' ' -f1,2 "$work/packages" >"$dir/.appvm/packages"
	store_caches "$name" "$dir" "$@"
	if [ -s "$work/scripts-skipped" ]; then
		printf '%s: store %s: maintainer scripts not replicated (docs/images.md, "App stores"):\n' "$prog" "$name"
		sed 's/^/    /' "$work/scripts-skipped"
	fi
	printf '%s: store %s: %s packages for %s (and %s)\n' "$prog" "$name" "${#files[@]}" "$*" "${store_implicit[*]}"
}
