// Package releasetest holds the test of the release build: see
// release_test.go. It has no code of its own.
package releasetest
