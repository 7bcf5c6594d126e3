package formats

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// variable parses one variable into p.r.
func (p *parser) variable(n *node) error {
	r, fl := p.r, n.flags
	switch n.v {
	case varClientIP, varFrontIP, varBackIP, varServerIP:
		return p.addr(addrOf(r, n.v), fl)
	case varClientPort, varFrontPort, varBackPort, varServerPort:
		return p.port(addrOf(r, n.v), fl)

	case varDate, varDateGMT, varDateLocal:
		t, err := p.date(n.v == varDate)
		r.AcceptTime = keepMs(t, r.AcceptTime)
		return err
	case varReqDate, varReqDateGMT, varReqDateLocl:
		t, err := p.date(n.v == varReqDate)
		r.RequestTime = keepMs(t, r.RequestTime)
		return err
	case varDateTs:
		v, err := p.integer(fl)
		if r.AcceptTime.IsZero() {
			r.AcceptTime = time.Unix(v, 0).In(p.opt.Location)
		}
		return err
	case varDateMs:
		v, err := p.integer(fl)
		if err == nil && (v < 0 || v > 999) {
			return fmt.Errorf("%w: milliseconds out of range", ErrSyntax)
		}
		t := r.AcceptTime
		r.AcceptTime = t.Add(time.Duration(v)*time.Millisecond - time.Duration(t.Nanosecond()))
		return err

	case varFrontend, varBackend, varReqCook, varRespCook, varUniqueID, varHostname, varSSLCiph, varSSLVer:
		return p.setText(fieldOf(r, n.v).(*string), fl)
	case varFrontendTLS:
		err := p.setText(&r.Frontend, fl)
		if s := r.Frontend; len(s) > 0 && s[len(s)-1] == '~' {
			r.Frontend, r.FrontendSSL = s[:len(s)-1], true
			if r.Frontend == "-" && fl&flagQuote == 0 {
				r.Frontend = ""
			}
		}
		return err
	case varServer:
		err := p.setText(&r.Server, fl)
		if r.Server == "<NOSRV>" {
			r.Server = ""
		}
		return err

	case varTh, varTi, varTR, varTq, varTw, varTc, varTr, varTd, varBytesIn:
		v, err := p.integer(0)
		*fieldOf(r, n.v).(*int64) = v
		return err
	case varTa, varTt, varTu, varBytesOut:
		return p.asap(fieldOf(r, n.v).(*int64))

	case varTermSt:
		return p.termState(2)
	case varTermStCk:
		return p.termState(4)

	case varStatus, varActConn, varFeConn, varBeConn, varSrvConn, varSrvQ, varBackQ:
		return p.setInt(fieldOf(r, n.v).(*int))
	case varRetries:
		v, plus, err := p.number(false)
		r.Retries, r.Redispatched = int(v), plus
		return err

	case varHdrReq:
		if p.opt.ReqCaptures == 0 && p.opt.RespCaptures > 0 {
			return nil // known to print nothing
		}
		return p.captureBlock(&r.ReqHeaders, p.opt.ReqCaptures, fl)
	case varHdrResp:
		return p.captureBlock(&r.RespHeaders, p.opt.RespCaptures, fl)
	case varHdrReqList:
		return p.captureList(&r.ReqHeaders, p.opt.ReqCaptures, fl)
	case varHdrRespList:
		return p.captureList(&r.RespHeaders, p.opt.RespCaptures, fl)

	case varReq:
		return p.request(fl)
	case varHTTPMethod, varHTTPURI, varHTTPPath, varHTTPPathOnly, varHTTPQuery, varHTTPVersion:
		return p.requestPart(n.v, fl)

	case varPID:
		v, err := p.integer(fl)
		r.PID = int(v)
		return err
	case varCounter:
		v, err := p.integer(fl)
		r.ReqCounter = uint64(v)
		return err
	case varLogCount:
		v, err := p.integer(fl)
		r.LogCounter = uint64(v)
		return err
	}
	return p.sample(n)
}

// keepMs returns t, keeping the sub-second part of prev when t has none
// (a %T date read after %ms).
func keepMs(t, prev time.Time) time.Time {
	if t.Nanosecond() == 0 && !prev.IsZero() {
		return t.Add(time.Duration(prev.Nanosecond()))
	}
	return t
}

// addrOf returns the address of r an address or port variable (%ci %cp,
// %fi %fp, %bi %bp, %si %sp) prints or reads.
func addrOf(r *Record, v varID) *netip.AddrPort {
	switch v {
	case varClientIP, varClientPort:
		return &r.ClientAddr
	case varFrontIP, varFrontPort:
		return &r.FrontendAddr
	case varBackIP, varBackPort:
		return &r.BackendAddr
	}
	return &r.ServerAddr
}

// fieldOf returns the field of r that a stored variable reads (Parse) or
// prints (Append): *int64 for the timers %Th ... %Td, the logasap numbers
// %Ta %Tt %Tu %B and %U; *int for %ST and the counts and queue positions
// %ac %fc %bc %sc %sq %bq; *string for the texts %f %b %CC %CS %ID %H
// %sslc %sslv. nil for any other variable.
func fieldOf(r *Record, v varID) any {
	switch v {
	case varTh:
		return &r.Th
	case varTi:
		return &r.Ti
	case varTR:
		return &r.TR
	case varTq:
		return &r.Tq
	case varTw:
		return &r.Tw
	case varTc:
		return &r.Tc
	case varTr:
		return &r.Tr
	case varTd:
		return &r.Td
	case varTa:
		return &r.Ta
	case varTt:
		return &r.Tt
	case varTu:
		return &r.Tu
	case varBytesOut:
		return &r.BytesOut
	case varBytesIn:
		return &r.BytesIn

	case varStatus:
		return &r.Status
	case varActConn:
		return &r.ActConn
	case varFeConn:
		return &r.FeConn
	case varBeConn:
		return &r.BeConn
	case varSrvConn:
		return &r.SrvConn
	case varSrvQ:
		return &r.SrvQueue
	case varBackQ:
		return &r.BackendQueue

	case varFrontend:
		return &r.Frontend
	case varBackend:
		return &r.Backend
	case varReqCook:
		return &r.ReqCookie
	case varRespCook:
		return &r.RespCookie
	case varUniqueID:
		return &r.UniqueID
	case varHostname:
		return &r.Hostname
	case varSSLCiph:
		return &r.SSLCipher
	case varSSLVer:
		return &r.SSLVersion
	}
	return nil
}

func (p *parser) setText(dst *string, fl uint8) error {
	s, err := p.text(fl)
	*dst = s
	return err
}

func (p *parser) setInt(dst *int) error {
	v, err := p.integer(0)
	*dst = int(v)
	return err
}

// asap reads a number that `option logasap` prefixes with '+'.
func (p *parser) asap(dst *int64) error {
	v, plus, err := p.number(false)
	*dst = v
	if plus {
		p.r.LogASAP = true
	}
	return err
}

func (p *parser) termState(n int) error {
	rest := p.line[p.pos:]
	if len(rest) < n {
		n = len(rest)
		p.trunc = true
	}
	copy(p.r.TermState[:], rest[:n])
	p.pos += n
	return nil
}

// captureBlock reads %hr or %hs: `{a|b}` (quoted with Q) or nothing. A
// variable seen twice keeps its first value.
func (p *parser) captureBlock(dst *[]string, n int, fl uint8) error {
	q := fl&flagQuote != 0
	rest := p.line[p.pos:]
	if q && len(rest) > 0 && rest[0] == '"' {
		rest = rest[1:]
	}
	opened := !q || p.pos < len(p.line) && p.line[p.pos] == '"'
	if p.noCaps || len(rest) == 0 || rest[0] != '{' || !opened {
		p.noCaps = p.noCaps || n > 0
		return nil
	}
	rest = rest[1:]
	end := 0
	for end < len(rest) && rest[end] != '}' {
		end++
	}
	body := rest[:end]
	consumed := len(p.line) - len(rest) + end - p.pos
	if end == len(rest) {
		p.trunc = true
	} else {
		consumed++ // '}'
		if q {
			if end+1 < len(rest) && rest[end+1] == '"' {
				consumed++
			} else {
				p.trunc = true
			}
		}
	}
	p.pos += consumed
	var caps []string
	for {
		i := 0
		for i < len(body) && body[i] != '|' {
			i++
		}
		caps = append(caps, decode(body[:i], fl))
		if i == len(body) {
			break
		}
		body = body[i+1:]
	}
	if *dst == nil {
		*dst = caps
	}
	return nil
}

// captureList reads %hrl or %hsl: n space-separated fields.
func (p *parser) captureList(dst *[]string, n int, fl uint8) error {
	if n == 0 || p.noCaps || p.atEnd() || !startsCapture(p.line[p.pos], fl) {
		// A log without a stream (bad request) prints no captures at all.
		p.noCaps = n > 0
		return nil
	}
	caps := make([]string, 0, n)
	for i := 0; i < n; i++ {
		if i > 0 {
			if p.atEnd() {
				p.trunc = true
				break
			}
			if p.line[p.pos] != ' ' {
				return fmt.Errorf("%w: expected %d captures", ErrSyntax, n)
			}
			if p.pos+1 == len(p.line) {
				// Cut after the space: leave it to the next separator.
				p.trunc = true
				break
			}
			p.pos++
		}
		var b []byte
		var err error
		if fl&flagQuote != 0 {
			b, err = p.quoted(false)
		} else {
			start := p.pos
			for p.pos < len(p.line) && p.line[p.pos] != ' ' {
				p.pos++
			}
			b = p.line[start:p.pos]
			if string(b) == "-" {
				b = nil
			}
		}
		if err != nil {
			return err
		}
		caps = append(caps, decode(b, fl))
		if p.trunc {
			break
		}
	}
	*dst = caps
	return nil
}

// startsCapture reports whether c can open a %hrl/%hsl field: a quote with
// Q, else anything the '#XX' encoding leaves (not '"', '{', '|' or '}').
func startsCapture(c byte, fl uint8) bool {
	if fl&flagQuote != 0 {
		return c == '"'
	}
	return !hdrEncode[c]
}

// request reads %r: the request line or <BADREQ>.
func (p *parser) request(fl uint8) error {
	var b []byte
	var err error
	if fl&flagQuote != 0 {
		b, err = p.quoted(false)
	} else {
		// Unquoted: the request line is three words, or <BADREQ>.
		start := p.pos
		if rest := p.line[p.pos:]; bytes.HasPrefix(rest, []byte(badReq)) &&
			(len(rest) == len(badReq) || int(rest[len(badReq)]) == p.stop) {
			p.pos += len(badReq)
			return nil
		}
		for words := 0; p.pos < len(p.line); p.pos++ {
			if p.line[p.pos] == ' ' {
				if words++; words == 3 {
					break
				}
			}
		}
		if words := p.line[start:p.pos]; len(words) > 0 && words[len(words)-1] == ' ' {
			p.pos--
		}
		b = p.line[start:p.pos]
		if p.atEnd() {
			p.trunc = true
		}
	}
	if err != nil || string(b) == badReq {
		return err
	}
	r := p.r
	sp1 := bytes.IndexByte(b, ' ')
	if sp1 < 0 {
		r.Method = decode(b, fl)
		return nil
	}
	r.Method = decode(b[:sp1], fl)
	rest := b[sp1+1:]
	sp2 := bytes.LastIndexByte(rest, ' ')
	if sp2 < 0 {
		r.URI = decode(rest, fl)
		return nil
	}
	r.URI = decode(rest[:sp2], fl)
	r.Version = decode(rest[sp2+1:], fl)
	return nil
}

// requestPart reads %HM, %HU, %HP, %HPO, %HQ or %HV.
func (p *parser) requestPart(v varID, fl uint8) error {
	b, err := p.str(fl, true)
	if err != nil {
		return err
	}
	if string(b) == badReq {
		return nil
	}
	s := decode(b, fl)
	r := p.r
	switch v {
	case varHTTPMethod:
		r.Method = s
	case varHTTPURI:
		r.URI = s
	case varHTTPPath, varHTTPPathOnly:
		if r.URI == "" {
			r.URI = s
		}
	case varHTTPQuery:
		if strings.IndexByte(r.URI, '?') < 0 {
			r.URI += s
		}
	case varHTTPVersion:
		r.Version = s
	}
	return nil
}

// sample reads the value of a supported %[...] fetch.
func (p *parser) sample(n *node) error {
	r := p.r
	s, err := p.text(n.flags)
	if err != nil || s == "" {
		return err
	}
	var num int64
	switch n.v {
	case smpSrc, smpDst, smpSrcPort, smpDstPort, smpSNI, smpCapReq, smpCapRes:
	case smpSSLFcErrX:
		for i := 0; i < len(s); i++ {
			d, ok := unhex(s[i])
			if !ok {
				return fmt.Errorf("%w: bad hexadecimal value", ErrSyntax)
			}
			num = num<<4 | int64(d)
		}
	default:
		v, ok := atoi(s)
		if !ok {
			return fmt.Errorf("%w: expected a number", ErrSyntax)
		}
		num = v
	}
	switch n.v {
	case smpSrc:
		return p.setAddr(&r.ClientAddr, s)
	case smpDst:
		return p.setAddr(&r.FrontendAddr, s)
	case smpSrcPort, smpDstPort:
		// Ports printed through samples are kept with %cp/%fp only.
	case smpSSLFc:
		r.FrontendSSL = num != 0
	case smpSNI:
		r.SNI = s
	case smpFcErr:
		r.ConnErr = int(num)
	case smpSSLFcErr, smpSSLFcErrX:
		r.SSLErr = uint64(num)
	case smpSSLCErr:
		r.SSLClientErr = int(num)
	case smpSSLCCAErr:
		r.SSLClientCAErr = int(num)
	case smpSSLResumed:
		r.SSLResumed = num != 0
	case smpCapReq:
		setCapture(&r.ReqHeaders, n.arg, s)
	case smpCapRes:
		setCapture(&r.RespHeaders, n.arg, s)
	}
	return nil
}

func (p *parser) setAddr(ap *netip.AddrPort, s string) error {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSyntax, err)
	}
	*ap = netip.AddrPortFrom(a, ap.Port())
	return nil
}

func setCapture(dst *[]string, i int, s string) {
	for len(*dst) <= i {
		*dst = append(*dst, "")
	}
	(*dst)[i] = s
}

func atoi(s string) (int64, bool) {
	neg := false
	if s != "" && s[0] == '-' {
		neg, s = true, s[1:]
	}
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		v = v*10 + int64(s[i]-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}
