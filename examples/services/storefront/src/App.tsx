import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Route, Routes, Link } from "react-router-dom";
import { listProducts, type Product } from "./lib/api";
import { ProductCard } from "./components/ProductCard";
import { Cart, type CartLine } from "./components/Cart";

function Catalog({ onAdd }: { onAdd: (p: Product) => void }) {
  const { data, isLoading, error } = useQuery({ queryKey: ["products"], queryFn: listProducts });
  if (isLoading) return <p>Loading…</p>;
  if (error) return <p className="text-red-600">Could not load the catalog.</p>;
  return (
    <div className="grid grid-cols-3 gap-4">
      {data?.map((p) => <ProductCard key={p.id} product={p} onAdd={onAdd} />)}
    </div>
  );
}

export default function App() {
  const [lines, setLines] = useState<CartLine[]>([]);
  const add = (product: Product) => setLines((ls) => [...ls, { product, added: new Date() }]);
  return (
    <main className="mx-auto max-w-5xl p-6">
      <nav className="mb-4 flex gap-4">
        <Link to="/">Catalog</Link>
        <Link to="/cart">Cart</Link>
      </nav>
      <Routes>
        <Route path="/" element={<Catalog onAdd={add} />} />
        <Route path="/cart" element={<Cart lines={lines} />} />
      </Routes>
    </main>
  );
}
