package proxy

import (
	"errors"
	"fmt"
	"strings"

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
func Validate(cfg *config.Config) []config.Diag {
	var v validator
	g := &cfg.Global
	if g.Chroot != "" || g.User != "" || g.Group != "" || g.UID >= 0 || g.GID >= 0 {
		v.warn(g.File, g.Line, "'chroot', 'user', 'group', 'uid' and 'gid' are not supported by this implementation: the process keeps its directory and privileges.")
	}
	if g.UlimitN > 0 {
		v.warn(g.File, g.Line, "'ulimit-n' is not applied by this implementation: the process keeps its RLIMIT_NOFILE.")
	}
	for _, sc := range g.StatsSockets {
		if sc.User != "" || sc.Group != "" {
			v.warn(sc.File, sc.Line, "'stats socket' : 'user'/'group' are ignored by this implementation: the socket belongs to the process user.")
		}
		if sc.ExposeFDListeners {
			v.warn(sc.File, sc.Line, "'stats socket' : 'expose-fd listeners' is ignored by this implementation (no socket transfer; reloads rely on SO_REUSEPORT).")
		}
	}
	v.logs(g.Logs)
	for _, pc := range cfg.Proxies {
		if pc.Disabled {
			continue
		}
		v.proxy(pc, g.SSLServerVerify)
	}
	return v.out
}

type validator struct {
	out []config.Diag
}

func (v *validator) alert(file string, line int, format string, args ...any) {
	v.out = append(v.out, config.Diag{Level: config.LevelAlert, File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) warn(file string, line int, format string, args ...any) {
	v.out = append(v.out, config.Diag{Level: config.LevelWarning, File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) logs(ts []config.LogTarget) {
	for _, t := range ts {
		if t.Addr.Network == "unix" || t.Addr.Network == "unixgram" {
			v.alert(t.File, t.Line, "'log' : UNIX socket targets are not supported by this implementation (use a UDP address, stdout or stderr).")
		}
	}
}

func (v *validator) proxy(pc *config.Proxy, cfgVerify string) {
	f, l := pc.File, pc.Line
	where := fmt.Sprintf("proxy '%s'", pc.Name)
	if _, err := compileRules(pc); err != nil {
		var ce *config.Error
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
		if b.Transparent {
			v.warn(b.File, b.Line, "'bind' : 'transparent' is ignored by this implementation.")
		}
		if b.V4V6 || b.V6Only || b.DeferAccept || b.TFO {
			v.warn(b.File, b.Line, "'bind' : 'v4v6', 'v6only', 'defer-accept' and 'tfo' are ignored by this implementation (Go's socket defaults apply).")
		}
	}
	v.logs(pc.Logs)
	for _, s := range pc.Servers {
		if s.SendProxy {
			v.alert(s.File, s.Line, "'server %s' : 'send-proxy' is not supported by this implementation (no PROXY protocol).", s.Name)
		}
		if s.SSL {
			v.serverTLS(pc, s, cfgVerify)
		}
		if s.MaxQueue > 0 {
			v.warn(s.File, s.Line, "'server %s' : 'maxqueue' is ignored by this implementation (only the backend queue and 'timeout queue' apply).", s.Name)
		}
		if s.SlowStart > 0 {
			v.warn(s.File, s.Line, "'server %s' : 'slowstart' is ignored by this implementation (full weight at once).", s.Name)
		}
	}
	if pc.Compression != nil {
		v.warn(f, l, "%s : 'compression' is ignored by this implementation: responses are forwarded uncompressed.", where)
	}
	if pc.LogASAP {
		v.warn(f, l, "%s : 'option logasap' is ignored by this implementation: lines are logged at the end of the stream.", where)
	}
	if pc.UniqueIDFormat != "" || pc.UniqueIDHeader != "" {
		v.warn(f, l, "%s : 'unique-id-format'/'unique-id-header' are ignored by this implementation (no header is added, %%ID logs '-').", where)
	}
	if pc.ErrorLogFormat != "" || pc.LogFormatSD != "" {
		v.warn(f, l, "%s : 'error-log-format'/'log-format-sd' are ignored by this implementation.", where)
	}
	t := pc.Timeouts
	if t.Tunnel > 0 || t.ClientFin > 0 || t.ServerFin > 0 {
		v.warn(f, l, "%s : 'timeout tunnel', 'timeout client-fin' and 'timeout server-fin' are ignored by this implementation (client/server timeouts apply).", where)
	}
	if ck := pc.Cookie; ck != nil {
		var set []string
		for _, o := range []struct {
			on   bool
			name string
		}{{ck.NoCache, "nocache"}, {ck.PostOnly, "postonly"}, {ck.Preserve, "preserve"}, {ck.Dynamic, "dynamic"},
			{len(ck.Attrs) > 0, "attr"}, {ck.MaxIdle > 0, "maxidle"}, {ck.MaxLife > 0, "maxlife"}} {
			if o.on {
				set = append(set, "'"+o.name+"'")
			}
		}
		if len(set) > 0 {
			v.warn(f, l, "%s : 'cookie' option(s) %s ignored by this implementation.", where, strings.Join(set, ", "))
		}
	}
	if pc.BalanceURIWhole || pc.BalanceURILen > 0 || pc.BalanceURIDepth > 0 {
		v.warn(f, l, "%s : 'balance uri' options 'whole', 'len' and 'depth' are ignored by this implementation (the path is hashed).", where)
	}
	if st := pc.Stats; st != nil && st.Admin != nil {
		v.warn(f, l, "%s : 'stats admin' is ignored by this implementation (the stats page is read-only; use the stats socket).", where)
	}
}

// bindTLS reports what an "ssl" bind line asks that crypto/tls cannot do.
func (v *validator) bindTLS(pc *config.Proxy, b *config.Bind) {
	if _, err := bindTLS(b, pc.Mode); err != nil {
		v.alert(b.File, b.Line, "'bind' : %s", stripWhere(err))
	}
	if b.Ciphers != "" {
		if ids, unknown := parseCiphers(b.Ciphers); len(unknown) > 0 {
			v.warn(b.File, b.Line, "'bind' : 'ciphers' : %s", cipherNote(ids, unknown))
		}
	}
	if b.SSLMinVer == "SSLv3" || b.SSLMaxVer == "SSLv3" {
		v.warn(b.File, b.Line, "'bind' : SSLv3 is not supported by this implementation: TLSv1.0 is used instead.")
	}
	if pc.Mode == config.ModeHTTP {
		for _, p := range strings.Split(b.ALPN, ",") {
			if p != "" && p != "http/1.1" && p != "http/1.0" {
				v.warn(b.File, b.Line, "'bind' : 'alpn' : '%s' is not offered: this implementation speaks HTTP/1.x only.", p)
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
	if s.Ciphers != "" {
		if ids, unknown := parseCiphers(s.Ciphers); len(unknown) > 0 {
			v.warn(s.File, s.Line, "'server %s/%s' : 'ciphers' : %s", pc.Name, s.Name, cipherNote(ids, unknown))
		}
	}
}

func cipherNote(ids []uint16, unknown []string) string {
	what := "the listed suites it knows are used"
	if len(ids) == 0 {
		what = "Go's default suites are used"
	}
	return fmt.Sprintf("'%s' not understood by this implementation (it takes OpenSSL suite names, no expressions): %s.", strings.Join(unknown, ":"), what)
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
