package dirlist

import (
	"os"
	"testing"
)

func TestTakeOnce(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/a", nil, 0o644)
	ents, _ := os.ReadDir(dir)
	c := New()
	c.Put(dir+"/", ents)
	if got, ok := c.Take(dir); !ok || len(got) != 1 || got[0].Name() != "a" {
		t.Fatalf("take: %v %v", got, ok)
	}
	if _, ok := c.Take(dir); ok {
		t.Error("a listing is handed over once")
	}
	var nilCache *Cache
	nilCache.Put(dir, ents)
	if _, ok := nilCache.Take(dir); ok {
		t.Error("a nil cache holds nothing")
	}
}
