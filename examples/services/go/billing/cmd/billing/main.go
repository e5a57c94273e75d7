// Command billing renders invoices for the shop's orders: it asks the orders
// service for an order over gRPC, renders the invoice, archives it in S3 and
// caches it in Redis.
package main

import (
	"context"
	"net/http"
	"os"
	"time"

	"example.com/shop/billing/internal/invoice"
	"example.com/shop/shared/platform"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/go-chi/chi/v5"
	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/structpb"
)

func main() {
	log := platform.Logger("billing")
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(platform.Env("AWS_REGION", "eu-west-1")))
	if err != nil {
		log.Error("aws config", "err", err)
		os.Exit(1)
	}
	archive := &invoice.Archive{Client: s3.NewFromConfig(cfg), Bucket: platform.Env("INVOICE_BUCKET", "invoices")}
	cache := redis.NewClient(&redis.Options{Addr: platform.Env("REDIS_ADDR", "localhost:6379")})
	conn, err := grpc.NewClient(platform.Env("ORDERS_GRPC", "orders:9090"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Error("orders client", "err", err)
		os.Exit(1)
	}
	r := chi.NewRouter()
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	r.Handle("/metrics", platform.Metrics())
	r.Post("/invoices/{order}", func(w http.ResponseWriter, req *http.Request) {
		id := chi.URLParam(req, "order")
		in, _ := structpb.NewStruct(map[string]any{"id": id})
		out := &structpb.Struct{}
		if err := conn.Invoke(req.Context(), "/shop.Orders/Get", in, out); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		f := out.GetFields()
		body := invoice.Render(id, f["customer"].GetStringValue(),
			[]invoice.Line{{Item: "order total", Quantity: 1, UnitCts: int64(f["totalCents"].GetNumberValue())}}, time.Now())
		if err := archive.Put(req.Context(), id, body); err != nil {
			log.Warn("archive", "order", id, "err", err)
		}
		cache.Set(req.Context(), "invoice:"+id, body, 24*time.Hour)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(body)
	})
	addr := platform.Env("ADDR", ":8081")
	log.Info("listening", "addr", addr)
	if err := http.ListenAndServe(addr, r); err != nil {
		log.Error("serve", "err", err)
		os.Exit(1)
	}
}
