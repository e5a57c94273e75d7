// Package store keeps orders in PostgreSQL, or in memory when no database is
// configured (local runs and the image's smoke test).
package store

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Order is one customer order.
type Order struct {
	ID       string    `json:"id"`
	Customer string    `json:"customer"`
	Items    []string  `json:"items"`
	TotalCts int64     `json:"totalCents"`
	Created  time.Time `json:"created"`
}

// ErrNotFound is returned for an unknown order ID.
var ErrNotFound = errors.New("order not found")

// Store is where orders live.
type Store interface {
	Create(ctx context.Context, o Order) (Order, error)
	Get(ctx context.Context, id string) (Order, error)
}

// Open connects to dsn, or returns an in-memory store when dsn is empty.
func Open(ctx context.Context, dsn string) (Store, error) {
	if dsn == "" {
		return &memory{orders: map[string]Order{}}, nil
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = 8
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &postgres{pool: pool}, nil
}

type memory struct {
	mu     sync.Mutex
	orders map[string]Order
}

func (m *memory) Create(_ context.Context, o Order) (Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o.ID, o.Created = uuid.NewString(), time.Now().UTC()
	m.orders[o.ID] = o
	return o, nil
}

func (m *memory) Get(_ context.Context, id string) (Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.orders[id]
	if !ok {
		return Order{}, ErrNotFound
	}
	return o, nil
}

type postgres struct{ pool *pgxpool.Pool }

func (p *postgres) Create(ctx context.Context, o Order) (Order, error) {
	o.ID, o.Created = uuid.NewString(), time.Now().UTC()
	_, err := p.pool.Exec(ctx, `INSERT INTO orders (id, customer, items, total_cents, created) VALUES ($1, $2, $3, $4, $5)`,
		o.ID, o.Customer, o.Items, o.TotalCts, o.Created)
	return o, err
}

func (p *postgres) Get(ctx context.Context, id string) (Order, error) {
	var o Order
	err := p.pool.QueryRow(ctx, `SELECT id, customer, items, total_cents, created FROM orders WHERE id = $1`, id).
		Scan(&o.ID, &o.Customer, &o.Items, &o.TotalCts, &o.Created)
	if err != nil {
		return Order{}, ErrNotFound
	}
	return o, nil
}
