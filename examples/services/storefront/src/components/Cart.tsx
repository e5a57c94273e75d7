import { formatDistanceToNow } from "date-fns";
import { formatPrice, type Product } from "../lib/api";

export type CartLine = { product: Product; added: Date };

export function Cart({ lines }: { lines: CartLine[] }) {
  const total = lines.reduce((sum, l) => sum + l.product.priceCents, 0);
  return (
    <aside className="rounded bg-gray-50 p-4">
      <h2 className="font-semibold">Cart ({lines.length})</h2>
      <ul>
        {lines.map((l, i) => (
          <li key={i}>
            {l.product.name} — added {formatDistanceToNow(l.added)} ago
          </li>
        ))}
      </ul>
      <p className="mt-2 font-bold">Total: {formatPrice(total)}</p>
    </aside>
  );
}
