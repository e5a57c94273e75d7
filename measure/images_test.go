package measure

import (
	"context"
	"testing"

	"github.com/layerwise/layerwise/discover"
	"github.com/layerwise/layerwise/dockerfile"
)

// Images that cannot be built are failures, and the loop goes on.
func TestImagesSkipsWhatCannotBuild(t *testing.T) {
	ims := []*discover.Image{
		{Name: "broken", Error: &dockerfile.Error{File: "Dockerfile", Line: 2, Message: "unknown instruction"}},
		{Name: "unread"},
	}
	ms, failures, err := Images(context.Background(), ims, Options{})
	if err != nil || len(ms) != 0 || len(failures) != 2 {
		t.Fatalf("ms %v failures %+v err %v", ms, failures, err)
	}
	if !failures[0].Skipped || failures[0].Image != "broken" || failures[1].Reason != "its Dockerfile could not be read" {
		t.Errorf("failures %+v", failures)
	}
}
