import clsx from "clsx";
import { formatPrice, type Product } from "../lib/api";

export function ProductCard({ product, onAdd }: { product: Product; onAdd: (p: Product) => void }) {
  return (
    <article className={clsx("rounded border p-4 shadow-sm", product.tags.includes("sale") && "border-red-500")}>
      <h2 className="text-lg font-semibold">{product.name}</h2>
      <p className="text-gray-600">{formatPrice(product.priceCents)}</p>
      <button className="mt-2 rounded bg-blue-600 px-3 py-1 text-white" onClick={() => onAdd(product)}>
        Add to cart
      </button>
    </article>
  );
}
