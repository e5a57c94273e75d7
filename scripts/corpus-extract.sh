#!/usr/bin/env bash
# Extracts the real-world corpus (testdata/corpus.tsv: repository, commit)
# from fetched snapshots into OUT_DIR, one directory per repository. The
# snapshots come from the search tool's `fetch` (MIRROR_DIR/owner+name/repo);
# nobody's files are committed here, only the list.
#   scripts/corpus-extract.sh [MIRROR_DIR] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
mirror=${1:-/work/.mirror}
out=${2:-/tmp/layerwise-corpus}
mkdir -p "$out"
missing=0
while IFS=$'\t' read -r repo commit _; do
	case "$repo" in '#'*|'') continue ;; esac
	name=${repo/\//+}
	git_dir="$mirror/$name/repo"
	[ -d "$git_dir/.git" ] && git_dir="$git_dir/.git"
	if ! git --git-dir="$git_dir" cat-file -e "$commit^{commit}" 2>/dev/null; then
		echo "corpus: $repo@$commit is not in $mirror (fetch it first)" >&2
		missing=$((missing + 1))
		continue
	fi
	rm -rf "${out:?}/$name"
	mkdir -p "$out/$name"
	# snapshots lack files of 4 MiB and more: leave those out of the archive
	excludes=()
	while IFS= read -r p; do
		excludes+=(":(exclude,literal)$p")
	done < <(git --git-dir="$git_dir" ls-tree -r "$commit" | awk -F'\t' '$1 ~ / blob / {split($1, a, " "); print a[3] "\t" $2}' |
		while IFS=$'\t' read -r sha path; do
			git --git-dir="$git_dir" cat-file -e "$sha" 2>/dev/null || printf '%s\n' "$path"
		done)
	# --worktree-attributes: the snapshot has no work tree, so the tree's
	# own .gitattributes (export-ignore of scripts/, docker/ ...) is not
	# applied: the corpus holds every committed file, as a checkout does
	git --git-dir="$git_dir" archive --worktree-attributes "$commit" -- . "${excludes[@]}" | tar -x -C "$out/$name"
done < testdata/corpus.tsv
echo "corpus: extracted into $out ($missing missing)"
