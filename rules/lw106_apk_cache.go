package rules

import "path"

var _ = Register(&Rule{
	ID: "LW106", Name: "apk-cache", Severity: Info, Category: CatSize, Fixable: true,
	Title: "apk add keeps its index in the image",
	Cost:  "The package index (a few MB) is committed to the layer and shipped with every pull.",
	Description: `` + "`apk add`" + ` without ` + "`--no-cache`" + ` leaves /var/cache/apk in the layer. Either pass ` + "`--no-cache`" + `
(smallest image) or mount a cache at /var/cache/apk (fastest rebuilds; the cache stays out of the image).`,
	Bad:   "RUN apk add curl",
	Good:  "RUN --mount=type=cache,target=/var/cache/apk apk add curl",
	Check: checkApkCache,
})

func checkApkCache(in *Input) []Finding {
	var out []Finding
	for ins, c := range in.commands() {
		if path.Base(c.Name) != "apk" || first(c) != "add" || c.HasArg("--no-cache") || mountCovers(ins, "/var/cache/apk") {
			continue
		}
		out = append(out, in.at("LW106", ins, "`apk add` without `--no-cache` or a cache mount on /var/cache/apk leaves the package index in the image.",
			Cost{ImageBytes: 3e6, Seconds: bytesSeconds(0, 3e6), Basis: "static"}))
	}
	return out
}
