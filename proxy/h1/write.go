package h1

import "strconv"

// AppendRequestLine appends the request line HAProxy forwards: the
// method, target and version separated by one SP; a version above 1.1 is
// sent as HTTP/1.1, 1.0 and 0.9 as received.
func AppendRequestLine(dst []byte, m *Message) []byte {
	dst = append(dst, m.Method...)
	dst = append(dst, ' ')
	dst = append(dst, m.Target...)
	dst = append(dst, ' ')
	if m.HTTP11() {
		dst = append(dst, "HTTP/1.1"...)
	} else {
		dst = append(dst, m.Version...)
	}
	return append(dst, "\r\n"...)
}

// AppendHeader appends "name: value\r\n" with the name in lower case, as
// HAProxy's H1 output writes it.
func AppendHeader(dst, name, value []byte) []byte {
	dst = AppendLower(dst, name)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// AppendLower appends b in ASCII lower case.
func AppendLower(dst, b []byte) []byte {
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// AppendRequest appends the whole normalised request head: the request
// line and every forwarded field, and "connection: close" when close is
// set, then the empty line. The proxy writes its own additions
// (x-forwarded-for, cookie rewriting) between the fields and the end
// with the functions above; this is the plain form.
func AppendRequest(dst []byte, m *Message, close bool) []byte {
	dst = AppendRequestLine(dst, m)
	for i := range m.Headers {
		h := &m.Headers[i]
		if !h.Skip {
			dst = AppendHeader(dst, h.Name, h.Value)
		}
	}
	if close && m.HTTP11() {
		dst = append(dst, "connection: close\r\n"...)
	}
	if !m.HTTP11() && !close && !m.Chunked {
		dst = append(dst, "connection: keep-alive\r\n"...)
	}
	return append(dst, "\r\n"...)
}

// AppendChunkHeader appends the size line of a chunk of n bytes.
func AppendChunkHeader(dst []byte, n int) []byte {
	dst = strconv.AppendInt(dst, int64(n), 16)
	return append(dst, "\r\n"...)
}

// AppendChunk appends one chunk holding p (nothing for an empty p: a
// zero-size chunk would end the body).
func AppendChunk(dst, p []byte) []byte {
	if len(p) == 0 {
		return dst
	}
	dst = AppendChunkHeader(dst, len(p))
	dst = append(dst, p...)
	return append(dst, "\r\n"...)
}

// AppendLastChunk appends the zero-size chunk.
func AppendLastChunk(dst []byte) []byte { return append(dst, "0\r\n"...) }

// AppendTrailer appends a trailer line returned by the decoder, name in
// lower case.
func AppendTrailer(dst, ln []byte) []byte {
	name, value := TrailerField(ln)
	return AppendHeader(dst, name, value)
}
