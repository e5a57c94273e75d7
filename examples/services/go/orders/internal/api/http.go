// Package api serves the orders over HTTP (chi) and gRPC.
package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"example.com/shop/orders/internal/store"
	"example.com/shop/shared/platform"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// Router is the HTTP API of the orders service.
func Router(s store.Store) http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.RequestID, middleware.Recoverer)
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	r.Handle("/metrics", platform.Metrics())
	r.Post("/orders", func(w http.ResponseWriter, req *http.Request) {
		var o store.Order
		if err := json.NewDecoder(req.Body).Decode(&o); err != nil || o.Customer == "" {
			reply(w, "/orders", http.StatusBadRequest, map[string]string{"error": "want a JSON order with a customer"})
			return
		}
		o, err := s.Create(req.Context(), o)
		if err != nil {
			reply(w, "/orders", http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
		reply(w, "/orders", http.StatusCreated, o)
	})
	r.Get("/orders/{id}", func(w http.ResponseWriter, req *http.Request) {
		o, err := s.Get(req.Context(), chi.URLParam(req, "id"))
		if errors.Is(err, store.ErrNotFound) {
			reply(w, "/orders/{id}", http.StatusNotFound, map[string]string{"error": err.Error()})
			return
		}
		reply(w, "/orders/{id}", http.StatusOK, o)
	})
	return otelhttp.NewHandler(r, "orders")
}

func reply(w http.ResponseWriter, route string, status int, v any) {
	platform.Requests.WithLabelValues("orders", route, http.StatusText(status)).Inc()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
