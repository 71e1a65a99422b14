#!/bin/sh
# Prints the Debian mirror this machine's apt already uses, for debootstrap.
# Read from the apt sources rather than hard-coded: the machines that run the e2e suite
# reach only the mirror they are configured for.
set -eu
suite="${1:-bookworm}"
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	# deb822 stanzas: take the URIs of the first stanza whose Suites list the suite itself.
	awk -v suite="$suite" '
		BEGIN { RS=""; FS="\n" }
		{
			uris=""; suites=""; types=""
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^URIs:/) { uris=$i; sub(/^URIs:[ \t]*/, "", uris) }
				if ($i ~ /^Suites:/) { suites=" " $i " "; sub(/^ Suites:/, "", suites) }
				if ($i ~ /^Types:/) { types=$i }
			}
			if (types ~ /deb( |$)/ && (" " suites " ") ~ (" " suite " ")) { split(uris, u, " "); print u[1]; exit }
		}' "$f"
done | head -n 1 | grep . && exit 0
# One-line format: "deb [options] URI suite components".
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	sed -e 's/\[[^]]*\]//' "$f" | awk -v suite="$suite" '$1 == "deb" && $3 == suite { print $2; exit }'
done | head -n 1 | grep . && exit 0
echo "no apt source for suite $suite in /etc/apt/sources.list or /etc/apt/sources.list.d/" >&2
exit 1
