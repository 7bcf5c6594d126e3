package h1

// ErrorOffset returns where in b, a response head that ParseResponse
// refused, HAProxy 2.6 reports the error (the "error offset" of its
// errorfile alert): the first byte its parser could not take in the status
// line or a header line, 0 when the status line is whole but its version
// is not HTTP/x.y, the value of a second, different Content-Length.
func ErrorOffset(b []byte) int {
	i := 0
	for i < len(b) && b[i] != ' ' && b[i] != '\r' && b[i] != '\n' {
		i++
	}
	for i < len(b) && b[i] == ' ' {
		i++
	}
	for j := 0; i < len(b) && b[i] != ' ' && b[i] != '\r' && b[i] != '\n'; i, j = i+1, j+1 {
		if b[i] < '0' || b[i] > '9' {
			return i
		}
	}
	end := indexLF(b, i)
	if end < 0 {
		return 0
	}
	i = end + 1
	if !validVersion(firstWord(b)) {
		return 0
	}
	var cl []byte
	for i < len(b) && b[i] != '\r' && b[i] != '\n' {
		start := i
		for i < len(b) && b[i] != ':' {
			if !tchar[b[i]] {
				return i
			}
			i++
		}
		name := b[start:i]
		i++ // ':'
		for i < len(b) && isSP(b[i]) {
			i++
		}
		vstart := i
		for i < len(b) && b[i] != '\n' {
			if b[i] == '\r' && i+1 < len(b) && b[i+1] != '\n' {
				return i + 1
			}
			i++
		}
		v := trimRight(b[vstart:i])
		if EqualFold(name, "content-length") {
			if cl != nil && string(cl) != string(v) {
				return vstart
			}
			cl = v
		}
		i++
	}
	return 0
}

func indexLF(b []byte, i int) int {
	for ; i < len(b); i++ {
		if b[i] == '\n' {
			return i
		}
	}
	return -1
}

func firstWord(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] != ' ' && b[i] != '\r' && b[i] != '\n' {
		i++
	}
	return b[:i]
}

func trimRight(b []byte) []byte {
	for len(b) > 0 && (isSP(b[len(b)-1]) || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
