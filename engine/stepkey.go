package engine

import (
	"strconv"
	"strings"
)

// StepKey names a build step the same way in every package and every
// record: "STAGE#N TEXT" — the stage as BuildKit's progress names it, the
// step's index in it, and the instruction with its blanks collapsed
// ("build#3 RUN go mod download"). It is stable across builds of the same
// Dockerfile (a vertex digest is not: downstream of the context it carries
// the session). Internal steps (the context transfer, the export) have a
// key without stage or index: their name.
type StepKey string

// MakeStepKey is the key of a stage's Nth step.
func MakeStepKey(stage string, index int, text string) StepKey {
	return StepKey(stage + "#" + strconv.Itoa(index) + " " + strings.Join(strings.Fields(text), " "))
}

// Parts splits the key; ok is false for an internal step's key.
func (k StepKey) Parts() (stage string, index int, text string, ok bool) {
	stage, rest, found := strings.Cut(string(k), "#")
	if !found {
		return "", 0, "", false
	}
	n, text, found := strings.Cut(rest, " ")
	i, err := strconv.Atoi(n)
	if !found || err != nil {
		return "", 0, "", false
	}
	return stage, i, text, true
}

// Stage is the key's stage ("" for an internal step).
func (k StepKey) Stage() string {
	s, _, _, _ := k.Parts()
	return s
}

// Text is the instruction (an internal step's whole name).
func (k StepKey) Text() string {
	if _, _, t, ok := k.Parts(); ok {
		return t
	}
	return string(k)
}

// ID is "STAGE|TEXT": the same step across builds in which a line added
// above it moved its index.
func (k StepKey) ID() string { return k.Stage() + "|" + k.Text() }
