package h1

// ChunkEvent is what [ChunkDecoder.Next] found.
type ChunkEvent uint8

// Chunk decoder events.
const (
	// NeedMore: the input ends inside a framing element; call again with
	// more data (n framing bytes may have been consumed).
	NeedMore ChunkEvent = iota
	// Data: p is payload (a subslice of the input).
	Data
	// LastChunk: the zero-size chunk was read; trailers follow.
	LastChunk
	// Trailer: p is one trailer field line, validated, without its line
	// end.
	Trailer
	// End: the empty line after the trailers was read; the body is over.
	End
)

type chunkState uint8

const (
	stSize chunkState = iota
	stData
	stDataEnd
	stTrailer
	stDone
)

// maxChunkSize is HAProxy's chunk size limit (2^52 - 1).
const maxChunkSize = 1<<52 - 1

// ChunkDecoder decodes a chunked body incrementally. The zero value is
// ready; Reset makes it reusable.
type ChunkDecoder struct {
	Limits *Limits
	state  chunkState
	left   int64
	// Trailers counts the trailer fields seen.
	Trailers int
}

// Reset prepares d for a new body.
func (d *ChunkDecoder) Reset(lim *Limits) { *d = ChunkDecoder{Limits: lim} }

// Done reports whether the whole body was decoded.
func (d *ChunkDecoder) Done() bool { return d.state == stDone }

// Next decodes from b. It returns the bytes of b consumed, the event and
// for Data and Trailer the bytes concerned. Errors are *Error values.
//
// The rules are HAProxy's with the later 2.6.x hardening: the size is
// hex digits (at least one, below 2^52), then optional SP/HTAB, an
// optional extension and CRLF (a bare LF is rejected since 4837e9989);
// chunk data ends with CRLF (7b737da82). Stricter than HAProxy 2.6.12:
// an extension may not hold CTLs other than HTAB, nor unbalanced quotes;
// a trailer is a well-formed field (token name, no NUL or bare CR, no
// obs-fold).
func (d *ChunkDecoder) Next(b []byte) (n int, ev ChunkEvent, p []byte, err error) {
	switch d.state {
	case stSize:
		return d.size(b)
	case stData:
		if len(b) == 0 {
			return 0, NeedMore, nil, nil
		}
		k := int64(len(b))
		if k > d.left {
			k = d.left
		}
		d.left -= k
		if d.left == 0 {
			d.state = stDataEnd
		}
		return int(k), Data, b[:k], nil
	case stDataEnd:
		if len(b) < 2 {
			if len(b) == 1 && b[0] != '\r' {
				return 0, NeedMore, nil, fail(BadChunkEnd)
			}
			return 0, NeedMore, nil, nil
		}
		if b[0] != '\r' || b[1] != '\n' {
			return 0, NeedMore, nil, fail(BadChunkEnd)
		}
		d.state = stSize
		return 2, NeedMore, nil, nil
	case stTrailer:
		return d.trailer(b)
	}
	return 0, End, nil, nil
}

func (d *ChunkDecoder) lineLimit() int {
	if d.Limits == nil || d.Limits.MaxChunkLine <= 0 {
		return 16384 - 1024
	}
	return d.Limits.MaxChunkLine
}

// size parses "HEX [BWS] [;ext] CRLF".
func (d *ChunkDecoder) size(b []byte) (int, ChunkEvent, []byte, error) {
	var v int64
	i := 0
	for ; i < len(b); i++ {
		c := b[i]
		var x byte
		switch {
		case c >= '0' && c <= '9':
			x = c - '0'
		case c >= 'a' && c <= 'f':
			x = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			x = c - 'A' + 10
		default:
			goto digitsDone
		}
		v = v<<4 | int64(x)
		if v > maxChunkSize {
			return 0, NeedMore, nil, fail(BadChunkSize)
		}
	}
digitsDone:
	if i == len(b) {
		return 0, NeedMore, nil, d.tooLong(len(b))
	}
	if i == 0 {
		return 0, NeedMore, nil, fail(BadChunkSize)
	}
	for i < len(b) && isSP(b[i]) {
		i++
	}
	if i < len(b) && b[i] == ';' {
		k, err := extension(b[i:])
		if err != nil {
			return 0, NeedMore, nil, err
		}
		if k < 0 {
			return 0, NeedMore, nil, d.tooLong(len(b))
		}
		i += k
	}
	if i >= len(b) || (b[i] == '\r' && i+1 >= len(b)) {
		return 0, NeedMore, nil, d.tooLong(len(b))
	}
	if b[i] != '\r' || b[i+1] != '\n' {
		return 0, NeedMore, nil, fail(BadChunkSize) // bare LF or CR, or garbage
	}
	i += 2
	if v == 0 {
		d.state = stTrailer
		return i, LastChunk, nil, nil
	}
	d.left = v
	d.state = stData
	return i, NeedMore, nil, nil
}

// tooLong is the error for an incomplete line of n bytes: none until the
// line limit.
func (d *ChunkDecoder) tooLong(n int) error {
	if n >= d.lineLimit() {
		return fail(BadChunkExtension)
	}
	return nil
}

// extension checks chunk extensions starting at b[0] == ';' and returns
// their length up to the CR, or -1 when b ends first. Quoted strings may
// hold any byte but CTLs (HTAB allowed) and must be closed; outside
// quotes only tokens, '=', ';' and BWS are allowed.
func extension(b []byte) (int, error) {
	quoted := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case quoted && c == '\\':
			i++
			if i < len(b) && (b[i] < 0x20 && b[i] != '\t' || b[i] == 0x7f) {
				return 0, fail(BadChunkExtension)
			}
		case quoted && c == '"':
			quoted = false
		case quoted:
			if c < 0x20 && c != '\t' || c == 0x7f {
				return 0, fail(BadChunkExtension)
			}
		case c == '\r':
			return i, nil
		case c == '"':
			quoted = true
		case c == ';' || c == '=' || isSP(c) || tchar[c]:
		default:
			return 0, fail(BadChunkExtension)
		}
	}
	return -1, nil
}

// trailer reads one trailer line or the final empty line.
func (d *ChunkDecoder) trailer(b []byte) (int, ChunkEvent, []byte, error) {
	i := 0
	for i < len(b) && b[i] != '\n' {
		i++
	}
	if i == len(b) {
		if i >= d.lineLimit() {
			return 0, NeedMore, nil, fail(BadTrailer)
		}
		for k := 0; k+1 < len(b); k++ {
			if b[k] == '\r' && b[k+1] != '\n' {
				return 0, NeedMore, nil, fail(BadTrailer)
			}
		}
		return 0, NeedMore, nil, nil
	}
	ln := b[:i]
	if len(ln) > 0 && ln[len(ln)-1] == '\r' {
		ln = ln[:len(ln)-1]
	}
	if len(ln) == 0 {
		d.state = stDone
		return i + 1, End, nil, nil
	}
	if err := d.checkTrailer(ln); err != nil {
		return 0, NeedMore, nil, err
	}
	d.Trailers++
	return i + 1, Trailer, ln, nil
}

func (d *ChunkDecoder) checkTrailer(ln []byte) error {
	n := 0
	for n < len(ln) && tchar[ln[n]] {
		n++
	}
	if n == 0 || n == len(ln) || ln[n] != ':' {
		return fail(BadTrailer)
	}
	if d.Limits != nil && n > d.Limits.MaxNameLen {
		return fail(BadTrailer)
	}
	if d.Limits != nil && d.Trailers+1 >= d.Limits.MaxHeaders {
		return fail(BadTrailer)
	}
	for _, c := range ln[n+1:] {
		if c == 0 || c == '\r' {
			return fail(BadTrailer)
		}
	}
	return nil
}

// TrailerField splits a line returned with the Trailer event into name
// and value (OWS removed).
func TrailerField(ln []byte) (name, value []byte) {
	i := 0
	for i < len(ln) && ln[i] != ':' {
		i++
	}
	name = ln[:i]
	if i < len(ln) {
		value = ln[i+1:]
	}
	for len(value) > 0 && isSP(value[0]) {
		value = value[1:]
	}
	for len(value) > 0 && isSP(value[len(value)-1]) {
		value = value[:len(value)-1]
	}
	return name, value
}
