package rules

// ParseError is LW000. The audit reports it itself, from BuildKit's
// parser (Builtin): there is no model to check.
var ParseError = Register(&Rule{
	ID: "LW000", Name: "parse-error", Severity: Error, Category: CatCorrectness, Builtin: true,
	Title: "The Dockerfile cannot be parsed",
	Cost:  "The build fails. Nothing else about this Dockerfile can be checked until BuildKit's parser accepts it.",
	Description: `layerwise parses Dockerfiles with BuildKit's own parser, so this is the error the builder would give, at
the same line and column. An error in one instruction does not hide the rest: the other instructions are
still modelled and checked, and the other images of the repository are audited as usual.`,
	Bad:  "FROM alpine:3.20\nCOPY app.tar.gz",
	Good: "FROM alpine:3.20\nCOPY app.tar.gz /srv/",
})
