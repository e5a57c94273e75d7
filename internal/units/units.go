// Package units writes sizes and durations the one way every renderer
// shows them: decimal bytes (1.5 MB, as registries and `docker images`
// count) and seconds with a fixed number of decimals.
package units

import (
	"fmt"
	"time"
)

// Bytes is n in decimal units: "532 B", "1.5 kB", "40.7 MB".
func Bytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

// Seconds is d in seconds with the given decimals and the unit: "1.25 s".
func Seconds(d time.Duration, decimals int) string {
	return fmt.Sprintf("%.*f s", decimals, d.Seconds())
}

// SecondsOr is Seconds, or none when d is zero (nothing was measured).
func SecondsOr(d time.Duration, decimals int, none string) string {
	if d == 0 {
		return none
	}
	return Seconds(d, decimals)
}

// SecondsBare is d in seconds without the unit, for CSV columns.
func SecondsBare(d time.Duration, decimals int) string {
	return fmt.Sprintf("%.*f", decimals, d.Seconds())
}
