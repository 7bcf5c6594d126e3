package formats

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Append renders r with the format f and appends the line (without a
// trailing newline) to dst. It never allocates when dst has room, so
// callers append into pooled buffers. Like HAProxy, a separator (a run of
// spaces in the format) prints one space only when something other than a
// separator was printed before it.
//
// Append does not cut the line; the syslog framing (Framer) applies the
// `len` limit of each log target. HAProxy also builds the line in a buffer
// of the largest `len` of all targets, so a caller that wants that cut too
// (visible only with headerless framings such as `format raw`) truncates the
// line to that length minus one; HAProxy's cut never splits a '#XX' escape,
// a plain truncation may.
func (f *Format) Append(dst []byte, r *Record) []byte {
	lastSep := true // nothing printed yet counts as a separator
	for i := range f.nodes {
		n := &f.nodes[i]
		switch n.kind {
		case nodeSep:
			if !lastSep {
				dst = append(dst, ' ')
				lastSep = true
			}
		case nodeText:
			dst = append(dst, n.text...)
			lastSep = false
		default:
			var printed bool
			dst, printed = appendVar(dst, n, r)
			if printed {
				lastSep = false
			}
		}
	}
	return dst
}

// appendVar appends one variable. printed is false only for the capture
// variables of a frontend without captures, which print nothing at all.
func appendVar(dst []byte, n *node, r *Record) (_ []byte, printed bool) {
	fl := n.flags
	switch n.v {
	case varClientIP, varFrontIP, varBackIP, varServerIP:
		return appendIP(dst, *addrOf(r, n.v), fl), true
	case varClientPort, varFrontPort, varBackPort, varServerPort:
		return appendPort(dst, *addrOf(r, n.v), fl), true

	case varDate:
		return appendDateMs(dst, r.AcceptTime), true
	case varDateGMT:
		return appendDateZone(dst, r.AcceptTime.UTC()), true
	case varDateLocal:
		return appendDateZone(dst, r.AcceptTime), true
	case varDateTs:
		return appendUint(dst, uint64(uint32(r.AcceptTime.Unix())), fl), true
	case varDateMs:
		ms := r.AcceptTime.Nanosecond() / 1e6
		if fl&flagHex != 0 {
			return appendHex(dst, uint64(ms), 2), true
		}
		return append(dst, byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10)), true
	case varReqDate:
		return appendDateMs(dst, r.requestTime()), true
	case varReqDateGMT:
		return appendDateZone(dst, r.requestTime().UTC()), true
	case varReqDateLocl:
		return appendDateZone(dst, r.requestTime()), true

	case varFrontend, varBackend, varReqCook, varRespCook, varUniqueID, varHostname, varSSLCiph, varSSLVer:
		return appendText(dst, *fieldOf(r, n.v).(*string), fl), true
	case varFrontendTLS:
		return appendFrontendTLS(dst, r, fl), true
	case varServer:
		s := r.Server
		if s == "" {
			s = "<NOSRV>"
		}
		return appendText(dst, s, fl), true

	case varTh, varTi, varTR, varTq, varTw, varTc, varTr, varTd, varBytesIn:
		return strconv.AppendInt(dst, *fieldOf(r, n.v).(*int64), 10), true
	case varTa, varTt, varTu, varBytesOut:
		return appendASAP(dst, *fieldOf(r, n.v).(*int64), r.LogASAP), true

	case varTermSt:
		return append(dst, termByte(r.TermState[0]), termByte(r.TermState[1])), true
	case varTermStCk:
		ts := &r.TermState
		return append(dst, termByte(ts[0]), termByte(ts[1]), termByte(ts[2]), termByte(ts[3])), true

	case varStatus, varActConn, varFeConn, varBeConn, varSrvConn, varSrvQ, varBackQ:
		return strconv.AppendInt(dst, int64(*fieldOf(r, n.v).(*int)), 10), true
	case varRetries:
		if r.Redispatched {
			dst = append(dst, '+')
		}
		return strconv.AppendInt(dst, int64(r.Retries), 10), true

	case varHdrReq:
		return appendCaptureBlock(dst, r.ReqHeaders, fl)
	case varHdrResp:
		return appendCaptureBlock(dst, r.RespHeaders, fl)
	case varHdrReqList:
		return appendCaptureList(dst, r.ReqHeaders, fl)
	case varHdrRespList:
		return appendCaptureList(dst, r.RespHeaders, fl)

	case varReq, varHTTPMethod, varHTTPURI, varHTTPPath, varHTTPPathOnly, varHTTPQuery, varHTTPVersion:
		return appendRequestPart(dst, n.v, r, fl), true

	case varPID:
		return appendUint(dst, uint64(r.PID), fl), true
	case varCounter:
		return appendUint(dst, r.ReqCounter, fl), true
	case varLogCount:
		return appendUint(dst, r.LogCounter, fl), true
	}
	return appendSample(dst, n, r), true
}

// appendSample renders the supported %[...] sample fetches. Fetches that
// would fail in HAProxy (an SSL fetch on a clear connection, a missing
// capture) print like an absent string.
func appendSample(dst []byte, n *node, r *Record) []byte {
	fl := n.flags
	var buf [40]byte
	b := buf[:0] // the value, when it is computed rather than stored
	switch n.v {
	case smpSrc:
		b = sampleAddr(b, r.ClientAddr)
	case smpSrcPort:
		b = samplePort(b, r.ClientAddr)
	case smpDst:
		b = sampleAddr(b, r.FrontendAddr)
	case smpDstPort:
		b = samplePort(b, r.FrontendAddr)
	case smpSSLFc:
		b = appendBool(b, r.FrontendSSL)
	case smpFcErr:
		b = strconv.AppendInt(b, int64(r.ConnErr), 10)
	case smpSNI:
		if r.FrontendSSL {
			return appendText(dst, r.SNI, fl)
		}
	case smpSSLFcErr:
		if r.FrontendSSL {
			b = strconv.AppendUint(b, r.SSLErr, 10)
		}
	case smpSSLFcErrX:
		if r.FrontendSSL {
			b = appendHex(b, r.SSLErr, 16)
		}
	case smpSSLCErr:
		if r.FrontendSSL {
			b = strconv.AppendInt(b, int64(r.SSLClientErr), 10)
		}
	case smpSSLCCAErr:
		if r.FrontendSSL {
			b = strconv.AppendInt(b, int64(r.SSLClientCAErr), 10)
		}
	case smpSSLResumed:
		// A boolean fetch: false (0) on a clear connection, as HAProxy
		// logs it ("0/-/-/-/0").
		b = appendBool(b, r.FrontendSSL && r.SSLResumed)
	case smpCapReq:
		if n.arg < len(r.ReqHeaders) {
			return appendText(dst, r.ReqHeaders[n.arg], fl)
		}
	case smpCapRes:
		if n.arg < len(r.RespHeaders) {
			return appendText(dst, r.RespHeaders[n.arg], fl)
		}
	}
	return appendText(dst, b, fl)
}

// sampleAddr appends the address of ap (the src and dst fetches), nothing
// when it is unknown.
func sampleAddr(b []byte, ap netip.AddrPort) []byte {
	if ap.Addr().IsValid() {
		b = ap.Addr().AppendTo(b)
	}
	return b
}

// samplePort appends the port of ap in decimal (src_port, dst_port),
// nothing when the address is unknown.
func samplePort(b []byte, ap netip.AddrPort) []byte {
	if ap.Addr().IsValid() {
		b = strconv.AppendUint(b, uint64(ap.Port()), 10)
	}
	return b
}

func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, '1')
	}
	return append(dst, '0')
}

func appendASAP(dst []byte, v int64, asap bool) []byte {
	if asap {
		dst = append(dst, '+')
	}
	return strconv.AppendInt(dst, v, 10)
}

func termByte(b byte) byte {
	if b == 0 {
		return '-'
	}
	return b
}

// appendUint prints v in decimal, or with the X flag as HAProxy's "%04X".
func appendUint(dst []byte, v uint64, fl uint8) []byte {
	if fl&flagHex != 0 {
		return appendHex(dst, v, 4)
	}
	return strconv.AppendUint(dst, v, 10)
}

const hexDigits = "0123456789ABCDEF"

// appendHex prints v in upper-case hexadecimal, zero-padded to width.
func appendHex(dst []byte, v uint64, width int) []byte {
	var buf [16]byte
	i := len(buf)
	for v != 0 || i > len(buf)-width {
		i--
		buf[i] = hexDigits[v&15]
		v >>= 4
		if i == 0 {
			break
		}
	}
	return append(dst, buf[i:]...)
}

// appendText is HAProxy's lf_text: an optionally quoted string, "-" when
// empty (mandatory flag, no quotes), with the E flag's backslash escapes.
func appendText[T string | []byte](dst []byte, s T, fl uint8) []byte {
	if fl&flagQuote != 0 {
		dst = append(dst, '"')
	}
	switch {
	case len(s) > 0 && fl&flagEscape != 0:
		dst = appendEncoded(dst, s, &noEncode, fl)
	case len(s) > 0:
		dst = append(dst, s...)
	case fl&(flagQuote|flagMandatory) == flagMandatory:
		dst = append(dst, '-')
	}
	if fl&flagQuote != 0 {
		dst = append(dst, '"')
	}
	return dst
}

func appendFrontendTLS(dst []byte, r *Record, fl uint8) []byte {
	if fl&flagQuote != 0 {
		dst = append(dst, '"')
	}
	if r.Frontend == "" {
		dst = append(dst, '-') // HAProxy names are never empty
	}
	dst = append(dst, r.Frontend...)
	if r.FrontendSSL {
		dst = append(dst, '~')
	}
	if fl&flagQuote != 0 {
		dst = append(dst, '"')
	}
	return dst
}

// appendIP is HAProxy's lf_ip: the address as text (quoted with Q), or
// its bytes in hexadecimal with X; "-" when unknown.
func appendIP(dst []byte, ap netip.AddrPort, fl uint8) []byte {
	a := ap.Addr()
	if !a.IsValid() {
		return appendText(dst, "", fl)
	}
	if fl&flagHex != 0 {
		if a.Is4() {
			b := a.As4()
			return appendHexBytes(dst, b[:])
		}
		b := a.As16()
		return appendHexBytes(dst, b[:])
	}
	if fl&flagQuote != 0 {
		dst = append(dst, '"')
	}
	dst = a.AppendTo(dst)
	if fl&flagQuote != 0 {
		dst = append(dst, '"')
	}
	return dst
}

func appendHexBytes(dst []byte, b []byte) []byte {
	for _, c := range b {
		dst = append(dst, hexDigits[c>>4], hexDigits[c&15])
	}
	return dst
}

// appendPort is HAProxy's lf_port: decimal (never quoted) or 4 hex digits.
func appendPort(dst []byte, ap netip.AddrPort, fl uint8) []byte {
	if !ap.Addr().IsValid() {
		return appendText(dst, "", fl)
	}
	if fl&flagHex != 0 {
		return appendHex(dst, uint64(ap.Port()), 4)
	}
	return strconv.AppendUint(dst, uint64(ap.Port()), 10)
}

// encodeMap marks the bytes a '#XX' encoding replaces.
type encodeMap [256]bool

func makeEncodeMap(extra string) encodeMap {
	var m encodeMap
	for i := range m {
		m[i] = i < 0x20 || i >= 0x7f
	}
	for i := 0; i < len(extra); i++ {
		m[extra[i]] = true
	}
	return m
}

// The escaping HAProxy applies: header captures encode '"#{|}' and
// non-printable bytes, the request line only '"#' and non-printable bytes.
// They are read-only after package initialisation.
var (
	hdrEncode = makeEncodeMap(`"#{|}`)
	urlEncode = makeEncodeMap(`"#`)
	noEncode  encodeMap
)

// appendEncoded writes s with '#XX' for the bytes of m and, with the E flag,
// a backslash before '"', '\' and ']'.
func appendEncoded[T string | []byte](dst []byte, s T, m *encodeMap, fl uint8) []byte {
	esc := fl&flagEscape != 0
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if m[c] {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '#', hexDigits[c>>4], hexDigits[c&15])
			start = i + 1
		} else if esc && (c == '"' || c == '\\' || c == ']') {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', c)
			start = i + 1
		}
	}
	return append(dst, s[start:]...)
}

// appendCaptureBlock renders %hr/%hs: "{v1|v2}", nothing when no capture
// is configured.
func appendCaptureBlock(dst []byte, caps []string, fl uint8) ([]byte, bool) {
	if len(caps) == 0 {
		return dst, false
	}
	if fl&flagQuote != 0 {
		dst = append(dst, '"')
	}
	dst = append(dst, '{')
	for i, c := range caps {
		if i > 0 {
			dst = append(dst, '|')
		}
		dst = appendEncoded(dst, c, &hdrEncode, fl)
	}
	dst = append(dst, '}')
	if fl&flagQuote != 0 {
		dst = append(dst, '"')
	}
	return dst, true
}

// appendCaptureList renders %hrl/%hsl: one space-separated field per
// capture, "-" (or `""` with Q) for a missing header.
func appendCaptureList(dst []byte, caps []string, fl uint8) ([]byte, bool) {
	for i, c := range caps {
		if i > 0 {
			dst = append(dst, ' ')
		}
		if fl&flagQuote != 0 {
			dst = append(dst, '"')
		}
		if c != "" {
			dst = appendEncoded(dst, c, &hdrEncode, fl)
		} else if fl&flagQuote == 0 {
			dst = append(dst, '-')
		}
		if fl&flagQuote != 0 {
			dst = append(dst, '"')
		}
	}
	return dst, len(caps) > 0
}

const badReq = "<BADREQ>"

// appendRequestPart renders %r and the %H* variables from the request line
// cut to RequestLineMax bytes, as HAProxy derives them from its copy of the
// request line.
func appendRequestPart(dst []byte, v varID, r *Record, fl uint8) []byte {
	if fl&flagQuote != 0 {
		dst = append(dst, '"')
	}
	m, u, ver, sp1, sp2 := r.requestLine()
	if r.Method == "" {
		dst = append(dst, badReq...)
	} else {
		switch v {
		case varReq:
			dst = appendEncoded(dst, m, &urlEncode, fl)
			if sp1 {
				dst = append(dst, ' ')
				dst = appendEncoded(dst, u, &urlEncode, fl)
			}
			if sp2 {
				dst = append(dst, ' ')
				dst = appendEncoded(dst, ver, &urlEncode, fl)
			}
		case varHTTPMethod:
			if !sp1 {
				m = badReq
			}
			dst = appendEncoded(dst, m, &urlEncode, fl)
		case varHTTPVersion:
			if ver == "" {
				ver = "HTTP/0.9"
			}
			dst = appendEncoded(dst, ver, &urlEncode, fl)
		default:
			if !sp1 {
				dst = append(dst, badReq...)
				break
			}
			dst = appendEncoded(dst, uriPart(v, u), &urlEncode, fl)
		}
	}
	if fl&flagQuote != 0 {
		dst = append(dst, '"')
	}
	return dst
}

// uriPart returns the part of the URI %HU, %HP, %HPO or %HQ shows.
func uriPart(v varID, u string) string {
	if i := strings.IndexAny(u, " \t"); i >= 0 {
		u = u[:i]
	}
	switch v {
	case varHTTPPath:
		if i := strings.IndexByte(u, '?'); i >= 0 {
			u = u[:i]
		}
	case varHTTPPathOnly:
		if i := strings.IndexByte(u, '?'); i >= 0 {
			u = u[:i]
		}
		if i := strings.Index(u, "://"); i >= 0 && strings.IndexByte(u[:i], '/') < 0 {
			u = u[i+3:]
			if j := strings.IndexByte(u, '/'); j >= 0 {
				u = u[j:]
			} else {
				u = ""
			}
		}
	case varHTTPQuery:
		if i := strings.IndexByte(u, '?'); i >= 0 {
			u = u[i:]
		} else {
			u = ""
		}
	}
	return u
}

var monthNames = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// appendDate writes "dd/Mon/yyyy:HH:MM:SS" for t in its location.
func appendDate(dst []byte, t time.Time) []byte {
	year, month, day := t.Date()
	hh, mm, ss := t.Clock()
	dst = append2(dst, day)
	dst = append(dst, '/')
	dst = append(dst, monthNames[month-1]...)
	dst = append(dst, '/')
	dst = append4(dst, year)
	dst = append(dst, ':')
	dst = append2(dst, hh)
	dst = append(dst, ':')
	dst = append2(dst, mm)
	dst = append(dst, ':')
	return append2(dst, ss)
}

// appendDateMs writes %t's "dd/Mon/yyyy:HH:MM:SS.mmm".
func appendDateMs(dst []byte, t time.Time) []byte {
	dst = appendDate(dst, t)
	ms := t.Nanosecond() / 1e6
	return append(dst, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
}

// appendDateZone writes %T/%Tl's "dd/Mon/yyyy:HH:MM:SS +hhmm".
func appendDateZone(dst []byte, t time.Time) []byte {
	dst = appendDate(dst, t)
	_, off := t.Zone()
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	dst = append(dst, ' ', sign)
	dst = append2(dst, off/3600)
	return append2(dst, off%3600/60)
}

func append2(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/10%10), byte('0'+v%10))
}

func append4(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/1000%10), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}
