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
// Listen an ssl bind); warnings name settings without effect here. Each diagnostic carries the file and line of the setting, or of
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
		v.proxy(pc)
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

func (v *validator) proxy(pc *config.Proxy) {
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
			v.alert(b.File, b.Line, "'bind' : 'ssl' is not supported by this implementation (no TLS termination).")
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
	if pc.ExternalCheck != nil {
		v.warn(f, l, "%s : 'option external-check' is not supported by this implementation: a plain TCP connect check is used instead.", where)
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
