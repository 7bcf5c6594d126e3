package genlog

// nextTCP appends one tcplog line (option tcplog) for a weighted TCP
// service.
func (g *Generator) nextTCP(dst []byte) []byte {
	r := &g.r
	svc := &g.tcp[g.tcpAlias.sample(r)]
	spec := svc.spec
	ac := g.walkAC()
	fc := max(ac/20-r.intn(ac/80+1), 1)
	bc := max(fc-r.intn(fc/4+1), 1)
	var c [4]int
	tw, tc := 0, 0
	if r.intn(10) < 3 {
		tc = 1
	}
	tt := r.exp(spec.ttMean) + tc + 1
	bytes := r.exp(spec.bytesAvg)
	server := svc.servers.get(r.intn(svc.servers.len()))
	ts := [2]byte{'-', '-'}
	switch x := r.intn(1000); {
	case x < 30:
		ts = [2]byte{'C', 'D'}
	case x < 45:
		ts = [2]byte{'c', 'D'}
		tt += 600000
	case x < 50:
		ts = [2]byte{'s', 'D'}
		tt += 600000
	case x < 70:
		ts = [2]byte{'S', 'C'}
		tc, bytes, c[3] = -1, 0, 3
		tt = 3000 + r.intn(10)
	case x < 75:
		ts = [2]byte{'S', 'C'}
		server = nil
		tw, tc, bytes, tt = -1, -1, 0, 0
		bc = 0
	}
	c[0], c[1] = fc, bc
	if server != nil {
		c[2] = min(bc/len(spec.servers)+r.intn(3), bc)
	}
	dst = g.appendHead(dst, tt)
	dst = append(dst, svc.fe...)
	dst = append(dst, ' ')
	if server != nil {
		dst = append(dst, server...)
	} else {
		dst = append(dst, svc.nosrv...)
	}
	dst = append(dst, ' ')
	dst = appendSlashed(dst, tw, tc, tt)
	dst = append(dst, ' ')
	dst = appendInt(dst, bytes)
	dst = append(dst, ' ')
	dst = append(dst, ts[:]...)
	dst = append(dst, ' ')
	return g.appendConn(dst, c, false, 0, 0)
}

// appendHead appends the syslog prefix (dated at the end of the session,
// when HAProxy emits the line), the client address and the accept date.
func (g *Generator) appendHead(dst []byte, durMs int) []byte {
	r := &g.r
	accMs := g.nowUs / 1000
	if g.prefix != PrefixNone {
		sec := floorDiv(accMs+int64(max(durMs, 0)), 1000)
		if sec != g.preSec {
			g.preSec = sec
			g.preBuf = g.appendPrefixDate(g.preBuf[:0], sec)
			g.preBuf = append(g.preBuf, g.tail...)
		}
		dst = append(dst, g.preBuf...)
	}
	var ci int
	if r.intn(5) == 0 {
		ci = r.intn(g.heavy)
	} else {
		ci = r.intn(g.nClients)
	}
	dst = g.appendClient(dst, ci)
	dst = append(dst, ':')
	dst = appendInt(dst, r.rangeIn(1024, 65535))
	dst = append(dst, " ["...)
	sec := floorDiv(accMs, 1000)
	if sec != g.accSec {
		g.accSec = sec
		g.renderAcceptDate(sec)
	}
	dst = append(dst, g.accDate[:]...)
	ms := int(accMs - sec*1000)
	dst = append(dst, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), ']', ' ')
	return dst
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
