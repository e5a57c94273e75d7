package fix

import (
	"strings"
	"testing"
)

// The Node runtime stage (LW111's fix): the development dependencies are
// pruned in a build stage and the application directory is shipped on the
// same node image.

const storefrontPkg = `{"name":"shop","scripts":{"build":"vite build","start":"node server.js"},
 "dependencies":{"react":"18.3.1"},"devDependencies":{"vite":"5.4.11","typescript":"5.6.3"}}`

func TestNodeRuntimeStage(t *testing.T) {
	files := map[string]string{
		"Dockerfile":   "FROM node:20-bookworm-slim\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n\nENV NODE_ENV=production\nEXPOSE 3000\nCMD [\"npm\", \"start\"]\n",
		"package.json": storefrontPkg, "package-lock.json": "{}",
		"server.js":    "import { createServer } from \"node:http\";\nimport fs from 'fs';\n",
		"src/main.tsx": "import React from 'react';\nimport type { UserConfig } from 'vite';\n",
		// a tool's configuration and a test import development dependencies
		"vite.config.ts":    "import { defineConfig } from 'vite'\n",
		"src/app.test.tsx":  "import { render } from '@testing-library/react'\nimport { it } from 'vitest'\n",
		"scripts/x.test.js": "require('vite')\n",
	}
	got, _, notes := fixRepo(t, files, "LW111")
	want := "FROM node:20-bookworm-slim AS build\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n" +
		"RUN npm prune --omit=dev --no-save --no-audit --no-fund\n\n" +
		"# runtime: the application without its development dependencies (pruned in the build stage), on the same node image\n" +
		"FROM node:20-bookworm-slim\nWORKDIR /app\nCOPY --from=build /app /app\n\nENV NODE_ENV=production\nEXPOSE 3000\nCMD [\"npm\", \"start\"]\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s\nnotes: %+v", got, want, notes)
	}
}

// With the manifests-first fix and the cache mount, in a workspace whose
// root declares no devDependencies (the gateway's shape): the prune comes
// after the last RUN, and a later COPY stays in the build stage.
func TestNodeRuntimeStageWorkspaceWithTheOtherFixes(t *testing.T) {
	files := map[string]string{
		"Dockerfile":                      "FROM node:20-bookworm-slim\nWORKDIR /repo\nCOPY . .\nRUN npm ci\nRUN npm run build --workspace=@shop/gateway\nCOPY config.json gateway/\nWORKDIR /repo/gateway\nUSER node\nCMD [\"node\", \"dist/server.js\"]\n",
		"package.json":                    `{"private":true,"workspaces":["packages/*","gateway"]}`,
		"package-lock.json":               "{}",
		"config.json":                     "{}",
		"gateway/package.json":            `{"name":"@shop/gateway","dependencies":{"express":"4","@shop/contracts":"1"},"devDependencies":{"typescript":"5"}}`,
		"gateway/src/server.ts":           "import express from 'express'\nimport { Order } from '@shop/contracts'\n",
		"packages/contracts/package.json": `{"name":"@shop/contracts","devDependencies":{"typescript":"5"}}`,
		"packages/contracts/index.ts":     "export type Order = { id: string }\n",
	}
	got, _, notes := fixRepo(t, files, "LW101", "LW102", "LW111")
	for _, w := range []string{
		"FROM node:20-bookworm-slim AS build\n",
		"RUN --mount=type=cache,target=/root/.npm npm ci\nCOPY . .\nRUN npm run build --workspace=@shop/gateway\nRUN npm prune --omit=dev --no-save --no-audit --no-fund\nCOPY config.json gateway/\n",
		"FROM node:20-bookworm-slim\nWORKDIR /repo\nCOPY --from=build /repo /repo\nWORKDIR /repo/gateway\nUSER node\nCMD [\"node\", \"dist/server.js\"]\n",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("want %q in:\n%s\nnotes: %+v", w, got, notes)
		}
	}
	if strings.Count(got, "WORKDIR /repo/gateway") != 1 {
		t.Errorf("the tail's WORKDIR moves to the runtime stage:\n%s", got)
	}
}

// The runtime stage makes the application directory as the build stage
// did: by WORKDIR as the user then in effect (a COPY would make it root's,
// and a service running as node could not write in it).
func TestNodeRuntimeStageKeepsTheDirectoryOwner(t *testing.T) {
	files := map[string]string{
		"Dockerfile":   "FROM node:20-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nUSER node\nWORKDIR /home/node/app\nCOPY --chown=node:node . .\nRUN npm ci\nRUN npm run build\nCMD [\"node\", \"server.js\"]\n",
		"package.json": storefrontPkg, "server.js": "",
	}
	got, _, notes := fixRepo(t, files, "LW111")
	want := "FROM node:20-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nUSER node\nWORKDIR /home/node/app\nCOPY --from=build /home/node/app /home/node/app\nCMD [\"node\", \"server.js\"]\n"
	if !strings.HasSuffix(got, want) {
		t.Errorf("got:\n%s\nwant the runtime stage:\n%s\nnotes: %+v", got, want, notes)
	}
}

// npm 6 (node 14 and older) has no --omit.
func TestNodeRuntimeStageOldNpm(t *testing.T) {
	files := map[string]string{
		"Dockerfile":   "FROM node:14-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\nCMD [\"node\", \"server.js\"]\n",
		"package.json": storefrontPkg, "server.js": "",
	}
	got, _, notes := fixRepo(t, files, "LW111")
	if !strings.Contains(got, "RUN npm prune --production\n") {
		t.Errorf("got:\n%s\nnotes: %+v", got, notes)
	}
}

func TestNodeRuntimeStageRefusals(t *testing.T) {
	df := "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\nCMD [\"npm\", \"start\"]\n"
	with := func(over map[string]string) map[string]string {
		files := map[string]string{"Dockerfile": df, "package.json": storefrontPkg, "server.js": ""}
		for k, v := range over {
			files[k] = v
		}
		return files
	}
	cases := []struct {
		name  string
		files map[string]string
		note  string
	}{
		{"server-imports-a-dev-dependency", with(map[string]string{"server.js": "const { createServer } = require('vite')\n"}),
			"server.js imports vite, which only devDependencies declare"},
		{"dynamic-import-of-a-dev-dependency", with(map[string]string{"lib/ssr.mjs": "const v = await import(\"vite\")\n"}),
			"lib/ssr.mjs imports vite"},
		{"start-script-runs-a-dev-tool", with(map[string]string{"package.json": strings.Replace(storefrontPkg, `"node server.js"`, `"vite preview --port 3000"`, 1)}),
			""}, // the image runs a development dependency: LW111 reports nothing
		{"prestart-runs-a-dev-tool", with(map[string]string{"package.json": strings.Replace(storefrontPkg, `"start"`, `"prestart":"tsc -p .","start"`, 1)}),
			""}, // the image runs a development dependency: LW111 reports nothing
		{"node-require-hook", with(map[string]string{"Dockerfile": strings.Replace(df, `["npm", "start"]`, `["node", "-r", "typescript/register", "server.js"]`, 1)}),
			"node with -r typescript/register"},
		{"unknown-program", with(map[string]string{"Dockerfile": strings.Replace(df, `["npm", "start"]`, `["serve", "dist"]`, 1)}),
			"which package provides it cannot be told"},
		{"global-install", with(map[string]string{"Dockerfile": strings.Replace(df, "RUN npm run build", "RUN npm install -g pm2 && npm run build", 1)}),
			"installs outside the application directory"},
		{"copy-outside-the-app", with(map[string]string{"Dockerfile": strings.Replace(df, "COPY . .", "COPY . .\nCOPY nginx.conf /etc/nginx/", 1), "nginx.conf": ""}),
			"writes to /etc/nginx"},
		{"run-writes-outside", with(map[string]string{"Dockerfile": strings.Replace(df, "RUN npm run build", "RUN npm run build && cp -r dist /srv/www", 1)}),
			"touches /srv/www"},
		{"redirect-outside", with(map[string]string{"Dockerfile": strings.Replace(df, "RUN npm run build", "RUN npm run build > /var/log/build.log", 1)}),
			"writes /var/log/build.log"},
		{"other-program", with(map[string]string{"Dockerfile": strings.Replace(df, "RUN npm run build", "RUN useradd app && npm run build", 1)}),
			"runs `useradd`"},
		{"home-downloader", with(map[string]string{"package.json": strings.Replace(storefrontPkg, `"react":"18.3.1"`, `"react":"18.3.1","puppeteer":"23"`, 1)}),
			"puppeteer (a dependency) downloads into the home directory"},
		{"not-the-node-image", with(map[string]string{"Dockerfile": strings.Replace(df, "FROM node:20", "FROM debian:12", 1)}),
			"is not the node image"},
		{"yarn", with(map[string]string{"Dockerfile": strings.Replace(df, "RUN npm ci", "RUN yarn install --frozen-lockfile", 1)}),
			"only npm's development dependencies"},
		{"multi-stage", with(map[string]string{"Dockerfile": "FROM node:20 AS deps\nRUN echo\nFROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n"}),
			"single-stage Dockerfiles only"},
		// found by review
		{"bind-mounted-manifests", with(map[string]string{"Dockerfile": strings.Replace(df, "RUN npm ci", "RUN --mount=type=bind,source=package.json,target=package.json npm ci", 1)}),
			"mounts package.json (type=bind)"},
		{"cmd-before-entrypoint", with(map[string]string{"Dockerfile": strings.Replace(df, `CMD ["npm", "start"]`, "CMD [\"vite\", \"preview\"]\nENTRYPOINT [\"docker-entrypoint.sh\"]", 1)}),
			""}, // the image runs a development dependency: LW111 reports nothing
		{"undeclared-import", with(map[string]string{"server.js": "const chalk = require('chalk')\n"}),
			"server.js imports chalk, which no dependency declares"},
		{"shared-dir-import", with(map[string]string{"shared/boot.ts": "import 'ts-node/register'\n"}),
			"shared/boot.ts imports ts-node"},
		{"next-config-import", with(map[string]string{"next.config.js": "const a = require('vite')\n"}),
			"next.config.js imports vite"},
		{"no-save-install", with(map[string]string{"Dockerfile": strings.Replace(df, "RUN npm ci", "RUN npm ci && npm install --no-save pg", 1)}),
			"installs packages package.json does not declare"},
		{"start-in-a-workspace", with(map[string]string{"Dockerfile": strings.Replace(df, `["npm", "start"]`, `["npm", "start", "-w", "gateway"]`, 1)}),
			"a script of another package"},
		{"node-options-in-script", with(map[string]string{"package.json": strings.Replace(storefrontPkg, `"node server.js"`, `"NODE_OPTIONS='--require vite' node server.js"`, 1)}),
			"NODE_OPTIONS"},
		{"node-options-env", with(map[string]string{"Dockerfile": strings.Replace(df, "CMD", "ENV NODE_OPTIONS=\"--require vite\"\nCMD", 1)}),
			"NODE_OPTIONS"},
		{"cross-env-wraps-a-dev-tool", with(map[string]string{"package.json": strings.Replace(storefrontPkg, `"node server.js"`, `"cross-env NODE_ENV=production vite preview"`, 1)}),
			""}, // the image runs a development dependency: LW111 reports nothing
		{"dotenv-wrapper", with(map[string]string{"package.json": strings.Replace(storefrontPkg, `"node server.js"`, `"dotenv -e .env -- node server.js"`, 1)}),
			"runs a command the rewrite does not follow"},
		{"healthcheck-runs-a-dev-tool", with(map[string]string{"Dockerfile": strings.Replace(df, "CMD", "HEALTHCHECK CMD tsc --version\nCMD", 1)}),
			""}, // the image runs a development dependency: LW111 reports nothing
		{"chown-of-the-app-directory", with(map[string]string{"Dockerfile": strings.Replace(df, "RUN npm run build", "RUN npm run build && chown -R node:node /app", 1)}),
			"changes the owner or mode of /app itself"},
		{"relative-redirect-escapes", with(map[string]string{"Dockerfile": strings.Replace(df, "RUN npm run build", "RUN npm run build > ../build.log", 1)}),
			"writes /build.log"},
		{"build-script-writes-outside", with(map[string]string{"package.json": strings.Replace(storefrontPkg, `"vite build"`, `"tsc --outDir /srv/dist"`, 1)}),
			`runs the script "build", which names /srv/dist`},
		{"postinstall-writes-outside", with(map[string]string{"package.json": strings.Replace(storefrontPkg, `"build":`, `"postinstall":"cp -r assets /usr/share/svc","build":`, 1)}),
			`runs the script "postinstall", which names /usr/share/svc`},
		{"npx-writes-outside", with(map[string]string{"Dockerfile": strings.Replace(df, "RUN npm run build", "RUN npx tsc --outDir=/srv/dist", 1)}),
			"names /srv/dist"},
		// found by the second review
		{"start-in-every-workspace", with(map[string]string{"Dockerfile": strings.Replace(df, `["npm", "start"]`, `["npm", "start", "-ws"]`, 1)}),
			"a script of another package"},
		{"npm-config-node-options", with(map[string]string{"Dockerfile": strings.Replace(df, "CMD", "ENV NPM_CONFIG_NODE_OPTIONS=\"--require vite\"\nCMD", 1)}),
			"NPM_CONFIG_NODE_OPTIONS"},
		{"npmrc-node-options", with(map[string]string{".npmrc": "node-options=--require vite\n"}),
			".npmrc sets node-options"},
		{"relative-out-dir", with(map[string]string{"package.json": strings.Replace(storefrontPkg, `"vite build"`, `"tsc --outDir ../srv/dist"`, 1)}),
			"names ../srv/dist"},
		{"cp-target-directory", with(map[string]string{"Dockerfile": strings.Replace(df, "RUN npm run build", "RUN npm run build && cp --target-directory=/usr/local/bin bin/tool", 1)}),
			"touches /usr/local/bin"},
		{"committed-dist", with(map[string]string{"dist/index.js": "require('vite')\n"}),
			"dist/index.js imports vite"},
		{"shell-form-script", with(map[string]string{"Dockerfile": strings.Replace(df, `["npm", "start"]`, `["./start.sh"]`, 1), "start.sh": ""}),
			"a file the rewrite does not read"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _, notes := fixRepo(t, tc.files, "LW111")
			if got != tc.files["Dockerfile"] {
				t.Errorf("rewritten:\n%s", got)
			}
			if tc.note == "" {
				return // no finding to refuse: left as it is
			}
			found := false
			for _, n := range notes {
				found = found || strings.Contains(n.Reason, tc.note)
			}
			if !found {
				t.Errorf("note %q missing: %+v", tc.note, notes)
			}
		})
	}
}

// npm reads a project's .npmrc (registry, legacy-peer-deps) and, without
// a package-lock.json, takes its versions from yarn.lock: both come with
// the manifests, or the install resolves otherwise (found on the corpus:
// Blue-Terra/solana-rpc-proxy).
func TestNpmManifestsBringYarnLockAndNpmrc(t *testing.T) {
	files := map[string]string{
		"Dockerfile":   "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install\nCMD [\"node\", \"server.js\"]\n",
		"package.json": `{"dependencies":{"express":"4"}}`, "yarn.lock": "", ".npmrc": "legacy-peer-deps=true\n", "server.js": "",
	}
	got, _, notes := fixRepo(t, files, "LW101")
	if !strings.Contains(got, "COPY .npmrc package.json yarn.lock ./\nRUN npm install\nCOPY . .\n") {
		t.Errorf("got:\n%s\nnotes: %+v", got, notes)
	}
}

// The prune resolves the tree again with the install's resolution flags;
// package*.json copies tell where package.json is; a codename tag is read.
func TestNodeRuntimeStagePruneFlagsAndCodenames(t *testing.T) {
	files := map[string]string{
		"Dockerfile":   "FROM node:erbium-slim\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci --legacy-peer-deps\nCOPY server.js .\nCMD [\"node\", \"server.js\"]\n",
		"package.json": storefrontPkg, "package-lock.json": "{}", "server.js": "",
	}
	got, _, notes := fixRepo(t, files, "LW111")
	if !strings.Contains(got, "RUN npm ci --legacy-peer-deps\nRUN npm prune --production --legacy-peer-deps\nCOPY server.js .\n") {
		t.Errorf("got:\n%s\nnotes: %+v", got, notes)
	}
}

// Found by the second review: `chmod -R` with no operand must not crash
// the fixer; `--legacy-peer-deps=true` is repeated on the prune; a
// HEALTHCHECK that runs curl is the OS's, not a refusal.
func TestNodeRuntimeStageReviewShapes(t *testing.T) {
	files := map[string]string{
		"Dockerfile":   "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci --legacy-peer-deps=true\nRUN npm run build && chmod -R\nHEALTHCHECK CMD curl -f http://localhost:3000/ || exit 1\nCMD [\"node\", \"server.js\"]\n",
		"package.json": storefrontPkg, "server.js": "",
	}
	got, _, notes := fixRepo(t, files, "LW111")
	if !strings.Contains(got, "RUN npm prune --omit=dev --no-save --no-audit --no-fund --legacy-peer-deps=true\n") {
		t.Errorf("got:\n%s\nnotes: %+v", got, notes)
	}
}
