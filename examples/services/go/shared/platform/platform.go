// Package platform is what every Go service of the shop shares: structured
// logging, tracing through OpenTelemetry, Prometheus metrics and the
// configuration read from the environment.
package platform

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// Version is the platform library's version, printed by every service.
const Version = "1.4.0"

// Env returns the environment variable key, or def when it is unset.
func Env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

// EnvInt is Env for integers; a malformed value falls back to def.
func EnvInt(key string, def int) int {
	if n, err := strconv.Atoi(Env(key, "")); err == nil {
		return n
	}
	return def
}

// Logger is the JSON logger every service writes with.
func Logger(service string) *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("service", service, "platform", Version)
}

// Tracing installs the global tracer provider. Without
// OTEL_EXPORTER_OTLP_ENDPOINT the spans stay in the process.
func Tracing(ctx context.Context, service string) (shutdown func(context.Context) error, err error) {
	opts := []sdktrace.TracerProviderOption{}
	if ep := Env("OTEL_EXPORTER_OTLP_ENDPOINT", ""); ep != "" {
		exp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(ep), otlptracegrpc.WithDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
		if err != nil {
			return nil, err
		}
		opts = append(opts, sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(5*time.Second)))
	}
	tp := sdktrace.NewTracerProvider(opts...)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	return tp.Shutdown, nil
}

// Requests counts the requests a service handled, by route and status.
var Requests = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "shop_requests_total",
	Help: "Requests handled, by service, route and status.",
}, []string{"service", "route", "status"})

func init() { prometheus.MustRegister(Requests) }

// Metrics is the handler of /metrics.
func Metrics() http.Handler { return promhttp.Handler() }
