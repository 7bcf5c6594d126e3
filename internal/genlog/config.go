package genlog

import (
	"errors"
	"fmt"
	"time"
)

// Prefix selects the text written before the HAProxy payload of each line.
type Prefix int

const (
	// PrefixClassic is rsyslog's RSYSLOG_TraditionalFileFormat:
	// "Nov 21 08:00:00 lb1 haproxy[1234]: " (day space-padded). halog reads
	// it with its default -s 1.
	PrefixClassic Prefix = iota
	// PrefixRFC3339 is rsyslog v8's default file format RSYSLOG_FileFormat:
	// "2026-11-21T08:00:00+00:00 lb1 haproxy[1234]: " (halog -s -1).
	PrefixRFC3339
	// PrefixNone writes the bare HAProxy payload, as `log stdout format
	// raw` does or as the MSG part of a syslog datagram (halog -s -4).
	PrefixNone
)

// String returns the flag spelling of p.
func (p Prefix) String() string {
	switch p {
	case PrefixClassic:
		return "classic"
	case PrefixRFC3339:
		return "rfc3339"
	case PrefixNone:
		return "none"
	}
	return fmt.Sprintf("Prefix(%d)", int(p))
}

// ParsePrefix parses "classic", "rfc3339" or "none".
func ParsePrefix(s string) (Prefix, error) {
	for _, p := range []Prefix{PrefixClassic, PrefixRFC3339, PrefixNone} {
		if s == p.String() {
			return p, nil
		}
	}
	return 0, fmt.Errorf("genlog: unknown prefix %q (want classic, rfc3339 or none)", s)
}

// DefaultStart returns the simulated time of the first request used when
// Config.Start is zero: 2026-11-21T08:00:00Z.
func DefaultStart() time.Time { return time.Date(2026, time.November, 21, 8, 0, 0, 0, time.UTC) }

// Config describes the simulated traffic. Count fields left at zero take
// the default shown; ratio fields are used as given (zero means none).
// [DefaultConfig] returns the defaults of cmd/genlog.
type Config struct {
	Seed uint64 // random seed; same Config ⇒ same bytes

	TCPRatio  float64 // fraction of tcplog lines (mysql/redis/smtp), 0..1
	CacheBust float64 // fraction of API requests with a unique "_=<ms>" query, 0..1
	Zipf      float64 // Zipf exponent of URL popularity per backend (0 = uniform), 0..10

	Servers int     // HTTP servers spread over the 10 HTTP backends (default 60, at least 10)
	URLs    int     // distinct URL paths (default 50000, at least 10)
	Clients int     // distinct client addresses (default 200000)
	Rate    float64 // requests per second of simulated time (default 250)
	UALen   int     // User-Agent capture length, like `capture ... len N` (default 40)

	// Start is the accept time of the first request (default DefaultStart()).
	// Dates are written in the zone of Start (HAProxy writes local time);
	// only its UTC offset is used, so there are no DST jumps.
	Start time.Time

	Prefix Prefix // syslog prefix style (default PrefixClassic)
	Host   string // syslog hostname (default "lb1")
	Tag    string // syslog tag (default "haproxy")
	PID    int    // pid in the tag (default 1234)
}

// DefaultConfig returns the configuration used by cmd/genlog without flags
// (the corpus shape described in research/perf-anchors.md).
func DefaultConfig() Config {
	return Config{
		Seed:      1,
		TCPRatio:  0.02,
		CacheBust: 0.02,
		Zipf:      1.0,
		Servers:   60,
		URLs:      50000,
		Clients:   200000,
		Rate:      250,
		UALen:     40,
		Start:     DefaultStart(),
	}
}

// withDefaults fills zero count fields and validates the rest.
func (c Config) withDefaults() (Config, error) {
	d := DefaultConfig()
	if c.Servers == 0 {
		c.Servers = d.Servers
	}
	if c.URLs == 0 {
		c.URLs = d.URLs
	}
	if c.Clients == 0 {
		c.Clients = d.Clients
	}
	if c.Rate == 0 {
		c.Rate = d.Rate
	}
	if c.UALen == 0 {
		c.UALen = d.UALen
	}
	if c.Start.IsZero() {
		c.Start = d.Start
	}
	if c.Host == "" {
		c.Host = "lb1"
	}
	if c.Tag == "" {
		c.Tag = "haproxy"
	}
	if c.PID == 0 {
		c.PID = 1234
	}
	var errs []error
	check := func(ok bool, field string, v any, want string) {
		if !ok {
			errs = append(errs, fmt.Errorf("genlog: %s = %v: %s", field, v, want))
		}
	}
	check(c.TCPRatio >= 0 && c.TCPRatio <= 1, "TCPRatio", c.TCPRatio, "want 0..1")
	check(c.CacheBust >= 0 && c.CacheBust <= 1, "CacheBust", c.CacheBust, "want 0..1")
	check(c.Zipf >= 0 && c.Zipf <= 10, "Zipf", c.Zipf, "want 0..10")
	check(c.Servers >= len(httpBackends) && c.Servers <= 100000, "Servers", c.Servers,
		fmt.Sprintf("want %d..100000", len(httpBackends)))
	check(c.URLs >= len(httpBackends) && c.URLs <= 10000000, "URLs", c.URLs,
		fmt.Sprintf("want %d..10000000", len(httpBackends)))
	check(c.Clients >= 1 && c.Clients <= 10000000, "Clients", c.Clients, "want 1..10000000")
	check(c.Rate > 0 && c.Rate <= 1e7, "Rate", c.Rate, "want > 0 and <= 1e7")
	check(c.UALen >= 1 && c.UALen <= 1024, "UALen", c.UALen, "want 1..1024")
	check(c.Prefix >= PrefixClassic && c.Prefix <= PrefixNone, "Prefix", c.Prefix, "unknown prefix")
	check(c.PID > 0, "PID", c.PID, "want > 0")
	check(validToken(c.Host), "Host", c.Host, "want printable ASCII without spaces")
	check(validToken(c.Tag), "Tag", c.Tag, "want printable ASCII without spaces")
	_, off := c.Start.Zone()
	check(off%60 == 0 && off > -24*3600 && off < 24*3600, "Start", c.Start,
		"UTC offset must be whole minutes within ±24h")
	y := c.Start.Year()
	check(y >= 1970 && y <= 9000, "Start", c.Start, "year must be 1970..9000")
	return c, errors.Join(errs...)
}

func validToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
