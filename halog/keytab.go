package halog

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
)

// keytab maps byte-string keys (server names, URLs, client addresses) to
// values of type V (their statistics), stored with the keys' entries in
// order of first insertion, in pages of entPage entries (after a first
// page that grows like a slice): a table of many keys (-ic on 200k client
// addresses) grows without copying its entries. Keys are copied into one arena (no
// per-key allocation, no pointers for the GC to scan). Lookups of keys up
// to 16 bytes compare two machine words and the length; longer keys are
// hashed with hash/maphash and compared in full.
type keytab[V any] struct {
	slots []slot // open addressing, linear probing; len is a power of 2
	pages [][]keyEnt[V]
	n     int // number of entries
	arena []byte
	shift uint8  // 64 - log2(len(slots))
	last  int32  // entry of the last hit, -1 if none
	sink  uint32 // receives the loads of touch
	seed  uint64
	mseed maphash.Seed
}

type slot struct {
	tag uint32 // high bits of the hash | 1, 0 if the slot is empty
	ent uint32
}

type keyEnt[V any] struct {
	w0, w1 uint64 // first and last 8 bytes (zero-padded), see keyWords
	off    uint64 // key bytes: arena[off:off+n]
	n      uint32
	val    V
}

func newKeytab[V any]() keytab[V] {
	const initial = 64
	return keytab[V]{
		slots: make([]slot, initial),
		shift: uint8(64 - bits.TrailingZeros(initial)),
		last:  -1,
		seed:  rand.Uint64() | 1,
		mseed: maphash.MakeSeed(),
	}
}

// keyWords returns the first and the last 8 bytes of k as integers (the
// bytes of a shorter key in w0, w1 = 0). With the length they identify any
// key of up to 16 bytes.
func keyWords(k []byte) (w0, w1 uint64) {
	if n := len(k); n >= 8 {
		return binary.LittleEndian.Uint64(k), binary.LittleEndian.Uint64(k[n-8:])
	}
	for i := len(k) - 1; i >= 0; i-- {
		w0 = w0<<8 | uint64(k[i])
	}
	return w0, 0
}

func (t *keytab[V]) hash(k []byte, w0, w1 uint64) uint64 {
	if len(k) > 16 {
		return maphash.Bytes(t.mseed, k)
	}
	h := (w0 ^ t.seed) * 0x9E3779B97F4A7C15
	h ^= (bits.RotateLeft64(w1, 31) ^ uint64(len(k))) * 0xC2B2AE3D27D4EB4F
	return h ^ h>>29
}

// entPage is the number of entries of a page (a power of 2).
const entPage = 1 << 12

// len returns the number of keys.
func (t *keytab[V]) len() int { return t.n }

// ent returns entry i.
func (t *keytab[V]) ent(i int) *keyEnt[V] { return &t.pages[i/entPage][i%entPage] }

// val returns the value of entry i (valid until the next insertion).
func (t *keytab[V]) val(i int) *V { return &t.ent(i).val }

// key returns the bytes of entry i (valid until the next insertion).
func (t *keytab[V]) key(i int) []byte {
	e := t.ent(i)
	return t.arena[e.off : e.off+uint64(e.n)]
}

// add appends an entry.
func (t *keytab[V]) add(e keyEnt[V]) {
	if t.n%entPage == 0 && t.n > 0 {
		t.pages = append(t.pages, make([]keyEnt[V], 0, entPage))
	} else if t.n == 0 {
		t.pages = append(t.pages[:0], nil)
	}
	p := &t.pages[len(t.pages)-1]
	*p = append(*p, e)
	t.n++
}

func (t *keytab[V]) match(e *keyEnt[V], k []byte, w0, w1 uint64) bool {
	return e.w0 == w0 && e.w1 == w1 && int(e.n) == len(k) &&
		(len(k) <= 16 || bytes.Equal(t.arena[e.off:e.off+uint64(e.n)], k))
}

// get returns the value of k, inserting k with a zero value if needed
// (isNew). The pointer is valid until the next insertion.
func (t *keytab[V]) get(k []byte) (v *V, isNew bool) {
	i, isNew := t.index(k)
	return t.val(i), isNew
}

// index returns the entry of k, inserting it if needed (isNew).
func (t *keytab[V]) index(k []byte) (i int, isNew bool) {
	w0, w1 := keyWords(k)
	if t.last >= 0 && t.match(t.ent(int(t.last)), k, w0, w1) {
		return int(t.last), false
	}
	return t.indexHashed(k, w0, w1, t.hash(k, w0, w1))
}

// indexHashed is index for a key whose words (keyWords) and hash are
// known, without the check of the last hit.
func (t *keytab[V]) indexHashed(k []byte, w0, w1, h uint64) (i int, isNew bool) {
	tag := uint32(h>>32) | 1
	mask := uint64(len(t.slots) - 1)
	for s := h >> t.shift; ; s = (s + 1) & mask {
		sl := &t.slots[s]
		if sl.tag == 0 {
			break
		}
		if sl.tag == tag && t.match(t.ent(int(sl.ent)), k, w0, w1) {
			t.last = int32(sl.ent)
			return int(sl.ent), false
		}
	}
	// insert
	i = t.n
	t.add(keyEnt[V]{w0: w0, w1: w1, off: uint64(len(t.arena)), n: uint32(len(k))})
	t.arena = append(t.arena, k...)
	if 2*t.n > len(t.slots) {
		t.grow()
	} else {
		t.place(h, tag, uint32(i))
	}
	t.last = int32(i)
	return i, true
}

// touchSlot and touchEnt load the first slot of hash h and the entry it
// points to, so that looking up a batch of keys in a table too big for the
// caches overlaps their misses: touch every slot, then every entry, then
// look the keys up.
func (t *keytab[V]) touchSlot(h uint64) {
	t.sink += t.slots[h>>t.shift].tag
}

func (t *keytab[V]) touchEnt(h uint64) {
	if sl := t.slots[h>>t.shift]; sl.tag != 0 {
		t.sink += uint32(t.ent(int(sl.ent)).w0)
	}
}

// keyBatch is the number of keys addBatch looks up together.
const keyBatch = 16

// pendingKey is a key of a batch with its words and hash in some table.
type pendingKey struct {
	key    []byte
	w0, w1 uint64
	h      uint64
}

// pending returns k ready for addBatch.
func (t *keytab[V]) pending(k []byte) pendingKey {
	w0, w1 := keyWords(k)
	return pendingKey{key: k, w0: w0, w1: w1, h: t.hash(k, w0, w1)}
}

// addBatch looks up the keys of batch (inserting the missing ones) with
// their cache misses overlapped, and calls add with the value of each and
// its index in batch.
func (t *keytab[V]) addBatch(batch []pendingKey, add func(v *V, i int)) {
	for i := range batch {
		t.touchSlot(batch[i].h)
	}
	for i := range batch {
		t.touchEnt(batch[i].h)
	}
	for i := range batch {
		b := &batch[i]
		j, _ := t.indexHashed(b.key, b.w0, b.w1, b.h)
		add(t.val(j), i)
	}
}

// addAll adds every entry of o to t with add (t and o may differ in size
// and seed), in batches when t is too big for the caches.
func (t *keytab[V]) addAll(o *keytab[V], add func(dst, src *V)) {
	var batch [keyBatch]pendingKey
	var vals [keyBatch]*V
	flush := func(v *V, i int) { add(v, vals[i]) }
	nb := 0
	for j := range o.len() {
		if t.len() < keyBatchFrom {
			v, _ := t.get(o.key(j))
			add(v, o.val(j))
			continue
		}
		batch[nb], vals[nb] = t.pending(o.key(j)), o.val(j)
		if nb++; nb == keyBatch {
			t.addBatch(batch[:nb], flush)
			nb = 0
		}
	}
	t.addBatch(batch[:nb], flush)
}

// keyBatchFrom is the number of keys from which a table is looked up in
// batches (below, its slots and entries stay in the caches).
const keyBatchFrom = 1 << 14

func (t *keytab[V]) place(h uint64, tag, ent uint32) {
	mask := uint64(len(t.slots) - 1)
	s := h >> t.shift
	for t.slots[s].tag != 0 {
		s = (s + 1) & mask
	}
	t.slots[s] = slot{tag: tag, ent: ent}
}

// grow doubles the slots and re-places every entry.
func (t *keytab[V]) grow() {
	t.slots = make([]slot, 2*len(t.slots))
	t.shift--
	for i := range t.n {
		e := t.ent(i)
		k := t.arena[e.off : e.off+uint64(e.n)]
		h := t.hash(k, e.w0, e.w1)
		t.place(h, uint32(h>>32)|1, uint32(i))
	}
}
