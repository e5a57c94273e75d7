// Package invoice renders invoices for orders and archives them in object
// storage (S3 or any S3-compatible store).
package invoice

import (
	"bytes"
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Line is one line of an invoice.
type Line struct {
	Item     string
	Quantity int
	UnitCts  int64
}

// Render writes an invoice as plain text.
func Render(orderID, customer string, lines []Line, at time.Time) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Invoice for order %s\nCustomer: %s\nDate: %s\n\n", orderID, customer, at.Format("2006-01-02"))
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', tabwriter.AlignRight)
	var total int64
	for _, l := range lines {
		sum := int64(l.Quantity) * l.UnitCts
		total += sum
		fmt.Fprintf(tw, "%s\t%d\t%s\t\n", l.Item, l.Quantity, cents(sum))
	}
	fmt.Fprintf(tw, "total\t\t%s\t\n", cents(total))
	tw.Flush()
	return b.Bytes()
}

func cents(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

// Archive stores rendered invoices in a bucket.
type Archive struct {
	Client *s3.Client
	Bucket string
}

// Put stores one invoice under invoices/<order>.txt.
func (a *Archive) Put(ctx context.Context, orderID string, body []byte) error {
	_, err := a.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(a.Bucket),
		Key:         aws.String("invoices/" + orderID + ".txt"),
		Body:        bytes.NewReader(body),
		ContentType: aws.String("text/plain; charset=utf-8"),
	})
	return err
}
