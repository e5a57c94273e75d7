import { describe, expect, it } from "vitest";
import { formatPrice, Product } from "./api";

describe("formatPrice", () => {
  it("formats cents as euros", () => {
    expect(formatPrice(1999)).toBe("€19.99");
  });
});

describe("Product", () => {
  it("defaults tags", () => {
    expect(Product.parse({ id: "1", name: "Mug", priceCents: 800 }).tags).toEqual([]);
  });
});
