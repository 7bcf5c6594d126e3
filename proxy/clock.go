package proxy

import "time"

// now reads the proxy's one clock (Options.Now, time.Now by default).
// Every instant the proxy records — accept, the stream marks behind the
// timers, the log date, server state changes, the tunnel's activity — is
// read here, so a test or a caller that injects a clock sees all of them
// move together. Socket deadlines are computed from the same readings;
// an injected clock must therefore run at the pace of the real one.
func (p *Proxy) now() time.Time { return p.opts.Now() }
