package rules

import (
	"strings"
	"testing"
)

func repoInputs(t *testing.T, srcs ...string) []*Input {
	var ins []*Input
	for i, s := range srcs {
		in := input(t, s)
		in.Image = string(rune('a' + i))
		ins = append(ins, in)
	}
	return ins
}

func TestLW110BaseTagDrift(t *testing.T) {
	r := Get("LW110")
	catches := [][]string{
		{"FROM node:20\n", "FROM node:20.11\n"},
		{"FROM node:20\n", "FROM node:20\n", "FROM docker.io/library/node:18\n"},
		{"FROM python:3.12-slim\n", "FROM python:3.11-slim AS b\nFROM b\n"},
		{"FROM golang:1.22 AS b\nFROM debian:12\n", "FROM debian:bookworm-slim\n"},
		{"FROM golang:1.22 AS b\nFROM scratch\n", "FROM golang:1.21 AS b\nFROM scratch\n"},
		{"FROM node\n", "FROM node:20\n"},
	}
	for _, c := range catches {
		if fs := r.RunRepo(repoInputs(t, c...)); len(fs) == 0 {
			t.Errorf("should catch %q", c)
		}
	}
	notCatches := [][]string{
		{"FROM node:20\n", "FROM node:20\n"},
		{"FROM node:20\n", "FROM python:3.12\n"},
		{"FROM node:20\n"},
		{"FROM golang:1.22 AS b\nFROM b\n", "FROM golang:1.22\n"},
		{"FROM scratch\n", "FROM scratch\n"},
		{"FROM node:20 AS build\nFROM node:20-slim\n"},
		{"FROM node:20 AS build\nFROM node:20-slim\n", "FROM node:20 AS build\nFROM node:20-slim\n"},
	}
	for _, c := range notCatches {
		if fs := r.RunRepo(repoInputs(t, c...)); len(fs) != 0 {
			t.Errorf("should not catch %q: %s", c, fs[0].Message)
		}
	}
	// the finding lands on the odd one out
	fs := r.RunRepo(repoInputs(t, "FROM node:20\n", "FROM node:20\n", "FROM node:18\n"))
	if len(fs) != 1 || fs[0].Image != "c" {
		t.Errorf("findings %+v", fs)
	}
}

// TestLW110NamesTagsNotDigestsAsTags: a pinned reference is shown with its
// tag, and a digest with @, never as repo:sha256:...
func TestLW110NamesTagsNotDigestsAsTags(t *testing.T) {
	d := "sha256:" + strings.Repeat("a", 64)
	fs := Get("LW110").RunRepo(repoInputs(t, "FROM node:20@"+d+"\n", "FROM node:18\n", "FROM node@"+d+"\n"))
	if len(fs) == 0 {
		t.Fatal("no finding")
	}
	msg := fs[0].Message
	if strings.Contains(msg, "node:sha256") || !strings.Contains(msg, "node:20@sha256:") || !strings.Contains(msg, "node@sha256:") {
		t.Errorf("message %q", msg)
	}
}
