// Serves the built storefront (dist/) and proxies nothing: the API is
// reached through the ingress. No dependencies: node's http and fs only.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";

const root = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "dist");
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".map": "application/json", ".svg": "image/svg+xml" };
const port = Number(process.env.PORT ?? 3000);

createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
  if (path === "/healthz") return res.end("ok\n");
  for (const file of [join(root, path), join(root, "index.html")]) {
    try {
      const body = await readFile(file);
      res.writeHead(200, { "Content-Type": types[extname(file)] ?? "application/octet-stream" });
      return res.end(body);
    } catch {}
  }
  res.writeHead(404).end();
}).listen(port, () => console.log(`storefront on :${port}`));
