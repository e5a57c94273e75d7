// The messages the shop's Node services exchange, validated at the edges.
import { z } from "zod";

export const OrderRequest = z.object({
  customer: z.string().min(1),
  items: z.array(z.string()).min(1),
  totalCents: z.number().int().nonnegative(),
});

export const Health = z.object({ status: z.enum(["ok", "degraded"]), version: z.string() });
