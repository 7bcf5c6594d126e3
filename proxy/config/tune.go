package config

// minBufSize is the smallest tune.bufsize haproxy 2.6.12 starts with:
// below it its built-in error pages do not fit a buffer and -c fails
// ("invalid default message for HTTP return code ...": measured, 336
// refused, 352 accepted).
const minBufSize = 352

// minMaxHdr is the smallest tune.http.maxhdr haproxy 2.6.12 starts with:
// its built-in 400 and 408 pages carry 4 header fields (measured: 4
// refused, 5 accepted).
const minMaxHdr = 5

// globalTune reads tune.bufsize, tune.maxrewrite and tune.http.maxhdr as
// haproxy 2.6 does: C atol/atoi values (trailing junk ignored), bufsize
// rounded up to a multiple of 16 in an int, the same range checks and
// messages.
func (p *parser) globalTune(w []string) {
	kw := w[0]
	if len(w) > 2 {
		p.alertErr(p.line, ErrSyntax, "'%s' cannot handle unexpected argument '%s'.", kw, w[2])
		return
	}
	if len(w) < 2 || w[1] == "" {
		p.alertErr(p.line, ErrSyntax, "'%s' expects an integer argument.", kw)
		return
	}
	t := &p.cfg.Global.Tune
	n := int32(atol(w[1])) // stored in a C int
	switch kw {
	case "tune.bufsize":
		// Rounded up in size_t arithmetic, then stored back in the int:
		// 2147483647 becomes negative, -5 becomes 0.
		n = int32((uint64(int64(n)) + 15) &^ 15)
		if n <= 0 {
			p.alertErr(p.line, ErrSyntax, "'%s' expects a positive integer argument.", kw)
			return
		}
		t.BufSize = int(n)
		p.bufsizeAt = p.at(p.line)
	case "tune.maxrewrite":
		if n < 0 {
			p.alertErr(p.line, ErrSyntax, "'%s' expects a positive integer argument.", kw)
			return
		}
		t.MaxRewrite = int(n)
	case "tune.http.maxhdr":
		if n < 1 || n > 32767 {
			p.alertErr(p.line, ErrSyntax, "'%s' expects a numeric value between 1 and 32767", kw)
			return
		}
		t.MaxHdr = int(n)
		p.maxhdrAt = p.at(p.line)
	}
}

// finishTune applies what haproxy does once the configuration is read:
// maxrewrite is at most half the buffer, and the buffer and the header
// count limit must let its built-in error pages through (haproxy
// reports each page that does not fit, without a position).
func (p *parser) finishTune() {
	t := &p.cfg.Global.Tune
	if t.MaxRewrite >= t.BufSize/2 {
		t.MaxRewrite = t.BufSize / 2
	}
	if t.BufSize < minBufSize {
		p.add(p.bufsizeAt.Errorf("", "'tune.bufsize' %d is too small: the built-in error pages need at least %d bytes.", t.BufSize, minBufSize), ErrSyntax)
	}
	if t.MaxHdr < minMaxHdr {
		p.add(p.maxhdrAt.Errorf("", "'tune.http.maxhdr' %d is too small: the built-in error pages need at least %d.", t.MaxHdr, minMaxHdr), ErrSyntax)
	}
}
