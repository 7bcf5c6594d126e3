package dq

// AckSet is the set of acknowledged ids at or above a low watermark (every
// id below it is acknowledged): a bitmap from the watermark's word, so
// acknowledging and testing an id cost no allocation or hashing, whatever
// order the acknowledgements come in. The zero value is an empty set with
// watermark 0.
type AckSet struct {
	low   uint64   // every id below it is acknowledged
	base  uint64   // id of bit 0 of words[0], a multiple of 64
	words []uint64 // bits of base, base+1, ...
	n     int      // ids set at or above the watermark
}

// Set adds id; it reports false if id was already in the set or below
// the watermark.
func (s *AckSet) Set(id uint64) bool {
	if id < s.low {
		return false
	}
	w, b := int((id-s.base)>>6), uint64(1)<<((id-s.base)&63)
	for w >= len(s.words) {
		s.words = append(s.words, 0)
	}
	if s.words[w]&b != 0 {
		return false
	}
	s.words[w] |= b
	s.n++
	return true
}

// Has reports whether id was set (ids below the watermark count as set).
func (s *AckSet) Has(id uint64) bool {
	if id < s.low {
		return true
	}
	w := int((id - s.base) >> 6)
	return w < len(s.words) && s.words[w]&(uint64(1)<<((id-s.base)&63)) != 0
}

// Len is the number of ids set above the watermark.
func (s *AckSet) Len() int { return s.n }

// Low is the watermark: every id below it is acknowledged.
func (s *AckSet) Low() uint64 { return s.low }

// Advance moves the watermark past every id set from it on and returns
// it; the words below it are dropped.
func (s *AckSet) Advance() uint64 {
	low := s.low
	for {
		w := int((low - s.base) >> 6)
		if w >= len(s.words) {
			break
		}
		bit := (low - s.base) & 63
		if bit == 0 && s.words[w] == ^uint64(0) {
			s.n -= 64
			low += 64
			continue
		}
		if s.words[w]&(uint64(1)<<bit) == 0 {
			break
		}
		s.n--
		low++
	}
	s.low = low
	if k := int((low - s.base) >> 6); k > 0 {
		k = min(k, len(s.words))
		s.base += uint64(k) << 6
		if rest := len(s.words) - k; rest <= 64 {
			// A short live tail: move it down and keep the array.
			copy(s.words, s.words[k:])
			s.words = s.words[:rest]
		} else {
			s.words = s.words[k:]
			// Copy down only once the dead head is large: O(1)
			// amortised.
			if cap(s.words) > 2*len(s.words)+1024 {
				s.words = append([]uint64(nil), s.words...)
			}
		}
	}
	return low
}

// Reset empties the set and puts its watermark at low.
func (s *AckSet) Reset(low uint64) {
	s.base, s.low = low&^63, low
	s.words = s.words[:0]
	if low > s.base {
		// ids in [base, low) are below the watermark: mark them.
		s.words = append(s.words, uint64(1)<<(low-s.base)-1)
	}
	s.n = 0
}
