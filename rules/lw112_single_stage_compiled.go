package rules

import "fmt"

var _ = Register(&Rule{
	ID: "LW112", Name: "single-stage-compiled", Severity: Warning, Category: CatSize, Fixable: true,
	Title: "A compiled service is built in the image it ships in",
	Cost:  "The image carries the compiler, the sources, the module cache and intermediate objects: often ten times the size of the artifact.",
	Description: `` + "`go build`" + `, ` + "`cargo build`" + `, ` + "`mvn package`" + `, ` + "`gradle build`" + ` and ` + "`dotnet publish`" + ` produce a self-contained
artifact. Run them in a build stage and copy the artifact alone into a runtime stage; keep the entrypoint, user,
workdir, environment and exposed ports. ` + "`layerwise fix`" + ` does this rewrite for Go when the binary is static.`,
	Bad:   "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/api .\nCMD [\"api\"]",
	Good:  "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/api .\nFROM gcr.io/distroless/static\nCOPY --from=build /out/api /usr/local/bin/api\nCMD [\"api\"]",
	Check: checkSingleStageCompiled,
})

func checkSingleStageCompiled(in *Input) []Finding {
	final := in.finalStage()
	if final == nil {
		return nil
	}
	for _, ins := range in.lineageInstructions(final) {
		for _, inst := range runInstalls(ins) {
			if !inst.Compile || inst.Tool.System {
				continue
			}
			_, w := sdkOf(in.rootBase(final).Base)
			if w == 0 {
				w = 300e6
			}
			msg := fmt.Sprintf("`%s` compiles in the stage that becomes the image: the compiler, sources and caches ship with it (~%s). Build in a separate stage and copy only the artifact.", inst, mb(w))
			return []Finding{in.at("LW112", ins, msg, Cost{ImageBytes: w, Seconds: bytesSeconds(0, w), Basis: "static"})}
		}
	}
	return nil
}
