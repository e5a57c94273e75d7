// Command orders serves the shop's orders over HTTP and gRPC.
package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"example.com/shop/orders/internal/api"
	"example.com/shop/orders/internal/store"
	"example.com/shop/shared/platform"
)

func main() {
	log := platform.Logger("orders")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	shutdown, err := platform.Tracing(ctx, "orders")
	if err != nil {
		log.Error("tracing", "err", err)
		os.Exit(1)
	}
	defer shutdown(context.Background())
	s, err := store.Open(ctx, platform.Env("DATABASE_URL", ""))
	if err != nil {
		log.Error("store", "err", err)
		os.Exit(1)
	}
	lis, err := net.Listen("tcp", platform.Env("GRPC_ADDR", ":9090"))
	if err != nil {
		log.Error("listen", "err", err)
		os.Exit(1)
	}
	g := api.GRPC(s)
	go g.Serve(lis)
	defer g.GracefulStop()
	srv := &http.Server{Addr: platform.Env("ADDR", ":8080"), Handler: api.Router(s)}
	go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }()
	log.Info("listening", "addr", srv.Addr)
	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Error("serve", "err", err)
		os.Exit(1)
	}
}
