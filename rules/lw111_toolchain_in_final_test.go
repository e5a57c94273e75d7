package rules

import "testing"

func TestLW111ToolchainInFinal(t *testing.T) {
	ruleCatches(t, "LW111",
		"FROM golang:1.22 AS build\nCOPY . .\nRUN go build -o /app .\nFROM golang:1.22\nCOPY --from=build /app /app\n",
		"FROM node:20 AS build\nRUN npm run build\nFROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential\nCOPY --from=build /dist /dist\n",
		"FROM node:20\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\n",
		"FROM maven:3-eclipse-temurin-21 AS build\nRUN mvn package\nFROM eclipse-temurin:21-jdk\nCOPY --from=build /target/app.jar /app.jar\n",
		"FROM python:3.12\nRUN pip install -r requirements-dev.txt\n",
		"FROM python:3.12\nRUN poetry install\n",
	)
	ruleCatchesNot(t, "LW111",
		"FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM gcr.io/distroless/static\nCOPY --from=build /app /app\n",
		"FROM node:20\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCOPY . .\n",
		"FROM node:20\nENV NODE_ENV=production\nRUN npm ci\n",
		"FROM maven:3 AS build\nRUN mvn package\nFROM eclipse-temurin:21-jre\nCOPY --from=build /target/app.jar /app.jar\n",
		"FROM golang:1.22\nRUN go build ./...\n",
		"FROM python:3.12\nRUN pip install -r requirements.txt\n",
		"FROM debian:12\nRUN apt-get install -y --no-install-recommends curl\n",
	)
}
