package proxy

import (
	"errors"
	"fmt"
	"strings"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/proxy/config"
)

// Validate reports what the runtime cannot do with cfg although the
// configuration package accepted it, so that nothing is ignored silently.
// Alerts are settings that would change behaviour if ignored (cmd/proxy
// refuses to start and "-c" fails; New rejects an invalid rule value and
// a TLS setup it cannot build); warnings name settings without effect
// here. Each diagnostic carries the file and line of the setting, or of
// its section when the setting has no line of its own (settings inherited
// from a defaults section are reported once per proxy).
func Validate(cfg *config.Config) []*config.Diag {
	var v validator
	g := &cfg.Global
	for _, pc := range cfg.Proxies {
		if pc.Disabled {
			continue
		}
		v.proxy(pc, g.SSLServerVerify)
	}
	return v.out
}

type validator struct {
	out []*config.Diag
}

func (v *validator) alert(file string, line int, format string, args ...any) {
	v.out = append(v.out, config.Alertf(file, line, format, args...))
}

func (v *validator) warn(file string, line int, format string, args ...any) {
	v.out = append(v.out, config.Warnf(file, line, format, args...))
}

func (v *validator) proxy(pc *config.Proxy, cfgVerify string) {
	f, l := pc.File, pc.Line
	where := fmt.Sprintf("proxy '%s'", pc.Name)
	if _, err := compileRules(pc); err != nil {
		var ce *config.Diag
		if errors.As(err, &ce) {
			v.alert(ce.File, ce.Line, "%s", ce.Msg)
		} else {
			v.alert(f, l, "%v", err)
		}
	}
	for _, b := range pc.Binds {
		if b.SSL {
			v.bindTLS(pc, &b)
		}
		if b.AcceptProxy {
			v.alert(b.File, b.Line, "'bind' : 'accept-proxy' is not supported by this implementation (no PROXY protocol).")
		}
		if b.DeferAccept || b.TFO {
			v.warn(b.File, b.Line, "'bind' : 'defer-accept' and 'tfo' are ignored by this implementation (accept-time tuning only).")
		}
	}
	for _, s := range pc.Servers {
		if s.SendProxy {
			v.alert(s.File, s.Line, "'server %s' : 'send-proxy' is not supported by this implementation (no PROXY protocol).", s.Name)
		}
		if s.SSL {
			v.serverTLS(pc, s, cfgVerify)
		}
		if s.MaxQueue > 0 {
			v.alert(s.File, s.Line, "'server %s' : 'maxqueue' is not supported by this implementation (only the backend queue and 'timeout queue' apply).", s.Name)
		}
		if s.SlowStart > 0 {
			v.alert(s.File, s.Line, "'server %s' : 'slowstart' is not supported by this implementation (full weight at once).", s.Name)
		}
	}
	if c := pc.Compression; c != nil && c.Offload && pc.Mode == config.ModeHTTP {
		v.alert(c.File, c.Line, "%s : 'compression offload' is not supported by this implementation (Accept-Encoding would reach the server).", where)
	}
	if pc.LogASAP {
		v.alert(f, l, "%s : 'option logasap' is not supported by this implementation: lines are logged at the end of the stream.", where)
	}
	if pc.UniqueIDFormat != "" {
		if _, err := formats.Compile(pc.UniqueIDFormat); err != nil {
			v.alert(f, l, "%s : unique-id-format: %v", where, err)
		}
	}
	if pc.ErrorLogFormat != "" || pc.LogFormatSD != "" {
		v.alert(f, l, "%s : 'error-log-format'/'log-format-sd' are not supported by this implementation.", where)
	}
	t := pc.Timeouts
	if t.ClientFin > 0 || t.ServerFin > 0 {
		v.alert(f, l, "%s : 'timeout client-fin' and 'timeout server-fin' are not supported by this implementation (client/server timeouts apply after a half-close).", where)
	}
	if pc.BalanceURIWhole || pc.BalanceURILen > 0 || pc.BalanceURIDepth > 0 {
		v.alert(f, l, "%s : 'balance uri' options 'whole', 'len' and 'depth' are not supported by this implementation (the path is hashed).", where)
	}
}

// bindTLS reports what an "ssl" bind line asks that crypto/tls cannot do.
func (v *validator) bindTLS(pc *config.Proxy, b *config.Bind) {
	if _, err := bindTLS(b, pc.Mode); err != nil {
		v.alert(b.File, b.Line, "'bind' : %s", stripWhere(err))
	}
	if pc.Mode == config.ModeHTTP {
		for _, p := range strings.Split(b.ALPN, ",") {
			if p != "" && p != "http/1.1" && p != "http/1.0" {
				v.alert(b.File, b.Line, "'bind' : 'alpn' : '%s' is not supported by this implementation (it speaks HTTP/1.x only).", p)
			}
		}
	}
}

// serverTLS reports what a "ssl" server asks that cannot be done.
func (v *validator) serverTLS(pc *config.Proxy, s *config.Server, defVerify string) {
	if verifyMode(s, defVerify) != "none" && s.CAFile == "" {
		v.alert(s.File, s.Line, "'server %s/%s' : verify is enabled by default but no CA file specified. If you're running on a LAN where you're certain to trust the server's certificate, please set an explicit 'verify none' statement on the 'server' line, or use 'ssl-server-verify none' in the global section to disable server-side verifications by default.", pc.Name, s.Name)
	} else if _, err := serverTLS(s, defVerify); err != nil {
		v.alert(s.File, s.Line, "'server %s/%s' : %s", pc.Name, s.Name, stripWhere(err))
	}
}

// stripWhere drops the "file:line: bind: " prefix bindTLS and serverTLS
// put on their errors (the diagnostic carries the location).
func stripWhere(err error) string {
	msg := err.Error()
	for _, sep := range []string{": bind: ", ": server "} {
		if i := strings.Index(msg, sep); i >= 0 {
			rest := msg[i+len(sep):]
			if sep == ": server " {
				if j := strings.Index(rest, ": "); j >= 0 {
					rest = rest[j+2:]
				}
			}
			return rest
		}
	}
	return msg
}
