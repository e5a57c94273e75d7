// The shop's API gateway: validates requests with the shared contracts and
// proxies them to the Go services.
import express from "express";
import helmet from "helmet";
import { pino } from "pino";
import { pinoHttp } from "pino-http";
import { createProxyMiddleware } from "http-proxy-middleware";
import { trace } from "@opentelemetry/api";
import { OrderRequest } from "@shop/contracts";

const log = pino({ name: "gateway" });
const app = express();
const tracer = trace.getTracer("gateway");
const orders = process.env.ORDERS_URL ?? "http://orders:8080";

app.use(helmet());
app.use(pinoHttp({ logger: log }));
app.get("/healthz", (_req, res) => {
  res.json({ status: "ok", version: process.env.npm_package_version ?? "dev" });
});
app.post("/api/orders", express.json(), (req, res, next) => {
  const span = tracer.startSpan("validate-order");
  const parsed = OrderRequest.safeParse(req.body);
  span.end();
  if (!parsed.success) {
    res.status(400).json({ error: parsed.error.flatten() });
    return;
  }
  next();
});
app.use("/api", createProxyMiddleware({ target: orders, changeOrigin: true }));

const port = Number(process.env.PORT ?? 4000);
app.listen(port, () => log.info({ port }, "gateway listening"));
