package rules

import "path"

// ApkCache is LW106.
var ApkCache = Register(&Rule{
	ID: "LW106", Name: "apk-cache", Severity: Info, Category: CatSize,
	Title: "apk add keeps its index in the image",
	Cost:  "The package index (a few MB) is committed to the layer and shipped with every pull.",
	Description: `` + "`apk add`" + ` without ` + "`--no-cache`" + ` leaves the package index in /var/cache/apk, in the layer. Either pass
` + "`--no-cache`" + ` (smallest image) or mount a cache at /etc/apk/cache, where apk keeps packages and index once the
directory exists, and pass ` + "`--update-cache`" + ` so that the cached index is refreshed (fastest rebuilds; the cache stays out
of the image). A mount on /var/cache/apk keeps the index out of the image too, but caches no package.

This rule has no rewrite of its own: ` + "`layerwise fix`" + ` resolves it through LW102, whose cache mount for apk is that one.`,
	Bad:   "RUN apk add curl",
	Good:  "RUN --mount=type=cache,target=/etc/apk/cache apk add --update-cache curl",
	Check: checkApkCache,
})

func checkApkCache(in *Input) []Finding {
	var out []Finding
	for ins, c := range in.commands() {
		if path.Base(c.Name) != "apk" || first(c) != "add" || c.HasArg("--no-cache") || mountCovers(ins, "/var/cache/apk") || mountCovers(ins, apkCacheDir) {
			continue
		}
		out = append(out, in.at(ins, "`apk add` without `--no-cache` or a cache mount on /var/cache/apk leaves the package index in the image.",
			Cost{ImageBytes: 3e6, Seconds: bytesSeconds(0, 3e6), Basis: "static"}))
	}
	return out
}
