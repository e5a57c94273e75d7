package rules

import (
	"fmt"
)

var _ = Register(&Rule{
	ID: "LW123", Name: "sensitive-file-in-context", Severity: Error, Category: CatSecurity, ContextOnly: true,
	FixesIgnore: true,
	Title:       "A file that holds secrets is sent to the builder",
	Cost:        "Secrets leave the developer's machine on every build and, with a broad COPY, end up in image layers that anyone who can pull the image can read.",
	Description: `Environment files, private keys, cloud and registry credentials, Terraform state and VCS history
do not belong in a build context. Exclude them in ` + "`.dockerignore`" + ` and pass what the build needs as
` + "`RUN --mount=type=secret`" + `.`,
	Bad:   ".env sent in the context",
	Good:  ".dockerignore: .env*",
	Check: checkSensitive,
})

func checkSensitive(in *Input) []Finding {
	c := in.Context
	if c == nil {
		return nil
	}
	var out []Finding
	for _, s := range c.Sensitive {
		out = append(out, in.contextFinding("LW123", fmt.Sprintf("%s is sent to the builder: %s. Exclude it and use a secret mount if the build needs it.", s.Path, s.Reason), Cost{}))
	}
	return out
}
