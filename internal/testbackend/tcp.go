package testbackend

import (
	"context"
	"net"
	"sync"
)

// TCPMode selects the behaviour of a TCP test server.
type TCPMode uint8

// TCP modes, as in tcpecho.py.
const (
	// Echo sends back everything it receives until the client closes.
	Echo TCPMode = iota
	// Banner sends Banner first, then echoes.
	Banner
	// Silent reads and never answers.
	Silent
	// Close closes each connection at once.
	Close
)

// BannerText is the line sent by a Banner server.
const BannerText = "220 corpus-echo ready\r\n"

// TCP is a raw TCP test server.
type TCP struct {
	Mode TCPMode

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// Serve accepts connections on l until ctx is done or l fails, then closes
// every open connection and waits for their goroutines.
func (t *TCP) Serve(ctx context.Context, l net.Listener) error {
	return serve(ctx, l, &t.mu, &t.conns, &t.wg, t.handle)
}

func (t *TCP) handle(c net.Conn) {
	switch t.Mode {
	case Close:
		return
	case Banner:
		if _, err := c.Write([]byte(BannerText)); err != nil {
			return
		}
	}
	buf := make([]byte, 65536)
	for {
		n, err := c.Read(buf)
		if n > 0 && t.Mode != Silent {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
