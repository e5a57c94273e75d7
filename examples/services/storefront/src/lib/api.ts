import axios from "axios";
import { z } from "zod";

export const Product = z.object({
  id: z.string(),
  name: z.string(),
  priceCents: z.number().int().nonnegative(),
  tags: z.array(z.string()).default([]),
});
export type Product = z.infer<typeof Product>;

const client = axios.create({ baseURL: "/api", timeout: 5000 });

export async function listProducts(): Promise<Product[]> {
  const res = await client.get("/products");
  return z.array(Product).parse(res.data);
}

export function formatPrice(cents: number): string {
  return new Intl.NumberFormat("en-US", { style: "currency", currency: "EUR" }).format(cents / 100);
}
