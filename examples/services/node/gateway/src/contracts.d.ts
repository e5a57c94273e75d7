declare module "@shop/contracts" {
  import type { ZodTypeAny } from "zod";
  export const OrderRequest: ZodTypeAny;
  export const Health: ZodTypeAny;
}
