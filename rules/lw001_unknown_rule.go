package rules

// UnknownRule is LW001. The audit reports it itself, from the pragmas in
// Dockerfiles (Builtin); an unknown rule in .layerwise.yaml is a warning
// with its file and line.
var UnknownRule = Register(&Rule{
	ID: "LW001", Name: "unknown-rule", Severity: Warning, Category: CatCorrectness, Builtin: true,
	Title: "A pragma names a rule that does not exist",
	Cost: `The pragma suppresses nothing: the finding it was meant to silence is still reported, and a typo hides
the intent of the comment.`,
	Description: "`# layerwise ignore=ID[,ID]` and `# layerwise global ignore=ID` take rule IDs as listed in\n" +
		"[the rule index](README.md), and BuildKit's checks as `buildkit/<Name>`. An unknown rule in\n" +
		"`.layerwise.yaml` is reported the same way, with the file and line.",
	Bad:  "# layerwise ignore=LW1O2\nRUN npm ci",
	Good: "# layerwise ignore=LW102\nRUN npm ci",
})
