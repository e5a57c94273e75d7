package rules

import (
	"strings"
	"testing"
)

func TestLW151RootUser(t *testing.T) {
	ruleCatches(t, "LW151",
		"FROM node:20-slim\nWORKDIR /app\nCOPY . .\nCMD [\"node\", \"server.js\"]\n",
		"FROM python:3.12-slim\nCOPY . /app\nCMD [\"python\", \"/app/main.py\"]\n",
		"FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n",
		"FROM gcr.io/distroless/static-debian12\nCOPY app /app\nENTRYPOINT [\"/app\"]\n",
		"FROM node:20\nUSER node\nRUN npm ci\nUSER root\nCMD [\"node\", \"s.js\"]\n",
		"FROM alpine:3.20\nUSER 0:0\nCMD [\"/usr/bin/app\", \"serve\"]\n",
		"FROM debian:12-slim AS base\nRUN apt-get update\nFROM base\nEXPOSE 8080\n",
	)
	ruleCatchesNot(t, "LW151",
		// a non-root user, here or in the stage built FROM
		"FROM node:20-slim\nUSER node\nCMD [\"node\", \"s.js\"]\n",
		"FROM debian:12 AS base\nRUN useradd app\nUSER app\nFROM base\nCMD [\"app\"]\n",
		"FROM gcr.io/distroless/static-debian12:nonroot\nCOPY app /app\n",
		"FROM scratch\nCOPY app /app\nUSER 65532:65532\n",
		// the base's user is unknown
		"FROM registry.example.com/team/base:1\nCMD [\"app\"]\n",
		// root by design: the service drops privileges itself
		"FROM nginx:1.27\nCOPY site /usr/share/nginx/html\n",
		"FROM postgres:16\nCOPY init.sql /docker-entrypoint-initdb.d/\n",
		"FROM debian:12\nRUN apt-get install -y gosu\nENTRYPOINT [\"/entrypoint.sh\"]\n",
		"FROM alpine:3\nRUN apk add su-exec\nCMD [\"app\"]\n",
		"FROM ubuntu:24.04\nADD s6-overlay.tar /\nENTRYPOINT [\"/init\"]\n",
		// base and tool images: no port and no command of their own, or a
		// bare shell or interpreter (the docker-library and dotnet-docker
		// images themselves)
		"FROM debian:12-slim\nRUN apt-get update && apt-get install -y curl\n",
		"FROM buildpack-deps:bookworm\nRUN apt-get update\nCMD [\"python3\"]\n",
		"FROM alpine:3.20\nCMD [\"/bin/sh\"]\n",
		"FROM php:8.3\nCMD [\"php\", \"-a\"]\n",
		// servers that start as root and run their workers unprivileged
		"FROM debian:12\nRUN apt-get install -y php-fpm\nEXPOSE 9000\nCMD [\"php-fpm\"]\n",
		"FROM php:8.3-apache\nCOPY . /var/www/html\nEXPOSE 80\nCMD [\"apache2-foreground\"]\n",
		"FROM php:8.3-apache\nCOPY . /var/www/html\nEXPOSE 80\n",
		"FROM alpine:3.20\nENTRYPOINT [\"docker-php-entrypoint\"]\nCMD [\"php\", \"-a\"]\n",
		"FROM mcr.microsoft.com/dotnet/aspnet:8.0\nUSER $APP_UID\nENTRYPOINT [\"dotnet\", \"Api.dll\"]\n",
		"FROM php:8.3-fpm-alpine\nCOPY . /var/www\n",
		"FROM mcr.microsoft.com/dotnet/runtime-deps:10.0\nCOPY dotnet /usr/share/dotnet\nENTRYPOINT [\"/usr/bin/dotnet\"]\nCMD [\"--info\"]\n",
		// the chiseled and distroless .NET images run as app already
		"FROM mcr.microsoft.com/dotnet/aspnet:8.0-jammy-chiseled\nCOPY out /app\nENTRYPOINT [\"./api\"]\n",
		"FROM debian:12\nCOPY --from=tianon/gosu /gosu /usr/local/bin/\nEXPOSE 80\nENTRYPOINT [\"/entrypoint.sh\"]\n",
		// Windows images run as ContainerUser
		"FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nCMD [\"app.exe\"]\n",
	)
	// compose's user: runs it as another user
	in := input(t, "FROM node:20-slim\nEXPOSE 3000\nCMD [\"node\", \"s.js\"]\n")
	in.ServiceUser = "1000:1000"
	if fs := check(t, "LW151", in); len(fs) != 0 {
		t.Errorf("with compose user: %+v", fs)
	}
	in.ServiceUser = "root"
	if fs := check(t, "LW151", in); len(fs) != 1 {
		t.Errorf("with compose user: root: %+v", fs)
	}
	// the advice names the user the base has, or how to add one
	for src, want := range map[string]string{
		"FROM node:20-slim\nCMD [\"node\", \"s.js\"]\n":                                                   "USER node",
		"FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n":                                            "USER 65532:65532",
		"FROM gcr.io/distroless/base-debian12\nCOPY app /app\nCMD [\"/app\"]\n":                           ":nonroot",
		"FROM mcr.microsoft.com/dotnet/aspnet:8.0\nCOPY out /app\nENTRYPOINT [\"dotnet\", \"Api.dll\"]\n": "USER $APP_UID",
		"FROM mcr.microsoft.com/dotnet/aspnet:6.0\nCOPY out /app\nENTRYPOINT [\"dotnet\", \"Api.dll\"]\n": "useradd",
		"FROM python:3.12-alpine\nCMD [\"python\", \"app.py\"]\n":                                         "adduser -S",
		"FROM eclipse-temurin:21-jre\nCOPY app.jar /app.jar\nEXPOSE 8080\n":                               "useradd",
		"FROM node:20\nUSER node\nRUN npm ci\nUSER root\nCMD [\"node\", \"s.js\"]\n":                      "USER root is the last USER",
	} {
		fs := check(t, "LW151", input(t, src))
		if len(fs) != 1 || !strings.Contains(fs[0].Message, want) {
			t.Errorf("%q: want advice with %q, got %+v", src, want, fs)
		}
	}
}
