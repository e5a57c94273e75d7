// The example web service: a tiny storefront API.
const express = require("express");
const morgan = require("morgan");
const dayjs = require("dayjs");
const _ = require("lodash");
const { v4: uuidv4 } = require("uuid");

const app = express();
app.use(morgan("tiny"));

const products = [
  { id: 1, name: "mug", price: 9 },
  { id: 2, name: "shirt", price: 19 },
];

app.get("/healthz", (_req, res) => res.send("ok\n"));
app.get("/products", (_req, res) => res.json(_.sortBy(products, "price")));
app.post("/carts", (_req, res) => res.json({ id: uuidv4(), created: dayjs().toISOString() }));

const port = process.env.PORT || 3000;
app.listen(port, () => console.log(`web listening on ${port}`));
