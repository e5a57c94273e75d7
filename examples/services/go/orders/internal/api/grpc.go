package api

import (
	"context"

	"example.com/shop/orders/internal/store"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"
)

// GRPC is the orders service's gRPC server: Orders/Get takes a struct with
// an "id" and returns the order as a struct (the service is small enough
// not to warrant generated stubs), plus the standard health service.
func GRPC(s store.Store) *grpc.Server {
	srv := grpc.NewServer(grpc.StatsHandler(otelgrpc.NewServerHandler()))
	srv.RegisterService(&grpc.ServiceDesc{
		ServiceName: "shop.Orders",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "Get",
			Handler: func(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
				in := &structpb.Struct{}
				if err := dec(in); err != nil {
					return nil, err
				}
				o, err := s.Get(ctx, in.GetFields()["id"].GetStringValue())
				if err != nil {
					return nil, status.Error(codes.NotFound, err.Error())
				}
				return structpb.NewStruct(map[string]any{"id": o.ID, "customer": o.Customer, "totalCents": float64(o.TotalCts)})
			},
		}},
	}, struct{}{})
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	reflection.Register(srv)
	return srv
}
