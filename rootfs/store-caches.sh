# shellcheck shell=bash disable=SC2154  # die, prog, work, deb_cache...: rootfs/build
# What maintainer scripts would have made, made for a store of Debian
# packages instead (sourced by rootfs/build). Each generator runs when the
# store holds its input, with the tool of the same package version as the
# store's library, run by the store's own loader and libraries on the build
# host; its results use the paths of the app's view (/usr/..., /etc/...), and
# are the same bytes on every build. The list, with why each matters:
# docs/images.md, "App stores".
#
# Uses from rootfs/build: die, prog, work, normalise, store_library_path,
# store_loader; from store-pkg.sh: resolve_packages, download_packages,
# usr_merge, relative_symlinks.

# Where the fontconfig caches go, in the app's view: under /usr, which is the
# store's (an app's view does not map the store's /var).
fontconfig_cachedir=/usr/lib/fontconfig/cache

# store_exec DIR PROG ARGS...: runs a glibc program of the store (or of the
# tools tree, $work/tools) with the store's loader and both trees' libraries,
# in an empty environment plus the NAME=VALUE words in $tool_env.
tool_env=()
store_exec() {
	local dir=$1
	shift
	env -i LC_ALL=C PATH=/usr/bin:/bin "${tool_env[@]}" "$dir/$store_loader" --inhibit-cache \
		--library-path "$tool_libpath" "$@"
}

# generated DIR WHAT PATH: records in .appvm/generated what a generator made.
generated() {
	printf '%s %s\n' "$2" "$3" >>"$1/.appvm/generated"
}

# pkg_version PKG LIST: the version of PKG in a package list, or nothing.
pkg_version() {
	awk -v p="$1" '$1 == p { print $2 }' "$2"
}

# fetch_tools NAME DIR PKGS...: the tool packages the generators need that
# the store lacks (fc-cache, gtk-update-icon-cache, ldconfig), unpacked into
# $work/tools, not into the store; sets tool_libpath.
fetch_tools() {
	local name=$1 dir=$2 lp
	shift 2
	local -a tools=() files
	rm -rf "$work/tools"
	mkdir -p "$work/tools"
	[ ! -e "$dir/$store_loader" ] || tools+=(libc-bin)
	if [ -n "$(pkg_version libfontconfig1 "$work/packages")" ] && [ ! -e "$dir/usr/bin/fc-cache" ]; then
		tools+=(fontconfig)
	fi
	if compgen -G "$dir/usr/share/icons/*/index.theme" >/dev/null && [ ! -e "$dir/usr/bin/gtk-update-icon-cache" ]; then
		tools+=(gtk-update-icon-cache)
	fi
	if [ ${#tools[@]} -gt 0 ]; then
		resolve_packages "$name" "$work/tool-packages" "$@" "${tools[@]}"
		download_packages "$name" "$work/tool-packages" "$@" "${tools[@]}" >"$work/tool-debs"
		mapfile -t files <"$work/tool-debs"
		local i=0 pkg ver
		while read -r pkg ver _; do
			if [ "$(pkg_version "$pkg" "$work/packages")" != "$ver" ]; then
				dpkg-deb -x "${files[i]}" "$work/tools" || die "store $name: cannot unpack ${files[i]}"
			fi
			i=$((i + 1))
		done <"$work/tool-packages"
		usr_merge "$name (tools)" "$work/tools"
		relative_symlinks "$work/tools"
		# A tool reads the library its caches are for: the same version.
		local tool lib
		for tool in libc-bin:libc6 fontconfig:libfontconfig1; do
			lib=${tool#*:} tool=${tool%%:*}
			[ -z "$(pkg_version "$tool" "$work/tool-packages")" ] ||
				[ "$(pkg_version "$tool" "$work/tool-packages")" = "$(pkg_version "$lib" "$work/packages")" ] ||
				die "store $name: the archive's $tool $(pkg_version "$tool" "$work/tool-packages") does not match $lib $(pkg_version "$lib" "$work/packages") in the store"
		done
	fi
	tool_libpath=
	[ -e "$dir/$store_loader" ] || return 0
	lp=$(store_library_path "$dir" | tr ':' '\n' | sed "s|^|$dir/|")
	lp+=$'\n'$(store_library_path "$work/tools" | tr ':' '\n' | sed -e '/^$/d' -e "s|^|$work/tools/|")
	tool_libpath=$(printf '%s\n' "$lp" | sed '/^$/d' | paste -sd:)
}

# tool NAME DIR PATH...: the first of the paths (relative) that the store or
# the tools tree has, as a host path; nothing when neither has any.
tool() {
	local dir=$2 p
	shift 2
	for p in "$@"; do
		if [ -x "$dir/$p" ]; then printf '%s\n' "$dir/$p"; return; fi
		if [ -x "$work/tools/$p" ]; then printf '%s\n' "$work/tools/$p"; return; fi
	done
}

# The library directory of the Debian architecture the stores are for.
multiarch=usr/lib/x86_64-linux-gnu

# gen_ld_so_cache NAME DIR: /etc/ld.so.cache, as libc-bin's ldconfig trigger
# makes it: programs find libraries of the directories in
# /etc/ld.so.conf.d without searching.
gen_ld_so_cache() {
	local name=$1 dir=$2 ldconfig
	[ -e "$dir/$store_loader" ] || return 0
	ldconfig=$(tool ldconfig "$dir" usr/sbin/ldconfig)
	[ -n "$ldconfig" ] || die "store $name: no ldconfig (package libc-bin) to make /etc/ld.so.cache with"
	[ "$(id -u)" -eq 0 ] || die "store $name: ldconfig -r needs root (it chroots into the store)"
	[ -e "$dir/etc/ld.so.conf" ] || { mkdir -p "$dir/etc" && printf 'include /etc/ld.so.conf.d/*.conf\n' >"$dir/etc/ld.so.conf"; }
	# ldconfig is static: it runs without the store's loader. -X: the
	# packages' library links stay as they are.
	"$ldconfig" -X -r "$dir" || die "store $name: ldconfig failed"
	rm -rf "$dir/var/cache/ldconfig"
	rmdir -p --ignore-fail-on-non-empty "$dir/var/cache" 2>/dev/null || true
	generated "$dir" ld.so.cache etc/ld.so.cache
}

# gen_fontconfig NAME DIR: font caches for the store's fonts, where the
# store's fontconfig looks first (fontconfig_cachedir, named in a conf.d
# file), and the conf.d links fontconfig-config's postinst makes with its
# default answers (slight hinting, no bitmap fonts).
gen_fontconfig() {
	local name=$1 dir=$2 fc f out
	[ -n "$(pkg_version libfontconfig1 "$work/packages")" ] && [ -f "$dir/etc/fonts/fonts.conf" ] || return 0
	fc=$(tool fc-cache "$dir" usr/bin/fc-cache)
	[ -n "$fc" ] || die "store $name: no fc-cache (package fontconfig) to make the font caches with"
	mkdir -p "$dir/etc/fonts/conf.d"
	for f in 10-hinting-slight.conf 70-no-bitmaps.conf; do
		[ ! -f "$dir/usr/share/fontconfig/conf.avail/$f" ] || [ -e "$dir/etc/fonts/conf.d/$f" ] ||
			ln -s "../../../usr/share/fontconfig/conf.avail/$f" "$dir/etc/fonts/conf.d/$f"
	done
	cat >"$dir/etc/fonts/conf.d/00-appvm-cachedir.conf" <<-EOF
	<?xml version="1.0"?>
	<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
	<!-- Written by appvm's rootfs/build: the font caches made with the store,
	     read-only, valid for the store's fonts at /usr/share/fonts. -->
	<fontconfig>
		<cachedir>$fontconfig_cachedir</cachedir>
	</fontconfig>
	EOF
	# A cache is valid for a directory of the same mtime: the one every
	# file of the image gets.
	normalise "$dir"
	store_exec "$dir" "$fc" --sysroot "$dir" --system-only --force >/dev/null ||
		die "store $name: fc-cache failed"
	# The check: a second run finds every cache valid (nothing rescanned).
	out=$(store_exec "$dir" "$fc" --sysroot "$dir" --system-only --verbose 2>&1) ||
		die "store $name: fc-cache failed: $out"
	! grep -q 'caching, new cache contents' <<<"$out" ||
		die "store $name: the font caches are not valid right after fc-cache made them: $(grep 'caching,' <<<"$out" | head -n 3)"
	[ -d "$dir$fontconfig_cachedir" ] || die "store $name: fc-cache wrote no cache into $fontconfig_cachedir"
	rm -rf "$dir/var/cache/fontconfig"
	generated "$dir" fontconfig "${fontconfig_cachedir#/}"
}

# gen_glib NAME DIR: the compiled GSettings schemas, without which an app
# that reads a setting aborts; GIO's module cache.
gen_glib() {
	local name=$1 dir=$2 t
	local schemas=usr/share/glib-2.0/schemas modules=$multiarch/gio/modules
	if compgen -G "$dir/$schemas/*.gschema.xml" >/dev/null; then
		t=$(tool glib-compile-schemas "$dir" "$multiarch/glib-2.0/glib-compile-schemas" usr/bin/glib-compile-schemas)
		[ -n "$t" ] || die "store $name: $schemas has schemas but the store has no glib-compile-schemas (package libglib2.0-0)"
		store_exec "$dir" "$t" "$dir/$schemas" || die "store $name: glib-compile-schemas failed"
		generated "$dir" gsettings-schemas "$schemas/gschemas.compiled"
	fi
	if compgen -G "$dir/$modules/*.so" >/dev/null; then
		t=$(tool gio-querymodules "$dir" "$multiarch/glib-2.0/gio-querymodules" usr/bin/gio-querymodules)
		[ -n "$t" ] || die "store $name: $modules has modules but the store has no gio-querymodules (package libglib2.0-0)"
		store_exec "$dir" "$t" "$dir/$modules" || die "store $name: gio-querymodules failed"
		generated "$dir" gio-modules "$modules/giomodule.cache"
	fi
}

# module_cache NAME DIR WHAT QUERY MODDIR CACHE: runs a loader query tool on
# the modules of MODDIR (sorted) into CACHE, with the store's paths as the
# app sees them.
module_cache() {
	local name=$1 dir=$2 what=$3 query=$4 moddir=$5 cache=$6 t
	local -a mods
	compgen -G "$dir/$moddir/*.so" >/dev/null || return 0
	t=$(tool "$what" "$dir" "$query")
	[ -n "$t" ] || die "store $name: $moddir has modules but the store has no ${query##*/}"
	mapfile -t mods < <(printf '%s\n' "$dir/$moddir"/*.so | sort)
	store_exec "$dir" "$t" "${mods[@]}" >"$work/module-cache" || die "store $name: ${query##*/} failed"
	# Module paths as the app sees them; no build path stays.
	sed "s|$dir/|/|g" "$work/module-cache" >"$dir/$cache"
	! grep -qF "$dir" "$dir/$cache" || die "store $name: $cache names the build directory"
	generated "$dir" "$what" "$cache"
}

# gen_mime NAME DIR: the shared MIME database (mime.cache and the rest),
# which GLib needs to tell file types and GTK to load icons.
gen_mime() {
	local name=$1 dir=$2 t
	compgen -G "$dir/usr/share/mime/packages/*.xml" >/dev/null || return 0
	t=$(tool update-mime-database "$dir" usr/bin/update-mime-database)
	if [ -z "$t" ]; then
		printf '%s: store %s: no MIME database: the store has no shared-mime-info\n' "$prog" "$name"
		return 0
	fi
	tool_env=(PKGSYSTEM_ENABLE_FSYNC=0)
	store_exec "$dir" "$t" "$dir/usr/share/mime" || die "store $name: update-mime-database failed"
	tool_env=()
	generated "$dir" mime-database usr/share/mime/mime.cache
}

# gen_icons NAME DIR: icon-theme.cache for each icon theme (as
# hicolor-icon-theme's and the themes' triggers make them).
gen_icons() {
	local name=$1 dir=$2 t theme
	for theme in "$dir"/usr/share/icons/*/index.theme; do
		[ -f "$theme" ] || continue
		theme=$(dirname "$theme")
		t=$(tool gtk-update-icon-cache "$dir" usr/bin/gtk-update-icon-cache)
		[ -n "$t" ] || die "store $name: no gtk-update-icon-cache for ${theme#"$dir"}"
		store_exec "$dir" "$t" --force --quiet "$theme" || die "store $name: gtk-update-icon-cache failed on ${theme#"$dir"}"
		generated "$dir" icon-cache "${theme#"$dir/"}/icon-theme.cache"
	done
}

# gen_ca_certificates NAME DIR: the CA bundle update-ca-certificates makes
# from every certificate of ca-certificates (its default answer: trust them
# all), which TLS clients read as /etc/ssl/certs/ca-certificates.crt.
gen_ca_certificates() {
	local name=$1 dir=$2 c
	compgen -G "$dir/usr/share/ca-certificates/*/*.crt" >/dev/null || return 0
	mkdir -p "$dir/etc/ssl/certs"
	(cd "$dir/usr/share/ca-certificates" && find . -name '*.crt' | sed 's|^\./||' | sort) >"$work/certs"
	{
		printf '# Written by appvm'"'"'s rootfs/build: every certificate trusted, as ca-certificates does by default.\n'
		cat "$work/certs"
	} >"$dir/etc/ca-certificates.conf"
	while IFS= read -r c; do
		# shellcheck disable=SC1003 # sed's "append a newline if missing"
		sed -e '$a\' "$dir/usr/share/ca-certificates/$c"
		ln -sfn "../../../usr/share/ca-certificates/$c" "$dir/etc/ssl/certs/$(basename "$c" .crt).pem"
	done <"$work/certs" >"$dir/etc/ssl/certs/ca-certificates.crt"
	generated "$dir" ca-certificates etc/ssl/certs/ca-certificates.crt
}

# store_caches NAME DIR PKGS...: every generator, in a fixed order, for the
# store DIR made of PKGS ($work/packages).
store_caches() {
	local name=$1 dir=$2
	shift 2
	: >"$dir/.appvm/generated"
	fetch_tools "$name" "$dir" "$@"
	gen_ld_so_cache "$name" "$dir"
	if [ -e "$dir/$store_loader" ]; then
		gen_fontconfig "$name" "$dir"
		gen_glib "$name" "$dir"
		module_cache "$name" "$dir" gdk-pixbuf-loaders "$multiarch/gdk-pixbuf-2.0/gdk-pixbuf-query-loaders" \
			"$multiarch/gdk-pixbuf-2.0/2.10.0/loaders" "$multiarch/gdk-pixbuf-2.0/2.10.0/loaders.cache"
		module_cache "$name" "$dir" gtk3-immodules "$multiarch/libgtk-3-0/gtk-query-immodules-3.0" \
			"$multiarch/gtk-3.0/3.0.0/immodules" "$multiarch/gtk-3.0/3.0.0/immodules.cache"
		gen_mime "$name" "$dir"
		gen_icons "$name" "$dir"
	fi
	gen_ca_certificates "$name" "$dir"
	[ -s "$dir/.appvm/generated" ] || rm -f "$dir/.appvm/generated"
	rm -rf "$work/tools"
}
