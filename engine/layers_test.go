package engine

import "testing"

func TestAttachLayers(t *testing.T) {
	// the steps of a two-stage build as the progress names them, and the
	// final image's history as Engine 20.10 and buildkitd record it
	names := []string{
		"[internal] load build context",
		"[b 1/2] FROM 127.0.0.1:5000/busybox:1.36",
		"[b 2/2] RUN echo $X > /x",
		"[stage-1 2/7] WORKDIR /app",
		"[stage-1 3/7] RUN --mount=type=cache,target=/root/.cache head -c 300000 /dev/urandom > /blob",
		"[stage-1 4/7] COPY --from=b /x /x",
		"[stage-1 5/7] COPY --chown=1:1 Dockerfile ./",
		"[stage-1 6/7] RUN [\"sh\", \"-c\", \"true\"]",
		"[stage-1 7/7] RUN echo $ARG",
		"[stage-1 8/8] RUN set -e; ls /",
		"[stage-1 9/9] RUN <<EOF",
	}
	hist := []HistoryEntry{
		{CreatedBy: "/bin/sh -c #(nop) ADD file:abc in / ", Bytes: 2205178}, // the base's own
		{CreatedBy: "RUN /bin/sh -c echo $X > /x # buildkit", Bytes: 7},     // as if the base had one too
		{CreatedBy: "RUN /bin/sh -c apt-get update # buildkit", Bytes: 9},   // the base's newest: matching stops here
		{CreatedBy: "ENV A=1"},
		{CreatedBy: "WORKDIR /app", Bytes: 93},
		{CreatedBy: "RUN /bin/sh -c head -c 300000 /dev/urandom > /blob # buildkit", Bytes: 300000},
		{CreatedBy: "COPY /x /x # buildkit", Bytes: 2},
		{CreatedBy: "COPY Dockerfile ./ # buildkit", Bytes: 216},
		{CreatedBy: "RUN sh -c true # buildkit", Bytes: 4},
		{CreatedBy: "RUN |1 ARG=1 /bin/sh -c echo $ARG # buildkit", Bytes: 5},
		{CreatedBy: "RUN /bin/bash -o pipefail -c set -e; ls / # buildkit", Bytes: 6},
		{CreatedBy: "RUN /bin/sh -c <<EOF\necho\nEOF # buildkit", Bytes: 11},
		{CreatedBy: `CMD ["sh"]`},
	}
	res := &Result{}
	for _, n := range names {
		res.Steps = append(res.Steps, StepOf(n))
	}
	res.AttachLayers(hist)
	want := map[string]int64{
		"b#2 RUN echo $X > /x":                     0, // the builder stage is not in the image
		"stage-1#2 WORKDIR /app":                   93,
		"stage-1#4 COPY --from=b /x /x":            2,
		"stage-1#5 COPY --chown=1:1 Dockerfile ./": 216,
		`stage-1#6 RUN ["sh", "-c", "true"]`:       4,
		"stage-1#7 RUN echo $ARG":                  5,
		"stage-1#8 RUN set -e; ls /":               6,
	}
	got := map[string]int64{}
	for _, s := range res.Steps {
		got[string(s.Key)] = s.LayerBytes
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: layer bytes %d, want %d", k, got[k], v)
		}
	}
	if b := got["stage-1#3 RUN --mount=type=cache,target=/root/.cache head -c 300000 /dev/urandom > /blob"]; b != 300000 {
		t.Errorf("the RUN with a mount: %d, want 300000 (all: %v)", b, got)
	}
}

func TestAttachLayersSameTextInTwoStages(t *testing.T) {
	// the same COPY in the builder and in the final stage: the final
	// stage's (the one the image was made of) gets the layer
	res := &Result{}
	for _, n := range []string{"[build 2/3] COPY . .", "[build 3/3] RUN make", "[stage-1 2/3] COPY . .", "[stage-1 3/3] RUN ls"} {
		res.Steps = append(res.Steps, StepOf(n))
	}
	res.AttachLayers([]HistoryEntry{{CreatedBy: "COPY . . # buildkit", Bytes: 10}, {CreatedBy: "RUN /bin/sh -c ls # buildkit", Bytes: 1}})
	if res.Steps[0].LayerBytes != 0 || res.Steps[2].LayerBytes != 10 || res.Steps[3].LayerBytes != 1 {
		t.Errorf("layers: %+v", res.Steps)
	}
}
